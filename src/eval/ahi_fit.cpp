// Fitting and evaluating the event-rate AHI estimator (see ahi_fit.hpp).

#include "eval/ahi_fit.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>

#include "common/json_number.hpp"

namespace somna::eval {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// The night logistic's L2 penalties on its slope: on nights the estimate separates perfectly, the
// unpenalised slope runs to infinity and every probability to 0 or 1. The penalty is chosen from
// these by leave-one-out log loss on the nights the logistic is fitted on (nested inside the
// LORO evaluation, so its figures stay out-of-record).
constexpr std::array<double, 6> kSlopePenalties{0.01, 0.03, 0.1, 0.3, 1.0, 3.0};
constexpr double kInterceptPenalty = 1e-3;

constexpr size_t kN = analysis::kAhiTerms;
using Terms = std::array<double, kN>;

// Least squares without intercept of sqrt(ref AHI) on the terms, over nights `use`.
Terms fit_weights(const std::vector<AhiNight>& nights, const std::vector<size_t>& use) {
  double a[kN][kN] = {}, b[kN] = {};
  for (size_t i : use) {
    const Terms t = analysis::ahi_terms(nights[i].features);
    const double y = std::sqrt(std::max(0.0, nights[i].ref_ahi));
    for (size_t r = 0; r < kN; ++r) {
      b[r] += t[r] * y;
      for (size_t c = 0; c < kN; ++c) a[r][c] += t[r] * t[c];
    }
  }
  // A whisker of ridge keeps the system solvable when a term is constant zero (no episodes).
  double trace = 0;
  for (size_t r = 0; r < kN; ++r) trace += a[r][r];
  for (size_t r = 0; r < kN; ++r) a[r][r] += 1e-9 * trace + 1e-12;
  // Gaussian elimination with partial pivoting.
  for (size_t k = 0; k < kN; ++k) {
    size_t piv = k;
    for (size_t r = k + 1; r < kN; ++r)
      if (std::abs(a[r][k]) > std::abs(a[piv][k])) piv = r;
    std::swap(a[k], a[piv]);
    std::swap(b[k], b[piv]);
    for (size_t r = k + 1; r < kN; ++r) {
      const double f = a[r][k] / a[k][k];
      for (size_t c = k; c < kN; ++c) a[r][c] -= f * a[k][c];
      b[r] -= f * b[k];
    }
  }
  Terms w{};
  for (size_t k = kN; k-- > 0;) {
    double s = b[k];
    for (size_t c = k + 1; c < kN; ++c) s -= a[k][c] * w[c];
    w[k] = s / a[k][k];
  }
  return w;
}

double sigmoid(double z) {
  return 1.0 / (1.0 + std::exp(-z));
}

// Penalised logistic regression of (ref >= 5) on analysis::night_logistic_input(est), over
// nights `use`; Newton.
std::array<double, 2> fit_logistic(const std::vector<double>& est, const std::vector<double>& ref,
                                   const std::vector<size_t>& use, double slope_penalty) {
  double b0 = 0, b1 = 1;
  for (int it = 0; it < 100; ++it) {
    double g0 = kInterceptPenalty * b0, g1 = slope_penalty * b1;
    double h00 = kInterceptPenalty, h01 = 0, h11 = slope_penalty;
    for (size_t i : use) {
      const double x = analysis::night_logistic_input(est[i]);
      const double p = sigmoid(b0 + b1 * x);
      const double y = ref[i] >= 5 ? 1.0 : 0.0;
      const double w = p * (1 - p);
      g0 += p - y, g1 += (p - y) * x;
      h00 += w, h01 += w * x, h11 += w * x * x;
    }
    const double det = h00 * h11 - h01 * h01;
    const double d0 = (h11 * g0 - h01 * g1) / det, d1 = (h00 * g1 - h01 * g0) / det;
    b0 -= d0, b1 -= d1;
    if (std::abs(d0) + std::abs(d1) < 1e-10) break;
  }
  return {b0, b1};
}

std::vector<size_t> all_but(size_t n, size_t skip) {
  std::vector<size_t> v;
  for (size_t i = 0; i < n; ++i)
    if (i != skip) v.push_back(i);
  return v;
}

std::vector<size_t> all_of(size_t n) {
  return all_but(n, n);
}

double probability(const std::array<double, 2>& l, double est) {
  return sigmoid(l[0] + l[1] * analysis::night_logistic_input(est));
}

double log_loss_of(double p, double ref) {
  const double q = std::clamp(p, 1e-12, 1 - 1e-12);
  return ref >= 5 ? -std::log(q) : -std::log(1 - q);
}

// The slope penalty with the least leave-one-out log loss over nights `use`.
double choose_penalty(const std::vector<double>& est, const std::vector<double>& ref,
                      const std::vector<size_t>& use) {
  double best = kSlopePenalties.back(), best_loss = INFINITY;
  for (double penalty : kSlopePenalties) {
    double loss = 0;
    for (size_t k = 0; k < use.size(); ++k) {
      std::vector<size_t> inner = use;
      inner.erase(inner.begin() + long(k));
      loss += log_loss_of(probability(fit_logistic(est, ref, inner, penalty), est[use[k]]),
                          ref[use[k]]);
    }
    if (loss < best_loss) best_loss = loss, best = penalty;
  }
  return best;
}

// The night logistic over nights `use`, its penalty chosen among them.
std::array<double, 2> night_logistic(const std::vector<double>& est, const std::vector<double>& ref,
                                     const std::vector<size_t>& use, double* penalty = nullptr) {
  const double chosen = choose_penalty(est, ref, use);
  if (penalty) *penalty = chosen;
  return fit_logistic(est, ref, use, chosen);
}

double brier(const std::vector<double>& p, const std::vector<double>& ref) {
  double s = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double y = ref[i] >= 5 ? 1.0 : 0.0;
    s += (p[i] - y) * (p[i] - y);
  }
  return p.empty() ? kNaN : s / double(p.size());
}

