// Evaluation metrics (see metrics.hpp).

#include "eval/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>

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
}  // namespace

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

  std::vector<double> est, ref;
  std::vector<int> ce, cr;
  for (const auto& rec : recs) {
    RecordSummary s;
    s.record = rec.record;
    s.minutes = std::min(rec.p.size(), rec.label.size());
    s.accuracy = confusion(rec.p, rec.label, thr).accuracy();
    s.est_ahi = ahi_from_minutes(rec.p, thr);
    s.ref_ahi = rec.ref_ahi;
    double k = 0;
    for (uint8_t v : rec.label) k += v;
    s.ref_apnea_fraction = rec.label.empty() ? 0 : k / double(rec.label.size());
    if (rec.ref_ahi) {
      est.push_back(s.est_ahi), ref.push_back(*rec.ref_ahi);
      ce.push_back(severity_class(s.est_ahi)), cr.push_back(severity_class(*rec.ref_ahi));
    }
    r.records.push_back(s);
  }
  r.n_ahi = est.size();
  if (!est.empty()) {
    size_t diag = 0, sev = 0;
    double po = 0, pe = 0, ne[4] = {0, 0, 0, 0}, nr[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < est.size(); ++i) {
      diag += (est[i] >= 5) == (ref[i] >= 5);
      sev += ce[i] == cr[i];
      ne[ce[i]] += 1, nr[cr[i]] += 1;
    }
    const double n = double(est.size());
    r.diagnosis_accuracy = double(diag) / n;
    r.severity_agreement = double(sev) / n;
    po = r.severity_agreement;
    for (int c = 0; c < 4; ++c) pe += ne[c] * nr[c] / (n * n);
    r.severity_kappa = pe < 1 ? (po - pe) / (1 - pe) : 1.0;
  }

  // Bootstrap over records.
  std::mt19937_64 rng(seed);
  std::vector<double> b_acc, b_se, b_sp, b_ppv, b_npv, b_f1, b_mcc, b_auc, b_pr, b_r, b_mae;
  std::vector<size_t> ahi_idx;
  for (size_t i = 0; i < recs.size(); ++i) {
    if (recs[i].ref_ahi) ahi_idx.push_back(i);
  }
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
    std::vector<double> be, br;
    for (size_t i : w) {
      if (recs[i].ref_ahi)
        be.push_back(ahi_from_minutes(recs[i].p, thr)), br.push_back(*recs[i].ref_ahi);
    }
    b_r.push_back(pearson(be, br)), b_mae.push_back(mean_abs_error(be, br));
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
  r.ahi_r = with_ci(pearson(est, ref), b_r);
  r.ahi_mae = with_ci(mean_abs_error(est, ref), b_mae);
  return r;
}

namespace {
nlohmann::json num(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}
nlohmann::json ci(const Ci& c) {
  return {{"value", num(c.value)}, {"lo", num(c.lo)}, {"hi", num(c.hi)}};
}
}  // namespace

std::string to_json(const EvalResult& r, int indent) {
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
  j["night"] = {{"records_with_reference_ahi", r.n_ahi},
                {"ahi_pearson_r", ci(r.ahi_r)},
                {"ahi_mae", ci(r.ahi_mae)},
                {"diagnosis_accuracy_ahi5", num(r.diagnosis_accuracy)},
                {"severity_agreement", num(r.severity_agreement)},
                {"severity_kappa", num(r.severity_kappa)},
                {"ahi_estimate", "apnea minutes per hour"}};
  nlohmann::json roc = nlohmann::json::array();
  for (const auto& p : r.roc) roc.push_back({num(p.threshold), p.fpr, p.tpr});
  j["roc_curve"] = {{"columns", {"threshold", "fpr", "tpr"}}, {"points", roc}};
  nlohmann::json recs = nlohmann::json::array();
  for (const auto& s : r.records) {
    recs.push_back({{"record", s.record},
                    {"minutes", s.minutes},
                    {"accuracy", num(s.accuracy)},
                    {"est_ahi", s.est_ahi},
                    {"ref_ahi", s.ref_ahi ? nlohmann::json(*s.ref_ahi) : nlohmann::json(nullptr)},
                    {"ref_apnea_fraction", s.ref_apnea_fraction}});
  }
  j["per_record"] = recs;
  return j.dump(indent);
}

namespace {
std::string fmt_ci(const Ci& c, bool pct = true) {
  const double k = pct ? 100 : 1;
  if (!std::isfinite(c.value)) return "n/a";
  if (!std::isfinite(c.lo)) return fmt::format(pct ? "{:.1f} %" : "{:.3f}", k * c.value);
  return fmt::format(pct ? "{:.1f} % ({:.1f}–{:.1f})" : "{:.3f} ({:.3f}–{:.3f})", k * c.value,
                     k * c.lo, k * c.hi);
}
std::string esc(const std::string& s) {
  std::string o;
  for (char ch : s) {
    if (ch == '<')
      o += "&lt;";
    else if (ch == '>')
      o += "&gt;";
    else if (ch == '&')
      o += "&amp;";
    else if (ch == '"')
      o += "&quot;";
    else
      o += ch;
  }
  return o;
}
}  // namespace

