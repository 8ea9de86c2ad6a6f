// Evaluation metrics (see metrics.hpp).

#include "eval/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>

#include "common/json_number.hpp"

namespace somna::eval {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
double ratio(double a, double b) {
  return b > 0 ? a / b : kNaN;
}
}  // namespace

double Confusion::accuracy() const {
  return ratio(double(tp + tn), double(n()));
}
double Confusion::sensitivity() const {
  return ratio(double(tp), double(tp + fn));
}
double Confusion::specificity() const {
  return ratio(double(tn), double(tn + fp));
}
double Confusion::ppv() const {
  return ratio(double(tp), double(tp + fp));
}
double Confusion::npv() const {
  return ratio(double(tn), double(tn + fn));
}
double Confusion::f1() const {
  return ratio(2.0 * double(tp), double(2 * tp + fp + fn));
}
double Confusion::mcc() const {
  const double a = double(tp), b = double(fp), c = double(tn), d = double(fn);
  const double den = std::sqrt((a + b) * (a + d) * (c + b) * (c + d));
  return den > 0 ? (a * c - b * d) / den : 0.0;
}

Confusion confusion(const std::vector<float>& p, const std::vector<uint8_t>& y, double thr) {
  Confusion c;
  for (size_t i = 0; i < p.size() && i < y.size(); ++i) {
    const bool pred = p[i] >= thr;
    if (y[i])
      pred ? ++c.tp : ++c.fn;
    else
      pred ? ++c.fp : ++c.tn;
  }
  return c;
}

double roc_auc(const std::vector<float>& p, const std::vector<uint8_t>& y) {
  const size_t n = std::min(p.size(), y.size());
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  // Mann-Whitney U with mid-ranks for ties.
  double rank_sum = 0, npos = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && p[idx[j]] == p[idx[i]]) ++j;
    const double mid = 0.5 * double(i + 1 + j);
    for (size_t k = i; k < j; ++k) {
      if (y[idx[k]]) rank_sum += mid, npos += 1;
    }
    i = j;
  }
  const double nneg = double(n) - npos;
  if (npos == 0 || nneg == 0) return kNaN;
  return (rank_sum - npos * (npos + 1) / 2) / (npos * nneg);
}

double pr_auc(const std::vector<float>& p, const std::vector<uint8_t>& y) {
  const size_t n = std::min(p.size(), y.size());
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
  double npos = 0;
  for (size_t i = 0; i < n; ++i) npos += y[i];
  if (npos == 0) return kNaN;
  // AP = sum over thresholds of (R_k - R_{k-1}) * P_k, tied scores form one threshold.
  double tp = 0, fp = 0, ap = 0, prev_r = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && p[idx[j]] == p[idx[i]]) {
      y[idx[j]] ? ++tp : ++fp;
      ++j;
    }
    const double r = tp / npos, prec = tp / (tp + fp);
    ap += (r - prev_r) * prec;
    prev_r = r;
    i = j;
  }
  return ap;
}

