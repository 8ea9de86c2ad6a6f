#include "io/csv_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "common/error.hpp"
#include "common/text_format.hpp"
#include "io/channel_info.hpp"
#include "io/limits.hpp"
#include "io/wfdb_util.hpp"

namespace somna::io {

namespace {

constexpr size_t kMaxCsvBytes = size_t{1} << 30;
constexpr size_t kMaxColumns = 4096;
constexpr size_t kMaxTotalSamples = size_t{1} << 29;
constexpr size_t kMaxComments = 200;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 &&
      ((s.front() == '"' && s.back() == '"') || (s.front() == '\'' && s.back() == '\''))) {
    s = trim(s.substr(1, s.size() - 2));
  }
  return s;
}

// Splits one line into fields. sep == ' ' means runs of blanks.
void split(std::string_view line, char sep, std::vector<std::string_view>& out) {
  out.clear();
  if (sep == ' ') {
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i >= line.size()) break;
      const size_t b = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      out.push_back(line.substr(b, i - b));
    }
    return;
  }
  size_t b = 0;
  while (true) {
    const size_t e = line.find(sep, b);
    out.push_back(unquote(line.substr(b, e == std::string_view::npos ? line.npos : e - b)));
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
}

// kNumber: a finite double; kGap: a "nan"/"NA" token; kEmpty: an empty field (a gap too);
// kOutOfRange: a number beyond the double range ("1e999") or infinite ("inf"); kBad: not a number.
enum class Parse { kNumber, kGap, kEmpty, kOutOfRange, kBad };

bool is_gap(Parse p) {
  return p == Parse::kGap || p == Parse::kEmpty;
}

// "nan" and "NA" in any case, "nan" also signed ("-nan", "+nan": printf writes "-nan" for a NaN
// with the sign bit set): all mean "no value here".
bool is_missing_token(std::string_view field) {
  if (field.size() == 4 && (field[0] == '-' || field[0] == '+')) field.remove_prefix(1);
  if (field.size() > 3) return false;
  std::string low;
  for (char c : field) low += static_cast<char>(c | 0x20);
  return low == "nan" || low == "na";
}

// One value: a plain decimal number; empty, "nan", "-nan", "NA" = gap.
Parse parse_value(std::string_view field, bool decimal_comma, double& value) {
  field = unquote(field);
  if (field.empty()) return Parse::kEmpty;
  if (is_missing_token(field)) return Parse::kGap;
  char buf[64];
  if (field.size() >= sizeof(buf)) return Parse::kBad;
  size_t n = 0;
  size_t start = 0;
  if (field[0] == '+') start = 1;  // from_chars refuses a leading '+'
  for (size_t i = start; i < field.size(); ++i) {
    char c = field[i];
    if (c == ',' && decimal_comma) c = '.';
    buf[n++] = c;
  }
  if (n == 0) return Parse::kBad;
  const auto r = std::from_chars(buf, buf + n, value, std::chars_format::general);
  if (r.ptr != buf + n) return Parse::kBad;
  if (r.ec == std::errc::result_out_of_range) return Parse::kOutOfRange;
  if (r.ec != std::errc()) return Parse::kBad;
  return std::isfinite(value) ? Parse::kNumber : Parse::kOutOfRange;
}

// Whether a line is data rather than a header: every field a number, a gap token or empty (an
// out-of-range number is data too: it is reported as such), and not all of them empty. So a
// first value "nan" is data, while a header keeps at least one name.
bool is_data_line(const std::vector<std::string_view>& fields, bool decimal_comma) {
  bool any_value = false;
  for (std::string_view f : fields) {
    double v;
    const Parse p = parse_value(f, decimal_comma, v);
    if (p == Parse::kBad) return false;
    if (p != Parse::kEmpty) any_value = true;
  }
  return any_value;
}

// Whether a line right after the header is a units row ("s,mV"): no field is a value (a number,
// "nan") and at least one is text.
bool is_units_line(const std::vector<std::string_view>& fields, bool decimal_comma) {
  bool any_text = false;
  for (std::string_view f : fields) {
    double v;
    const Parse p = parse_value(f, decimal_comma, v);
    if (p == Parse::kBad)
      any_text = true;
    else if (p != Parse::kEmpty)
      return false;
  }
  return any_text;
}

