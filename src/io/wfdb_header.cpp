#include "io/wfdb_header.hpp"

#include <cctype>
#include <tuple>

#include "common/error.hpp"
#include "io/wfdb_util.hpp"

namespace somna::io {

namespace {

constexpr int64_t kMaxSamplesPerFrame = int64_t{1} << 24;

struct Token {
  std::string_view text;
  size_t offset;  // position in the line
};

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::vector<Token> tokenize(std::string_view line, size_t max_tokens) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < line.size() && out.size() < max_tokens) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i >= line.size()) break;
    const size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    out.push_back({line.substr(start, i - start), start});
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  WfdbHeader parse() {
    if (text_.find('\0') != std::string_view::npos) {
      fail(0, "binary data (NUL bytes) in a text header");
    }
    split_lines();
    WfdbHeader h;
    h.file = file_;
    size_t next = 0;
    // Comments may come before the record line; the first other non-blank line is the record line.
    while (next < lines_.size() && lines_[next].comment) {
      h.comments.push_back(std::string(lines_[next].text));
      ++next;
    }
    if (next >= lines_.size()) fail(0, "no record line (the header is empty)");
    parse_record_line(lines_[next], h);
    ++next;

    const int64_t wanted = h.is_multi_segment() ? h.n_segments : h.n_signals;
    int64_t found = 0;
    for (; next < lines_.size(); ++next) {
      const Line& line = lines_[next];
      if (line.comment) {
        h.comments.push_back(std::string(line.text));
        continue;
      }
      if (found >= wanted) {
        fail(line.number, "unexpected line after the " + std::to_string(wanted) + " " +
                              (h.is_multi_segment() ? "segment" : "signal") + " lines");
      }
      if (h.is_multi_segment()) {
        h.segments.push_back(parse_segment_line(line));
      } else {
        h.signals.push_back(parse_signal_line(line, static_cast<int>(found)));
      }
      ++found;
    }
    if (found < wanted) {
      fail(0, std::string("the record line declares ") + std::to_string(wanted) + " " +
                  (h.is_multi_segment() ? "segments" : "signals") + " but the header has " +
                  std::to_string(found) + " such lines");
    }
    return h;
  }

 private:
  struct Line {
    std::string_view text;  // for comments: text after '#', leading blanks removed
    size_t number;          // 1-based
    bool comment;
  };

  size_t offset_of(std::string_view token) const {
    return static_cast<size_t>(token.data() - text_.data());
  }

  [[noreturn]] void fail(size_t line, const std::string& message) const {
    throw FormatError(file_, message, line > 0 ? "line " + std::to_string(line) : std::string());
  }

  void split_lines() {
    size_t start = 0, number = 0;
    while (start <= text_.size()) {
      size_t end = text_.find('\n', start);
      if (end == std::string_view::npos) end = text_.size();
      ++number;
      std::string_view line = trim(text_.substr(start, end - start));
      if (!line.empty()) {
        if (line.front() == '#') {
          line.remove_prefix(1);
          lines_.push_back({trim(line), number, true});
        } else {
          lines_.push_back({line, number, false});
        }
      }
      if (end == text_.size()) break;
      start = end + 1;
    }
  }

  int64_t need_int(const Line& line, std::string_view token, const char* what, int64_t min,
                   int64_t max) const {
    const auto v = wfdb::parse_int(token);
    if (!v) fail(line.number, std::string("bad ") + what + " '" + std::string(token) + "'");
    if (*v < min || *v > max) {
      fail(line.number, std::string(what) + " " + std::to_string(*v) + " is out of range [" +
                            std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    return *v;
  }

  double need_double(const Line& line, std::string_view token, const char* what) const {
    const auto v = wfdb::parse_double(token);
    if (!v) fail(line.number, std::string("bad ") + what + " '" + std::string(token) + "'");
    return *v;
  }

  void parse_record_line(const Line& line, WfdbHeader& h) const {
    const auto tokens = tokenize(line.text, 7);
    // name[/segments]
    std::string_view name = tokens[0].text;
    const size_t slash = name.find('/');
    if (slash != std::string_view::npos) {
      h.n_segments =
          need_int(line, name.substr(slash + 1), "number of segments", 1, int64_t{1} << 31);
      name = name.substr(0, slash);
    }
    if (name.empty()) fail(line.number, "empty record name");
    for (char c : name) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
        fail(line.number, "bad record name '" + std::string(name) + "'");
      }
    }
    h.record_name = std::string(name);
    h.record_name_offset = offset_of(name);
    if (tokens.size() < 2) {
      if (h.is_multi_segment()) fail(line.number, "multi-segment record line without signal count");
      return;  // record with no signals
    }
    h.n_signals = need_int(line, tokens[1].text, "number of signals", 0, int64_t{1} << 31);
    if (tokens.size() >= 3) parse_frequency(line, tokens[2].text, h);
    if (tokens.size() >= 4) {
      h.n_samples = need_int(line, tokens[3].text, "number of samples", 0, int64_t{1} << 62);
    }
    if (tokens.size() >= 5) {
      DateTime dt;
      parse_time(line, tokens[4].text, dt);
      if (tokens.size() >= 6) parse_date(line, tokens[5].text, dt);
      h.start = dt;
    }
  }

  void parse_frequency(const Line& line, std::string_view token, WfdbHeader& h) const {
    std::string_view fs = token, counter;
    const size_t slash = token.find('/');
    if (slash != std::string_view::npos) {
      fs = token.substr(0, slash);
      counter = token.substr(slash + 1);
    }
    h.fs = need_double(line, fs, "sampling frequency");
    if (!(h.fs > 0))
      fail(line.number, "sampling frequency must be > 0 (got " + std::string(fs) + ")");
    if (!counter.empty()) {
      std::string_view base;
      const size_t paren = counter.find('(');
      if (paren != std::string_view::npos) {
        if (counter.back() != ')')
          fail(line.number, "bad base counter in '" + std::string(token) + "'");
        base = counter.substr(paren + 1, counter.size() - paren - 2);
        counter = counter.substr(0, paren);
      }
      h.counter_freq = need_double(line, counter, "counter frequency");
      if (!(*h.counter_freq > 0)) fail(line.number, "counter frequency must be > 0");
      if (!base.empty()) h.base_counter = need_double(line, base, "base counter");
    }
  }

  void parse_time(const Line& line, std::string_view token, DateTime& dt) const {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
      const size_t colon = token.find(':', start);
      parts.push_back(
          token.substr(start, colon == std::string_view::npos ? token.npos : colon - start));
      if (colon == std::string_view::npos) break;
      start = colon + 1;
    }
    if (parts.size() > 3) fail(line.number, "bad base time '" + std::string(token) + "'");
    const double second = need_double(line, parts.back(), "base time seconds");
    if (second < 0 || second >= 61) fail(line.number, "bad base time '" + std::string(token) + "'");
    dt.second = second;
    if (parts.size() >= 2) {
      dt.minute =
          static_cast<int>(need_int(line, parts[parts.size() - 2], "base time minutes", 0, 59));
    }
    if (parts.size() == 3) {
      dt.hour = static_cast<int>(need_int(line, parts[0], "base time hours", 0, 23));
    }
  }

  void parse_date(const Line& line, std::string_view token, DateTime& dt) const {
    const size_t a = token.find('/');
    const size_t b = a == std::string_view::npos ? a : token.find('/', a + 1);
    if (a == std::string_view::npos || b == std::string_view::npos) {
      fail(line.number, "bad base date '" + std::string(token) + "' (expected DD/MM/YYYY)");
    }
    dt.day = static_cast<int>(need_int(line, token.substr(0, a), "base date day", 1, 31));
    dt.month =
        static_cast<int>(need_int(line, token.substr(a + 1, b - a - 1), "base date month", 1, 12));
    dt.year = static_cast<int>(need_int(line, token.substr(b + 1), "base date year", 1, 9999));
  }

  void check_file_name(const Line& line, std::string_view name, const char* what) const {
    if (name == "~") return;
    if (!wfdb::is_safe_relative_name(name)) {
      fail(line.number,
           std::string(what) + " '" + std::string(name) +
               "' is outside the record's folder (absolute or '..' paths are refused)");
    }
  }

  WfdbSegmentSpec parse_segment_line(const Line& line) const {
    const auto tokens = tokenize(line.text, 3);
    if (tokens.size() != 2) fail(line.number, "segment line must be 'name length'");
    WfdbSegmentSpec seg;
    seg.name = std::string(tokens[0].text);
    check_file_name(line, seg.name, "segment");
    if (seg.name != "~" && seg.name.find('/') != std::string::npos) {
      fail(line.number, "segment name '" + seg.name + "' must not contain '/'");
    }
    seg.length = need_int(line, tokens[1].text, "segment length", 0, int64_t{1} << 62);
    return seg;
  }

  void parse_format(const Line& line, std::string_view token, WfdbSignalSpec& s) const {
    size_t i = 0;
    auto read_number = [&](const char* what) -> int64_t {
      const size_t start = i;
      if (i < token.size() && (token[i] == '-' || token[i] == '+')) ++i;
      while (i < token.size() && std::isdigit(static_cast<unsigned char>(token[i]))) ++i;
      return need_int(line, token.substr(start, i - start), what, INT64_MIN, INT64_MAX);
    };
    const int64_t format = read_number("signal format");
    if (format < 0 || format > 100000)
      fail(line.number, "bad signal format " + std::to_string(format));
    s.format = static_cast<int>(format);
    while (i < token.size()) {
      const char c = token[i++];
      if (c == 'x') {
        const int64_t spf = read_number("samples per frame");
        if (spf < 0 || spf > kMaxSamplesPerFrame) {
          fail(line.number, "samples per frame " + std::to_string(spf) + " is out of range");
        }
        s.samples_per_frame = spf == 0 ? 1 : static_cast<int>(spf);
      } else if (c == ':') {
        s.skew = read_number("skew");
        if (s.skew < 0 || s.skew > (int64_t{1} << 40)) {
          fail(line.number, "skew " + std::to_string(s.skew) + " is out of range");
        }
      } else if (c == '+') {
        s.byte_offset = read_number("byte offset");
        if (s.byte_offset < 0) fail(line.number, "negative byte offset");
      } else {
        fail(line.number, "bad format field '" + std::string(token) + "'");
      }
    }
  }

  void parse_gain(const Line& line, std::string_view token, WfdbSignalSpec& s,
                  bool& baseline_given) const {
    std::string_view gain = token, baseline, units;
    const size_t slash = token.find('/');
    if (slash != std::string_view::npos) {
      units = token.substr(slash + 1);
      gain = token.substr(0, slash);
    }
    const size_t paren = gain.find('(');
    if (paren != std::string_view::npos) {
      if (gain.back() != ')') fail(line.number, "bad baseline in '" + std::string(token) + "'");
      baseline = gain.substr(paren + 1, gain.size() - paren - 2);
      gain = gain.substr(0, paren);
    }
    const double g = need_double(line, gain, "gain");
    s.gain_given = g != 0;
    s.gain = g != 0 ? g : 200.0;
    if (!baseline.empty()) {
      s.baseline = static_cast<double>(
          need_int(line, baseline, "baseline", -(int64_t{1} << 40), int64_t{1} << 40));
      baseline_given = true;
    }
    if (!units.empty()) s.units = std::string(units);
  }

  WfdbSignalSpec parse_signal_line(const Line& line, int index) const {
    const auto tokens = tokenize(line.text, 8);
    WfdbSignalSpec s;
    s.file_name = std::string(tokens[0].text);
    s.file_name_offset = offset_of(tokens[0].text);
    check_file_name(line, s.file_name, "signal file");
    if (tokens.size() < 2) fail(line.number, "signal " + std::to_string(index) + " has no format");
    parse_format(line, tokens[1].text, s);
    bool baseline_given = false;
    if (tokens.size() >= 3) parse_gain(line, tokens[2].text, s, baseline_given);
    if (tokens.size() >= 4) {
      s.adc_resolution = static_cast<int>(need_int(line, tokens[3].text, "ADC resolution", 0, 64));
    }
    if (s.adc_resolution == 0) s.adc_resolution = wfdb_default_resolution(s.format);
    const int64_t big = int64_t{1} << 40;
    if (tokens.size() >= 5) s.adc_zero = need_int(line, tokens[4].text, "ADC zero", -big, big);
    s.initial_value = s.adc_zero;
    if (tokens.size() >= 6) {
      s.initial_value = need_int(line, tokens[5].text, "initial value", -big, big);
    }
    if (tokens.size() >= 7) s.checksum = need_int(line, tokens[6].text, "checksum", -big, big);
    if (tokens.size() >= 8) {
      s.block_size = need_int(line, tokens[7].text, "block size", 0, big);
      // The description is the rest of the line after the block size, spaces included.
      const size_t end = tokens[7].offset + tokens[7].text.size();
      s.description = std::string(trim(line.text.substr(end)));
    }
    if (!baseline_given) s.baseline = static_cast<double>(s.adc_zero);
    return s;
  }

  std::string_view text_;
  const std::string& file_;
  std::vector<Line> lines_;
};

}  // namespace

