// libFuzzer target: the CSV / plain-text reader on arbitrary text. The first byte picks the
// options (sampling frequency given or not, a channel label or index), the rest is the file.
// Any input must either give a consistent Record (every channel with fs > 0 and the same number
// of samples as it claims) or throw io::FormatError; nothing else (crash, hang, other exception).

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/error.hpp"
#include "io/csv_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  somna::io::ReadOptions options;
  const uint8_t mode = data[0];
  if (mode & 1) options.fs = 100;
  if (mode & 2) options.channel = (mode & 4) ? "ecg" : "1";
  options.header_only = (mode & 8) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const somna::io::Record rec = somna::io::parse_csv(text, "fuzz.csv", options);
    if (rec.channels.empty()) std::abort();
    if (!options.channel.empty() && rec.channels.size() != 1) std::abort();
    const int64_t n = rec.channels[0].n_samples;
    for (const auto& ch : rec.channels) {
      if (!(ch.fs > 0) || !std::isfinite(ch.fs) || ch.n_samples != n || n < 1) std::abort();
      if (!options.header_only && static_cast<int64_t>(ch.samples.size()) != n) std::abort();
      for (float v : ch.samples)
        if (std::isinf(v)) std::abort();
    }
  } catch (const somna::io::FormatError&) {
  }
  return 0;
}