std::string to_html(const EvalResult& r, const std::string& title) {
  std::string h = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + esc(title) +
                  "</title><style>body{font-family:sans-serif;max-width:960px;margin:2em auto}"
                  "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;"
                  "text-align:right}svg{border:1px solid #ddd;margin:4px}</style></head><body>";
  h += "<h1>" + esc(title) + "</h1>";
  h += fmt::format(
      "<p>{} records, {} labelled minutes ({} apnea), threshold {:.2f}; 95 % CIs by "
      "bootstrap over records ({} replicates).</p>",
      r.n_records, r.n_minutes, r.n_apnea_minutes, r.threshold, r.bootstrap);
  h += "<h2>Per minute</h2><table><tr><th>metric</th><th>value (95 % CI)</th></tr>";
  const std::pair<const char*, Ci> rows[] = {{"accuracy", r.accuracy},
                                             {"sensitivity", r.sensitivity},
                                             {"specificity", r.specificity},
                                             {"PPV", r.ppv},
                                             {"NPV", r.npv},
                                             {"F1", r.f1}};
  for (const auto& [n, c] : rows) h += fmt::format("<tr><td>{}</td><td>{}</td></tr>", n, fmt_ci(c));
  h += fmt::format(
      "<tr><td>MCC</td><td>{}</td></tr><tr><td>ROC-AUC</td><td>{}</td></tr>"
      "<tr><td>PR-AUC</td><td>{}</td></tr></table>",
      fmt_ci(r.mcc, false), fmt_ci(r.roc_auc, false), fmt_ci(r.pr_auc, false));
  h += fmt::format(
      "<h2>Per night</h2><p>{} records with a reference AHI: Pearson r {}, MAE {} "
      "events/h, diagnosis (AHI ≥ 5) accuracy {:.1f} %, AASM severity agreement "
      "{:.1f} % (κ {:.2f}).</p>",
      r.n_ahi, fmt_ci(r.ahi_r, false), fmt_ci(r.ahi_mae, false), 100 * r.diagnosis_accuracy,
      100 * r.severity_agreement, r.severity_kappa);
  // ROC curve.
  const int W = 320;
  std::string pts;
  for (const auto& p : r.roc)
    pts += fmt::format("{:.1f},{:.1f} ", 20 + p.fpr * (W - 40), W - 20 - p.tpr * (W - 40));
  h += fmt::format(
      "<svg width=\"{0}\" height=\"{0}\" viewBox=\"0 0 {0} {0}\"><text x=\"20\" "
      "y=\"14\" font-size=\"12\">ROC (AUC {1:.3f})</text><line x1=\"20\" y1=\"{2}\" "
      "x2=\"{2}\" y2=\"20\" stroke=\"#bbb\" stroke-dasharray=\"4\"/><polyline "
      "fill=\"none\" stroke=\"#c33\" stroke-width=\"2\" points=\"{3}\"/></svg>",
      W, r.roc_auc.value, W - 20, pts);
  // AHI scatter.
  double mx = 10;
  for (const auto& s : r.records) {
    mx = std::max({mx, s.est_ahi, s.ref_ahi.value_or(0)});
  }
  h += fmt::format(
      "<svg width=\"{0}\" height=\"{0}\" viewBox=\"0 0 {0} {0}\"><text x=\"20\" "
      "y=\"14\" font-size=\"12\">estimated (y) vs reference (x) AHI, 0–{1:.0f}</text>"
      "<line x1=\"20\" y1=\"{2}\" x2=\"{2}\" y2=\"20\" stroke=\"#bbb\"/>",
      W, mx, W - 20);
  for (const auto& s : r.records) {
    if (!s.ref_ahi) continue;
    h += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"#36c\"><title>{}</title></circle>",
        20 + *s.ref_ahi / mx * (W - 40), W - 20 - s.est_ahi / mx * (W - 40), esc(s.record));
  }
  h += "</svg><h2>Records</h2><table><tr><th>record</th><th>minutes</th><th>accuracy</th>"
       "<th>apnea fraction</th><th>est. AHI</th><th>ref. AHI</th></tr>";
  for (const auto& s : r.records) {
    h += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{:.1f} %</td><td>{:.2f}</td><td>{:.1f}</td><td>{}</td></tr>",
        esc(s.record), s.minutes, 100 * s.accuracy, s.ref_apnea_fraction, s.est_ahi,
        s.ref_ahi ? fmt::format("{:.1f}", *s.ref_ahi) : "");
  }
  return h + "</table></body></html>\n";
}

}  // namespace somna::eval