// Largest magnitude a sample may have: samples are held as float.
constexpr double kMaxSample = std::numeric_limits<float>::max();

// "h:mm:ss.sss", "mm:ss.sss" or plain seconds.
bool parse_time(std::string_view field, bool decimal_comma, double& seconds) {
  field = unquote(field);
  if (field.find(':') == std::string_view::npos)
    return parse_value(field, decimal_comma, seconds) == Parse::kNumber;
  double total = 0;
  size_t b = 0;
  int parts = 0;
  while (true) {
    const size_t e = field.find(':', b);
    const std::string_view part = field.substr(b, e == std::string_view::npos ? field.npos : e - b);
    double v = 0;
    if (parse_value(part, decimal_comma, v) != Parse::kNumber || v < 0) return false;
    total = total * 60 + v;
    if (++parts > 3) return false;
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  seconds = total;
  return true;
}

// Seconds per unit of a time column header ("time", "t", "time_s", "Time (ms)"); 0: not time.
double time_scale(std::string_view header) {
  const std::string key = label_key(header);
  if (key == "t" || key == "s" || key == "sec" || key == "seconds" || key == "time" ||
      key == "times" || key == "time(s)" || key == "time[s]" || key == "elapsedtime" ||
      key == "timestamp" || key == "'elapsedtime'")
    return 1.0;
  if (key == "ms" || key == "timems" || key == "time(ms)" || key == "time[ms]" || key == "tms")
    return 1e-3;
  return 0.0;
}

bool is_index_header(std::string_view header) {
  const std::string key = label_key(header);
  return key == "sample" || key == "samples" || key == "index" || key == "sample#" || key == "#" ||
         key == "n" || key == "samplenumber";
}

// Splits "ecg_uV", "ECG (uV)", "ecg [mV]" into name and units when the suffix is a voltage.
void split_units(const std::string& header, std::string& name, std::string& units) {
  name = header;
  units.clear();
  std::string_view h = trim(header);
  if (!h.empty() && (h.back() == ')' || h.back() == ']')) {
    const char open = h.back() == ')' ? '(' : '[';
    const size_t p = h.rfind(open);
    if (p != std::string_view::npos) {
      const std::string_view u = trim(h.substr(p + 1, h.size() - p - 2));
      const std::string_view n = trim(h.substr(0, p));
      if (!u.empty() && !n.empty()) {
        name = std::string(n);
        units = normalize_units(u);
        return;
      }
    }
  }
  const size_t us = h.rfind('_');
  if (us != std::string_view::npos && us > 0 && millivolt_factor(h.substr(us + 1)) != 0) {
    name = std::string(h.substr(0, us));
    units = normalize_units(h.substr(us + 1));
  }
}

std::string loc(size_t line, size_t column) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string shown(std::string_view field) {
  std::string out;
  for (char c : field.substr(0, 40)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 32 && u < 127) ? c : '?';
  }
  return field.size() > 40 ? out + "..." : out;
}

// Index of the first time value that breaks a uniform grid (a step outside 0.5..1.5 times the
// median step, or a drift of more than 0.6 steps from the straight line through the ends);
// times.size() when the grid is uniform. Rounded times (360 Hz printed to the millisecond) pass.
size_t first_nonuniform(const std::vector<double>& times) {
  const size_t n = times.size();
  if (n < 2) return n;
  std::vector<double> steps(n - 1);
  for (size_t i = 1; i < n; ++i) steps[i - 1] = times[i] - times[i - 1];
  std::nth_element(steps.begin(), steps.begin() + steps.size() / 2, steps.end());
  const double median = steps[steps.size() / 2];
  const double dt = (times[n - 1] - times[0]) / static_cast<double>(n - 1);
  if (!(median > 0) || !(dt > 0) || !std::isfinite(dt)) return 1;
  for (size_t i = 1; i < n; ++i) {
    const double step = times[i] - times[i - 1];
    if (!(step >= 0.5 * median && step <= 1.5 * median)) return i;
    if (std::fabs(times[i] - (times[0] + dt * static_cast<double>(i))) > 0.6 * dt) return i;
  }
  return n;
}

