// `somna info <file>`: what a recording holds, as a person wants to see it (format, start,
// duration, channels with fs/gain/units, comments, annotations inside and beside it), or as JSON
// with --json. Reads headers only where the format allows, so it is instant on large files.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "common/error.hpp"
#include "common/text_format.hpp"
#include "io/annotations.hpp"
#include "io/record.hpp"
#include "io/wfdb_header.hpp"
#include "io/wfdb_util.hpp"

namespace somna::cli {
namespace {

namespace fs = std::filesystem;

// Extensions WFDB tools and PhysioNet databases use for annotation files.
const char* const kAnnotationExtensions[] = {
    "atr",   "qrs",    "apn",   "wqrs", "ecg", "ari",  "sqrs", "sqrs125", "gqrs",    "gqrsh",
    "gqrsl", "anI",    "wabp",  "pu",   "pu0", "pu1",  "st",   "stf",     "hypn",    "resp",
    "event", "marker", "alarm", "qrsc", "ann", "arou", "man",  "al",      "trigger", "test"};

struct AnnotationFile {
  std::string path;
  std::string extension;
  long long count = -1;  // -1: unreadable
  std::string error;
};

// Annotation files beside the record: <dir>/<record name>.<known extension>.
std::vector<AnnotationFile> annotation_files(const io::Record& rec) {
  std::vector<AnnotationFile> out;
  const fs::path dir = fs::path(rec.path).parent_path();
  for (const char* ext : kAnnotationExtensions) {
    const fs::path p = dir / (rec.name + "." + ext);
    std::error_code ec;
    if (!fs::is_regular_file(p, ec) || p == fs::path(rec.path)) continue;
    AnnotationFile a;
    a.path = p.string();
    a.extension = ext;
    try {
      a.count = static_cast<long long>(io::read_annotations(a.path).items.size());
    } catch (const Error& e) {
      a.error = e.message();
    }
    out.push_back(std::move(a));
  }
  return out;
}

// Samples of a channel: read, or as the header says.
long long sample_count(const io::Channel& c) {  // -1: unknown
  return c.samples.empty() ? static_cast<long long>(c.n_samples)
                           : static_cast<long long>(c.samples.size());
}

// What `info` shows: the record (samples dropped) and, when its length could not be found, why.
struct Info {
  io::Record rec;
  std::string problem;                // non-empty: sample counts unknown (e.g. a missing .dat)
  std::vector<std::string> warnings;  // e.g. a signal file the header names is missing
};

bool is_wfdb_header(const io::Record& rec) {
  return rec.format == "WFDB" && rec.path.size() > 4 &&
         rec.path.compare(rec.path.size() - 4, 4, ".hea") == 0;
}

// Signal files a single-segment WFDB header names that are not beside it: header-only reading
// would not notice, and a person asking `info` wants to know before analysing.
std::vector<std::string> missing_signal_files(const io::Record& rec) {
  std::vector<std::string> out;
  if (!is_wfdb_header(rec)) return out;
  const io::WfdbHeader h = io::read_wfdb_header(rec.path);
  const std::string dir = io::wfdb::dir_of(rec.path);
  for (const io::WfdbSignalSpec& s : h.signals) {
    if (s.file_name == "~" || !io::wfdb::is_safe_relative_name(s.file_name)) continue;
    const std::string file = io::wfdb::join_path(dir, s.file_name);
    if (!io::wfdb::file_exists(file) && std::find(out.begin(), out.end(), file) == out.end())
      out.push_back(file);
  }
  return out;
}

// header_only leaves WFDB channels without a count: take it from the header, or read the
// record when the header has no length (a failure there is reported, not fatal: the header
// itself is still worth showing).
Info read_for_info(const std::string& path, const io::ReadOptions& base) {
  io::ReadOptions opt = base;
  opt.header_only = true;
  Info info{io::read_record(path, opt), {}, {}};
  io::Record& rec = info.rec;
  for (const std::string& f : missing_signal_files(rec))
    info.warnings.push_back("signal file " + f + " is missing");
  const bool unknown = std::any_of(rec.channels.begin(), rec.channels.end(), [](const auto& c) {
    return c.samples.empty() && c.n_samples == 0;
  });
  if (!unknown) return info;
  if (is_wfdb_header(rec)) {
    const io::WfdbHeader h = io::read_wfdb_header(rec.path);
    if (h.n_samples) {
      for (io::Channel& c : rec.channels) {
        const double per_frame = rec.frame_fs > 0 ? c.fs / rec.frame_fs : 1.0;
        c.n_samples = static_cast<int64_t>(std::llround(*h.n_samples * per_frame));
      }
      return info;
    }
  }
  opt.header_only = false;
  try {
    io::Record full = io::read_record(path, opt);
    for (io::Channel& c : full.channels) {
      c.n_samples = static_cast<int64_t>(c.samples.size());
      std::vector<float>().swap(c.samples);
    }
    info.rec = std::move(full);
  } catch (const Error& e) {
    for (io::Channel& c : rec.channels) c.n_samples = -1;
    info.problem = e.what();
  }
  return info;
}

// read_for_info, with the hint only `info` can give: the io layer names what is missing in a
// truncated file but suggests no option (analyze and the server have none).
Info read_for_info_with_hint(const std::string& path, const io::ReadOptions& options) {
  try {
    return read_for_info(path, options);
  } catch (const io::TruncatedError& e) {
    throw io::FormatError(
        e.file(), e.message() + "; add --allow-truncated to describe what is there", e.where());
  }
}

// The most frequent annotation texts inside the file (EDF+), most frequent first.
std::vector<std::pair<std::string, size_t>> top_events(const io::Record& rec, size_t n) {
  std::map<std::string, size_t> counts;
  for (const io::Event& e : rec.events) ++counts[e.text];
  std::vector<std::pair<std::string, size_t>> out(counts.begin(), counts.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (out.size() > n) out.resize(n);
  return out;
}

// Bounded for any value a header can hold (common/text_format.hpp).
std::string hms(double seconds) {
  return clock_text(seconds);
}

std::string number(double v) {
  if (std::fabs(v - std::round(v)) < 1e-9) return number_text(std::round(v));
  return number_text(v);
}

nlohmann::ordered_json to_json(const Info& info, const std::vector<AnnotationFile>& files) {
  const io::Record& rec = info.rec;
  nlohmann::ordered_json j;
  j["file"] = rec.path;
  j["format"] = rec.format;
  j["record"] = rec.name;
  j["start"] =
      rec.start ? nlohmann::ordered_json(rec.start->to_string()) : nlohmann::ordered_json(nullptr);
  j["duration_s"] = rec.duration_s();
  j["duration"] = hms(rec.duration_s());
  j["frame_fs"] = rec.frame_fs;
  j["channels"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < rec.channels.size(); ++i) {
    const io::Channel& c = rec.channels[i];
    j["channels"].push_back(
        {{"index", i},
         {"name", c.name},
         {"fs", c.fs},
         {"gain", c.gain},
         {"baseline", c.baseline},
         {"units", c.units},
         {"format", c.format},
         {"adc_resolution", c.adc_resolution},
         {"samples", sample_count(c) >= 0 ? nlohmann::ordered_json(sample_count(c))
                                          : nlohmann::ordered_json(nullptr)},
         {"duration_s", c.fs > 0 && sample_count(c) >= 0 ? sample_count(c) / c.fs : 0.0}});
  }
  j["comments"] = rec.comments;
  if (!info.problem.empty()) j["problem"] = info.problem;
  j["warnings"] = info.warnings;
  j["events"] = rec.events.size();
  nlohmann::ordered_json texts = nlohmann::ordered_json::object();
  for (const auto& [text, count] : top_events(rec, 20)) texts[text] = count;
  j["event_texts"] = texts;
  j["annotation_files"] = nlohmann::ordered_json::array();
  for (const AnnotationFile& a : files) {
    nlohmann::ordered_json f = {{"file", a.path}, {"extension", a.extension}};
    if (a.count >= 0)
      f["count"] = a.count;
    else
      f["error"] = a.error;
    j["annotation_files"].push_back(f);
  }
  return j;
}

void print_text(const Info& info, const std::vector<AnnotationFile>& files) {
  const io::Record& rec = info.rec;
  std::cout << fmt::format("File:      {}\n", rec.path);
  std::cout << fmt::format("Format:    {}\n", rec.format);
  std::cout << fmt::format("Record:    {}\n", rec.name);
  std::cout << fmt::format("Start:     {}\n", rec.start ? rec.start->to_string() : "(not given)");
  if (info.problem.empty()) {
    std::cout << fmt::format("Duration:  {} ({} s)\n", hms(rec.duration_s()),
                             number(std::round(rec.duration_s() * 1000) / 1000));
    long long samples = 0;
    for (const io::Channel& c : rec.channels) samples += sample_count(c);
    std::cout << fmt::format("Samples:   {} in {} channel{}\n", samples, rec.channels.size(),
                             rec.channels.size() == 1 ? "" : "s");
  } else {
    std::cout << fmt::format("Duration:  unknown ({})\n", info.problem);
    std::cout << fmt::format("Channels:  {}\n", rec.channels.size());
  }
  if (!rec.channels.empty()) {
    const std::vector<std::string> head = {"#",    "name",  "fs (Hz)", "gain",
                                           "base", "units", "format",  "samples"};
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < rec.channels.size(); ++i) {
      const io::Channel& c = rec.channels[i];
      rows.push_back({std::to_string(i), c.name, number(c.fs), number(c.gain), number(c.baseline),
                      c.units.empty() ? "-" : c.units, c.format,
                      sample_count(c) >= 0 ? std::to_string(sample_count(c)) : "?"});
    }
    std::vector<size_t> width(head.size());
    for (size_t k = 0; k < head.size(); ++k) {
      width[k] = head[k].size();
      for (const auto& r : rows) width[k] = std::max(width[k], r[k].size());
    }
    auto line = [&](const std::vector<std::string>& cells) {
      std::string out = " ";
      for (size_t k = 0; k < cells.size(); ++k) {
        const bool right = k == 0 || k == 2 || k == 3 || k == 4 || k == 7;
        out += " " + (right ? fmt::format("{:>{}}", cells[k], width[k])
                            : fmt::format("{:<{}}", cells[k], width[k]));
      }
      while (!out.empty() && out.back() == ' ') out.pop_back();
      std::cout << out << "\n";
    };
    line(head);
    for (const auto& r : rows) line(r);
  }
  if (!rec.comments.empty()) {
    std::cout << "Comments:\n";
    for (const std::string& c : rec.comments) std::cout << "  " << c << "\n";
  }
  if (!rec.events.empty()) {
    std::cout << fmt::format("Annotations in the file: {}\n", rec.events.size());
    for (const auto& [text, count] : top_events(rec, 8))
      std::cout << fmt::format("  {:>6}  {}\n", count, text);
  }
  for (const std::string& w : info.warnings) std::cout << "Warning:   " << w << "\n";
  if (files.empty()) {
    std::cout << "Annotation files: none beside it\n";
  } else {
    std::cout << "Annotation files:\n";
    for (const AnnotationFile& a : files) {
      if (a.count >= 0)
        std::cout << fmt::format("  {}  {} annotations\n", a.path, a.count);
      else
        std::cout << fmt::format("  {}  unreadable: {}\n", a.path, a.error);
    }
  }
}

SOMNA_COMMAND(
    "info", "Show what a recording holds: format, start, duration, channels, annotations",
    [](CLI::App& app) -> Runner {
      auto path = std::make_shared<std::string>();
      auto json = std::make_shared<bool>(false);
      auto options = std::make_shared<io::ReadOptions>();
      app.add_option("file", *path, "Recording: .hea (or record name), .edf/.bdf, .csv/.txt")
          ->required();
      app.add_flag("--json", *json, "Print a JSON object instead of text");
      app.add_option("--channel", options->channel,
                     "Only this channel: a label (ECG matches EKG II, ECG1...) or a "
                     "0-based index");
      app.add_option("--fs", options->fs, "Sampling frequency for CSV/text without a time column");
      app.add_flag("--allow-truncated", options->allow_truncated,
                   "Describe what a truncated file holds instead of refusing it");
      return [path, json, options]() {
        const Info info = read_for_info_with_hint(*path, *options);
        const std::vector<AnnotationFile> files = annotation_files(info.rec);
        if (*json)
          std::cout << to_json(info, files)
                           .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
                    << "\n";
        else
          print_text(info, files);
        return kExitOk;
      };
    });

}  // namespace
}  // namespace somna::cli
