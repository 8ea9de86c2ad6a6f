#pragma once
// Test helper: writes small EDF / EDF+ / BDF files byte by byte from the specification
// (https://www.edfplus.info/specs/edf.html), so reader tests know every value they expect and can
// damage any field on purpose.

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace somna::io::testing {

struct EdfTestSignal {
  std::string label = "ECG";
  std::string units = "uV";
  std::string phys_min = "-1000", phys_max = "1000";
  std::string dig_min = "-32768", dig_max = "32767";
  int spr = 4;                    // samples per data record
  std::vector<int32_t> digital;   // all records, concatenated (spr * n_records values)
  std::vector<std::string> tals;  // annotation signals: TAL bytes of each record
  std::string spr_text;           // overrides spr in the header when not empty
};

struct EdfTestFile {
  std::vector<EdfTestSignal> signals;
  int n_records = 1;
  std::string n_records_text;  // overrides n_records in the header
  std::string duration = "1";
  std::string reserved;  // "EDF+C", "EDF+D", "24BIT", "BDF+C"
  bool bdf = false;
  std::string start_date = "10.12.09", start_time = "12.44.02";
  std::string recording = "Startdate 10-DEC-2009 X X test";
  std::string header_bytes_text;  // overrides the header length field
  std::string ns_text;            // overrides the number of signals field
};

inline std::string edf_field(const std::string& s, size_t width) {
  std::string out = s.substr(0, width);
  out.resize(width, ' ');
  return out;
}

// One TAL: "+onset\x14text\x14\0" (text empty: a time-keeping TAL "+onset\x14\x14\0").
inline std::string tal(const std::string& onset, const std::string& text = {},
                       const std::string& duration = {}) {
  std::string out = onset;
  if (!duration.empty()) out += '\x15' + duration;
  out += '\x14';
  out += text;
  out += '\x14';
  out += '\0';
  return out;
}

inline std::string edf_bytes(const EdfTestFile& f) {
  const size_t ns = f.signals.size();
  const int bps = f.bdf ? 3 : 2;
  std::string h;
  h += f.bdf ? std::string("\xff") + "BIOSEMI" : edf_field("0", 8);
  h += edf_field("X X X X", 80);
  h += edf_field(f.recording, 80);
  h += edf_field(f.start_date, 8);
  h += edf_field(f.start_time, 8);
  h += edf_field(f.header_bytes_text.empty() ? std::to_string(256 * (ns + 1)) : f.header_bytes_text,
                 8);
  h += edf_field(f.reserved, 44);
  h += edf_field(f.n_records_text.empty() ? std::to_string(f.n_records) : f.n_records_text, 8);
  h += edf_field(f.duration, 8);
  h += edf_field(f.ns_text.empty() ? std::to_string(ns) : f.ns_text, 4);
  auto each = [&](size_t width, auto get) {
    for (const EdfTestSignal& s : f.signals) h += edf_field(get(s), width);
  };
  each(16, [](const EdfTestSignal& s) { return s.label; });
  each(80, [](const EdfTestSignal&) { return std::string("AgAgCl"); });
  each(8, [](const EdfTestSignal& s) { return s.units; });
  each(8, [](const EdfTestSignal& s) { return s.phys_min; });
  each(8, [](const EdfTestSignal& s) { return s.phys_max; });
  each(8, [](const EdfTestSignal& s) { return s.dig_min; });
  each(8, [](const EdfTestSignal& s) { return s.dig_max; });
  each(80, [](const EdfTestSignal&) { return std::string("HP:0.1Hz"); });
  each(8, [](const EdfTestSignal& s) {
    return s.spr_text.empty() ? std::to_string(s.spr) : s.spr_text;
  });
  each(32, [](const EdfTestSignal&) { return std::string(); });
  std::string d;
  for (int r = 0; r < f.n_records; ++r) {
    for (const EdfTestSignal& s : f.signals) {
      if (!s.tals.empty() || s.digital.empty()) {
        std::string block = r < static_cast<int>(s.tals.size()) ? s.tals[r] : std::string();
        block.resize(static_cast<size_t>(s.spr * bps), '\0');
        d += block;
        continue;
      }
      for (int j = 0; j < s.spr; ++j) {
        const int32_t v = s.digital[static_cast<size_t>(r * s.spr + j)];
        for (int b = 0; b < bps; ++b) d += static_cast<char>((v >> (8 * b)) & 0xFF);
      }
    }
  }
  return h + d;
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace somna::io::testing
