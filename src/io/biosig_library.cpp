// Loading libbiosig on first use (biosig_library.hpp).

#include "io/biosig_library.hpp"

#include "common/error.hpp"
#include "common/shared_library.hpp"

#ifndef SOMNA_BIOSIG_SONAME
#define SOMNA_BIOSIG_SONAME "libbiosig.so.3"
#endif

namespace somna::io {
namespace {

struct Loaded {
  BiosigLibrary functions;
  std::string error;  // empty when every function was found
};

Loaded load() {
  Loaded l;
  SharedLibrary lib(SOMNA_BIOSIG_SONAME);
  if (!lib.loaded()) {
    l.error = "libbiosig: " + lib.error() + "; install Debian's libbiosig3 to read this format";
    return l;
  }
  BiosigLibrary& f = l.functions;
  const bool ok =
      lib.resolve("constructHDR", f.construct_hdr) && lib.resolve("destructHDR", f.destruct_hdr) &&
      lib.resolve("sopen", f.open) && lib.resolve("sclose", f.close) &&
      lib.resolve("sread", f.read) && lib.resolve("biosig_check_error", f.check_error) &&
      lib.resolve("biosig_get_startdatetime", f.start_datetime) &&
      lib.resolve("GetFileTypeString", f.file_type_string) && lib.resolve("PhysDim3", f.phys_dim);
  if (!ok) {
    l.functions = BiosigLibrary{};
    l.error = lib.error();
  }
  return l;
}

}  // namespace

const BiosigLibrary& biosig_library(const std::string& file) {
  static const Loaded loaded = load();  // C++11 guarantees one thread-safe initialisation
  if (!loaded.error.empty()) throw UnsupportedError(file, loaded.error);
  return loaded.functions;
}

}  // namespace somna::io
