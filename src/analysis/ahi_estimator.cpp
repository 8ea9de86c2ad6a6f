// The AHI as an event rate (see ahi_estimator.hpp).

#include "analysis/ahi_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "analysis/cvhr_detector.hpp"

namespace somna::analysis {

AhiFeatures ahi_features(const std::vector<float>& p, const std::vector<uint8_t>& keep,
                         double duration_s, double threshold) {
  AhiFeatures f;
  double sum_p = 0, seconds = 0;
  size_t episodes = 0, apnea_minutes = 0;
  bool in_episode = false;
  for (size_t m = 0; m < p.size() && m < keep.size(); ++m) {
    const float pm = std::isfinite(p[m]) ? std::clamp(p[m], 0.f, 1.f) : 0.f;
    const bool apnea = keep[m] && pm >= threshold;
    episodes += apnea && !in_episode;
    apnea_minutes += apnea;
    in_episode = apnea;
    if (!keep[m]) continue;
    sum_p += pm;
    seconds += std::clamp(duration_s - 60.0 * double(m), 0.0, 60.0);
  }
  f.analysable_h = seconds / 3600.0;
  if (f.analysable_h <= 0) return f;
  // A minute's p is its expected apnea fraction of a whole minute: S per hour of analysable time.
  f.expected_apnea_min_per_h = sum_p / f.analysable_h;
  f.episodes_per_h = double(episodes) / f.analysable_h;
  f.apnea_min_per_h = double(apnea_minutes) / f.analysable_h;
  return f;
}

namespace {
// C: the CVHR events that end in an analysable minute, per analysable hour.
double cvhr_per_h(const std::vector<Event>& cvhr, const std::vector<uint8_t>& keep, double hours) {
  if (hours <= 0) return 0;
  size_t n = 0;
  for (const Event& e : cvhr) {
    const size_t m = end_minute(e);
    n += m < keep.size() && keep[m];
  }
  return double(n) / hours;
}
}  // namespace

std::vector<Event> cvhr_events(const NightInput& night) {
  return CvhrDetector().score(night).events;
}

AhiFeatures night_ahi_features(const NightInput& night, const std::vector<float>& p,
                               const std::vector<uint8_t>& keep, double threshold,
                               const std::vector<Event>& cvhr) {
  AhiFeatures f = ahi_features(p, keep, night.duration_s, threshold);
  f.cvhr_per_h = cvhr_per_h(cvhr, keep, f.analysable_h);
  return f;
}

AhiFeatures night_ahi_features(const NightInput& night, const std::vector<float>& p,
                               const std::vector<uint8_t>& keep, double threshold) {
  return night_ahi_features(night, p, keep, threshold, cvhr_events(night));
}

std::array<double, kAhiTerms> ahi_terms(const AhiFeatures& f) {
  return {f.expected_apnea_min_per_h, f.episodes_per_h,
          f.expected_apnea_min_per_h * f.episodes_per_h / 10.0,
          std::sqrt(std::max(0.0, f.cvhr_per_h))};
}

double estimate_ahi(const AhiModel& m, const AhiFeatures& f) {
  if (f.analysable_h <= 0) return 0;
  const auto t = ahi_terms(f);
  double root = 0;
  for (size_t k = 0; k < kAhiTerms; ++k) root += m.weights[k] * t[k];
  return root > 0 ? root * root : 0.0;
}

double night_logistic_input(double ahi) {
  return std::log1p(std::max(0.0, ahi)) - std::log(6.0);
}

double night_logit(const AhiModel& m, double ahi) {
  const auto& l = m.night_logistic.value();
  return l[0] + l[1] * night_logistic_input(ahi);
}

nlohmann::json to_json(const AhiModel& m) {
  nlohmann::json j = {{"form", AhiModel::kForm}, {"weights", m.weights}, {"summary", m.summary}};
  if (m.night_logistic) {
    j["night_logistic"] = {{"intercept", (*m.night_logistic)[0]},
                           {"slope", (*m.night_logistic)[1]}};
  }
  return j;
}

namespace {
double finite_number(const nlohmann::json& j, const char* what) {
  if (!j.is_number() || !std::isfinite(j.get<double>()))
    throw std::invalid_argument(std::string(what) + " is not a finite number");
  return j.get<double>();
}
}  // namespace

AhiModel ahi_model_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("the AHI model is not a JSON object");
  const std::string form = j.value("form", std::string());
  size_t n_weights = kAhiTerms;
  if (form == AhiModel::kFormWithoutC) {
    n_weights = kAhiTerms - 1;
  } else if (form != AhiModel::kForm) {
    throw std::invalid_argument("the AHI model's form is not '" + std::string(AhiModel::kForm) +
                                "'");
  }
  const auto w = j.find("weights");
  if (w == j.end() || !w->is_array() || w->size() != n_weights)
    throw std::invalid_argument("the AHI model needs " + std::to_string(n_weights) + " weights");
  AhiModel m;  // weights past n_weights stay 0
  for (size_t i = 0; i < n_weights; ++i)
    m.weights[i] = finite_number((*w)[i], "an AHI model weight");
  if (const auto l = j.find("night_logistic"); l != j.end() && !l->is_null()) {
    if (!l->is_object() || !l->contains("intercept") || !l->contains("slope"))
      throw std::invalid_argument("the AHI model's night_logistic needs intercept and slope");
    m.night_logistic =
        std::array<double, 2>{finite_number(l->at("intercept"), "night_logistic.intercept"),
                              finite_number(l->at("slope"), "night_logistic.slope")};
  }
  if (const auto s = j.find("summary"); s != j.end() && s->is_string()) m.summary = *s;
  return m;
}

}  // namespace somna::analysis
