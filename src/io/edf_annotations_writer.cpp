#include "io/edf_annotations_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "io/file_write.hpp"

namespace somna::io {

namespace {

constexpr const char* kAnnotationLabel = "EDF Annotations";
constexpr const char* kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                   "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

// EDF's two-digit years cover 1985-2084; other dates are written as unknown.
bool writable_date(const DateTime& t) {
  return t.has_date() && t.year >= 1985 && t.year <= 2084 && t.month >= 1 && t.month <= 12 &&
         t.day >= 1 && t.day <= 31;
}

// Start date and time fields and the EDF+ recording field for `start`.
void set_start(const std::optional<DateTime>& start, const std::string& equipment,
               EdfHeaderFields& h) {
  const bool dated = start && writable_date(*start);
  h.start_date = dated
                     ? fmt::format("{:02}.{:02}.{:02}", start->day, start->month, start->year % 100)
                     : "01.01.85";
  const int second = start ? std::clamp(static_cast<int>(std::floor(start->second)), 0, 59) : 0;
  h.start_time = start ? fmt::format("{:02}.{:02}.{:02}", std::clamp(start->hour, 0, 23),
                                     std::clamp(start->minute, 0, 59), second)
                       : "00.00.00";
  h.recording = dated ? fmt::format("Startdate {:02}-{}-{:04} X X {}", start->day,
                                    kMonths[start->month - 1], start->year, equipment)
                      : "Startdate X X X " + equipment;
}

void check_text(const std::string& text, const std::string& file, size_t index) {
  if (text.find_first_of(std::string("\0\x14\x15", 3)) != std::string::npos) {
    throw FormatError(file, "annotation text holds a byte EDF+ reserves (0x00, 0x14 or 0x15)",
                      "annotation " + std::to_string(index));
  }
}

void check_seconds(double s, const char* what, const std::string& file, size_t index) {
  if (!std::isfinite(s) || s < 0 || s > 1e9) {
    throw FormatError(file, std::string(what) + " " + fmt::format("{}", s) + " s is out of range",
                      "annotation " + std::to_string(index));
  }
}

// Each data record spans a minute, Somna's unit: readers that place annotations on the record
// grid (libbiosig's event table runs at 1 / record duration for annotation-only files) then
// resolve them to the minute, and a night costs one short record per minute.
constexpr int64_t kRecordSeconds = 60;

// The TALs of each data record: its time-keeping TAL, then the annotations whose onset falls in
// it (the last record takes any later ones), in onset order.
std::vector<std::string> record_tals(const EdfAnnotationFile& f, const std::string& file) {
  const int64_t n_records =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(f.duration_s / kRecordSeconds)));
  std::vector<std::string> tals(static_cast<size_t>(n_records));
  for (int64_t r = 0; r < n_records; ++r)
    tals[static_cast<size_t>(r)] = edf_tal(edf_seconds_text(double(r * kRecordSeconds)));
  std::vector<Event> sorted = f.annotations;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Event& a, const Event& b) { return a.onset_s < b.onset_s; });
  for (size_t i = 0; i < sorted.size(); ++i) {
    const Event& e = sorted[i];
    check_text(e.text, file, i);
    check_seconds(e.onset_s, "onset", file, i);
    check_seconds(e.duration_s, "duration", file, i);
    const int64_t r =
        std::min<int64_t>(n_records - 1, static_cast<int64_t>(e.onset_s) / kRecordSeconds);
    tals[static_cast<size_t>(r)] +=
        edf_tal(edf_seconds_text(e.onset_s), e.text,
                e.duration_s > 0 ? edf_seconds_text(e.duration_s, false) : std::string());
  }
  return tals;
}

}  // namespace

std::string edf_field(std::string_view text, size_t width) {
  std::string out(text.substr(0, width));
  out.resize(width, ' ');
  return out;
}

std::string edf_header_bytes(const EdfHeaderFields& h) {
  const size_t ns = h.signals.size();
  std::string out;
  out.reserve(256 * (ns + 1));
  out += edf_field(h.version, 8);
  out += edf_field(h.patient, 80);
  out += edf_field(h.recording, 80);
  out += edf_field(h.start_date, 8);
  out += edf_field(h.start_time, 8);
  out += edf_field(h.header_bytes.empty() ? std::to_string(256 * (ns + 1)) : h.header_bytes, 8);
  out += edf_field(h.reserved, 44);
  out += edf_field(h.n_records, 8);
  out += edf_field(h.record_duration, 8);
  out += edf_field(h.n_signals.empty() ? std::to_string(ns) : h.n_signals, 4);
  const auto each = [&](size_t width, std::string EdfSignalFields::*field) {
    for (const EdfSignalFields& s : h.signals) out += edf_field(s.*field, width);
  };
  each(16, &EdfSignalFields::label);
  each(80, &EdfSignalFields::transducer);
  each(8, &EdfSignalFields::units);
  each(8, &EdfSignalFields::phys_min);
  each(8, &EdfSignalFields::phys_max);
  each(8, &EdfSignalFields::dig_min);
  each(8, &EdfSignalFields::dig_max);
  each(80, &EdfSignalFields::prefilter);
  each(8, &EdfSignalFields::samples_per_record);
  each(32, &EdfSignalFields::reserved);
  return out;
}

std::string edf_tal(std::string_view onset, std::string_view text, std::string_view duration) {
  std::string out(onset);
  if (!duration.empty()) {
    out += '\x15';
    out += duration;
  }
  out += '\x14';
  out += text;
  out += '\x14';
  out += '\0';
  return out;
}

std::string edf_seconds_text(double seconds, bool sign) {
  std::string out = fmt::format("{:.6f}", std::fabs(seconds));
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  if (seconds < 0 && out != "0") return "-" + out;
  return sign ? "+" + out : out;
}

std::string encode_edf_annotations(const EdfAnnotationFile& f, const std::string& file) {
  if (!std::isfinite(f.duration_s) || f.duration_s < 0 || f.duration_s > 1e7)
    throw FormatError(file, fmt::format("recording length {} s is out of range", f.duration_s));
  const std::vector<std::string> tals = record_tals(f, file);
  size_t longest = 0;
  for (const std::string& t : tals) longest = std::max(longest, t.size());
  const size_t spr = (longest + 1) / 2;
  EdfHeaderFields h;
  set_start(f.start, f.equipment, h);
  h.reserved = "EDF+C";
  h.n_records = std::to_string(tals.size());
  h.record_duration = std::to_string(kRecordSeconds);
  EdfSignalFields s;
  s.label = kAnnotationLabel;
  s.phys_min = "-1";
  s.phys_max = "1";
  s.dig_min = "-32768";
  s.dig_max = "32767";
  s.samples_per_record = std::to_string(spr);
  h.signals.push_back(std::move(s));
  std::string out = edf_header_bytes(h);
  for (std::string t : tals) {
    t.resize(2 * spr, '\0');
    out += t;
  }
  return out;
}

void write_edf_annotations(const std::string& path, const EdfAnnotationFile& f) {
  write_file(path, encode_edf_annotations(f, path));
}

}  // namespace somna::io