// The first pair of rows where time does not increase (times[i] <= times[i - 1]), or 0.
size_t first_backwards(const std::vector<double>& times) {
  for (size_t i = 1; i < times.size(); ++i)
    if (!(times[i] > times[i - 1])) return i;
  return 0;
}

// "0.5 s at line 7 after 1 s at line 6": the two rows of a bad time step.
std::string time_step(const std::vector<double>& times, const std::vector<size_t>& lines, size_t i,
                      double scale) {
  return number_text(times[i] * scale) + " s at line " + std::to_string(lines[i]) + " after " +
         number_text(times[i - 1] * scale) + " s at line " + std::to_string(lines[i - 1]);
}

// A sample value that does not fit a float, kept until it is known whether its column is time
// (which is held as double) or samples.
struct OutOfRange {
  size_t line = 0;
  std::string text;
};

std::string stem_of(const std::string& path) {
  std::string name = wfdb::base_name(path);
  const size_t dot = name.find_last_of('.');
  if (dot != std::string::npos && dot > 0) name.resize(dot);
  return name.empty() ? "csv" : name;
}

// The text to parse, without its UTF-8 byte-order mark. Refuses a text over 1 GiB, a bad
// options.fs and a binary file (NUL bytes).
std::string_view checked_text(std::string_view text, const std::string& file,
                              const ReadOptions& options) {
  if (text.size() > kMaxCsvBytes) throw FormatError(file, "text file is too large (over 1 GiB)");
  if (!(options.fs >= 0) || !std::isfinite(options.fs))
    throw FormatError(file, "sampling frequency must be > 0 (got " + number_text(options.fs) + ")");
  if (options.fs > 0) check_sampling_frequency(file, options.fs);
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (text.find('\0') != std::string_view::npos)
    throw FormatError(file, "not a text file (contains NUL bytes)");
  return text;
}

// The line starting at pos (without its "\n", "\r\n" or "\r"); pos moves to the next one.
std::string_view next_line(std::string_view text, size_t& pos) {
  size_t end = text.find_first_of("\r\n", pos);
  if (end == std::string_view::npos) end = text.size();
  const std::string_view line = text.substr(pos, end - pos);
  pos = end;
  if (pos < text.size() && text[pos] == '\r') ++pos;
  if (pos < text.size() && text[pos] == '\n') ++pos;
  return line;
}

// The field separator, from the first non-comment line: tab, ';', ',' (first found in that
// order), else runs of blanks (' ').
char separator_of(std::string_view line) {
  if (line.find('\t') != std::string_view::npos) return '\t';
  if (line.find(';') != std::string_view::npos) return ';';
  if (line.find(',') != std::string_view::npos) return ',';
  return ' ';
}

// What the lines of a CSV text hold: the header and units row (when there are), one column of
// samples per field, and the first column as time (double) with the line of each row.
struct CsvTable {
  char sep = 0;
  bool decimal_comma = false;
  size_t n_cols = 0;
  bool has_header = false;
  std::vector<std::string> headers, units_row;
  std::vector<std::vector<float>> cols;
  std::vector<double> times;
  std::vector<size_t> time_lines;   // line number of each data row (for messages)
  std::vector<OutOfRange> too_big;  // per column: the first value beyond the float range
  bool clock_ok = false;            // the first column may hold clock times ("0:01.250")
  size_t total = 0;                 // values read
};

// Whether the first line is data: numbers and gaps only, or a clock time ("0:00.000") in the
// first column followed by numbers; otherwise it is a header.
bool first_line_is_data(const std::vector<std::string_view>& fields, bool decimal_comma) {
  if (is_data_line(fields, decimal_comma)) return true;
  double tv;
  if (fields.size() < 2 || fields[0].find(':') == std::string_view::npos ||
      !parse_time(fields[0], decimal_comma, tv))
    return false;
  for (size_t c = 1; c < fields.size(); ++c)
    if (parse_value(fields[c], decimal_comma, tv) == Parse::kBad) return false;
  return true;
}

