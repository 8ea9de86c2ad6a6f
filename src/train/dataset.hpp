#pragma once
// Labelled nights for training and evaluation: WFDB records with per-minute labels (PhysioNet
// Apnea-ECG layout: REC.hea, beats in REC.qrs (or detected from REC's ECG), labels in REC.apn with
// 'A' apnea / 'N' normal at the start of each minute) or records plus a label CSV
// (record,minute,label), and NSRR nights (REC.edf with its event file REC-nsrr.xml or REC.xml
// beside it: beats detected from the EDF's ECG, labels and reference AHI from the scored apneas,
// hypopneas and sleep stages). Other reference AHIs come from learning-set-info.txt when present.
// Every night becomes the same analysis::NightInput analyze_night() builds, and its network
// features.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/detector.hpp"
#include "features/rr_features.hpp"
#include "io/nsrr_events.hpp"

namespace somna::train {

constexpr uint8_t kUnlabelled = 255;

// Minutes labelled 0 or 1 among per-minute labels.
size_t count_labelled(const std::vector<uint8_t>& labels);

// The warning `somna eval` and `somna train` give when a night's reference labels cover under
// 90 % of its minutes (a label file for part of the night): "warning: RECORD: the reference
// labels (SOURCE) cover L of its M minutes; only those are USED"; empty when they cover enough.
std::string partly_labelled_warning(const std::string& record, const std::string& source,
                                    size_t labelled, size_t minutes, const std::string& used);

struct LabelledNight {
  std::string name;             // record name, e.g. "a01"
  std::string group;            // first letter for Apnea-ECG (a/b/c/x), used to balance folds
  std::vector<uint8_t> labels;  // per minute: 0, 1 or kUnlabelled; size n_minutes
  analysis::NightInput input;   // beats, cleaned RR, quality (no ECG kept)
  features::NightFeatures features;
  std::optional<double> ref_ahi;
  size_t n_labelled() const { return count_labelled(labels); }
};

struct DatasetOptions {
  std::string beats = "qrs";       // annotation extension, or "detect" for Somna's QRS detector
  std::string labels_ext = "apn";  // per-minute label annotations
  // alternatively a label file (read_label_file): a record,minute,label CSV (label 0/1 or N/A)
  // or PhysioNet/CinC Challenge 2000 answers (io/challenge_answers.hpp)
  std::string labels_csv;
  std::vector<std::string> only;  // record names to keep (empty = all with labels)
  features::RRFeatureSpec spec;
};

// Every record in `dir` with a label source; sorted by name. Throws DatasetError when none.
std::vector<LabelledNight> load_dataset(const std::string& dir, const DatasetOptions& options);
LabelledNight load_night(
    const std::string& record_path, const DatasetOptions& options,
    const std::map<std::string, std::map<size_t, uint8_t>>* csv_labels = nullptr);

// Record -> AHI from a learning-set-info.txt table (empty map when the file is absent).
std::map<std::string, double> read_reference_ahi(const std::string& path);
// record -> minute -> label from a CSV with a header (record,minute,label).
std::map<std::string, std::map<size_t, uint8_t>> read_label_csv(const std::string& path);
// The same from a label file of either form: challenge answers when its first non-blank line is
// a record name alone (io::looks_like_challenge_answers), else the CSV. Errors name the file and
// line (io::FormatError for challenge answers, DatasetError for the CSV).
std::map<std::string, std::map<size_t, uint8_t>> read_label_file(const std::string& path);

// The records of `dir` that have a label source (REC.hea with REC.<labels_ext>, REC.edf with an
// NSRR event file, or either with a row in the label CSV), restricted to `only`; sorted by name.
// DatasetError when none. Both families' loaders read their records from it (record_file()).
struct LabelledRecords {
  std::vector<std::string> paths;  // DIR/REC (no extension)
  // learning-set-info.txt, when present; NSRR nights' from their event files (the table wins)
  std::map<std::string, double> ref_ahi;
  std::map<std::string, std::map<size_t, uint8_t>> csv;  // the label CSV, when given
  const std::map<std::string, std::map<size_t, uint8_t>>* csv_labels() const;  // null: .apn
  std::optional<double> ahi_of(const std::string& path) const;
};
LabelledRecords labelled_records(const std::string& dir, const DatasetOptions& options);

// Per-minute labels (0, 1, kUnlabelled) of record `base` (DIR/REC) over n_minutes: from its row
// of the label CSV (csv not null), the NSRR event file of an EDF night (nsrr_minute_labels), or
// its .<labels_ext> annotations, whose sample numbers are at their own header's rate or else
// `fs`. DatasetError naming the record when none is labelled.
std::vector<uint8_t> minute_labels(const std::string& base, size_t n_minutes, double fs,
                                   const DatasetOptions& options,
                                   const std::map<std::string, std::map<size_t, uint8_t>>* csv);

// The file record `base` (DIR/REC) is read from: DIR/REC.hea, or DIR/REC.edf for an EDF night
// (no REC.hea beside it).
std::string record_file(const std::string& base);
// The NSRR event file of DIR/REC: DIR/REC-nsrr.xml, else DIR/REC.xml; empty when neither exists.
std::string nsrr_events_file(const std::string& base);

// Per-minute labels from NSRR events, the Apnea-ECG rule: minute m ([60m, 60m+60) s from the
// recording's start) is 1 when an apnea or hypopnea (io::is_apnea, io::is_hypopnea) overlaps it,
// else 0. When the file scores sleep stages, minutes no scored epoch (wake, 1-4, REM) overlaps
// are kUnlabelled (unscored stretches, after the hypnogram's end).
std::vector<uint8_t> nsrr_minute_labels(const io::NsrrAnnotations& annotations, size_t n_minutes);
// Reference AHI from NSRR events: (apneas + hypopneas) per hour of sleep (epochs staged 1-4 or
// REM) when the file scores stages, else per hour of the recording (`recording_s`); nullopt when
// that time is 0. Every hypopnea the file holds counts: NSRR's own AHI variables (ahi_a0h3,
// ahi_a0h4, ...) require a 3 % or 4 % desaturation (or an arousal) of a hypopnea, which the XML
// alone may not carry, so this AHI can be higher than theirs.
std::optional<double> nsrr_reference_ahi(const io::NsrrAnnotations& annotations,
                                         double recording_s);

// Record-level folds, balanced over groups (records of each group dealt round-robin after a
// seeded shuffle); groups[i] is record i's group. Returns, per fold, the indices of its
// validation records.
std::vector<std::vector<size_t>> record_folds(const std::vector<std::string>& groups, int k,
                                              uint64_t seed);

}  // namespace somna::train
