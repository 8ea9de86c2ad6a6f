// libFuzzer target: the EDF/BDF header validator, the EDF+ annotation (TAL) parser and the whole
// EDF reader on arbitrary bytes. An input whose header validates is read by read_edf (which
// decodes the samples and parses every TAL of every record) from an in-memory file; an input
// whose header does not validate is handed to the TAL parser as one annotation signal, so the
// TAL parser sees arbitrary bytes too. Any input must either be read consistently or throw a
// somna::Error; nothing else (crash, hang, other exception, huge allocation).
//
// Speed: the scratch file is one memfd (RAM, no file system) reused for every input, and each
// TAL is parsed once (by read_edf); the old version wrote /tmp/<pid>.edf per input and parsed the
// TALs of the first 64 records itself before read_edf parsed them all again.

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "io/edf_reader.hpp"

namespace {

// A memfd reachable by path (/proc/self/fd/N), falling back to a per-process file in /dev/shm.
struct Scratch {
  int fd = -1;
  std::string path;
  Scratch() {
    fd = ::memfd_create("somna-edf-fuzz", 0);
    if (fd >= 0) {
      path = "/proc/self/fd/" + std::to_string(fd);
    } else {
      path = "/dev/shm/somna-edf-fuzz-" + std::to_string(::getpid()) + ".edf";
      fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    }
    if (fd < 0) std::abort();
  }
  void write(const uint8_t* data, size_t size) {
    if (::ftruncate(fd, 0) != 0) std::abort();
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
  }
};

Scratch& scratch() {
  static Scratch s;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace somna::io;
  EdfHeader h;
  try {
    h = parse_edf_header(data, size, size, "fuzz.edf", size % 2 == 1);
  } catch (const somna::Error&) {
    // Not a valid header: the bytes as one annotation signal's record.
    try {
      parse_edf_tals(data, size, "fuzz.edf", "record");
    } catch (const FormatError&) {
    }
    return 0;
  }
  if (h.signals.empty() || h.signals.size() > static_cast<size_t>(kEdfMaxSignals)) std::abort();
  if (h.n_records < 0 || h.bytes_per_record <= 0) std::abort();
  if (static_cast<uint64_t>(h.header_bytes) +
          static_cast<uint64_t>(h.n_records) * static_cast<uint64_t>(h.bytes_per_record) >
      size)
    std::abort();
  scratch().write(data, size);
  ReadOptions options;
  options.allow_truncated = size % 2 == 1;
  options.keep_digital = size % 3 == 0;
  try {
    const Record rec = read_edf(scratch().path, options);
    for (const Channel& c : rec.channels) {
      if (!(c.fs > 0)) std::abort();
      if (static_cast<int64_t>(c.samples.size()) != c.n_samples) std::abort();
      if (options.keep_digital && c.digital.size() != c.samples.size()) std::abort();
    }
  } catch (const somna::Error&) {
  }
  return 0;
}
