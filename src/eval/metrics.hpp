#pragma once
// Per-minute and per-record evaluation of apnea detection: confusion-matrix metrics (accuracy,
// Se, Sp, PPV, NPV, F1, MCC), ROC-AUC and PR-AUC (average precision), ROC curve points; per record
// an AHI estimate against the reference AHI (Pearson r, MAE), diagnosis at AHI >= 5 and AASM
// severity agreement; 95 % CIs by bootstrap resampling whole RECORDS (minutes of one night are
// not independent). Used by `somna eval` and by training's cross-validation.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace somna::eval {

struct Confusion {
  size_t tp = 0, fp = 0, tn = 0, fn = 0;
  size_t n() const { return tp + fp + tn + fn; }
  double accuracy() const;
  double sensitivity() const;  // recall, TPR
  double specificity() const;
  double ppv() const;  // precision
  double npv() const;
  double f1() const;
  double mcc() const;  // Matthews correlation; 0 when undefined
};

// labels: 0/1; predicted: p >= threshold.
Confusion confusion(const std::vector<float>& p, const std::vector<uint8_t>& labels,
                    double threshold);
// Area under the ROC curve (ties count half); NaN when one class is absent.
double roc_auc(const std::vector<float>& p, const std::vector<uint8_t>& labels);
// Average precision (area under the precision-recall step curve); NaN without positives.
double pr_auc(const std::vector<float>& p, const std::vector<uint8_t>& labels);
struct RocPoint {
  double threshold, fpr, tpr;
};
// At most max_points points (thinned evenly), from (0,0) to (1,1).
std::vector<RocPoint> roc_curve(const std::vector<float>& p, const std::vector<uint8_t>& labels,
                                size_t max_points = 200);

double pearson(const std::vector<double>& x, const std::vector<double>& y);
double mean_abs_error(const std::vector<double>& x, const std::vector<double>& y);
// AASM severity class from an AHI: 0 normal (<5), 1 mild (<15), 2 moderate (<30), 3 severe.
int severity_class(double ahi);
const char* severity_name(int cls);
// AHI estimate from per-minute decisions: apnea minutes per hour of scored minutes (each apnea
// minute counted as one event, the usual Apnea-ECG convention for minute-level detectors).
double ahi_from_minutes(const std::vector<float>& p, double threshold);

// One record's predictions and reference.
struct RecordPredictions {
  std::string record;
  std::vector<float> p;           // per minute
  std::vector<uint8_t> label;     // per minute, same length
  std::optional<double> ref_ahi;  // from learning-set-info.txt, when known
  // The detector's own AHI estimate (events/h) when it has one (an event-rate estimator);
  // absent: the night figures use apnea minutes per hour of the scored minutes.
  std::optional<double> est_ahi;
};

struct Ci {
  double value = 0, lo = 0, hi = 0;
};

// Agreement of per-night AHI estimates with the reference: Pearson r, MAE, apnea yes/no at
// AHI >= 5 and AASM severity class, with bootstrap CIs over nights.
struct AhiAgreement {
  size_t n = 0;
  Ci r, mae;
  size_t diagnosis_correct = 0;  // apnea yes/no at AHI >= 5
  size_t severity_agree = 0;     // same AASM class
  Ci diagnosis, severity;        // the two as fractions
  double severity_kappa = 0;
};
AhiAgreement ahi_agreement(const std::vector<double>& est, const std::vector<double>& ref,
                           size_t n_bootstrap, uint64_t seed);
nlohmann::json to_json(const AhiAgreement& a);

struct RecordSummary {
  std::string record;
  size_t minutes = 0;
  double accuracy = 0, est_ahi = 0;  // est_ahi: the estimate the night figures use
  double apnea_min_per_h = 0;
  std::optional<double> ref_ahi;
  double ref_apnea_fraction = 0;
};

struct EvalResult {
  double threshold = 0.5;
  size_t n_records = 0, n_minutes = 0, n_apnea_minutes = 0;
  Confusion cm;
  Ci accuracy, sensitivity, specificity, ppv, npv, f1, mcc, roc_auc, pr_auc;
  std::vector<RocPoint> roc;
  std::vector<RecordSummary> records;
  // Per record (those with a reference AHI), of the detector's AHI estimate when every record
  // has one, else of apnea minutes per hour (ahi_estimate says which).
  std::string ahi_estimate = "apnea minutes per hour";
  size_t n_ahi = 0;
  AhiAgreement night;
  // With the detector's estimate: the apnea-minutes-per-hour index's figures beside it.
  std::optional<AhiAgreement> minutes_index;
  size_t bootstrap = 0;
};

// value with the 2.5th and 97.5th percentiles of its bootstrap replicates (non-finite ones
// dropped; no interval with fewer than 10).
Ci with_ci(double value, std::vector<double> replicates);
// Cohen's kappa between two lists of AASM classes (0..3); NaN when empty.
double severity_kappa(const std::vector<int>& est, const std::vector<int>& ref);

EvalResult evaluate(const std::vector<RecordPredictions>& recs, double threshold = 0.5,
                    size_t n_bootstrap = 500, uint64_t seed = 1);

// The figures as JSON (what `somna eval` writes and model files carry), and as text.
nlohmann::json evaluation_json(const EvalResult& r);
std::string to_json(const EvalResult& r, int indent = 2);

}  // namespace somna::eval
