// Labelled nights (see dataset.hpp).

#include "train/dataset.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "analysis/night_input.hpp"
#include "common/error.hpp"
#include "dsp/beats.hpp"
#include "io/annotations.hpp"
#include "io/challenge_answers.hpp"
#include "io/nsrr_events.hpp"
#include "io/record.hpp"
#include "io/wfdb_header.hpp"

namespace somna::train {

namespace fs = std::filesystem;

size_t count_labelled(const std::vector<uint8_t>& labels) {
  return size_t(
      std::count_if(labels.begin(), labels.end(), [](uint8_t v) { return v != kUnlabelled; }));
}

std::string partly_labelled_warning(const std::string& record, const std::string& source,
                                    size_t labelled, size_t minutes, const std::string& used) {
  if (labelled * 10 >= minutes * 9) return {};
  return fmt::format(
      "warning: {}: the reference labels ({}) cover {} of its {} minutes; only those "
      "are {}\n",
      record, source, labelled, minutes, used);
}

std::map<std::string, double> read_reference_ahi(const std::string& path) {
  std::map<std::string, double> out;
  std::ifstream in(path);
  if (!in) return out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::vector<std::string> f;
    std::string tok;
    while (ss >> tok) f.push_back(tok);
    // Record Length non-apn apnea hours AI HI AHI Age Sex ...
    if (f.size() >= 8 && f[0].size() == 3 && std::isalpha(static_cast<unsigned char>(f[0][0])) &&
        std::isdigit(static_cast<unsigned char>(f[0][1]))) {
      try {
        out[f[0]] = std::stod(f[7]);
      } catch (const std::exception&) {
        throw train::DatasetError(path, "AHI column is not a number", "record " + f[0]);
      }
    }
  }
  return out;
}

std::map<std::string, std::map<size_t, uint8_t>> read_label_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DatasetError(path, "cannot open the label CSV");
  std::map<std::string, std::map<size_t, uint8_t>> out;
  std::string line;
  size_t ln = 0;
  while (std::getline(in, line)) {
    ++ln;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (ln == 1 && line.find("record") != std::string::npos)) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string tok;
    while (std::getline(ss, tok, ',')) f.push_back(tok);
    if (f.size() < 3)
      throw DatasetError(path, "expected record,minute,label", fmt::format("line {}", ln));
    size_t minute = 0;
    try {
      const long m = std::stol(f[1]);
      if (m < 0 || m > 100000) throw std::out_of_range("minute");
      minute = size_t(m);
    } catch (const std::exception&) {
      throw DatasetError(path, "minute '" + f[1] + "' is not a minute index",
                         fmt::format("line {}", ln));
    }
    const std::string& l = f[2];
    uint8_t v;
    if (l == "1" || l == "A")
      v = 1;
    else if (l == "0" || l == "N")
      v = 0;
    else
      throw DatasetError(path, "label '" + l + "' is not 0/1/N/A", fmt::format("line {}", ln));
    out[f[0]][minute] = v;
  }
  return out;
}

std::map<std::string, std::map<size_t, uint8_t>> read_label_file(const std::string& path) {
  constexpr size_t kSniffBytes = 4096;
  std::string head(kSniffBytes, '\0');
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DatasetError(path, "cannot open the label file");
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
  }
  if (!io::looks_like_challenge_answers(head)) return read_label_csv(path);
  std::map<std::string, std::map<size_t, uint8_t>> out;
  for (const io::ChallengeRecord& r : io::read_challenge_answers(path)) {
    auto& minutes = out[r.name];
    for (size_t m = 0; m < r.minutes.size(); ++m) minutes[m] = r.minutes[m] == 'A' ? 1 : 0;
  }
  return out;
}

