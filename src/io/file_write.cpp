// See file_write.hpp.

#include "io/file_write.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "common/error.hpp"

namespace somna::io {
namespace {

namespace fs = std::filesystem;

// Writes `bytes` to `target` (opened "wb"); errors name `path`, the file the caller asked for.
void write_whole(const std::string& target, const std::string& path, std::string_view bytes) {
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> f(std::fopen(target.c_str(), "wb"));
  if (!f) throw FormatError(path, std::string("cannot create: ") + std::strerror(errno));
  if (std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size() ||
      std::fflush(f.get()) != 0) {
    throw FormatError(path, std::string("write failed: ") + std::strerror(errno));
  }
  std::FILE* raw = f.release();
  if (std::fclose(raw) != 0) {
    throw FormatError(path, std::string("write failed: ") + std::strerror(errno));
  }
}

// True when `path` names something that must be written in place rather than replaced.
bool write_in_place(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return false;  // not there yet: create it by rename
  return !S_ISREG(st.st_mode);
}

// ".NAME.tmp.PID.N" beside `path`: unique across processes and the threads of one.
std::string temp_path_for(const std::string& path) {
  static std::atomic<unsigned long> counter{0};
  const fs::path p(path);
  const std::string name = "." + p.filename().string() + ".tmp." + std::to_string(::getpid()) +
                           "." + std::to_string(counter.fetch_add(1));
  return (p.parent_path() / name).string();
}

}  // namespace

void write_file(const std::string& path, std::string_view bytes) {
  if (write_in_place(path)) {
    write_whole(path, path, bytes);
    return;
  }
  const std::string tmp = temp_path_for(path);
  try {
    write_whole(tmp, path, bytes);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw FormatError(path, std::string("cannot create: ") + std::strerror(err));
  }
}

}  // namespace somna::io
