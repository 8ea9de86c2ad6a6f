#pragma once
// A shared library loaded when first needed (dlopen) instead of linked, so that a start of
// `somna` that never uses it does not pay for loading and binding it: libbiosig (formats most
// runs never see), libFLAC (FLAC-compressed WFDB signals) and OpenBLAS (12,000 symbol bindings, a
// thread pool at load; only the layers Somna's own kernels do not cover call it). Loaded for the
// rest of the process, never closed.

#include <string>

namespace somna {

class SharedLibrary {
 public:
  // dlopen(soname); on failure error() says why (dlerror's text).
  explicit SharedLibrary(const char* soname);
  bool loaded() const { return handle_ != nullptr; }
  const std::string& error() const { return error_; }

  // Sets fn to the function `name`; false (and error() names it) when missing or not loaded.
  template <typename Fn>
  bool resolve(const char* name, Fn& fn) {
    fn = reinterpret_cast<Fn>(symbol(name));
    return fn != nullptr;
  }

 private:
  void* symbol(const char* name);
  std::string soname_, error_;
  void* handle_ = nullptr;
};

// A library's functions as loaded once: all of them, or none and why (error).
template <typename Functions>
struct LoadedFunctions {
  Functions functions;
  std::string error;  // empty when every function was found
};

// Loads `soname` and fills the functions with resolve(lib, functions), false when one is missing
// (then error is the library's own: which one). When the library cannot be loaded at all, error
// is "<what>: <why>; <install>".
template <typename Functions, typename Resolve>
LoadedFunctions<Functions> load_functions(const char* soname, const std::string& what,
                                          const std::string& install, Resolve resolve) {
  LoadedFunctions<Functions> l;
  SharedLibrary lib(soname);
  if (!lib.loaded()) {
    l.error = what + ": " + lib.error() + "; " + install;
  } else if (!resolve(lib, l.functions)) {
    l.functions = Functions{};
    l.error = lib.error();
  }
  return l;
}

}  // namespace somna
