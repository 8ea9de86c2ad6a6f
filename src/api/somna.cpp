// libsomna's public entry points (somna.hpp): a thin layer over io::read_record and
// analysis::analyze_night with the chosen detector.

#include "api/somna.hpp"

#include "analysis/cvhr_detector.hpp"
#include "analysis/night_report.hpp"
#include "io/record.hpp"
#include "model/model.hpp"
#include "report/json_report.hpp"

namespace somna {

namespace {

Result to_result(const analysis::NightReport& rep) {
  Result r;
  r.record = rep.record_name;
  r.detector = rep.detector.name;
  r.recording_s = rep.recording_s;
  r.analysable_s = rep.analysable_s;
  r.ahi = rep.ahi;
  r.severity = analysis::severity_name(rep.severity);
  r.apnea_minutes = rep.apnea_minutes;
  r.warnings = rep.warnings;
  for (const auto& m : rep.minutes) {
    Minute x;
    x.start_s = m.t_s, x.p_apnea = m.p_apnea, x.apnea = m.apnea, x.excluded = m.excluded;
    x.quality = m.quality;
    r.minutes.push_back(x);
  }
  r.json = report::night_report_json(rep).dump(2);
  return r;
}

}  // namespace

std::string version() {
  return SOMNA_VERSION;
}

Analyzer::Analyzer(const std::string& model_path)
    : detector_(model_path.empty()
                    ? std::shared_ptr<const analysis::Detector>(
                          std::make_shared<analysis::CvhrDetector>())
                    : std::shared_ptr<const analysis::Detector>(model::load_detector(model_path))) {
}

Analyzer::~Analyzer() = default;
Analyzer::Analyzer(Analyzer&&) noexcept = default;
Analyzer& Analyzer::operator=(Analyzer&&) noexcept = default;

Result Analyzer::analyze_file(const std::string& path, const std::string& channel) const {
  io::ReadOptions ro;
  ro.channel = channel;
  const io::Record record = io::read_record(path, ro);
  analysis::Options o;
  o.channel = channel;
  return to_result(analysis::analyze_night(record, *detector_, o));
}

Result Analyzer::analyze_ecg(const float* samples, size_t n, double fs,
                             const std::string& name) const {
  return to_result(
      analysis::analyze_night(io::record_from_samples(samples, n, fs, name), *detector_));
}

}  // namespace somna