// The first line: sets the column count, and keeps the line as the header unless it is data.
// Returns whether it was a header.
bool take_header(CsvTable& t, const std::vector<std::string_view>& fields, size_t line_no,
                 const std::string& file) {
  if (fields.size() > kMaxColumns)
    throw FormatError(file, "too many columns (" + std::to_string(fields.size()) + ")",
                      "line " + std::to_string(line_no));
  t.n_cols = fields.size();
  if (first_line_is_data(fields, t.decimal_comma)) return false;
  t.has_header = true;
  for (std::string_view f : fields) t.headers.emplace_back(unquote(f));
  return true;
}

// The line after a header: kept as the units row ("s,mV") when it is one. Returns whether it was.
bool take_units_row(CsvTable& t, const std::vector<std::string_view>& fields) {
  if (fields.size() != t.n_cols || !is_units_line(fields, t.decimal_comma)) return false;
  for (std::string_view f : fields) t.units_row.emplace_back(unquote(f));
  return true;
}

// One data field of column c: a number (in column 0 also a clock time, when clock_ok) or a gap.
// Throws on text and on numbers beyond the double range.
Parse data_value(const CsvTable& t, std::string_view field, size_t c, size_t line_no,
                 const std::string& file, double& v) {
  Parse p = parse_value(field, t.decimal_comma, v);
  if (c == 0 && t.clock_ok && p == Parse::kBad && parse_time(field, t.decimal_comma, v))
    p = Parse::kNumber;
  if (p == Parse::kBad)
    throw FormatError(file, "not a number: \"" + shown(unquote(field)) + "\"", loc(line_no, c + 1));
  if (p == Parse::kOutOfRange)
    throw FormatError(
        file,
        "number out of range: \"" + shown(unquote(field)) + "\" (beyond the largest finite double)",
        loc(line_no, c + 1));
  return p;
}

// Appends one data row to the columns (gaps as NaN; column 0 also to times).
void add_row(CsvTable& t, const std::vector<std::string_view>& fields, size_t line_no,
             const std::string& file) {
  if (fields.size() != t.n_cols)
    throw FormatError(file,
                      "row has " + std::to_string(fields.size()) + " fields, expected " +
                          std::to_string(t.n_cols),
                      "line " + std::to_string(line_no));
  if (t.cols.empty()) {
    t.cols.resize(t.n_cols);
    t.too_big.resize(t.n_cols);
    // Clock times ("0:01.250") only in a first column that is (or may be) time.
    t.clock_ok = !t.has_header || time_scale(t.headers[0]) > 0 ||
                 (!t.units_row.empty() && label_key(t.units_row[0]).rfind("hh:mm", 0) == 0);
  }
  // Column 0 is kept as text-time only if it parses as a clock; numbers go to cols[0] too.
  for (size_t c = 0; c < t.n_cols; ++c) {
    double v = 0;
    const Parse p = data_value(t, fields[c], c, line_no, file, v);
    if (p == Parse::kNumber && std::fabs(v) > kMaxSample && t.too_big[c].line == 0)
      t.too_big[c] = {line_no, shown(unquote(fields[c]))};
    t.cols[c].push_back(is_gap(p) ? std::numeric_limits<float>::quiet_NaN()
                                  : static_cast<float>(v));
    if (c == 0) t.times.push_back(is_gap(p) ? std::numeric_limits<double>::quiet_NaN() : v);
  }
  t.time_lines.push_back(line_no);
  t.total += t.n_cols;
  if (t.total > kMaxTotalSamples)
    throw FormatError(file, "too many values (over " + std::to_string(kMaxTotalSamples) + ")");
}

