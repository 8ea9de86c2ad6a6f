// The running executable's folder (program_dir.hpp).

#include "cli/program_dir.hpp"

namespace somna::cli {

std::filesystem::path program_dir() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : self.parent_path();
}

}  // namespace somna::cli
