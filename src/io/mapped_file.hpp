#pragma once
// A regular file mapped read-only into memory (mmap), for parsers that read a whole binary file
// (model files, annotation files): its bytes without a buffer to zero and copy them into, paged
// in from the page cache as the parser reads them. Loading the default model (554 KB) this way
// cut ~135 page faults from every `somna analyze`, each a few microseconds on a virtual machine.

#include <cstddef>
#include <cstdint>
#include <string>

namespace somna::io {

class MappedFile {
 public:
  // Throws io::FormatError naming the file when it cannot be opened, is not a regular file or is
  // larger than max_bytes. An empty file maps to no bytes (data() null, size() 0).
  MappedFile(const std::string& path, size_t max_bytes);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace somna::io