// Reads every line: comments ("#", into comments), the header and units row, the data rows.
CsvTable read_table(std::string_view text, const std::string& file,
                    std::vector<std::string>& comments) {
  CsvTable t;
  std::vector<std::string_view> fields;
  bool header_done = false;  // header (or first data line) seen
  bool units_row_possible = false;
  size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    const std::string_view line = trim(next_line(text, pos));
    ++line_no;
    if (line.empty()) continue;
    if (line.front() == '#') {
      if (comments.size() < kMaxComments) comments.emplace_back(trim(line.substr(1)));
      continue;
    }
    if (t.sep == 0) {
      t.sep = separator_of(line);
      t.decimal_comma = t.sep == ';' || t.sep == '\t';
    }
    split(line, t.sep, fields);
    if (!header_done) {
      header_done = true;
      units_row_possible = take_header(t, fields, line_no, file);
      if (units_row_possible) continue;
    } else if (units_row_possible) {
      units_row_possible = false;
      if (take_units_row(t, fields)) continue;
    }
    add_row(t, fields, line_no, file);
  }
  if (t.cols.empty() || t.cols[0].empty())
    throw FormatError(file, t.has_header ? "no data rows after the header" : "no data rows");
  return t;
}

// Which column is time (or a sample index), and its scale.
struct TimeColumn {
  double scale = 0;         // seconds per unit of the first column; 0: it is not time
  bool drop_first = false;  // the first column is time or an index, not a signal
};

TimeColumn time_column(const CsvTable& t) {
  TimeColumn time;
  if (t.has_header) {
    time.scale = time_scale(t.headers[0]);
    time.drop_first = time.scale > 0 || is_index_header(t.headers[0]);
    if (time.scale == 0 && !t.units_row.empty() && label_key(t.units_row[0]).find("hh:mm") == 0)
      time.scale = 1.0, time.drop_first = true;
  } else if (t.n_cols >= 2 && t.times.size() >= 2) {
    // No header: the first column is time when it rises uniformly.
    if (first_nonuniform(t.times) == t.times.size()) time.scale = 1.0, time.drop_first = true;
  }
  return time;
}

// Throws when no signal column is left, or a signal column holds a value beyond the float range.
void check_signal_columns(const CsvTable& t, const TimeColumn& time, const std::string& file) {
  if (time.drop_first && t.n_cols == 1)
    throw FormatError(file, "the only column is \"" + t.headers[0] + "\": no signal values");
  for (size_t c = time.drop_first ? 1 : 0; c < t.n_cols; ++c)
    if (t.too_big[c].line != 0)
      throw FormatError(file,
                        "sample value out of range: \"" + t.too_big[c].text +
                            "\" (samples are held as 32-bit floats, at most " +
                            number_text(kMaxSample) + ")",
                        loc(t.too_big[c].line, c + 1));
}

// The sampling frequency of a time column of two or more rows: it must increase uniformly, and
// agree with options.fs when that is given. Within 0.1% of a whole number it is rounded to it.
double fs_from_times(const CsvTable& t, double t_scale, const ReadOptions& options,
                     const std::string& file) {
  const std::vector<double>& times = t.times;
  const size_t n = times.size();
  if (const size_t back = first_backwards(times))
    throw FormatError(
        file,
        "time column does not increase: " + time_step(times, t.time_lines, back, t_scale) +
            " (rows out of order or repeated?)",
        loc(t.time_lines[back], 1));
  const double dt = (times[n - 1] - times[0]) / static_cast<double>(n - 1);
  const size_t bad_at = first_nonuniform(times);
  if (bad_at < n)
    throw FormatError(
        file,
        "time column is not uniform: " + time_step(times, t.time_lines, bad_at, t_scale) +
            " (a gap or a repeated row?)",
        loc(t.time_lines[bad_at], 1));
  double fs = 1.0 / (dt * t_scale);
  const double rounded = std::round(fs);
  if (rounded >= 1 && std::fabs(fs - rounded) <= 1e-3 * fs) fs = rounded;
  if (options.fs > 0 && std::fabs(fs - options.fs) > 5e-3 * options.fs)
    throw FormatError(file, "the time column says " + hz_text(fs) +
                                " but the sampling frequency given is " + hz_text(options.fs));
  return fs;
}

