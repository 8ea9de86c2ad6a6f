// NightReport -> WFDB minute annotations, challenge answers, EDF+ episode annotations, minute CSV
// (see field_formats.hpp and docs/formats.md).

#include "report/field_formats.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "common/error.hpp"
#include "io/file_write.hpp"
#include "report/json_report.hpp"

namespace somna::report {

namespace fs = std::filesystem;
using analysis::MinuteResult;
using analysis::NightReport;

namespace {

// The files' and challenge answers' record name: the record's, or "night" when it has none.
std::string stem_of(const std::string& record_name) {
  return record_name.empty() ? "night" : record_name;
}

void make_folder(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec))
    throw Error(dir, "cannot create the annotation folder" + (ec ? ": " + ec.message() : ""));
}

}  // namespace

io::Annotations minute_annotations(const NightReport& r, double fs) {
  if (!(fs > 0) || !std::isfinite(fs))
    throw Error(r.source_path, "no sampling frequency for the WFDB annotation sample numbers");
  io::Annotations out;
  out.fs = fs;
  for (const MinuteResult& m : r.minutes) {
    io::Annotation a;
    a.sample = std::llround(m.t_s * fs);
    a.code = m.apnea ? io::ann::APC : io::ann::NORMAL;
    if (m.excluded) {
      a.aux = m.quality_reason.empty() ? std::string(kExcludedAux)
                                       : std::string(kExcludedAux) + ": " + m.quality_reason;
      if (a.aux.size() > 255) a.aux.resize(255);
    }
    out.items.push_back(std::move(a));
  }
  return out;
}

io::ChallengeRecord challenge_answer(const NightReport& r) {
  io::ChallengeRecord out;
  out.name = stem_of(r.record_name);
  for (const MinuteResult& m : r.minutes) out.minutes += m.apnea ? 'A' : 'N';
  return out;
}

io::EdfAnnotationFile episode_annotations(const NightReport& r) {
  io::EdfAnnotationFile out;
  out.start = r.start;
  out.duration_s = r.recording_s;
  for (const analysis::Episode& e : r.episodes)
    out.annotations.push_back({e.start_s, e.duration_s, kEpisodeAnnotationText});
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

std::string minutes_csv(const NightReport& r) {
  std::string out = "record,minute,start_s,p,label,quality\n";
  const std::string name = csv_field(stem_of(r.record_name));
  for (size_t k = 0; k < r.minutes.size(); ++k) {
    const MinuteResult& m = r.minutes[k];
    out += fmt::format("{},{},{},{:.4f},{},{:.3f}\n", name, k, m.t_s, m.p_apnea, minute_label(m),
                       m.quality);
  }
  return out;
}

AnnotationFiles annotation_paths(const std::string& dir, const std::string& record_name) {
  const std::string stem = stem_of(record_name);
  const auto in_dir = [&](const std::string& suffix) {
    return (fs::path(dir) / (stem + suffix)).string();
  };
  return {in_dir(".sapn"), in_dir(".challenge.txt"), in_dir(".annotations.edf"),
          in_dir(".minutes.csv")};
}

AnnotationFiles write_annotation_files(const NightReport& r, const std::string& dir, double fs) {
  make_folder(dir);
  const AnnotationFiles p = annotation_paths(dir, r.record_name);
  io::write_annotations(p.wfdb, minute_annotations(r, fs));
  io::write_challenge_answers(p.challenge, {challenge_answer(r)});
  io::write_edf_annotations(p.edf, episode_annotations(r));
  io::write_file(p.csv, minutes_csv(r));
  return p;
}

}  // namespace somna::report