namespace {

// DIR/REC from a record path given with or without its extension (.hea, .edf).
std::string record_base(const std::string& record_path) {
  const fs::path p(record_path);
  return p.extension() == ".hea" || p.extension() == ".edf"
             ? fs::path(p).replace_extension().string()
             : record_path;
}

bool is_edf_night(const std::string& base) {
  return !fs::exists(base + ".hea") && fs::exists(base + ".edf");
}

struct NightBeats {
  dsp::Beats beats;
  double duration_s = 0;
  double fs = 0;  // the rate .apn sample numbers are at when their header has none
};

// A WFDB record's beats: from its .<beats> annotations or detected from its ECG.
NightBeats wfdb_beats(const std::string& base, const DatasetOptions& o) {
  const io::WfdbHeader hea = io::read_wfdb_header(base + ".hea");
  NightBeats b;
  b.fs = hea.fs;
  b.duration_s = hea.n_samples ? double(*hea.n_samples) / hea.fs : 0;
  if (o.beats == "detect") {
    io::Record rec = io::read_record(base + ".hea");
    const size_t ch = io::choose_channel(rec, {}, rec.path);
    b.beats = dsp::detect_beats(rec.channels[ch]);
    b.duration_s = std::max(b.duration_s, rec.channels[ch].duration_s());
  } else {
    const io::Annotations ann = io::read_annotations(base, o.beats);
    b.beats = dsp::beats_from_annotations(ann, b.duration_s);
  }
  return b;
}

// An EDF night's beats, detected from its ECG channel (NSRR ships no beat annotations).
NightBeats edf_beats(const std::string& base) {
  const io::Record rec = io::read_record(base + ".edf");
  const io::Channel& ecg = rec.channels[io::choose_channel(rec, {}, rec.path)];
  return {dsp::detect_beats(ecg), ecg.duration_s(), ecg.fs};
}

}  // namespace

std::string record_file(const std::string& base) {
  return is_edf_night(base) ? base + ".edf" : base + ".hea";
}

std::string nsrr_events_file(const std::string& base) {
  for (const char* suffix : {"-nsrr.xml", ".xml"}) {
    if (fs::is_regular_file(base + suffix)) return base + suffix;
  }
  return {};
}

LabelledNight load_night(const std::string& record_path, const DatasetOptions& o,
                         const std::map<std::string, std::map<size_t, uint8_t>>* csv) {
  LabelledNight n;
  const std::string base = record_base(record_path);
  n.name = fs::path(base).filename().string();
  n.group = n.name.substr(0, 1);
  NightBeats b = is_edf_night(base) ? edf_beats(base) : wfdb_beats(base, o);
  if (b.beats.size() < 2) throw DatasetError(base, "fewer than 2 beats");
  const double duration = std::max({b.duration_s, b.beats.duration_s, b.beats.r_time_s.back()});
  const size_t n_min = analysis::night_minutes(duration);
  n.labels = minute_labels(base, n_min, b.fs, o, csv);
  n.input = analysis::night_input(nullptr, std::move(b.beats), duration);
  n.features = analysis::rr_network_input(n.input, o.spec);
  return n;
}

