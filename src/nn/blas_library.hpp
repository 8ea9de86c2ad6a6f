#pragma once
// OpenBLAS, loaded the first time a product needs it (common/shared_library.hpp) instead of
// linked: linked, it cost every start of `somna` ~12,000 symbol bindings and its thread pool
// (over half of the dynamic loader's work in `somna --version`), though only the products Somna's
// own kernels do not cover (gemm.hpp) call it. Set to one thread when loaded (gemm.hpp says why).

#include <cblas.h>

namespace somna::nn {

struct BlasLibrary {
  decltype(&::cblas_sgemm) sgemm = nullptr;
};

// The library, loaded once per process (thread-safe). Throws somna::Error saying what is missing
// when OpenBLAS cannot be loaded (scripts/setup installs it).
const BlasLibrary& blas_library();

}  // namespace somna::nn
