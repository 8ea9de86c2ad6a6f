// Read-only memory mapping of a whole file (mapped_file.hpp).

#include "io/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.hpp"

namespace somna::io {
namespace {

// Closes the descriptor when the constructor leaves (the mapping outlives it).
struct Descriptor {
  int fd;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

MappedFile::MappedFile(const std::string& path, size_t max_bytes) {
  const Descriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) throw FormatError(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    throw FormatError(path, "not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    throw FormatError(path, "file is too large (" + std::to_string(st.st_size) +
                                " bytes, at most " + std::to_string(max_bytes) + " expected)");
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ == 0) return;
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, file.fd, 0);
  if (p == MAP_FAILED) {
    size_ = 0;
    throw FormatError(path, std::string("cannot map into memory: ") + std::strerror(errno));
  }
  data_ = static_cast<const uint8_t*>(p);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace somna::io
