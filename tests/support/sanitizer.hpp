#pragma once
// Whether this test program is built with AddressSanitizer (`make test-asan`), whose allocator
// replaces glibc's malloc: tests of the heap's behaviour (what stays mapped, what RSS does) skip.

namespace somna::test {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnderSanitizer = true;  // GCC
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kUnderSanitizer = true;  // Clang
#else
constexpr bool kUnderSanitizer = false;
#endif
#else
constexpr bool kUnderSanitizer = false;
#endif

}  // namespace somna::test
