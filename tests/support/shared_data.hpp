#pragma once
// The shared data folder beside the repository (../shared/data; SOMNA_SHARED_DATA, which every
// test program defines): the WFDB conformance records and the labelled Apnea-ECG nights.

#include <filesystem>
#include <string>

// Skips the test, naming the path, where the shared data it reads is absent.
#define REQUIRE_SHARED(path)                                               \
  if (!std::filesystem::exists(path)) {                                    \
    GTEST_SKIP() << "shared data absent (" << (path) << "): test not run"; \
  }

namespace somna::test {

inline const std::string kWfdbSamples = std::string(SOMNA_SHARED_DATA) + "/wfdb-samples";
inline const std::string kApneaEcg = std::string(SOMNA_SHARED_DATA) + "/apnea-ecg";

}  // namespace somna::test