// The sampling frequency: from the time column (a comment notes where it starts when not at 0),
// else options.fs; checked, as is the duration it gives.
double sampling_frequency(const CsvTable& t, const TimeColumn& time, const ReadOptions& options,
                          const std::string& file, std::vector<std::string>& comments) {
  double fs = options.fs;
  if (time.scale > 0) {
    for (size_t i = 0; i < t.times.size(); ++i)
      if (!std::isfinite(t.times[i]))
        throw FormatError(file, "time value is missing", loc(t.time_lines[i], 1));
    if (t.times.size() >= 2) fs = fs_from_times(t, time.scale, options, file);
    if (t.times[0] != 0)
      comments.push_back("time column starts at " + number_text(t.times[0] * time.scale) + " s");
  }
  if (!(fs > 0))
    throw FormatError(file, "no time column: the sampling frequency is required (--fs)");
  check_sampling_frequency(file, fs);
  if (!options.header_only)
    check_duration(file, static_cast<double>(t.times.size()), fs, options.max_duration_s);
  return fs;
}

// Samples of column c (1-based in messages) from `units` to mV; throws when one overflows.
void convert_to_millivolts(std::vector<float>& samples, double factor, const std::string& units,
                           size_t c, const std::string& file) {
  for (float& v : samples) {
    const float mv = static_cast<float>(v * factor);
    if (std::isfinite(v) && !std::isfinite(mv))
      throw FormatError(file, "sample value " + number_text(v) + " " + units +
                                  " is out of range in mV (column " + std::to_string(c + 1) + ")");
    v = mv;
  }
}

// The channel of column c: name and units from the header ("ecg_uV", "ECG (mV)") or the units
// row (else "ECG" for a single signal, "ch<c>", and mV); voltages are converted to mV.
Channel csv_channel(CsvTable& t, size_t c, const TimeColumn& time, double fs,
                    const std::string& file) {
  Channel ch;
  std::string name, units;
  if (t.has_header) split_units(t.headers[c], name, units);
  if (name.empty())
    name = t.n_cols - (time.drop_first ? 1 : 0) == 1 ? "ECG" : "ch" + std::to_string(c);
  if (units.empty() && c < t.units_row.size()) units = normalize_units(t.units_row[c]);
  if (units.empty()) units = "mV";
  ch.name = name;
  ch.fs = fs;
  ch.gain = 1;
  ch.baseline = 0;
  ch.format = "CSV";
  const double f = millivolt_factor(units);
  ch.samples = std::move(t.cols[c]);
  if (f != 0 && f != 1) {
    convert_to_millivolts(ch.samples, f, units, c, file);
    units = "mV";
  }
  ch.units = units;
  ch.n_samples = static_cast<int64_t>(ch.samples.size());
  return ch;
}

// Keeps only channel `pick` of the record.
void keep_channel(Record& rec, size_t pick) {
  Channel keep = std::move(rec.channels[pick]);
  rec.channels.clear();
  rec.channels.push_back(std::move(keep));
}

}  // namespace

Record parse_csv(std::string_view text, const std::string& file, const ReadOptions& options) {
  text = checked_text(text, file, options);
  Record rec;
  rec.name = stem_of(file);
  rec.path = file;
  rec.format = "CSV";

  CsvTable table = read_table(text, file, rec.comments);
  const TimeColumn time = time_column(table);
  check_signal_columns(table, time, file);
  rec.frame_fs = sampling_frequency(table, time, options, file, rec.comments);
  for (size_t c = time.drop_first ? 1 : 0; c < table.n_cols; ++c)
    rec.channels.push_back(csv_channel(table, c, time, rec.frame_fs, file));
  if (!options.channel.empty()) keep_channel(rec, choose_channel(rec, options.channel, file));
  if (options.header_only)
    for (Channel& ch : rec.channels) std::vector<float>().swap(ch.samples);
  return rec;
}

Record read_csv(const std::string& path, const ReadOptions& options) {
  const std::string text = wfdb::read_text_file(path, kMaxCsvBytes);
  return parse_csv(text, path, options);
}

}  // namespace somna::io
