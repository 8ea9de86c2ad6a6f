// libFuzzer target: the WFDB header parser on arbitrary text. Any input must either parse into a
// consistent header (all text valid UTF-8) or throw io::FormatError; nothing else (crash, hang,
// other exception).

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/error.hpp"
#include "io/wfdb_header.hpp"
#include "io/wfdb_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const somna::io::WfdbHeader h = somna::io::parse_wfdb_header(text, "fuzz.hea");
    if (!(h.fs > 0)) std::abort();
    const int64_t lines =
        static_cast<int64_t>(h.is_multi_segment() ? h.segments.size() : h.signals.size());
    if (lines != (h.is_multi_segment() ? h.n_segments : h.n_signals)) std::abort();
    auto utf8 = [](const std::string& t) { return somna::io::wfdb::to_utf8(t) == t; };
    if (!utf8(h.record_name)) std::abort();
    for (const auto& c : h.comments) {
      if (!utf8(c)) std::abort();
    }
    for (const auto& s : h.signals) {
      if (!utf8(s.units) || !utf8(s.description) || !utf8(s.file_name)) std::abort();
      if (s.samples_per_frame < 1 || s.skew < 0 || s.byte_offset < 0 || s.gain == 0) std::abort();
    }
  } catch (const somna::io::FormatError&) {
  }
  return 0;
}