double log_loss(const std::vector<double>& p, const std::vector<double>& ref) {
  double s = 0;
  for (size_t i = 0; i < p.size(); ++i) s += log_loss_of(p[i], ref[i]);
  return p.empty() ? kNaN : s / double(p.size());
}

std::vector<double> loro_estimates(const std::vector<AhiNight>& nights) {
  std::vector<double> est(nights.size());
  for (size_t i = 0; i < nights.size(); ++i) {
    analysis::AhiModel m;
    m.weights = fit_weights(nights, all_but(nights.size(), i));
    est[i] = analysis::estimate_ahi(m, nights[i].features);
  }
  return est;
}

// Each night's p(AHI >= 5) from a logistic fitted without it on the others' LORO estimates.
std::vector<double> loro_probabilities(const std::vector<double>& est,
                                       const std::vector<double>& ref) {
  std::vector<double> p(est.size());
  for (size_t i = 0; i < est.size(); ++i) {
    p[i] = probability(night_logistic(est, ref, all_but(est.size(), i)), est[i]);
  }
  return p;
}

// The fixed mapping the reports showed before as p(apnea night).
std::vector<double> fixed_probabilities(const std::vector<double>& minutes_index) {
  std::vector<double> p;
  for (double v : minutes_index) p.push_back(sigmoid((v - 5.0) / 2.5));
  return p;
}

std::string ci3(const Ci& c) {
  return fmt::format("{:.3f} [{:.3f}, {:.3f}]", c.value, c.lo, c.hi);
}
std::string ci1(const Ci& c) {
  return fmt::format("{:.1f} [{:.1f}, {:.1f}]", c.value, c.lo, c.hi);
}
std::string count_ci(size_t k, size_t n, const Ci& c) {
  return fmt::format("{}/{} ({:.0f} % [{:.0f}, {:.0f}])", k, n, 100 * c.value, 100 * c.lo,
                     100 * c.hi);
}

}  // namespace

AhiFit fit_ahi(const std::vector<AhiNight>& nights, size_t n_bootstrap, uint64_t seed) {
  if (nights.size() < 5) {
    throw std::invalid_argument(fmt::format(
        "fitting the AHI estimator needs at least 5 nights with a reference AHI, got {}",
        nights.size()));
  }
  AhiFit fit;
  fit.bootstrap = n_bootstrap;
  for (const auto& n : nights) {
    fit.records.push_back(n.record);
    fit.ref.push_back(n.ref_ahi);
    fit.minutes_index.push_back(n.features.apnea_min_per_h);
  }
  fit.loro_ahi = loro_estimates(nights);
  fit.loro = ahi_agreement(fit.loro_ahi, fit.ref, n_bootstrap, seed);
  fit.minutes = ahi_agreement(fit.minutes_index, fit.ref, n_bootstrap, seed);

  fit.model.weights = fit_weights(nights, all_of(nights.size()));
  fit.model.night_logistic =
      night_logistic(fit.loro_ahi, fit.ref, all_of(nights.size()), &fit.slope_penalty);
  fit.loro_probability = loro_probabilities(fit.loro_ahi, fit.ref);
  fit.brier = brier(fit.loro_probability, fit.ref);
  fit.log_loss = log_loss(fit.loro_probability, fit.ref);
  const auto fixed = fixed_probabilities(fit.minutes_index);
  fit.fixed_brier = brier(fixed, fit.ref);
  fit.fixed_log_loss = log_loss(fixed, fit.ref);
  fit.model.summary = loro_summary(fit);
  return fit;
}

std::string loro_summary(const AhiFit& f) {
  return fmt::format(
      "leave-one-record-out on {} nights (out-of-fold minute probabilities): Pearson r {:.3f}, "
      "MAE {:.1f} events/h, apnea yes/no {}/{}, AASM severity {}/{}; night probability Brier "
      "{:.3f}",
      f.loro.n, f.loro.r.value, f.loro.mae.value, f.loro.diagnosis_correct, f.loro.n,
      f.loro.severity_agree, f.loro.n, f.brier);
}