namespace {

std::vector<uint8_t> csv_minute_labels(
    const std::string& base, size_t n_min,
    const std::map<std::string, std::map<size_t, uint8_t>>& csv) {
  std::vector<uint8_t> labels(n_min, kUnlabelled);
  auto it = csv.find(fs::path(base).filename().string());
  if (it == csv.end()) throw DatasetError(base, "no labels for this record in the label CSV");
  for (const auto& [m, v] : it->second) {
    if (m < n_min) labels[m] = v;
  }
  return labels;
}

std::vector<uint8_t> apn_minute_labels(const std::string& base, size_t n_min, double fs,
                                       const DatasetOptions& o) {
  std::vector<uint8_t> labels(n_min, kUnlabelled);
  const io::Annotations apn = io::read_annotations(base, o.labels_ext);
  const double afs = apn.fs > 0 ? apn.fs : fs;
  for (const auto& a : apn.items) {
    const size_t m = size_t(std::llround(double(a.sample) / afs / 60.0));
    if (m >= n_min) continue;
    if (a.code == io::ann::APC)
      labels[m] = 1;
    else if (a.code == io::ann::NORMAL)
      labels[m] = 0;
  }
  return labels;
}

std::vector<uint8_t> nsrr_file_labels(const std::string& base, size_t n_min) {
  const std::string xml = nsrr_events_file(base);
  if (xml.empty())
    throw DatasetError(base, "no NSRR event file (REC-nsrr.xml or REC.xml) beside it");
  return nsrr_minute_labels(io::read_nsrr_events(xml), n_min);
}

// Minutes [first, last] that the span [start_s, start_s + duration_s) overlaps (a span of 0 s:
// the minute it is in), clipped to n_min; false when it starts after the last minute.
bool overlapped_minutes(double start_s, double duration_s, size_t n_min, size_t& first,
                        size_t& last) {
  first = size_t(std::floor(start_s / 60.0));
  if (first >= n_min) return false;
  const double end_min = std::ceil((start_s + duration_s) / 60.0);
  last = duration_s > 0 ? std::min(n_min, std::max(first + 1, size_t(end_min))) - 1 : first;
  return true;
}

}  // namespace

std::vector<uint8_t> nsrr_minute_labels(const io::NsrrAnnotations& a, size_t n_min) {
  const std::vector<int8_t> stages = io::epoch_stages(a);
  std::vector<uint8_t> labels(n_min, stages.empty() ? 0 : kUnlabelled);
  size_t first = 0, last = 0;
  for (size_t e = 0; e < stages.size(); ++e) {
    if (stages[e] == io::kNoStage ||
        !overlapped_minutes(double(e) * a.epoch_s, a.epoch_s, n_min, first, last))
      continue;
    std::fill(labels.begin() + ptrdiff_t(first), labels.begin() + ptrdiff_t(last) + 1, 0);
  }
  for (const io::NsrrEvent& ev : a.events) {
    if (!(io::is_apnea(ev) || io::is_hypopnea(ev)) ||
        !overlapped_minutes(ev.start_s, ev.duration_s, n_min, first, last))
      continue;
    std::fill(labels.begin() + ptrdiff_t(first), labels.begin() + ptrdiff_t(last) + 1, 1);
  }
  return labels;
}

std::optional<double> nsrr_reference_ahi(const io::NsrrAnnotations& a, double recording_s) {
  const std::vector<int8_t> stages = io::epoch_stages(a);
  const double hours =
      stages.empty()
          ? recording_s / 3600
          : double(std::count_if(stages.begin(), stages.end(), io::is_sleep)) * a.epoch_s / 3600;
  if (!(hours > 0)) return std::nullopt;
  const auto events = std::count_if(a.events.begin(), a.events.end(), [](const io::NsrrEvent& e) {
    return io::is_apnea(e) || io::is_hypopnea(e);
  });
  return double(events) / hours;
}

std::vector<uint8_t> minute_labels(const std::string& base, size_t n_min, double fs,
                                   const DatasetOptions& o,
                                   const std::map<std::string, std::map<size_t, uint8_t>>* csv) {
  const std::vector<uint8_t> labels = csv                  ? csv_minute_labels(base, n_min, *csv)
                                      : is_edf_night(base) ? nsrr_file_labels(base, n_min)
                                                           : apn_minute_labels(base, n_min, fs, o);
  if (count_labelled(labels) == 0) throw DatasetError(base, "no labelled minute");
  return labels;
}

const std::map<std::string, std::map<size_t, uint8_t>>* LabelledRecords::csv_labels() const {
  return csv.empty() ? nullptr : &csv;
}

std::optional<double> LabelledRecords::ahi_of(const std::string& path) const {
  auto it = ref_ahi.find(fs::path(path).filename().string());
  return it == ref_ahi.end() ? std::nullopt : std::optional<double>(it->second);
}

