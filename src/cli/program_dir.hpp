#pragma once
// The folder of the running `somna` executable, where its siblings live: somna-train beside it,
// and for an installed copy <prefix>/share/somna beside <prefix>/bin.

#include <filesystem>

namespace somna::cli {

// Empty when the system does not say (no /proc).
std::filesystem::path program_dir();

}  // namespace somna::cli
