// Loading libbiosig on first use (biosig_library.hpp).

#include "io/biosig_library.hpp"

#include "common/error.hpp"
#include "common/shared_library.hpp"

#ifndef SOMNA_BIOSIG_SONAME
#define SOMNA_BIOSIG_SONAME "libbiosig.so.3"
#endif

namespace somna::io {

const BiosigLibrary& biosig_library(const std::string& file) {
  // C++11 makes this one initialisation thread-safe.
  static const LoadedFunctions<BiosigLibrary> loaded = load_functions<BiosigLibrary>(
      SOMNA_BIOSIG_SONAME, "libbiosig", "install Debian's libbiosig3 to read this format",
      [](SharedLibrary& lib, BiosigLibrary& f) {
        return lib.resolve("constructHDR", f.construct_hdr) &&
               lib.resolve("destructHDR", f.destruct_hdr) && lib.resolve("sopen", f.open) &&
               lib.resolve("sclose", f.close) && lib.resolve("sread", f.read) &&
               lib.resolve("biosig_check_error", f.check_error) &&
               lib.resolve("biosig_get_startdatetime", f.start_datetime) &&
               lib.resolve("GetFileTypeString", f.file_type_string) &&
               lib.resolve("PhysDim3", f.phys_dim);
      });
  if (!loaded.error.empty()) throw UnsupportedError(file, loaded.error);
  return loaded.functions;
}

}  // namespace somna::io
