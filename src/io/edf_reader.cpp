#include "io/edf_reader.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include "common/error.hpp"
#include "io/biosig_library.hpp"
#include "io/channel_info.hpp"
#include "io/limits.hpp"
#include "io/wfdb_util.hpp"

namespace somna::io {

namespace {

// Caps that keep absurd headers from turning into huge allocations.
constexpr int64_t kMaxSamplesPerRecord = 1 << 24;        // per signal
constexpr int64_t kMaxBytesPerRecord = 64LL << 20;       // one data record
constexpr int64_t kMaxTotalSamples = 1LL << 29;          // all kept channels together (2 GiB)
constexpr double kMaxTimelineSeconds = 7 * 24 * 3600.0;  // EDF+D: onsets within one week
constexpr size_t kMaxEvents = 1u << 20;

std::string trim(std::string_view text) {
  size_t a = 0, b = text.size();
  while (a < b && (text[a] == ' ' || text[a] == '\0')) ++a;
  while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\0')) --b;
  return std::string(text.substr(a, b - a));
}

// Printable ASCII copy of a header field (EDF allows only bytes 32..126).
std::string field_text(const uint8_t* p, size_t n) {
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = p[i];
    out += (c >= 32 && c < 127) ? static_cast<char>(c) : '?';
  }
  return trim(out);
}

[[noreturn]] void bad(const std::string& file, const std::string& message,
                      const std::string& where = {}) {
  throw FormatError(file, message, where);
}

int64_t int_field(const uint8_t* p, size_t n, const std::string& file, const std::string& name) {
  const std::string text = trim(std::string_view(reinterpret_cast<const char*>(p), n));
  const auto value = wfdb::parse_int(text);
  if (!value) bad(file, name + " is not an integer: \"" + field_text(p, n) + "\"", "EDF header");
  return *value;
}

double real_field(const uint8_t* p, size_t n, const std::string& file, const std::string& name) {
  const std::string text = trim(std::string_view(reinterpret_cast<const char*>(p), n));
  const auto value = wfdb::parse_double(text);
  if (!value) bad(file, name + " is not a number: \"" + field_text(p, n) + "\"", "EDF header");
  return *value;
}

int month_from_name(const std::string& name) {
  static const char* kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                  "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  for (int i = 0; i < 12; ++i)
    if (name == kMonths[i]) return i + 1;
  return 0;
}

// "dd.mm.yy" and "hh.mm.ss"; EDF+ recordings also say "Startdate dd-MMM-yyyy" (4-digit year).
DateTime parse_start(const std::string& date, const std::string& time, const std::string& recording,
                     const std::string& file) {
  auto two = [&](const std::string& s, size_t at, const char* what) {
    if (s.size() != 8 || !std::isdigit(static_cast<unsigned char>(s[at])) ||
        !std::isdigit(static_cast<unsigned char>(s[at + 1])))
      bad(file, std::string("malformed start ") + what + " \"" + s + "\"", "EDF header");
    return (s[at] - '0') * 10 + (s[at + 1] - '0');
  };
  DateTime t;
  t.day = two(date, 0, "date");
  t.month = two(date, 3, "date");
  const int yy = two(date, 6, "date");
  t.year = yy >= 85 ? 1900 + yy : 2000 + yy;
  t.hour = two(time, 0, "time");
  t.minute = two(time, 3, "time");
  t.second = two(time, 6, "time");
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour > 23 || t.minute > 59 ||
      t.second > 60)
    bad(file, "start date/time out of range: \"" + date + " " + time + "\"", "EDF header");
  // EDF+: "Startdate 10-DEC-2009 ..." carries the 4-digit year.
  if (recording.rfind("Startdate ", 0) == 0 && recording.size() >= 21 && recording[12] == '-' &&
      recording[16] == '-') {
    const auto year = wfdb::parse_int(recording.substr(17, 4));
    if (year && *year >= 1985 && *year <= 9999 && month_from_name(recording.substr(13, 3)) != 0)
      t.year = static_cast<int>(*year);
  }
  return t;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

FilePtr open_regular(const std::string& path, uint64_t& size) {
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) bad(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (fstat(fileno(file.get()), &st) != 0 || !S_ISREG(st.st_mode)) bad(path, "not a regular file");
  size = static_cast<uint64_t>(st.st_size);
  return file;
}

void read_at(std::FILE* f, uint64_t offset, uint8_t* out, size_t n, const std::string& file) {
  if (fseeko(f, static_cast<off_t>(offset), SEEK_SET) != 0 || std::fread(out, 1, n, f) != n)
    bad(file, "read error", "byte " + std::to_string(offset));
}

// Owns a libbiosig header.
struct BiosigCloser {
  const BiosigLibrary* lib = nullptr;
  void operator()(HDRTYPE* h) const {
    if (h->FILE.OPEN) lib->close(h);
    lib->destruct_hdr(h);
  }
};
using BiosigPtr = std::unique_ptr<HDRTYPE, BiosigCloser>;

BiosigPtr biosig_open(const BiosigLibrary& lib, const std::string& path, bool raw) {
  HDRTYPE* h = lib.construct_hdr(0, 0);
  if (!h) throw std::bad_alloc();
  h->FLAG.UCAL = raw ? 1 : 0;
  h->FLAG.OVERFLOWDETECTION = 0;
  h->FLAG.ANONYMOUS = 1;
  h = lib.open(path.c_str(), "r", h);
  if (!h) bad(path, "libbiosig could not open the file");
  return BiosigPtr(h, BiosigCloser{&lib});
}

std::string biosig_error(HDRTYPE* h) {
  std::string msg = h->AS.B4C_ERRMSG ? h->AS.B4C_ERRMSG : "unknown libbiosig error";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

// Reads `n_records` data records of the channels in `wanted` (biosig channel indices) as raw
// digital values, calling sink(k, record, values, count) per channel and record; biosig repeats
// the samples of slower channels up to hdr->SPR per record, which is undone here.
template <typename Sink>
void biosig_read_records(const BiosigLibrary& lib, HDRTYPE* h, const std::vector<size_t>& wanted,
                         const std::vector<int64_t>& spr, int64_t n_records,
                         const std::string& file, Sink&& sink) {
  for (uint16_t k = 0; k < h->NS; ++k) h->CHANNEL[k].OnOff = 0;
  for (size_t k : wanted) h->CHANNEL[k].OnOff = 1;
  const int64_t frame = h->SPR;
  if (frame <= 0 || frame > kMaxSamplesPerRecord * 16)
    bad(file, "libbiosig reports " + std::to_string(frame) + " samples per record");
  for (size_t i = 0; i < wanted.size(); ++i)
    if (spr[i] <= 0 || frame % spr[i] != 0)
      bad(file, "libbiosig block layout does not fit the header",
          "signal " + std::to_string(wanted[i]));
  const int64_t per_record = frame * static_cast<int64_t>(wanted.size());
  const int64_t chunk = std::max<int64_t>(1, (int64_t{8} << 20) / std::max<int64_t>(1, per_record));
  std::vector<float> values;
  for (int64_t start = 0; start < n_records; start += chunk) {
    const int64_t len = std::min(chunk, n_records - start);
    const size_t got = lib.read(nullptr, static_cast<size_t>(start), static_cast<size_t>(len), h);
    if (static_cast<int64_t>(got) != len || lib.check_error(h))
      bad(file,
          "libbiosig read " + std::to_string(got) + " of " + std::to_string(len) +
              " data records: " + biosig_error(h),
          "data record " + std::to_string(start));
    const size_t rows = h->data.size[0], cols = h->data.size[1];
    if (cols != wanted.size() || rows != static_cast<size_t>(len * frame))
      bad(file, "libbiosig returned an unexpected block shape");
    const double* block = h->data.block;
    for (size_t c = 0; c < cols; ++c) {
      const int64_t step = frame / spr[c];
      values.resize(static_cast<size_t>(spr[c]));
      for (int64_t r = 0; r < len; ++r) {
        const double* col = block + c * rows + static_cast<size_t>(r * frame);
        for (int64_t j = 0; j < spr[c]; ++j) values[j] = static_cast<float>(col[j * step]);
        sink(c, start + r, values.data(), values.size());
      }
    }
  }
}

std::string stem_of(const std::string& path) {
  std::string name = wfdb::base_name(path);
  const size_t dot = name.find_last_of('.');
  if (dot != std::string::npos && dot > 0) name.resize(dot);
  return name;
}

}  // namespace

double EdfSignalHeader::gain() const {
  return static_cast<double>(dig_max - dig_min) / (phys_max - phys_min);
}
double EdfSignalHeader::baseline() const {
  return static_cast<double>(dig_min) - phys_min * gain();
}

bool biosig_extension(const std::string& extension) {
  static const char* const kExtensions[] = {"gdf",  "scp", "mwf", "mfer", "cnt", "bkr",
                                            "vhdr", "acq", "cfs", "smr",  "xdf"};
  for (const char* e : kExtensions)
    if (extension == e) return true;
  return false;
}

bool looks_like_edf(const uint8_t* data, size_t size) {
  if (size >= 8 && std::memcmp(data, "0       ", 8) == 0) return true;
  return size >= 8 && data[0] == 0xFF && std::memcmp(data + 1, "BIOSEMI", 7) == 0;
}

EdfHeader parse_edf_header(const uint8_t* data, size_t size, uint64_t file_size,
                           const std::string& file, bool allow_truncated) {
  if (size < kEdfFixedHeaderBytes)
    bad(file,
        "file is too short for an EDF header (" + std::to_string(size) + " bytes, at least 256)");
  if (!looks_like_edf(data, size))
    bad(file, "not an EDF/BDF file (version field is \"" + field_text(data, 8) + "\")",
        "EDF header");
  EdfHeader h;
  h.bdf = data[0] == 0xFF;
  h.patient = field_text(data + 8, 80);
  h.recording = field_text(data + 88, 80);
  const std::string reserved = field_text(data + 192, 44);
  const std::string family = h.bdf ? "BDF" : "EDF";
  h.plus = reserved.rfind("EDF+", 0) == 0 || reserved.rfind("BDF+", 0) == 0;
  h.discontinuous = h.plus && reserved.size() >= 5 && reserved[4] == 'D';
  h.format = family + (h.plus ? (h.discontinuous ? "+D" : "+C") : "");
  h.start = parse_start(field_text(data + 168, 8), field_text(data + 176, 8), h.recording, file);
  h.header_bytes = int_field(data + 184, 8, file, "header length");
  const int64_t n_records = int_field(data + 236, 8, file, "number of data records");
  h.record_duration = real_field(data + 244, 8, file, "data record duration");
  const int64_t ns = int_field(data + 252, 4, file, "number of signals");
  if (ns < 1 || ns > kEdfMaxSignals)
    bad(file,
        "number of signals " + std::to_string(ns) + " is out of range (1.." +
            std::to_string(kEdfMaxSignals) + ")",
        "EDF header");
  if (h.header_bytes != 256 * (ns + 1))
    bad(file,
        "header length " + std::to_string(h.header_bytes) + " does not match " +
            std::to_string(ns) + " signals (expected " + std::to_string(256 * (ns + 1)) + ")",
        "EDF header");
  if (size < static_cast<size_t>(h.header_bytes) ||
      file_size < static_cast<uint64_t>(h.header_bytes))
    bad(file, "file is too short for its header (" + std::to_string(file_size) + " bytes, header " +
                  std::to_string(h.header_bytes) + ")");
  if (n_records < -1)
    bad(file, "number of data records " + std::to_string(n_records) + " is negative", "EDF header");
  if (!(h.record_duration >= 0) || h.record_duration > 1e6)
    bad(file, "data record duration " + std::to_string(h.record_duration) + " s is out of range",
        "EDF header");

  const uint8_t* s = data + 256;
  auto at = [&](size_t offset, size_t width, int64_t k) { return s + offset * ns + width * k; };
  h.signals.resize(static_cast<size_t>(ns));
  const int64_t dig_lo = h.bdf ? -(1 << 23) : -32768, dig_hi = h.bdf ? (1 << 23) - 1 : 32767;
  int64_t bytes = 0;
  bool all_annotations = true;
  for (int64_t k = 0; k < ns; ++k) {
    EdfSignalHeader& sig = h.signals[k];
    const std::string where = "signal " + std::to_string(k);
    sig.label = field_text(at(0, 16, k), 16);
    sig.transducer = field_text(s + 16 * ns + 80 * k, 80);
    sig.units = normalize_units(
        trim(std::string_view(reinterpret_cast<const char*>(s + 96 * ns + 8 * k), 8)));
    sig.phys_min = real_field(s + 104 * ns + 8 * k, 8, file, where + " physical minimum");
    sig.phys_max = real_field(s + 112 * ns + 8 * k, 8, file, where + " physical maximum");
    sig.dig_min = int_field(s + 120 * ns + 8 * k, 8, file, where + " digital minimum");
    sig.dig_max = int_field(s + 128 * ns + 8 * k, 8, file, where + " digital maximum");
    sig.prefilter = field_text(s + 136 * ns + 80 * k, 80);
    sig.samples_per_record =
        int_field(s + 216 * ns + 8 * k, 8, file, where + " samples per record");
    sig.is_annotation =
        h.plus && (sig.label == "EDF Annotations" || sig.label == "BDF Annotations");
    all_annotations = all_annotations && sig.is_annotation;
    if (sig.samples_per_record < 1 || sig.samples_per_record > kMaxSamplesPerRecord)
      bad(file,
          "samples per data record " + std::to_string(sig.samples_per_record) +
              " is out of range (1.." + std::to_string(kMaxSamplesPerRecord) + ")",
          where);
    if (!sig.is_annotation) {
      if (sig.dig_min >= sig.dig_max || sig.dig_min < dig_lo || sig.dig_max > dig_hi)
        bad(file,
            "digital range " + std::to_string(sig.dig_min) + ".." + std::to_string(sig.dig_max) +
                " is invalid for " + family,
            where);
      if (sig.phys_min == sig.phys_max)
        bad(file, "physical minimum equals physical maximum (" + std::to_string(sig.phys_min) + ")",
            where);
    }
    bytes += sig.samples_per_record * h.bytes_per_sample();
    if (bytes > kMaxBytesPerRecord)
      bad(file,
          "data records are too large (over " + std::to_string(kMaxBytesPerRecord) + " bytes)",
          where);
  }
  h.bytes_per_record = bytes;
  if (h.record_duration > 0) {
    for (size_t k = 0; k < h.signals.size(); ++k) {
      const double fs = static_cast<double>(h.signals[k].samples_per_record) / h.record_duration;
      if (!h.signals[k].is_annotation)
        check_sampling_frequency(file, fs, "signal " + std::to_string(k));
    }
  }
  const bool has_annotations = std::any_of(h.signals.begin(), h.signals.end(),
                                           [](const auto& s) { return s.is_annotation; });
  if (h.discontinuous && !has_annotations)
    bad(file, "EDF+D file without an annotation signal: the record times are unknown",
        "EDF header");
  if (h.record_duration <= 0 && !all_annotations)
    bad(file,
        "data record duration " + std::to_string(h.record_duration) +
            " s gives a sampling frequency <= 0",
        "EDF header");

  const uint64_t data_bytes = file_size - static_cast<uint64_t>(h.header_bytes);
  const uint64_t whole = data_bytes / static_cast<uint64_t>(bytes);
  if (n_records == -1) {
    if (data_bytes % static_cast<uint64_t>(bytes) != 0 && !allow_truncated)
      throw TruncatedError(file, "data length " + std::to_string(data_bytes) +
                                     " bytes is not a whole number of " + std::to_string(bytes) +
                                     "-byte data records");
    h.n_records = static_cast<int64_t>(whole);
  } else {
    const uint64_t expected = static_cast<uint64_t>(n_records) * static_cast<uint64_t>(bytes);
    if (n_records > 0 &&
        expected / static_cast<uint64_t>(n_records) != static_cast<uint64_t>(bytes))
      bad(file, "number of data records " + std::to_string(n_records) + " is absurd", "EDF header");
    if (data_bytes < expected) {
      if (!allow_truncated)
        throw TruncatedError(
            file, "file is truncated: the header says " + std::to_string(n_records) +
                      " data records (" + std::to_string(expected + h.header_bytes) +
                      " bytes) but the file has " + std::to_string(file_size) + " bytes");
      h.truncated = true;
      h.n_records = static_cast<int64_t>(whole);
    } else if (data_bytes > expected) {
      bad(file, "file has " + std::to_string(data_bytes - expected) +
                    " bytes more than the header's " + std::to_string(n_records) +
                    " data records (" + std::to_string(expected + h.header_bytes) + " bytes)");
    } else {
      h.n_records = n_records;
    }
  }
  return h;
}

EdfRecordAnnotations parse_edf_tals(const uint8_t* data, size_t size, const std::string& file,
                                    const std::string& where) {
  EdfRecordAnnotations out;
  size_t i = 0;
  bool first = true;
  while (i < size) {
    if (data[i] == 0) {  // padding after the last TAL
      ++i;
      continue;
    }
    // onset: [+-]digits[.digits], then optional 0x15 duration, then 0x14.
    const size_t onset_begin = i;
    while (i < size && data[i] != 0x14 && data[i] != 0x15 && data[i] != 0) ++i;
    const std::string onset_text(reinterpret_cast<const char*>(data + onset_begin),
                                 i - onset_begin);
    if (onset_text.empty() || (onset_text[0] != '+' && onset_text[0] != '-'))
      bad(file,
          "annotation onset \"" + field_text(data + onset_begin, i - onset_begin) +
              "\" does not start with + or -",
          where);
    const auto onset = wfdb::parse_double(onset_text);
    if (!onset) bad(file, "annotation onset \"" + onset_text + "\" is not a number", where);
    double duration = 0;
    if (i < size && data[i] == 0x15) {
      const size_t d_begin = ++i;
      while (i < size && data[i] != 0x14 && data[i] != 0) ++i;
      const std::string d_text(reinterpret_cast<const char*>(data + d_begin), i - d_begin);
      const auto d = wfdb::parse_double(d_text);
      if (!d || *d < 0) bad(file, "annotation duration \"" + d_text + "\" is not a number", where);
      duration = *d;
    }
    if (i >= size || data[i] != 0x14)
      bad(file, "annotation list is not terminated (missing 0x14 after the onset)", where);
    ++i;
    // texts, each ended by 0x14, the TAL ended by 0x00.
    while (i < size && data[i] != 0) {
      const size_t t_begin = i;
      while (i < size && data[i] != 0x14 && data[i] != 0) ++i;
      if (i >= size || data[i] != 0x14)
        bad(file, "annotation text is not terminated by 0x14", where);
      std::string text(reinterpret_cast<const char*>(data + t_begin), i - t_begin);
      ++i;
      if (first && text.empty()) continue;  // time-keeping TAL: "+onset\x14\x14"
      if (!text.empty() && out.events.size() < kMaxEvents)
        out.events.push_back(Event{*onset, duration, std::move(text)});
    }
    if (first) {
      out.has_onset = true;
      out.onset_s = *onset;
      first = false;
    }
    if (i < size) ++i;  // the 0x00 closing this TAL
  }
  return out;
}

namespace {

// The whole header of an EDF/BDF file: the fixed part first (for the number of signals), then
// all of it, validated by parse_edf_header.
EdfHeader read_edf_header(std::FILE* f, uint64_t file_size, const std::string& path,
                          bool allow_truncated) {
  std::vector<uint8_t> head(static_cast<size_t>(std::min<uint64_t>(file_size, 256)));
  if (!head.empty()) read_at(f, 0, head.data(), head.size(), path);
  if (head.size() < 256)
    bad(path, "file is too short for an EDF header (" + std::to_string(file_size) +
                  " bytes, at least 256)");
  if (!looks_like_edf(head.data(), head.size()))
    bad(path,
        "not an EDF/BDF file: it does not start with the EDF version \"0\" or the BDF "
        "signature");
  const auto ns =
      wfdb::parse_int(trim(std::string_view(reinterpret_cast<const char*>(&head[252]), 4)));
  if (ns && *ns >= 1 && *ns <= kEdfMaxSignals) {
    const uint64_t want = std::min<uint64_t>(file_size, 256 * static_cast<uint64_t>(*ns + 1));
    head.resize(static_cast<size_t>(want));
    read_at(f, 0, head.data(), head.size(), path);
  }
  return parse_edf_header(head.data(), head.size(), file_size, path, allow_truncated);
}

// The record as the header describes it: format, frame rate, start, patient and recording.
Record edf_record(const std::string& path, const EdfHeader& h) {
  Record rec;
  rec.name = stem_of(path);
  rec.path = path;
  rec.format = h.format;
  rec.frame_fs = h.record_duration > 0 ? 1.0 / h.record_duration : 0.0;
  rec.start = h.start;
  if (!h.patient.empty()) rec.comments.push_back("patient: " + h.patient);
  if (!h.recording.empty()) rec.comments.push_back("recording: " + h.recording);
  if (h.truncated)
    rec.comments.push_back("truncated: " + std::to_string(h.n_records) +
                           " complete data records read");
  return rec;
}

// What the annotation signals gave: the record onsets and the data records skipped.
struct AnnotationScan {
  std::vector<double> onsets;
  size_t skipped = 0;
  std::string first_problem;  // the first skipped record's error
};

// The TALs of every data record of one annotation signal (at byte `offset` in the record):
// onsets into scan (all of them for EDF+D, else the first record's), events into `events`.
void scan_annotation_signal(std::FILE* f, const EdfHeader& h, const EdfSignalHeader& sig,
                            int64_t offset, const std::string& path, AnnotationScan& scan,
                            std::vector<Event>& events) {
  std::vector<uint8_t> buf(static_cast<size_t>(sig.samples_per_record * h.bytes_per_sample()));
  const bool want_onsets = scan.onsets.empty() && h.discontinuous;
  for (int64_t r = 0; r < h.n_records; ++r) {
    const std::string where = "data record " + std::to_string(r);
    read_at(f, static_cast<uint64_t>(h.header_bytes + r * h.bytes_per_record + offset), buf.data(),
            buf.size(), path);
    EdfRecordAnnotations tals;
    try {
      tals = parse_edf_tals(buf.data(), buf.size(), path, where);
    } catch (const FormatError& e) {
      if (h.discontinuous) throw;
      if (scan.skipped++ == 0) scan.first_problem = e.what();
      continue;
    }
    if (want_onsets) {
      if (!tals.has_onset) bad(path, "EDF+D data record has no time-keeping annotation", where);
      scan.onsets.push_back(tals.onset_s);
    } else if (r == 0 && tals.has_onset && scan.onsets.empty()) {
      scan.onsets.push_back(tals.onset_s);  // EDF+C: only the start offset is used
    }
    for (Event& e : tals.events) {
      if (events.size() >= kMaxEvents) break;
      events.push_back(std::move(e));
    }
  }
}

// EDF+: record onsets (time-keeping TALs) and annotations, from the annotation signals; events
// go to rec.events, relative to the first onset and in time order. Returns the onsets.
// EDF+D needs every onset (they place the records), so a bad TAL there is an error; in EDF+C
// the signals do not depend on them, so bad annotations are skipped with a comment.
std::vector<double> read_annotations(std::FILE* f, const EdfHeader& h, const std::string& path,
                                     Record& rec) {
  AnnotationScan scan;
  int64_t annotation_offset = 0;
  for (const EdfSignalHeader& sig : h.signals) {
    if (sig.is_annotation)
      scan_annotation_signal(f, h, sig, annotation_offset, path, scan, rec.events);
    annotation_offset += sig.samples_per_record * h.bytes_per_sample();
  }
  if (scan.skipped > 0)
    rec.comments.push_back("annotations of " + std::to_string(scan.skipped) +
                           " data records skipped as malformed (first: " + scan.first_problem +
                           ")");
  const double origin = scan.onsets.empty() ? 0.0 : scan.onsets.front();
  for (Event& e : rec.events) e.onset_s -= origin;
  std::sort(rec.events.begin(), rec.events.end(),
            [](const Event& a, const Event& b) { return a.onset_s < b.onset_s; });
  return std::move(scan.onsets);
}

// Seconds the channels span. EDF+D: records are placed at their onsets; check the timeline is
// sane first.
double timeline_seconds(const EdfHeader& h, const std::vector<double>& onsets, double origin,
                        const std::string& path) {
  double timeline_s = static_cast<double>(h.n_records) * h.record_duration;
  if (h.discontinuous && !onsets.empty()) {
    for (size_t r = 1; r < onsets.size(); ++r) {
      if (!(onsets[r] >= onsets[r - 1] + h.record_duration - 1e-6))
        bad(path,
            "EDF+D data record starts at " + std::to_string(onsets[r]) +
                " s, before the previous record ends",
            "data record " + std::to_string(r));
    }
    timeline_s = onsets.back() - origin + h.record_duration;
    if (timeline_s > kMaxTimelineSeconds)
      bad(path, "EDF+D records span " + std::to_string(timeline_s) +
                    " s, more than one week; refusing to fill the gaps");
  }
  return timeline_s;
}

// Channels (annotation signals are not channels), without samples, into rec.channels. Returns
// the header's signal index of each.
std::vector<size_t> add_channels(const EdfHeader& h, double timeline_s, Record& rec) {
  std::vector<size_t> signal_of;
  for (size_t k = 0; k < h.signals.size(); ++k) {
    const EdfSignalHeader& sig = h.signals[k];
    if (sig.is_annotation) continue;
    Channel ch;
    ch.name = sig.label;
    ch.units = sig.units;
    ch.fs = static_cast<double>(sig.samples_per_record) / h.record_duration;
    ch.gain = sig.gain();
    ch.baseline = sig.baseline();
    ch.adc_resolution = h.bdf ? 24 : 16;
    ch.format = h.bdf ? "BDF" : "EDF";
    ch.n_samples =
        h.discontinuous ? std::llround(timeline_s * ch.fs) : sig.samples_per_record * h.n_records;
    rec.channels.push_back(std::move(ch));
    signal_of.push_back(k);
  }
  return signal_of;
}

// ECG in volts or microvolts is kept in millivolts (gain is ADC units per physical unit).
void ecg_gain_to_millivolts(std::vector<Channel>& channels) {
  for (Channel& ch : channels) {
    const double f = millivolt_factor(ch.units);
    if (is_ecg_label(ch.name) && f != 0 && f != 1) {
      ch.gain /= f;
      ch.units = "mV";
    }
  }
}

// Refuses channels longer than options.max_duration_s, more samples than this reader holds, and
// EDF+D gaps that would cost far more memory than the stored data.
void check_sample_counts(const Record& rec, const EdfHeader& h,
                         const std::vector<size_t>& signal_of, const std::string& path,
                         const ReadOptions& options) {
  for (const Channel& ch : rec.channels)
    check_duration(path, static_cast<double>(ch.n_samples), ch.fs, options.max_duration_s);
  int64_t total = 0;
  for (const Channel& ch : rec.channels) total += ch.n_samples;
  if (total > kMaxTotalSamples)
    bad(path, "recording has " + std::to_string(total) + " samples in the chosen channels, more " +
                  "than this reader holds in memory (" + std::to_string(kMaxTotalSamples) +
                  "); choose one channel");
  if (h.discontinuous) {
    // Gaps cost memory the file does not: allow them up to the stored data (or 2^25 samples).
    int64_t stored = 0;
    for (size_t c = 0; c < rec.channels.size(); ++c)
      stored += h.signals[signal_of[c]].samples_per_record * h.n_records;
    const int64_t allowed = stored + std::max<int64_t>(stored, int64_t{1} << 25);
    if (total > allowed)
      bad(path, "EDF+D gaps would need " + std::to_string(total - stored) + " NaN samples for " +
                    std::to_string(stored) + " stored ones; refusing to fill them");
  }
}

// Sample j of a signal's block: 16-bit (EDF) or 24-bit (BDF) little-endian two's complement.
int32_t digital_sample(const uint8_t* p, int64_t j, bool bdf) {
  if (bdf) {
    const uint8_t* q = p + 3 * j;
    int32_t v =
        static_cast<int32_t>(static_cast<uint32_t>(q[0]) | (static_cast<uint32_t>(q[1]) << 8) |
                             (static_cast<uint32_t>(q[2]) << 16));
    if (v & 0x800000) v -= 0x1000000;
    return v;
  }
  const uint8_t* q = p + 2 * j;
  return static_cast<int16_t>(static_cast<uint16_t>(q[0] | (q[1] << 8)));
}

// One data record's block of one signal (`count` samples at p), from sample `at` of ch on;
// samples outside ch are dropped.
void decode_block(const uint8_t* p, int64_t count, int64_t at, bool bdf, bool keep_digital,
                  Channel& ch) {
  const double inv_gain = 1.0 / ch.gain, b = ch.baseline;
  for (int64_t j = 0; j < count; ++j) {
    const int32_t v = digital_sample(p, j, bdf);
    const int64_t idx = at + j;
    if (idx < 0 || idx >= static_cast<int64_t>(ch.samples.size())) continue;
    ch.samples[static_cast<size_t>(idx)] = static_cast<float>((v - b) * inv_gain);
    if (keep_digital) ch.digital[static_cast<size_t>(idx)] = v;
  }
}

// Samples: decoded here from the validated layout (16-bit or 24-bit little-endian two's
// complement), EDF+D records at their onsets and NaN in the gaps. libbiosig is not used for
// EDF/BDF data: fuzzing showed it crashing on files whose header passes validation; the tests
// compare this decoder with libbiosig's instead.
void decode_samples(std::FILE* f, const EdfHeader& h, const std::vector<double>& onsets,
                    double origin, const std::vector<size_t>& signal_of, bool keep_digital,
                    const std::string& path, Record& rec) {
  std::vector<int64_t> offset_of(h.signals.size(), 0);
  for (size_t k = 1; k < h.signals.size(); ++k)
    offset_of[k] = offset_of[k - 1] + h.signals[k - 1].samples_per_record * h.bytes_per_sample();
  for (Channel& ch : rec.channels) {
    ch.samples.assign(static_cast<size_t>(ch.n_samples),
                      h.discontinuous ? std::numeric_limits<float>::quiet_NaN() : 0.0f);
    if (keep_digital) ch.digital.assign(ch.samples.size(), 0);
  }
  const int64_t chunk = std::max<int64_t>(1, (int64_t{8} << 20) / h.bytes_per_record);
  std::vector<uint8_t> buf;
  for (int64_t first = 0; first < h.n_records; first += chunk) {
    const int64_t count = std::min(chunk, h.n_records - first);
    buf.resize(static_cast<size_t>(count * h.bytes_per_record));
    read_at(f, static_cast<uint64_t>(h.header_bytes + first * h.bytes_per_record), buf.data(),
            buf.size(), path);
    for (int64_t r = 0; r < count; ++r) {
      const int64_t record = first + r;
      for (size_t c = 0; c < rec.channels.size(); ++c) {
        Channel& ch = rec.channels[c];
        const EdfSignalHeader& sig = h.signals[signal_of[c]];
        int64_t at = record * sig.samples_per_record;
        if (h.discontinuous && !onsets.empty())
          at = std::llround((onsets[static_cast<size_t>(record)] - origin) * ch.fs);
        decode_block(buf.data() + r * h.bytes_per_record + offset_of[signal_of[c]],
                     sig.samples_per_record, at, h.bdf, keep_digital, ch);
      }
    }
  }
}

}  // namespace

Record read_edf(const std::string& path, const ReadOptions& options) {
  uint64_t file_size = 0;
  FilePtr file = open_regular(path, file_size);
  const EdfHeader h = read_edf_header(file.get(), file_size, path, options.allow_truncated);
  Record rec = edf_record(path, h);
  const std::vector<double> onsets = read_annotations(file.get(), h, path, rec);
  const double origin = onsets.empty() ? 0.0 : onsets.front();
  const double timeline_s = timeline_seconds(h, onsets, origin, path);
  std::vector<size_t> signal_of = add_channels(h, timeline_s, rec);
  if (!options.channel.empty()) {
    if (rec.channels.empty()) bad(path, "the file has no signal channels (annotations only)");
    const size_t pick = choose_channel(rec, options.channel, path);
    rec.channels = {rec.channels[pick]};
    signal_of = {signal_of[pick]};
  }
  ecg_gain_to_millivolts(rec.channels);
  if (options.header_only || rec.channels.empty() || h.n_records == 0) return rec;
  check_sample_counts(rec, h, signal_of, path, options);
  decode_samples(file.get(), h, onsets, origin, signal_of, options.keep_digital, path, rec);
  return rec;
}

Record read_biosig(const std::string& path, const ReadOptions& options) {
  uint64_t size = 0;
  open_regular(path, size);
  const BiosigLibrary& lib = biosig_library(path);
  BiosigPtr h = biosig_open(lib, path, true);
  if (lib.check_error(h.get())) {
    const std::string msg = biosig_error(h.get());
    if (msg.find("not known") != std::string::npos ||
        msg.find("not supported") != std::string::npos || msg.find("empty") != std::string::npos ||
        msg.find("too short") != std::string::npos)
      throw UnsupportedError(path, "unknown file format");
    bad(path, "libbiosig: " + msg);
  }
  Record rec;
  rec.name = stem_of(path);
  rec.path = path;
  const char* type = lib.file_type_string(h->TYPE);
  rec.format = type ? type : "biosig";
  if (h->NS > kEdfMaxSignals || h->NRec < 0 || !(h->SampleRate > 0) ||
      !std::isfinite(h->SampleRate) || h->SPR == 0)
    bad(path, "libbiosig header is not usable (signals " + std::to_string(h->NS) + ", records " +
                  std::to_string(h->NRec) + ", fs " + std::to_string(h->SampleRate) + ")");
  check_sampling_frequency(path, h->SampleRate);
  rec.frame_fs = h->SampleRate / h->SPR;
  struct tm t {};
  if (lib.start_datetime(h.get(), &t) == 0 && t.tm_year > 0) {
    DateTime dt;
    dt.year = t.tm_year + 1900;
    dt.month = t.tm_mon + 1;
    dt.day = t.tm_mday;
    dt.hour = t.tm_hour;
    dt.minute = t.tm_min;
    dt.second = t.tm_sec;
    rec.start = dt;
  }
  std::vector<size_t> signal_of;
  std::vector<int64_t> spr;
  for (uint16_t k = 0; k < h->NS; ++k) {
    const CHANNEL_TYPE& c = h->CHANNEL[k];
    if (!c.OnOff || c.SPR == 0) continue;
    Channel ch;
    ch.name = normalize_units(std::string(c.Label, strnlen(c.Label, sizeof(c.Label))));
    const char* units = lib.phys_dim(c.PhysDimCode);
    ch.units = units ? normalize_units(units) : "";
    ch.fs = h->SampleRate * c.SPR / h->SPR;
    ch.gain = c.Cal != 0 ? 1.0 / c.Cal : 1.0;
    ch.baseline = c.Cal != 0 ? -c.Off / c.Cal : 0.0;
    ch.format = rec.format;
    ch.n_samples = static_cast<int64_t>(c.SPR) * h->NRec;
    rec.channels.push_back(std::move(ch));
    signal_of.push_back(k);
    spr.push_back(c.SPR);
  }
  if (!options.channel.empty()) {
    const size_t pick = choose_channel(rec, options.channel, path);
    rec.channels = {rec.channels[pick]};
    signal_of = {signal_of[pick]};
    spr = {spr[pick]};
  }
  ecg_gain_to_millivolts(rec.channels);
  if (options.header_only || rec.channels.empty()) return rec;
  for (const Channel& ch : rec.channels)
    check_duration(path, static_cast<double>(ch.n_samples), ch.fs, options.max_duration_s);
  int64_t total = 0;
  for (const Channel& ch : rec.channels) total += ch.n_samples;
  if (total > kMaxTotalSamples) bad(path, "recording is too large to hold in memory");
  for (Channel& ch : rec.channels) {
    ch.samples.resize(static_cast<size_t>(ch.n_samples));
    if (options.keep_digital) ch.digital.resize(ch.samples.size());
  }
  biosig_read_records(lib, h.get(), signal_of, spr, h->NRec, path,
                      [&](size_t c, int64_t r, const float* v, size_t n) {
                        Channel& ch = rec.channels[c];
                        const size_t at = static_cast<size_t>(r) * n;
                        for (size_t j = 0; j < n; ++j) {
                          ch.samples[at + j] = static_cast<float>((v[j] - ch.baseline) / ch.gain);
                          if (options.keep_digital) ch.digital[at + j] = static_cast<int32_t>(v[j]);
                        }
                      });
  return rec;
}

}  // namespace somna::io
