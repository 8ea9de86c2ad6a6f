// read_record: picks the reader for a path (WFDB, EDF/EDF+/BDF and other libbiosig formats, CSV)
// by extension and, where the extension is missing or lies, by the file's first bytes; plus the
// Record helpers and the channel choice shared by every format.

#include "io/record.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "common/error.hpp"
#include "io/channel_info.hpp"
#include "io/csv_reader.hpp"
#include "io/edf_reader.hpp"
#include "io/wfdb_record.hpp"
#include "io/wfdb_util.hpp"

namespace somna::io {

namespace {

const char* const kKnownFormats =
    "known formats: WFDB (.hea with its .dat), EDF/EDF+/BDF (.edf, .bdf, .rec), CSV/text (.csv, "
    ".tsv, .txt), and through libbiosig .gdf, .scp, .mwf, .cnt, .bkr, .vhdr, .acq, .cfs, .smr, "
    ".xdf";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Extension without the dot, lower case ("" when none).
std::string extension_of(const std::string& path) {
  const std::string base = wfdb::base_name(path);
  const size_t dot = base.find_last_of('.');
  if (dot == std::string::npos || dot == 0) return {};
  return lower(base.substr(dot + 1));
}

std::string without_extension(const std::string& path) {
  const std::string base = wfdb::base_name(path);
  const size_t dot = base.find_last_of('.');
  if (dot == std::string::npos || dot == 0) return path;
  return path.substr(0, path.size() - (base.size() - dot));
}

std::string head_bytes(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string out(n, '\0');
  in.read(&out[0], static_cast<std::streamsize>(n));
  out.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
  return out;
}

// Printable text (UTF-8 allowed) without NUL or other control bytes except tab/CR/LF.
bool looks_like_text(const std::string& head) {
  if (head.empty()) return false;
  for (unsigned char c : head) {
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (c < 32 || c == 127) return false;
  }
  return true;
}

bool is_index(const std::string& text) {
  return !text.empty() && text.size() < 10 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// options.channel over a WFDB reader read(options, range): a label is chosen from the header,
// then only that channel is read; an index or nothing is the reader's own.
template <class Read>
Record read_wfdb_channel(const std::string& file, const ReadOptions& options, Read read) {
  if (options.channel.empty() || is_index(options.channel)) return read(options, WfdbReadRange{});
  ReadOptions head = options;
  head.header_only = true;
  head.channel.clear();
  const Record all = read(head, WfdbReadRange{});
  const size_t pick = choose_channel(all, options.channel, file);
  ReadOptions rest = options;
  rest.channel.clear();
  WfdbReadRange range;
  range.channels = {pick};
  return read(rest, range);
}

Record read_wfdb_chosen(const std::string& path, const ReadOptions& options) {
  return read_wfdb_channel(path, options, [&](const ReadOptions& o, const WfdbReadRange& r) {
    return read_wfdb(path, o, r);
  });
}

}  // namespace

std::string DateTime::to_string() const {
  char buf[64];
  const double whole = std::floor(second);
  const int ms = static_cast<int>(std::lround((second - whole) * 1000));
  char time[32];
  if (ms > 0 && ms < 1000)
    std::snprintf(time, sizeof(time), "%02d:%02d:%02d.%03d", hour, minute, static_cast<int>(whole),
                  ms);
  else
    std::snprintf(time, sizeof(time), "%02d:%02d:%02d", hour, minute,
                  static_cast<int>(std::lround(second)));
  if (has_date())
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %s", year, month, day, time);
  else
    std::snprintf(buf, sizeof(buf), "%s", time);
  return buf;
}

double Record::duration_s() const {
  double longest = 0;
  for (const Channel& c : channels) {
    if (!(c.fs > 0)) continue;
    const double n = c.samples.empty() ? static_cast<double>(c.n_samples)
                                       : static_cast<double>(c.samples.size());
    longest = std::max(longest, n / c.fs);
  }
  return longest;
}

std::optional<size_t> Record::find_ecg() const {
  for (size_t i = 0; i < channels.size(); ++i)
    if (is_ecg_label(channels[i].name)) return i;
  return std::nullopt;
}

Record record_from_samples(const float* samples, size_t n, double fs, const std::string& name) {
  Record record;
  record.name = name;
  record.path = name;
  record.format = "memory";
  record.frame_fs = fs;
  Channel ch;
  ch.name = "ECG";
  ch.units = "mV";
  ch.fs = fs;
  ch.format = "memory";
  ch.samples.assign(samples, samples + n);
  ch.n_samples = static_cast<int64_t>(n);
  record.channels.push_back(std::move(ch));
  return record;
}

size_t choose_channel(const Record& record, const std::string& channel, const std::string& file) {
  auto listing = [&] {
    std::string out;
    for (size_t i = 0; i < record.channels.size(); ++i)
      out += (i ? ", " : "") + std::to_string(i) + " \"" + record.channels[i].name + "\"";
    return out.empty() ? std::string("none") : out;
  };
  const size_t n = record.channels.size();
  if (channel.empty()) {
    if (const auto ecg = record.find_ecg()) return *ecg;
    if (n == 1) return 0;
    throw FormatError(
        file,
        "no ECG-like channel found; choose one by name or number (--channel on the command "
        "line, form field 'channel' in the API; channels: " +
            listing() + ")");
  }
  if (is_index(channel)) {
    const size_t index = static_cast<size_t>(std::stoul(channel));
    if (index < n) return index;
    throw FormatError(file, "no channel " + channel + " (the file has " + std::to_string(n) +
                                " channels: " + listing() + ")");
  }
  const std::string key = label_key(channel);
  for (size_t i = 0; i < n; ++i)
    if (label_key(record.channels[i].name) == key) return i;
  if (key == "ecg" || key == "ekg") {
    for (size_t i = 0; i < n; ++i) {
      const std::string k = label_key(record.channels[i].name);
      if (k.find("ecg") != std::string::npos || k.find("ekg") != std::string::npos) return i;
    }
    if (const auto ecg = record.find_ecg()) return *ecg;
  }
  std::vector<size_t> prefixed;
  for (size_t i = 0; i < n; ++i)
    if (!key.empty() && label_key(record.channels[i].name).rfind(key, 0) == 0)
      prefixed.push_back(i);
  if (prefixed.size() == 1) return prefixed[0];
  if (prefixed.size() > 1)
    throw FormatError(file,
                      "channel \"" + channel + "\" is ambiguous (channels: " + listing() + ")");
  throw FormatError(file, "no channel matches \"" + channel + "\" (channels: " + listing() + ")");
}

Record read_record(const std::string& path, const ReadOptions& options) {
  if (path.empty()) throw FormatError("", "no file name given");
  struct stat st {};
  const std::string ext = extension_of(path);
  if (stat(path.c_str(), &st) != 0) {
    // A record name without extension: "data/100" means data/100.hea.
    if (ext != "hea" && wfdb::file_exists(path + ".hea")) return read_wfdb_chosen(path, options);
    throw FormatError(path, "no such file");
  }
  if (S_ISDIR(st.st_mode)) throw FormatError(path, "is a directory, not a recording");
  if (!S_ISREG(st.st_mode)) throw FormatError(path, "not a regular file");
  if (ext == "hea") return read_wfdb_chosen(path, options);
  if (st.st_size == 0) throw FormatError(path, "file is empty");

  const std::string head = head_bytes(path, 4096);
  const auto* bytes = reinterpret_cast<const uint8_t*>(head.data());
  if (looks_like_edf(bytes, head.size())) return read_edf(path, options);
  if (ext == "edf" || ext == "bdf" || ext == "rec")
    throw FormatError(path,
                      "not an EDF/BDF file: it does not start with the EDF version \"0\" "
                      "or the BDF signature");
  // A WFDB signal or annotation file named directly (100.dat, 100.atr, x.d0): the record.
  if (ext != "csv" && ext != "txt" && ext != "tsv" && !ext.empty()) {
    const std::string stem = without_extension(path);
    if (wfdb::file_exists(stem + ".hea")) return read_wfdb_chosen(stem, options);
  }
  if (ext == "csv" || ext == "txt" || ext == "tsv") return read_csv(path, options);
  if (looks_like_text(head)) {
    if (ext.empty() || ext == "dat" || ext == "ecg" || ext == "asc") return read_csv(path, options);
    throw UnsupportedError(path, "unknown text format '." + ext + "'; " + kKnownFormats);
  }
  if (biosig_extension(ext)) return read_biosig(path, options);
  // Unknown binary files are not handed to libbiosig to guess: its parsers crash on junk.
  const std::string hint =
      ext == "dat" ? " (a WFDB signal file? give its .hea header instead)" : "";
  throw UnsupportedError(path, "unknown file format" + hint + "; " + kKnownFormats);
}

Record read_wfdb_record(const WfdbHeader& header, const WfdbOpener& open,
                        const ReadOptions& options) {
  return read_wfdb_channel(header.file, options, [&](const ReadOptions& o, const WfdbReadRange& r) {
    return decode_wfdb(header, open, o, r);
  });
}

}  // namespace somna::io
