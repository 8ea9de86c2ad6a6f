#include "io/file_write.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/error.hpp"

namespace somna::io {

void write_file(const std::string& path, std::string_view bytes) {
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> f(std::fopen(path.c_str(), "wb"));
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

}  // namespace somna::io
