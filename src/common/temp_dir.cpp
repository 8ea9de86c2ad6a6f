#include "common/temp_dir.hpp"

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <vector>

namespace somna {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& base, std::string_view prefix) {
  const fs::path b = base.empty() ? fs::temp_directory_path() : fs::path(base);
  std::string tmpl = (b / (std::string(prefix) + "XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) {
    throw std::runtime_error(b.string() + ": cannot create a temporary folder");
  }
  path_ = buf.data();  // mkdtemp creates it with mode 0700
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (ec) spdlog::warn("{}: could not remove temporary folder ({})", path_, ec.message());
}

void TempDir::keep_as(const std::string& dest) {
  std::error_code ec;
  fs::create_directories(fs::path(dest).parent_path(), ec);
  fs::rename(path_, dest, ec);
  if (ec) {
    // Another file system: copy, then let the destructor remove the original.
    fs::copy(path_, dest, fs::copy_options::recursive, ec);
    if (ec) spdlog::warn("{}: could not keep it as {} ({})", path_, dest, ec.message());
    return;
  }
  path_.clear();
}

}  // namespace somna
