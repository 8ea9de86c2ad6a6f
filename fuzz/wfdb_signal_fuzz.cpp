// libFuzzer target: the WFDB signal decoder. Input = header text, a NUL byte, then the bytes
// every signal file the header names is served from (so one input exercises any format, frame
// layout, skew and offset). Must decode or throw a somna::Error; never crash or read past data.

#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/error.hpp"
#include "io/wfdb_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
  if (!nul) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), static_cast<size_t>(nul - data));
  const uint8_t* body = nul + 1;
  const size_t body_size = size - static_cast<size_t>(nul - data) - 1;
  try {
    const somna::io::WfdbHeader h = somna::io::parse_wfdb_header(text, "fuzz.hea");
    // Signals without a file are NaN-filled to the header's length: keep that small here (the
    // reader's own limit, 2^29 samples, is above libFuzzer's memory limit).
    int64_t frame_samples = 0;
    for (const auto& s : h.signals) frame_samples += s.samples_per_frame;
    if (h.n_samples && frame_samples > 0 && *h.n_samples > (int64_t{1} << 22) / frame_samples) {
      return 0;
    }
    somna::io::ReadOptions options;
    options.keep_digital = (size & 1) != 0;
    options.allow_truncated = (size & 2) != 0;
    const auto open = [&](const std::string& name) {
      return somna::io::wfdb::memory_source(name, body, body_size);
    };
    const somna::io::Record r = somna::io::decode_wfdb(h, open, options);
    for (const auto& c : r.channels) {
      if (options.keep_digital && c.digital.size() != c.samples.size()) __builtin_trap();
    }
  } catch (const somna::Error&) {
  }
  return 0;
}