nlohmann::json to_json(const AhiFit& f) {
  nlohmann::json per_night = nlohmann::json::array();
  for (size_t i = 0; i < f.records.size(); ++i) {
    per_night.push_back({{"record", f.records[i]},
                         {"ref_ahi", f.ref[i]},
                         {"loro_ahi", f.loro_ahi[i]},
                         {"apnea_minutes_per_hour", f.minutes_index[i]},
                         {"loro_p_ahi5", f.loro_probability[i]}});
  }
  return {{"model", analysis::to_json(f.model)},
          {"protocol", "leave-one-record-out on out-of-fold minute probabilities"},
          {"bootstrap", {{"resampled", "records"}, {"replicates", f.bootstrap}, {"ci", 0.95}}},
          {"event_rate_loro", to_json(f.loro)},
          {"apnea_minutes_per_hour", to_json(f.minutes)},
          {"night_probability_loro",
           {{"slope_penalty", f.slope_penalty},
            {"brier", json_number(f.brier)},
            {"log_loss", json_number(f.log_loss)},
            {"fixed_mapping_brier", json_number(f.fixed_brier)},
            {"fixed_mapping_log_loss", json_number(f.fixed_log_loss)},
            {"fixed_mapping", "sigmoid((apnea minutes per hour - 5) / 2.5)"}}},
          {"nights", per_night}};
}

std::string ahi_fit_markdown(const AhiFit& f) {
  const auto& w = f.model.weights;
  std::string s = "## AHI estimate (events per hour)\n\n";
  s += fmt::format(
      "The AHI is estimated as a rate of events, not a count of minutes: with S the expected "
      "apnea minutes per hour of analysable time (the sum of the minutes' p), E the apnea "
      "episodes starting per hour (runs of minutes at p ≥ the threshold) and C the cyclic "
      "heart-rate dips per hour that the training-free CVHR detector finds, `{}` with "
      "w_S = {:.4f}, w_E = {:.4f}, w_SE = {:.4f}, w_C = {:.4f}, fitted by least squares on the "
      "{} nights' reference AHI "
      "(`learning-set-info.txt`) from the cross-validation's out-of-fold minute probabilities "
      "(no network saw the night it scored). The figures below are leave-one-record-out: each "
      "night's estimate comes from weights fitted on the other {} nights. Beside them, the "
      "apnea-minutes-per-hour index (no parameters) on the same probabilities. 95 % CIs by "
      "bootstrap over records ({} replicates).\n\n",
      analysis::AhiModel::kForm, w[0], w[1], w[2], w[3], f.records.size(), f.records.size() - 1,
      f.bootstrap);
  s += "| against the reference AHI | event-rate estimate (LORO) | apnea minutes per hour |\n";
  s += "|---|---|---|\n";
  s += fmt::format("| Pearson r | {} | {} |\n", ci3(f.loro.r), ci3(f.minutes.r));
  s += fmt::format("| MAE (events/h) | {} | {} |\n", ci1(f.loro.mae), ci1(f.minutes.mae));
  s += fmt::format("| apnea yes/no (AHI ≥ 5) | {} | {} |\n",
                   count_ci(f.loro.diagnosis_correct, f.loro.n, f.loro.diagnosis),
                   count_ci(f.minutes.diagnosis_correct, f.minutes.n, f.minutes.diagnosis));
  s += fmt::format("| AASM severity class | {} | {} |\n",
                   count_ci(f.loro.severity_agree, f.loro.n, f.loro.severity),
                   count_ci(f.minutes.severity_agree, f.minutes.n, f.minutes.severity));
  s += fmt::format("| severity κ | {:.2f} | {:.2f} |\n\n", f.loro.severity_kappa,
                   f.minutes.severity_kappa);
  const auto& l = f.model.night_logistic.value();
  s += fmt::format(
      "Night probability p(AHI ≥ 5) = sigmoid({:.3f} + {:.3f} · (ln(1 + AHI estimate) − ln 6)), "
      "a logistic fitted on the LORO estimates, with an L2 penalty on its slope ({:g}, chosen "
      "among {} by leave-one-out log loss; the estimate separates the nights at AHI 5 almost "
      "perfectly, so an unpenalised slope would run to infinity). Its calibration, LORO again "
      "(each night's probability from a logistic, penalty included, chosen and fitted without "
      "it): Brier score {:.3f}, log loss {:.3f}; the fixed mapping sigmoid((apnea minutes per "
      "hour − 5) / 2.5) shown before had Brier {:.3f}, log loss {:.3f}.\n\n",
      l[0], l[1], f.slope_penalty, fmt::join(kSlopePenalties, "/"), f.brier, f.log_loss,
      f.fixed_brier, f.fixed_log_loss);
  s += "The form of the estimator (these four terms, square-root scale, no intercept) was chosen "
       "during development on the 35 Apnea-ECG learning nights, among the forms logged in "
       "docs/training.md, so on those nights the LORO figures above carry some optimism from that "
       "choice; its weights are refitted by every run.\n\n";
  return s;
}

}  // namespace somna::eval
