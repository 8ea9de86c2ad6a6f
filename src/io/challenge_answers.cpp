// Challenge 2000 answers: a line parser (record name or "H LETTERS") that checks each record's
// hours count up from 0 and that only the last hour is short, so that every letter's minute is
// the one the file means.

#include "io/challenge_answers.hpp"

#include <fmt/format.h>

#include <set>

#include "common/error.hpp"
#include "io/file_write.hpp"
#include "io/wfdb_util.hpp"

namespace somna::io {

namespace {

constexpr size_t kMinutesPerHour = 60;
constexpr size_t kMaxFileBytes = size_t{64} << 20;

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::vector<std::string_view> tokens(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i >= line.size()) break;
    const size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    out.push_back(line.substr(start, i - start));
  }
  return out;
}

// A character as a person reads it in a message: itself when printable, else its byte value.
std::string shown(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u < 0x7F ? fmt::format("'{}'", c) : fmt::format("byte 0x{:02X}", u);
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  std::vector<ChallengeRecord> parse() {
    size_t begin = 0;
    while (begin < text_.size()) {
      size_t end = text_.find('\n', begin);
      if (end == std::string_view::npos) end = text_.size();
      ++line_no_;
      take_line(text_.substr(begin, end - begin));
      begin = end + 1;
    }
    finish_record();
    return std::move(records_);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw FormatError(file_, message, "line " + std::to_string(line_no_));
  }

  void take_line(std::string_view line) {
    const std::vector<std::string_view> t = tokens(line);
    if (t.empty()) return;
    if (t.size() == 1) return start_record(t[0]);
    if (t.size() == 2) return take_hour(t[0], t[1]);
    fail(fmt::format("expected a record name or an hour line (\"H LETTERS\"), found {} fields",
                     t.size()));
  }

  void start_record(std::string_view name) {
    finish_record();
    if (!names_.insert(std::string(name)).second)
      fail("record '" + std::string(name) + "' is named a second time");
    records_.push_back({std::string(name), {}});
    record_line_ = line_no_;
    hours_ = 0;
    short_hour_ = false;
  }

  void finish_record() {
    if (!records_.empty() && hours_ == 0) {
      throw FormatError(file_, "record '" + records_.back().name + "' has no hour lines",
                        "line " + std::to_string(record_line_));
    }
  }

  void take_hour(std::string_view hour_text, std::string_view letters) {
    if (records_.empty())
      fail("an hour line before any record name (each record starts with a line naming it)");
    const auto hour = wfdb::parse_int(hour_text);
    if (!hour) fail("hour '" + std::string(hour_text) + "' is not a number");
    if (*hour != static_cast<int64_t>(hours_)) {
      fail(fmt::format("record '{}': hour {} where hour {} was expected", records_.back().name,
                       *hour, hours_));
    }
    if (short_hour_) {
      fail(fmt::format("record '{}': hour {} has fewer than 60 minutes but is not the last",
                       records_.back().name, hours_ - 1));
    }
    if (letters.size() > kMinutesPerHour) {
      fail(fmt::format("record '{}': hour {} has {} letters, more than the 60 minutes of an hour",
                       records_.back().name, hours_, letters.size()));
    }
    for (size_t i = 0; i < letters.size(); ++i) {
      if (letters[i] != 'A' && letters[i] != 'N') {
        fail(fmt::format("record '{}': hour {}, minute {}: {} is not A (apnea) or N (normal)",
                         records_.back().name, hours_, i, shown(letters[i])));
      }
    }
    records_.back().minutes.append(letters);
    short_hour_ = letters.size() < kMinutesPerHour;
    ++hours_;
  }

  std::string_view text_;
  const std::string& file_;
  std::vector<ChallengeRecord> records_;
  std::set<std::string> names_;
  size_t line_no_ = 0, record_line_ = 0, hours_ = 0;
  bool short_hour_ = false;
};

}  // namespace

std::vector<ChallengeRecord> parse_challenge_answers(std::string_view text,
                                                     const std::string& file) {
  return Parser(text, file).parse();
}

std::vector<ChallengeRecord> read_challenge_answers(const std::string& path) {
  return parse_challenge_answers(wfdb::read_text_file(path, kMaxFileBytes), path);
}

std::string format_challenge_answers(const std::vector<ChallengeRecord>& records,
                                     const std::string& file) {
  std::string out;
  for (const ChallengeRecord& r : records) {
    if (r.name.empty() || tokens(r.name).size() != 1 || tokens(r.name)[0] != r.name)
      throw FormatError(file, "record name '" + r.name + "' is empty or holds blanks");
    if (r.minutes.empty()) throw FormatError(file, "record '" + r.name + "' has no minutes");
    const size_t bad = r.minutes.find_first_not_of("AN");
    if (bad != std::string::npos) {
      throw FormatError(file, fmt::format("record '{}': minute {} is {}, not A or N", r.name, bad,
                                          shown(r.minutes[bad])));
    }
    if (!out.empty()) out += '\n';
    out += r.name + '\n';
    for (size_t h = 0; h * kMinutesPerHour < r.minutes.size(); ++h) {
      out += fmt::format("{:2} {}\n", h, r.minutes.substr(h * kMinutesPerHour, kMinutesPerHour));
    }
  }
  return out;
}

void write_challenge_answers(const std::string& path, const std::vector<ChallengeRecord>& records) {
  write_file(path, format_challenge_answers(records, path));
}

bool looks_like_challenge_answers(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(begin, end - begin);
    const std::vector<std::string_view> t = tokens(line);
    if (!t.empty()) return t.size() == 1 && line.find(',') == std::string_view::npos;
    begin = end + 1;
  }
  return false;
}

}  // namespace somna::io