std::vector<RocPoint> roc_curve(const std::vector<float>& p, const std::vector<uint8_t>& y,
                                size_t max_points) {
  const size_t n = std::min(p.size(), y.size());
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
  double npos = 0;
  for (size_t i = 0; i < n; ++i) npos += y[i];
  const double nneg = double(n) - npos;
  std::vector<RocPoint> all{{std::numeric_limits<double>::infinity(), 0, 0}};
  double tp = 0, fp = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && p[idx[j]] == p[idx[i]]) {
      y[idx[j]] ? ++tp : ++fp;
      ++j;
    }
    all.push_back({double(p[idx[i]]), nneg > 0 ? fp / nneg : 0, npos > 0 ? tp / npos : 0});
    i = j;
  }
  if (all.size() <= max_points || max_points < 2) return all;
  std::vector<RocPoint> out;
  for (size_t k = 0; k < max_points; ++k)
    out.push_back(all[k * (all.size() - 1) / (max_points - 1)]);
  return out;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = std::min(x.size(), y.size());
  if (n < 2) return kNaN;
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
  mx /= double(n), my /= double(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx),
        syy += (y[i] - my) * (y[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : kNaN;
}

double mean_abs_error(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = std::min(x.size(), y.size());
  if (n == 0) return kNaN;
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += std::abs(x[i] - y[i]);
  return s / double(n);
}

int severity_class(double ahi) {
  return ahi < 5 ? 0 : ahi < 15 ? 1 : ahi < 30 ? 2 : 3;
}
const char* severity_name(int c) {
  static const char* names[] = {"normal", "mild", "moderate", "severe"};
  return names[std::clamp(c, 0, 3)];
}

double ahi_from_minutes(const std::vector<float>& p, double thr) {
  if (p.empty()) return 0;
  size_t k = 0;
  for (float v : p) k += v >= thr;
  return 60.0 * double(k) / double(p.size());
}

namespace {
struct Pooled {
  std::vector<float> p;
  std::vector<uint8_t> y;
};
Pooled pool(const std::vector<RecordPredictions>& recs, const std::vector<size_t>& which) {
  Pooled o;
  for (size_t i : which) {
    const auto& r = recs[i];
    const size_t n = std::min(r.p.size(), r.label.size());
    o.p.insert(o.p.end(), r.p.begin(), r.p.begin() + long(n));
    o.y.insert(o.y.end(), r.label.begin(), r.label.begin() + long(n));
  }
  return o;
}
}  // namespace

Ci with_ci(double value, std::vector<double> boots) {
  Ci c{value, kNaN, kNaN};
  boots.erase(
      std::remove_if(boots.begin(), boots.end(), [](double v) { return !std::isfinite(v); }),
      boots.end());
  if (boots.size() < 10) return c;
  std::sort(boots.begin(), boots.end());
  auto q = [&](double f) {
    return boots[std::min(boots.size() - 1, size_t(f * double(boots.size())))];
  };
  c.lo = q(0.025), c.hi = q(0.975);
  return c;
}

double severity_kappa(const std::vector<int>& est, const std::vector<int>& ref) {
  const size_t n_pairs = std::min(est.size(), ref.size());
  if (n_pairs == 0) return kNaN;
  double po = 0, pe = 0, ne[4] = {0, 0, 0, 0}, nr[4] = {0, 0, 0, 0};
  size_t agree = 0;
  for (size_t i = 0; i < n_pairs; ++i) {
    agree += est[i] == ref[i];
    ne[est[i]] += 1, nr[ref[i]] += 1;
  }
  const double n = double(n_pairs);
  po = double(agree) / n;
  for (int c = 0; c < 4; ++c) pe += ne[c] * nr[c] / (n * n);
  return pe < 1 ? (po - pe) / (1 - pe) : 1.0;
}

namespace {
struct Counts {
  size_t diagnosis = 0, severity = 0;
};
Counts agreement_counts(const std::vector<double>& est, const std::vector<double>& ref,
                        const std::vector<size_t>& which) {
  Counts c;
  for (size_t i : which) {
    c.diagnosis += (est[i] >= 5) == (ref[i] >= 5);
    c.severity += severity_class(est[i]) == severity_class(ref[i]);
  }
  return c;
}

std::vector<double> take(const std::vector<double>& v, const std::vector<size_t>& which) {
  std::vector<double> o;
  o.reserve(which.size());
  for (size_t i : which) o.push_back(v[i]);
  return o;
}
}  // namespace

AhiAgreement ahi_agreement(const std::vector<double>& est, const std::vector<double>& ref,
                           size_t n_bootstrap, uint64_t seed) {
  AhiAgreement a;
  a.n = std::min(est.size(), ref.size());
  if (a.n == 0) return a;
  std::vector<size_t> all(a.n);
  std::iota(all.begin(), all.end(), 0);
  const Counts c = agreement_counts(est, ref, all);
  a.diagnosis_correct = c.diagnosis, a.severity_agree = c.severity;
  std::vector<int> ce, cr;
  for (size_t i = 0; i < a.n; ++i)
    ce.push_back(severity_class(est[i])), cr.push_back(severity_class(ref[i]));
  a.severity_kappa = severity_kappa(ce, cr);

  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, a.n - 1);
  std::vector<double> b_r, b_mae, b_diag, b_sev;
  std::vector<size_t> w(a.n);
  for (size_t b = 0; b < n_bootstrap; ++b) {
    for (auto& v : w) v = pick(rng);
    const auto be = take(est, w), br = take(ref, w);
    b_r.push_back(pearson(be, br)), b_mae.push_back(mean_abs_error(be, br));
    const Counts bc = agreement_counts(est, ref, w);
    b_diag.push_back(double(bc.diagnosis) / double(a.n));
    b_sev.push_back(double(bc.severity) / double(a.n));
  }
  const auto e = take(est, all), r = take(ref, all);
  a.r = with_ci(pearson(e, r), b_r);
  a.mae = with_ci(mean_abs_error(e, r), b_mae);
  a.diagnosis = with_ci(double(c.diagnosis) / double(a.n), b_diag);
  a.severity = with_ci(double(c.severity) / double(a.n), b_sev);
  return a;
}

