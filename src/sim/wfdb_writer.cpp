// WFDB writer for formats 16 (little-endian int16) and 212 (two 12-bit samples in 3 bytes).

#include "sim/wfdb_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/error.hpp"
#include "io/file_write.hpp"

namespace somna::sim {

void write_wfdb_record(const std::string& base, const io::Record& record,
                       const WfdbWriteOptions& o) {
  if (o.format != 16 && o.format != 212) {
    throw Error(base, fmt::format("WFDB format {} is not written (16 or 212)", o.format));
  }
  if (record.channels.empty()) throw Error(base, "no channels to write");
  const double fs = record.channels[0].fs;
  const size_t n = record.channels[0].samples.size();
  for (const auto& c : record.channels) {
    if (c.fs != fs || c.samples.size() != n) {
      throw Error(base, "all channels must share one sampling frequency and length");
    }
  }
  const std::string name = std::filesystem::path(base).filename().string();
  if (name.empty()) throw Error(base, "empty record name");
  const size_t nch = record.channels.size();
  const int32_t lo = o.format == 16 ? -32767 : -2047, hi = o.format == 16 ? 32767 : 2047;
  const int32_t invalid = o.format == 16 ? -32768 : -2048;

  // Digitise.
  std::vector<int32_t> d(n * nch);
  std::vector<double> gains(nch);
  std::vector<int64_t> checksum(nch, 0);
  for (size_t c = 0; c < nch; ++c) {
    const auto& ch = record.channels[c];
    gains[c] = ch.gain > 0 ? ch.gain : o.gain;
    for (size_t i = 0; i < n; ++i) {
      const float v = ch.samples[i];
      int32_t q = invalid;
      if (std::isfinite(v)) {
        const double x = std::round(double(v) * gains[c] + ch.baseline);
        q = static_cast<int32_t>(std::clamp<double>(x, lo, hi));
      }
      d[i * nch + c] = q;
      checksum[c] += q;
    }
  }

  const std::string dat = base + ".dat";
  {
    std::ofstream out(dat, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(dat, "cannot open for writing");
    std::vector<uint8_t> buf;
    if (o.format == 16) {
      buf.resize(d.size() * 2);
      for (size_t i = 0; i < d.size(); ++i) {
        const uint16_t u = static_cast<uint16_t>(static_cast<int16_t>(d[i]));
        buf[2 * i] = static_cast<uint8_t>(u & 0xff);
        buf[2 * i + 1] = static_cast<uint8_t>(u >> 8);
      }
    } else {
      buf.reserve(d.size() * 3 / 2 + 3);
      for (size_t i = 0; i < d.size(); i += 2) {
        const uint16_t a = static_cast<uint16_t>(d[i]) & 0x0fff;
        const uint16_t b = i + 1 < d.size() ? (static_cast<uint16_t>(d[i + 1]) & 0x0fff) : 0;
        buf.push_back(static_cast<uint8_t>(a & 0xff));
        buf.push_back(static_cast<uint8_t>(((a >> 8) & 0x0f) | ((b >> 4) & 0xf0)));
        if (i + 1 < d.size()) buf.push_back(static_cast<uint8_t>(b & 0xff));
      }
    }
    out.write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
    if (!out) throw Error(dat, "write failed");
  }

  std::string hea = fmt::format("{} {} {:g} {}", name, nch, fs, n);
  if (record.start) {
    const auto& s = *record.start;
    hea += fmt::format(" {:02d}:{:02d}:{:02d}", s.hour, s.minute, static_cast<int>(s.second));
    if (s.has_date()) hea += fmt::format(" {:02d}/{:02d}/{:04d}", s.day, s.month, s.year);
  }
  hea += "\n";
  for (size_t c = 0; c < nch; ++c) {
    const auto& ch = record.channels[c];
    const int bits = o.format == 16 ? 16 : 12;
    hea +=
        fmt::format("{}.dat {} {:g}/{} {} {:g} {} {} 0 {}\n", name, o.format, gains[c],
                    ch.units.empty() ? "mV" : ch.units, bits, ch.baseline, n ? d[c] : 0,
                    static_cast<int16_t>(checksum[c] & 0xffff), ch.name.empty() ? "ECG" : ch.name);
  }
  if (!o.comment.empty()) hea += "# " + o.comment + "\n";
  const std::string hea_path = base + ".hea";
  io::write_file(hea_path, hea);
}

}  // namespace somna::sim
