// dlopen / dlsym behind SharedLibrary (shared_library.hpp).

#include "common/shared_library.hpp"

#include <dlfcn.h>

namespace somna {

SharedLibrary::SharedLibrary(const char* soname) : soname_(soname) {
  handle_ = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* why = dlerror();
    error_ = soname_ + " could not be loaded: " + (why ? why : "unknown error");
  }
}

void* SharedLibrary::symbol(const char* name) {
  if (!handle_) return nullptr;
  void* p = dlsym(handle_, name);
  if (!p) error_ = soname_ + " has no function " + name;
  return p;
}

}  // namespace somna