EvalResult evaluate(const std::vector<RecordPredictions>& recs, double thr, size_t nb,
                    uint64_t seed) {
  EvalResult r;
  r.threshold = thr;
  r.n_records = recs.size();
  r.bootstrap = nb;
  std::vector<size_t> all(recs.size());
  std::iota(all.begin(), all.end(), 0);
  const Pooled pooled = pool(recs, all);
  r.n_minutes = pooled.p.size();
  for (uint8_t v : pooled.y) r.n_apnea_minutes += v;
  r.cm = confusion(pooled.p, pooled.y, thr);
  r.roc = roc_curve(pooled.p, pooled.y);

  bool own_estimate = !recs.empty();
  for (const auto& rec : recs) own_estimate = own_estimate && rec.est_ahi.has_value();
  std::vector<double> est, minutes, ref;
  for (const auto& rec : recs) {
    RecordSummary s;
    s.record = rec.record;
    s.minutes = std::min(rec.p.size(), rec.label.size());
    s.accuracy = confusion(rec.p, rec.label, thr).accuracy();
    s.apnea_min_per_h = ahi_from_minutes(rec.p, thr);
    s.est_ahi = own_estimate ? *rec.est_ahi : s.apnea_min_per_h;
    s.ref_ahi = rec.ref_ahi;
    double k = 0;
    for (uint8_t v : rec.label) k += v;
    s.ref_apnea_fraction = rec.label.empty() ? 0 : k / double(rec.label.size());
    if (rec.ref_ahi) {
      est.push_back(s.est_ahi), minutes.push_back(s.apnea_min_per_h);
      ref.push_back(*rec.ref_ahi);
    }
    r.records.push_back(s);
  }
  r.n_ahi = est.size();
  r.night = ahi_agreement(est, ref, nb, seed);
  if (own_estimate) {
    r.ahi_estimate = "the detector's event-rate estimate";
    r.minutes_index = ahi_agreement(minutes, ref, nb, seed);
  }

  // Bootstrap over records.
  std::mt19937_64 rng(seed);
  std::vector<double> b_acc, b_se, b_sp, b_ppv, b_npv, b_f1, b_mcc, b_auc, b_pr;
  std::uniform_int_distribution<size_t> pick(0, recs.empty() ? 0 : recs.size() - 1);
  for (size_t b = 0; b < nb && !recs.empty(); ++b) {
    std::vector<size_t> w(recs.size());
    for (auto& v : w) v = pick(rng);
    const Pooled bp = pool(recs, w);
    const Confusion c = confusion(bp.p, bp.y, thr);
    b_acc.push_back(c.accuracy()), b_se.push_back(c.sensitivity()), b_sp.push_back(c.specificity());
    b_ppv.push_back(c.ppv()), b_npv.push_back(c.npv()), b_f1.push_back(c.f1()),
        b_mcc.push_back(c.mcc());
    b_auc.push_back(roc_auc(bp.p, bp.y)), b_pr.push_back(pr_auc(bp.p, bp.y));
  }
  r.accuracy = with_ci(r.cm.accuracy(), b_acc);
  r.sensitivity = with_ci(r.cm.sensitivity(), b_se);
  r.specificity = with_ci(r.cm.specificity(), b_sp);
  r.ppv = with_ci(r.cm.ppv(), b_ppv);
  r.npv = with_ci(r.cm.npv(), b_npv);
  r.f1 = with_ci(r.cm.f1(), b_f1);
  r.mcc = with_ci(r.cm.mcc(), b_mcc);
  r.roc_auc = with_ci(roc_auc(pooled.p, pooled.y), b_auc);
  r.pr_auc = with_ci(pr_auc(pooled.p, pooled.y), b_pr);
  return r;
}

