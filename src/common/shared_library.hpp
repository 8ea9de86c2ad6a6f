#pragma once
// A shared library loaded when first needed (dlopen) instead of linked, so that a start of
// `somna` that never uses it does not pay for loading and binding it: libbiosig (formats most
// runs never see) and OpenBLAS (12,000 symbol bindings, a thread pool at load; only the layers
// Somna's own kernels do not cover call it). Loaded for the rest of the process, never closed.

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

}  // namespace somna