int wfdb_default_resolution(int format) {
  switch (format) {
    case 8:
    case 80:
    case 508:
      return 8;
    case 212:
      return 12;
    case 310:
    case 311:
      return 10;
    case 24:
    case 524:
      return 24;
    case 32:
      return 32;
    default:
      return 16;
  }
}

bool wfdb_format_known(int format) {
  switch (format) {
    case 0:
    case 8:
    case 16:
    case 24:
    case 32:
    case 61:
    case 80:
    case 160:
    case 212:
    case 310:
    case 311:
    case 508:
    case 516:
    case 524:
      return true;
    default:
      return false;
  }
}

WfdbHeader parse_wfdb_header(std::string_view text, const std::string& file) {
  if (text.size() > kMaxWfdbHeaderBytes) {
    throw FormatError(file, "header is " + std::to_string(text.size()) +
                                " bytes; a WFDB header is text of at most " +
                                std::to_string(kMaxWfdbHeaderBytes >> 10) + " KiB");
  }
  const std::string utf8 = wfdb::to_utf8(text);
  return Parser(utf8, file).parse();
}

std::string rename_wfdb_header(const WfdbHeader& h, std::string_view text,
                               const std::string& record_name,
                               const std::map<std::string, std::string>& file_names) {
  const std::string utf8 = wfdb::to_utf8(text);  // the text the offsets refer to
  // (offset, length, replacement) in text order; the record line comes before every signal line.
  std::vector<std::tuple<size_t, size_t, std::string>> edits;
  edits.emplace_back(h.record_name_offset, h.record_name.size(), record_name);
  for (const WfdbSignalSpec& s : h.signals) {
    const auto it = file_names.find(s.file_name);
    if (it != file_names.end())
      edits.emplace_back(s.file_name_offset, s.file_name.size(), it->second);
  }
  std::string out;
  out.reserve(utf8.size() + 64);
  size_t at = 0;
  for (const auto& [offset, length, replacement] : edits) {
    out.append(utf8, at, offset - at);
    out += replacement;
    at = offset + length;
  }
  out.append(utf8, at, std::string::npos);
  return out;
}

WfdbHeader read_wfdb_header(const std::string& hea_path) {
  const std::string text = wfdb::read_text_file(hea_path, kMaxWfdbHeaderBytes);
  return parse_wfdb_header(text, hea_path);
}

}  // namespace somna::io