namespace {
nlohmann::json ci(const Ci& c) {
  return {{"value", json_number(c.value)}, {"lo", json_number(c.lo)}, {"hi", json_number(c.hi)}};
}
nlohmann::json night_json(const AhiAgreement& a, size_t n) {
  return {{"records_with_reference_ahi", n},
          {"ahi_pearson_r", ci(a.r)},
          {"ahi_mae", ci(a.mae)},
          {"diagnosis_correct", a.diagnosis_correct},
          {"diagnosis_accuracy_ahi5", ci(a.diagnosis)},
          {"severity_agree", a.severity_agree},
          {"severity_agreement", ci(a.severity)},
          {"severity_kappa", json_number(a.severity_kappa)}};
}
}  // namespace

nlohmann::json to_json(const AhiAgreement& a) {
  return night_json(a, a.n);
}

nlohmann::json evaluation_json(const EvalResult& r) {
  nlohmann::json j;
  j["threshold"] = r.threshold;
  j["records"] = r.n_records;
  j["minutes"] = r.n_minutes;
  j["apnea_minutes"] = r.n_apnea_minutes;
  j["bootstrap"] = {{"resampled", "records"}, {"replicates", r.bootstrap}, {"ci", 0.95}};
  j["confusion"] = {{"tp", r.cm.tp}, {"fp", r.cm.fp}, {"tn", r.cm.tn}, {"fn", r.cm.fn}};
  j["minute"] = {{"accuracy", ci(r.accuracy)},
                 {"sensitivity", ci(r.sensitivity)},
                 {"specificity", ci(r.specificity)},
                 {"ppv", ci(r.ppv)},
                 {"npv", ci(r.npv)},
                 {"f1", ci(r.f1)},
                 {"mcc", ci(r.mcc)},
                 {"roc_auc", ci(r.roc_auc)},
                 {"pr_auc", ci(r.pr_auc)}};
  j["night"] = night_json(r.night, r.n_ahi);
  j["night"]["ahi_estimate"] = r.ahi_estimate;
  if (r.minutes_index) {
    j["night"]["apnea_minutes_per_hour"] = night_json(*r.minutes_index, r.n_ahi);
    j["night"]["apnea_minutes_per_hour"]["ahi_estimate"] = "apnea minutes per hour";
  }
  nlohmann::json roc = nlohmann::json::array();
  for (const auto& p : r.roc) roc.push_back({json_number(p.threshold), p.fpr, p.tpr});
  j["roc_curve"] = {{"columns", {"threshold", "fpr", "tpr"}}, {"points", roc}};
  nlohmann::json recs = nlohmann::json::array();
  for (const auto& s : r.records) {
    recs.push_back({{"record", s.record},
                    {"minutes", s.minutes},
                    {"accuracy", json_number(s.accuracy)},
                    {"est_ahi", s.est_ahi},
                    {"apnea_min_per_h", s.apnea_min_per_h},
                    {"ref_ahi", s.ref_ahi ? nlohmann::json(*s.ref_ahi) : nlohmann::json(nullptr)},
                    {"ref_apnea_fraction", s.ref_apnea_fraction}});
  }
  j["per_record"] = recs;
  return j;
}

std::string to_json(const EvalResult& r, int indent) {
  return evaluation_json(r).dump(indent);
}

}  // namespace somna::eval
