// libFuzzer target: the EDF/BDF header validator and the EDF+ annotation (TAL) parser on
// arbitrary bytes, and — for inputs whose header validates and that are small — the whole EDF
// reader (libbiosig decoding included) on the same bytes written to a scratch file. Any input
// must either be read consistently or throw a somna::Error; nothing else (crash, hang, other
// exception, huge allocation).

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "io/edf_reader.hpp"

namespace {
const std::string& scratch_path() {
  static const std::string path = "/tmp/somna-edf-fuzz-" + std::to_string(::getpid()) + ".edf";
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace somna::io;
  try {
    const EdfHeader h = parse_edf_header(data, size, size, "fuzz.edf", size % 2 == 1);
    if (h.signals.empty() || h.signals.size() > static_cast<size_t>(kEdfMaxSignals)) std::abort();
    if (h.n_records < 0 || h.bytes_per_record <= 0) std::abort();
    if (static_cast<uint64_t>(h.header_bytes) +
            static_cast<uint64_t>(h.n_records) * static_cast<uint64_t>(h.bytes_per_record) >
        size)
      std::abort();
    // The TALs of every annotation signal of every record.
    int64_t offset = 0;
    for (const EdfSignalHeader& s : h.signals) {
      const int64_t bytes = s.samples_per_record * h.bytes_per_sample();
      if (s.is_annotation) {
        for (int64_t r = 0; r < h.n_records && r < 64; ++r) {
          try {
            parse_edf_tals(data + h.header_bytes + r * h.bytes_per_record + offset,
                           static_cast<size_t>(bytes), "fuzz.edf", "record");
          } catch (const FormatError&) {
          }
        }
      }
      offset += bytes;
    }
    if (size <= (64u << 10)) {
      if (FILE* f = std::fopen(scratch_path().c_str(), "wb")) {
        std::fwrite(data, 1, size, f);
        std::fclose(f);
        ReadOptions options;
        options.allow_truncated = size % 2 == 1;
        options.keep_digital = size % 3 == 0;
        const Record rec = read_edf(scratch_path(), options);
        for (const Channel& c : rec.channels) {
          if (!(c.fs > 0)) std::abort();
          if (static_cast<int64_t>(c.samples.size()) != c.n_samples) std::abort();
        }
      }
    }
  } catch (const somna::Error&) {
  }
  return 0;
}
