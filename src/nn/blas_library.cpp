// Loading OpenBLAS on first use (blas_library.hpp).

#include "nn/blas_library.hpp"

#include <string>

#include "common/error.hpp"
#include "common/shared_library.hpp"

#ifndef SOMNA_OPENBLAS_SONAME
#define SOMNA_OPENBLAS_SONAME "libopenblas.so.0"
#endif

namespace somna::nn {
namespace {

struct Loaded {
  BlasLibrary functions;
  std::string error;  // empty when loaded
};

Loaded load() {
  Loaded l;
  SharedLibrary lib(SOMNA_OPENBLAS_SONAME);
  decltype(&::openblas_set_num_threads) set_num_threads = nullptr;
  if (!lib.resolve("cblas_sgemm", l.functions.sgemm) ||
      !lib.resolve("openblas_set_num_threads", set_num_threads)) {
    l.functions = BlasLibrary{};
    l.error = "OpenBLAS: " + lib.error() + "; install Debian's libopenblas0 (scripts/setup)";
    return l;
  }
  set_num_threads(1);
  return l;
}

}  // namespace

const BlasLibrary& blas_library() {
  static const Loaded loaded = load();  // C++11 guarantees one thread-safe initialisation
  if (!loaded.error.empty()) throw Error({}, loaded.error);
  return loaded.functions;
}

}  // namespace somna::nn
