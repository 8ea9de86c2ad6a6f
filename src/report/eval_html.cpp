// See eval_html.hpp.

#include "report/eval_html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/html_escape.hpp"

namespace somna::report {

namespace {
std::string fmt_ci(const eval::Ci& c, bool pct = true) {
  const double k = pct ? 100 : 1;
  if (!std::isfinite(c.value)) return "n/a";
  if (!std::isfinite(c.lo)) return fmt::format(pct ? "{:.1f} %" : "{:.3f}", k * c.value);
  return fmt::format(pct ? "{:.1f} % ({:.1f}–{:.1f})" : "{:.3f} ({:.3f}–{:.3f})", k * c.value,
                     k * c.lo, k * c.hi);
}
}  // namespace

std::string eval_html(const eval::EvalResult& r, const std::string& title,
                      const std::string& warning) {
  std::string h = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" +
                  html_escape(title) +
                  "</title><style>body{font-family:sans-serif;max-width:960px;margin:2em auto}"
                  "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;"
                  "text-align:right}svg{border:1px solid #ddd;margin:4px}</style></head><body>";
  h += "<h1>" + html_escape(title) + "</h1>";
  if (!warning.empty()) {
    h += "<p class=\"warning\" style=\"background:#fff3cd;border:1px solid #e0b000;padding:8px\">"
         "<strong>Warning:</strong> " +
         html_escape(warning) + "</p>";
  }
  h += fmt::format(
      "<p>{} records, {} labelled minutes ({} apnea), threshold {:.2f}; 95 % CIs by "
      "bootstrap over records ({} replicates).</p>",
      r.n_records, r.n_minutes, r.n_apnea_minutes, r.threshold, r.bootstrap);
  h += "<h2>Per minute</h2><table><tr><th>metric</th><th>value (95 % CI)</th></tr>";
  const std::pair<const char*, eval::Ci> rows[] = {{"accuracy", r.accuracy},
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
  const auto night = [&](const std::string& estimate, const eval::AhiAgreement& a) {
    return fmt::format(
        "<p>{}, {} records with a reference AHI: Pearson r {}, MAE {} events/h, apnea yes/no "
        "(AHI ≥ 5) {}/{}, AASM severity class {}/{} (κ {:.2f}).</p>",
        html_escape(estimate), a.n, fmt_ci(a.r, false), fmt_ci(a.mae, false), a.diagnosis_correct,
        a.n, a.severity_agree, a.n, a.severity_kappa);
  };
  h += "<h2>Per night</h2>" + night("AHI as " + r.ahi_estimate, r.night);
  if (r.minutes_index) h += night("Beside it, apnea minutes per hour", *r.minutes_index);
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
        20 + *s.ref_ahi / mx * (W - 40), W - 20 - s.est_ahi / mx * (W - 40), html_escape(s.record));
  }
  h += "</svg><h2>Records</h2><table><tr><th>record</th><th>minutes</th><th>accuracy</th>"
       "<th>apnea fraction</th><th>est. AHI</th><th>ref. AHI</th></tr>";
  for (const auto& s : r.records) {
    h += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{:.1f} %</td><td>{:.2f}</td><td>{:.1f}</td><td>{}</td></tr>",
        html_escape(s.record), s.minutes, 100 * s.accuracy, s.ref_apnea_fraction, s.est_ahi,
        s.ref_ahi ? fmt::format("{:.1f}", *s.ref_ahi) : "");
  }
  return h + "</table></body></html>\n";
}

}  // namespace somna::report
