// libFuzzer target: WFDB records with signals that have no file ("~", or format 0), which the
// reader fills with NaN / the invalid sample to the record's length — the path wfdb_signal_fuzz
// skips (it returns early on long headers to stay inside libFuzzer's memory limit). Here nothing
// is skipped: the reader's own limits (ReadOptions' default max_duration_s, the 2^29-sample cap)
// must keep a tiny header from allocating gigabytes, and scripts/fuzz's -malloc_limit_mb makes
// any single allocation above the limit a finding.
//
// Input = one options byte, the header text, a NUL byte, then the bytes served for every signal
// file the header names. Options byte: bit 0 keep_digital, bit 1 allow_truncated, bit 2 read
// one channel (bit 3: channel 1, else 0), bits 4-7: first frame of the window (x 3).
// Headers without a "~" / format-0 signal are left to wfdb_signal_fuzz.
// Properties: the read succeeds or throws a somna::Error; every channel has (to - from) x its
// samples per frame samples, digital values alongside when asked; signals without a file are
// NaN throughout and their digital values are the format's invalid sample.

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "io/wfdb_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  ++data;
  --size;
  const auto* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
  if (!nul) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), static_cast<size_t>(nul - data));
  const uint8_t* body = nul + 1;
  const size_t body_size = size - static_cast<size_t>(nul - data) - 1;
  using namespace somna::io;
  WfdbHeader h;
  try {
    h = parse_wfdb_header(text, "fuzz.hea");
  } catch (const somna::Error&) {
    return 0;
  }
  bool gap = false;
  for (const WfdbSignalSpec& s : h.signals) gap = gap || s.file_name == "~" || s.format == 0;
  if (!gap) return 0;
  // Opt-in, for long runs while a known finding is open: SOMNA_GAP_FUZZ_MAX_SAMPLES=N skips
  // headers declaring more than N samples in all (unset: nothing is skipped, the reader's limits
  // alone must hold).
  static const int64_t max_samples = [] {
    const char* v = std::getenv("SOMNA_GAP_FUZZ_MAX_SAMPLES");
    return v ? std::strtoll(v, nullptr, 10) : int64_t{0};
  }();
  if (max_samples > 0 && h.n_samples) {
    int64_t frame_samples = 0;
    for (const WfdbSignalSpec& s : h.signals) frame_samples += s.samples_per_frame;
    if (frame_samples > 0 && *h.n_samples > max_samples / frame_samples) return 0;
  }

  ReadOptions options;  // the normal limits
  options.keep_digital = (mode & 1) != 0;
  options.allow_truncated = (mode & 2) != 0;
  if (mode & 4) options.channel = (mode & 8) ? "1" : "0";
  WfdbReadRange range;
  range.from = 3 * (mode >> 4);
  const auto open = [&](const std::string& name) {
    return wfdb::memory_source(name, body, body_size);
  };
  Record r;
  try {
    r = decode_wfdb(h, open, options, range);
  } catch (const somna::Error&) {
    return 0;
  }
  // Which header signal each channel is: all of them in order, or the one asked for.
  std::vector<size_t> index;
  if (options.channel.empty()) {
    for (size_t i = 0; i < h.signals.size(); ++i) index.push_back(i);
  } else {
    index.push_back(options.channel == "1" ? 1 : 0);
  }
  if (r.channels.size() != index.size()) __builtin_trap();
  int64_t frames = -1;
  for (size_t k = 0; k < r.channels.size(); ++k) {
    const Channel& c = r.channels[k];
    const WfdbSignalSpec& s = h.signals[index[k]];
    const auto spf = static_cast<size_t>(s.samples_per_frame);
    if (c.samples.size() % spf != 0) __builtin_trap();
    const auto f = static_cast<int64_t>(c.samples.size() / spf);
    if (frames >= 0 && f != frames) __builtin_trap();  // every channel spans the same frames
    frames = f;
    if (options.keep_digital && c.digital.size() != c.samples.size()) __builtin_trap();
    if (s.file_name == "~" || s.format == 0) {
      for (float v : c.samples) {
        if (!std::isnan(v)) __builtin_trap();
      }
      for (int32_t d : c.digital) {
        if (d != wfdb::invalid_sample(s.format)) __builtin_trap();
      }
    }
  }
  if (h.n_samples && frames > *h.n_samples - range.from && frames > 0) __builtin_trap();
  return 0;
}
