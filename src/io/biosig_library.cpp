// Loading libbiosig on first use (biosig_library.hpp).

#include "io/biosig_library.hpp"

#include <dlfcn.h>

#include "common/error.hpp"

#ifndef SOMNA_BIOSIG_SONAME
#define SOMNA_BIOSIG_SONAME "libbiosig.so.3"
#endif

namespace somna::io {
namespace {

struct Loaded {
  BiosigLibrary functions;
  std::string error;  // empty when every function was found
};

// Resolves `name` into `fn`; false (with the reason in error) when the library lacks it.
template <typename Fn>
bool resolve(void* handle, const char* name, Fn& fn, std::string& error) {
  fn = reinterpret_cast<Fn>(dlsym(handle, name));
  if (!fn) error = std::string(SOMNA_BIOSIG_SONAME " has no function ") + name;
  return fn != nullptr;
}

Loaded load() {
  Loaded l;
  // Never closed: the process keeps it, as it would a linked library.
  void* handle = dlopen(SOMNA_BIOSIG_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    l.error = std::string("libbiosig (" SOMNA_BIOSIG_SONAME ") could not be loaded: ") +
              (why ? why : "unknown error") + "; install Debian's libbiosig3 to read this format";
    return l;
  }
  BiosigLibrary& f = l.functions;
  const bool ok = resolve(handle, "constructHDR", f.construct_hdr, l.error) &&
                  resolve(handle, "destructHDR", f.destruct_hdr, l.error) &&
                  resolve(handle, "sopen", f.open, l.error) &&
                  resolve(handle, "sclose", f.close, l.error) &&
                  resolve(handle, "sread", f.read, l.error) &&
                  resolve(handle, "biosig_check_error", f.check_error, l.error) &&
                  resolve(handle, "biosig_get_startdatetime", f.start_datetime, l.error) &&
                  resolve(handle, "GetFileTypeString", f.file_type_string, l.error) &&
                  resolve(handle, "PhysDim3", f.phys_dim, l.error);
  if (!ok) l.functions = BiosigLibrary{};
  return l;
}

}  // namespace

const BiosigLibrary& biosig_library(const std::string& file) {
  static const Loaded loaded = load();  // C++11 guarantees one thread-safe initialisation
  if (!loaded.error.empty()) throw UnsupportedError(file, loaded.error);
  return loaded.functions;
}

}  // namespace somna::io
