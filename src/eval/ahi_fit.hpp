#pragma once
// Fitting and honestly evaluating the event-rate AHI estimator (analysis/ahi_estimator.hpp) on
// labelled nights with a reference AHI. Its features must come from out-of-fold minute
// probabilities (a network that never saw the night). Evaluated leave-one-record-out (LORO): each
// night's estimate comes from weights fitted on the other nights; the night probability's
// logistic is fitted on LORO estimates (its slope penalty chosen by leave-one-out log loss), and
// its calibration figures are LORO again (each night's probability from a logistic whose penalty
// was chosen and whose weights were fitted without it). Beside it, the same agreement figures for
// the apnea-minutes-per-hour index, which has no parameters. 95 % CIs by bootstrap over records.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "analysis/ahi_estimator.hpp"
#include "eval/metrics.hpp"

namespace somna::eval {

struct AhiNight {
  std::string record;
  analysis::AhiFeatures features;
  double ref_ahi = 0;
};

struct AhiFit {
  analysis::AhiModel model;  // weights on all nights; logistic on the LORO estimates
  std::vector<std::string> records;
  std::vector<double> ref, loro_ahi, minutes_index, loro_probability;
  AhiAgreement loro, minutes;  // the event-rate estimate (LORO), apnea minutes per hour
  // Night probability, LORO: Brier score and log loss; and of the fixed mapping the reports used
  // before, sigmoid((apnea minutes per hour - 5) / 2.5), for comparison.
  double brier = 0, log_loss = 0, fixed_brier = 0, fixed_log_loss = 0;
  double slope_penalty = 0;  // the night logistic's, chosen on all nights
  size_t bootstrap = 0;
};

// Needs at least 5 nights. Throws std::invalid_argument otherwise.
AhiFit fit_ahi(const std::vector<AhiNight>& nights, size_t n_bootstrap = 1000, uint64_t seed = 1);

nlohmann::json to_json(const AhiFit& fit);
// One line: "LORO on N nights: r ... , MAE ..., apnea yes/no k/N, severity k/N".
std::string loro_summary(const AhiFit& fit);
// The model card's section: method, the side-by-side table, calibration (markdown).
std::string ahi_fit_markdown(const AhiFit& fit);

}  // namespace somna::eval