namespace {

// DIR/REC of every record file in `dir`: REC.hea, and REC.edf without a REC.hea beside it.
std::vector<fs::path> record_bases(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const fs::path base = fs::path(dir) / e.path().stem();
    if (e.path().extension() == ".hea" || (e.path().extension() == ".edf" && is_edf_night(base)))
      out.push_back(base);
  }
  return out;
}

bool has_labels(const fs::path& base, const DatasetOptions& o, const LabelledRecords& r) {
  if (!o.labels_csv.empty()) return r.csv.count(base.filename().string()) > 0;
  return is_edf_night(base.string()) ? !nsrr_events_file(base.string()).empty()
                                     : fs::exists(base.string() + "." + o.labels_ext);
}

// An EDF night's reference AHI from its NSRR event file, when it has one and the AHI is defined.
void add_nsrr_ahi(const std::string& base, std::map<std::string, double>& ref_ahi) {
  const std::string xml = nsrr_events_file(base);
  if (!is_edf_night(base) || xml.empty()) return;
  io::ReadOptions header;
  header.header_only = true;
  const double recording_s = io::read_record(base + ".edf", header).duration_s();
  const std::optional<double> ahi = nsrr_reference_ahi(io::read_nsrr_events(xml), recording_s);
  if (ahi) ref_ahi.emplace(fs::path(base).filename().string(), *ahi);
}

}  // namespace

LabelledRecords labelled_records(const std::string& dir, const DatasetOptions& o) {
  if (!fs::is_directory(dir)) throw DatasetError(dir, "not a directory");
  LabelledRecords r;
  if (!o.labels_csv.empty()) r.csv = read_label_file(o.labels_csv);
  for (const fs::path& base : record_bases(dir)) {
    const std::string stem = base.filename().string();
    if (!has_labels(base, o, r)) continue;
    if (!o.only.empty() && std::find(o.only.begin(), o.only.end(), stem) == o.only.end()) continue;
    r.paths.push_back(base.string());
  }
  std::sort(r.paths.begin(), r.paths.end());
  if (r.paths.empty()) {
    throw DatasetError(dir, "no record (.hea) with per-minute labels (." + o.labels_ext +
                                " or the label CSV) and no EDF night with an NSRR event file "
                                "(REC.edf with REC-nsrr.xml or REC.xml) found");
  }
  r.ref_ahi = read_reference_ahi((fs::path(dir) / "learning-set-info.txt").string());
  for (const std::string& base : r.paths) add_nsrr_ahi(base, r.ref_ahi);
  return r;
}

std::vector<LabelledNight> load_dataset(const std::string& dir, const DatasetOptions& o) {
  const LabelledRecords records = labelled_records(dir, o);
  std::vector<LabelledNight> out;
  for (const auto& path : records.paths) {
    out.push_back(load_night(path, o, records.csv_labels()));
    out.back().ref_ahi = records.ahi_of(path);
  }
  return out;
}

std::vector<std::vector<size_t>> record_folds(const std::vector<std::string>& groups, int k,
                                              uint64_t seed) {
  if (k < 2 || size_t(k) > groups.size()) {
    throw DatasetError(
        {}, fmt::format("{} folds need at least {} records, have {}", k, k, groups.size()));
  }
  std::map<std::string, std::vector<size_t>> by_group;
  for (size_t i = 0; i < groups.size(); ++i) by_group[groups[i]].push_back(i);
  std::mt19937_64 rng(seed);
  std::vector<std::vector<size_t>> folds(static_cast<size_t>(k));
  size_t next = 0;
  for (auto& [g, idx] : by_group) {
    std::shuffle(idx.begin(), idx.end(), rng);
    for (size_t i : idx) folds[next++ % size_t(k)].push_back(i);
  }
  for (auto& f : folds) std::sort(f.begin(), f.end());
  return folds;
}

}  // namespace somna::train
