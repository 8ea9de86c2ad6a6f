#pragma once
// Test helper: writes small EDF / EDF+ / BDF files byte by byte from the specification
// (https://www.edfplus.info/specs/edf.html), so reader tests know every value they expect and can
// damage any field on purpose. The header fields and TALs are laid out by io/edf_writer.hpp (the
// writer of Somna's EDF+ annotation files); this adds the samples and the overrides.

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "io/edf_annotations_writer.hpp"

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

using io::edf_field;

// One TAL: "+onset\x14text\x14\0" (text empty: a time-keeping TAL "+onset\x14\x14\0").
inline std::string tal(const std::string& onset, const std::string& text = {},
                       const std::string& duration = {}) {
  return io::edf_tal(onset, text, duration);
}

inline std::string edf_bytes(const EdfTestFile& f) {
  const int bps = f.bdf ? 3 : 2;
  io::EdfHeaderFields fields;
  fields.version = f.bdf ? std::string("\xff") + "BIOSEMI" : "0";
  fields.recording = f.recording;
  fields.start_date = f.start_date;
  fields.start_time = f.start_time;
  fields.header_bytes = f.header_bytes_text;
  fields.reserved = f.reserved;
  fields.n_records = f.n_records_text.empty() ? std::to_string(f.n_records) : f.n_records_text;
  fields.record_duration = f.duration;
  fields.n_signals = f.ns_text;
  for (const EdfTestSignal& s : f.signals) {
    fields.signals.push_back({s.label, "AgAgCl", s.units, s.phys_min, s.phys_max, s.dig_min,
                              s.dig_max, "HP:0.1Hz",
                              s.spr_text.empty() ? std::to_string(s.spr) : s.spr_text, ""});
  }
  const std::string h = io::edf_header_bytes(fields);
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
