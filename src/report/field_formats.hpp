#pragma once
// A night's per-minute answer in the formats other sleep tools read (docs/formats.md): WFDB
// annotations in the Apnea-ECG .apn convention, the PhysioNet/CinC Challenge 2000 answer format,
// an EDF+ annotation file of the apnea episodes, and a per-minute CSV. Every format says what the
// JSON report says: a minute is 'A' exactly where its JSON label is "A" (apnea, analysable);
// excluded minutes (JSON "X") are 'N' in the two A/N-only formats (WFDB notes them in the aux
// text, the CSV keeps "X"), so the A minutes, the episodes and summary.apnea_minutes agree.

#include <string>

#include "analysis/night_report.hpp"
#include "io/annotations.hpp"
#include "io/challenge_answers.hpp"
#include "io/edf_annotations_writer.hpp"

namespace somna::report {

// The EDF+ annotation text of an apnea episode.
constexpr const char* kEpisodeAnnotationText = "Apnea (Somna)";
// The aux text of an excluded minute's 'N' in the WFDB file: this prefix, then the reason.
constexpr const char* kExcludedAux = "excluded";

// One annotation per minute at its start, sample = round(t * fs): 'A' (code 8) apnea, 'N'
// (code 1) otherwise, as Apnea-ECG's .apn; the file's time resolution is fs.
io::Annotations minute_annotations(const analysis::NightReport& report, double fs);
// The record's line and its hours of A/N letters (one per minute).
io::ChallengeRecord challenge_answer(const analysis::NightReport& report);
// One annotation per apnea episode (onset, duration, kEpisodeAnnotationText) over the recording.
io::EdfAnnotationFile episode_annotations(const analysis::NightReport& report);
// "record,minute,start_s,p,label,quality" then one row per minute; label as in the JSON.
std::string minutes_csv(const analysis::NightReport& report);

// A CSV field: as it is, or quoted ("" for a quote) when it holds a comma, quote or newline.
std::string csv_field(const std::string& text);

// The four files in `dir` (created when missing), named after the record (or "night").
struct AnnotationFiles {
  std::string wfdb, challenge, edf, csv;  // REC.sapn, REC.challenge.txt, REC.annotations.edf,
                                          // REC.minutes.csv
};
AnnotationFiles annotation_paths(const std::string& dir, const std::string& record_name);
// Writes them; fs is the WFDB sample rate (see minute_annotations). Throws somna::Error naming
// the folder or file that cannot be written.
AnnotationFiles write_annotation_files(const analysis::NightReport& report, const std::string& dir,
                                       double fs);

}  // namespace somna::report
