// See cohort.hpp: the cohort page. Styled by the night report's sheet (report/html_page.hpp) and
// drawn as inline SVG, so it needs nothing fetched and prints as it shows.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "analysis/night_report.hpp"
#include "cohort/cohort.hpp"
#include "io/file_write.hpp"
#include "report/html_escape.hpp"
#include "report/html_page.hpp"

namespace somna::cohort {
namespace {

using report::html_escape;

constexpr double kBin = 5;        // events/h per histogram bin: the AASM bands fall on edges
constexpr double kMaxAxis = 120;  // the last bin (115+) takes every AHI above it
constexpr double kW = 1200, kH = 260, kLeft = 44, kBottom = 34, kTop = 14;

const char* const kClassNames[] = {"normal", "mild", "moderate", "severe"};
const char* const kClassRanges[] = {"AHI &lt; 5", "5 ≤ AHI &lt; 15", "15 ≤ AHI &lt; 30",
                                    "AHI ≥ 30"};

std::vector<double> ahis_of(const Cohort& c) {
  std::vector<double> v;
  for (const NightRow& r : c.rows) {
    if (!r.failed() && r.ahi) v.push_back(std::max(0.0, *r.ahi));
  }
  return v;
}

// Upper end of the AHI axis: at least 40 (the severe band shows), whole bins, at most kMaxAxis.
double axis_top(const std::vector<double>& ahis) {
  const double mx = ahis.empty() ? 0 : *std::max_element(ahis.begin(), ahis.end());
  return std::min(kMaxAxis, std::max(40.0, std::floor(mx / kBin) * kBin + kBin));
}

std::vector<size_t> bin_counts(const std::vector<double>& ahis, double top) {
  std::vector<size_t> n(size_t(top / kBin), 0);
  for (double a : ahis) n[std::min(n.size() - 1, size_t(a / kBin))]++;
  return n;
}

std::string band_marker(double ahi, const char* label, double x) {
  return fmt::format(
      R"~(<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" class="thr"/><text x="{3:.1f}" y="{4}" class="axis">{5} · {6}</text>)~",
      x, kTop, kH - kBottom, x + 4, kTop + 10, ahi, label);
}

// The AHI histogram: bars coloured by the AASM class of their bin, dashed lines at 5, 15, 30.
std::string histogram_svg(const std::vector<double>& ahis) {
  const double top = axis_top(ahis);
  const std::vector<size_t> n = bin_counts(ahis, top);
  const size_t peak = std::max<size_t>(1, *std::max_element(n.begin(), n.end()));
  const double pw = kW - kLeft - 10, ph = kH - kBottom - kTop;
  const auto x_of = [&](double ahi) { return kLeft + ahi / top * pw; };
  std::string s = fmt::format(
      R"~(<svg id="ahi-histogram" viewBox="0 0 {} {}" style="width:100%;height:auto;display:block" role="img" aria-label="AHI distribution"><rect class="plot-bg" x="{}" y="{}" width="{:.1f}" height="{:.1f}"/>)~",
      kW, kH, kLeft, kTop, pw, ph);
  for (size_t k = 0; k < n.size(); ++k) {
    const double lo = double(k) * kBin, h = ph * double(n[k]) / double(peak);
    const char* colour = report::severity_colour(analysis::severity_from_ahi(lo));
    const bool last_open = k + 1 == n.size() && top >= kMaxAxis;
    const std::string range =
        last_open ? fmt::format("{:g}+", lo) : fmt::format("{:g}–{:g}", lo, lo + kBin);
    s += fmt::format(
        R"~(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"><title>AHI {}: {} night(s)</title></rect>)~",
        x_of(lo) + 1, kTop + ph - h, pw * kBin / top - 2, h, colour, range, n[k]);
  }
  for (double t = 0; t <= top; t += top > 60 ? 20 : 10) {
    s += fmt::format(R"~(<text x="{:.1f}" y="{}" text-anchor="middle" class="axis">{:g}</text>)~",
                     x_of(t), kH - kBottom + 14, t);
  }
  s += fmt::format(
      R"~(<text x="{:.1f}" y="{}" text-anchor="middle" class="axis">AHI (events/h){}</text>)~",
      kLeft + pw / 2, kH - 4,
      top >= kMaxAxis ? fmt::format("; last bar: {:g} and above", top - kBin) : "");
  s += fmt::format(R"~(<text x="{}" y="{:.1f}" text-anchor="end" class="axis">{}</text>)~",
                   kLeft - 6, kTop + 8, peak);
  s += fmt::format(R"~(<text x="{}" y="{:.1f}" text-anchor="end" class="axis">0</text>)~",
                   kLeft - 6, kTop + ph);
  s += band_marker(5, "mild", x_of(5)) + band_marker(15, "moderate", x_of(15)) +
       band_marker(30, "severe", x_of(30));
  return s + "</svg>";
}

std::string card(const std::string& key, const std::string& value, const std::string& sub) {
  return fmt::format(
      R"~(<div class="card"><div class="k">{}</div><div class="v">{}</div><div class="s">{}</div></div>)~",
      key, value, sub);
}

std::string cards(const CohortCounts& c) {
  const size_t with_ahi = c.records - c.failed - c.no_ahi;
  const std::string median = c.median_ahi ? fmt::format("{:.1f}", *c.median_ahi) : "—";
  return "<div class=\"cards\">" +
         card("Records", std::to_string(c.records), "nights in the table") +
         card("With an AHI", std::to_string(with_ahi), "estimated") +
         card("Median AHI", median, "events per hour") +
         card("No AHI", std::to_string(c.no_ahi), "analysed, AHI not estimated") +
         card("Failed", std::to_string(c.failed), "not analysed (error)") + "</div>\n";
}

double share(size_t n, size_t of) {
  return of ? 100.0 * double(n) / double(of) : 0;
}

std::string severity_table(const CohortCounts& c) {
  const size_t with_ahi = c.records - c.failed - c.no_ahi;
  std::string h =
      "<table id=\"severity\"><tr><th>AASM class</th><th>AHI</th><th>nights</th><th>share of "
      "nights with an AHI</th></tr>";
  for (size_t k = 0; k < 4; ++k) {
    h += fmt::format(
        R"~(<tr><td><span class="badge" style="background:{}">{}</span></td><td>{}</td><td>{}</td><td>{:.1f} %</td></tr>)~",
        report::severity_colour(static_cast<analysis::Severity>(k)), kClassNames[k],
        kClassRanges[k], c.severity[k], share(c.severity[k], with_ahi));
  }
  return h + "</table>";
}

// Rows of (record, text) for the nights that `pick` selects; "none" when there are none.
template <typename Pick, typename Text>
std::string record_list(const Cohort& c, const std::string& id, const char* what, Pick pick,
                        Text text) {
  std::string rows;
  for (const NightRow& r : c.rows) {
    if (pick(r)) {
      rows += "<tr><td>" + html_escape(r.stem) + "</td><td>" + html_escape(text(r)) + "</td></tr>";
    }
  }
  if (rows.empty()) return "<p class=\"note\" id=\"" + id + "\">None.</p>";
  return "<table id=\"" + id + "\"><tr><th>record</th><th>" + what + "</th></tr>" + rows +
         "</table>";
}

std::string fixed(const std::optional<double>& v, int decimals) {
  return v ? fmt::format("{:.{}f}", *v, decimals) : std::string("—");
}

std::string nights_table(const Cohort& c) {
  std::string h =
      "<table id=\"nights\"><tr><th>record</th><th>AHI</th><th>class</th><th>recording "
      "h</th><th>analysable h</th><th>detector</th><th>beats</th><th>folder</th></tr>";
  for (const NightRow& r : c.rows) {
    if (r.failed()) {
      h += fmt::format("<tr><td>{}</td><td colspan=\"6\">failed</td><td>{}</td></tr>",
                       html_escape(r.stem), html_escape(r.folder));
      continue;
    }
    h += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2f}</td><td>{:.2f}</td><td>{}</td><td>{}</td>"
        "<td>{}</td></tr>",
        html_escape(r.stem), fixed(r.ahi, 1), r.ahi ? html_escape(r.severity) : "—", r.recording_h,
        r.analysable_h, html_escape(r.detector), html_escape(r.beat_source), html_escape(r.folder));
  }
  return h + "</table>";
}

std::string header(const CohortCounts& c, const PageOptions& o) {
  std::string sources;
  for (const std::string& s : o.sources) sources += (sources.empty() ? "" : ", ") + html_escape(s);
  return fmt::format(
      R"~(<header class="top"><div><div class="brand">Somna</div><h1>Cohort summary — {} nights</h1></div><div class="sub">{}</div></header>)~",
      c.records, sources);
}

// A warning when the nights were not all analysed alike (detector or beat source): their AHIs
// are then not one distribution. Empty when they were.
std::string mixed_methods_note(const Cohort& c) {
  std::map<std::string, size_t> methods;
  for (const NightRow& r : c.rows) {
    if (!r.failed()) ++methods[r.detector + ", beats " + r.beat_source];
  }
  if (methods.size() < 2) return {};
  std::string list;
  for (const auto& [m, n] : methods) {
    list += (list.empty() ? "" : "; ") + fmt::format("{} ({})", html_escape(m), n);
  }
  return "<p class=\"note\" id=\"mixed-methods\" style=\"background:#fff3cd;padding:6px 10px;"
         "border-radius:6px\"><strong>Nights analysed differently:</strong> " +
         list + ".</p>\n";
}

std::string section(const std::string& title, const std::string& body) {
  return "<section><h2>" + title + "</h2>" + body + "</section>\n";
}

}  // namespace

std::string cohort_html(const Cohort& cohort, const PageOptions& o) {
  const CohortCounts c = count_cohort(cohort);
  const std::vector<double> ahis = ahis_of(cohort);
  std::string h = report::page_head(fmt::format("Somna cohort summary — {} nights", c.records));
  h += header(c, o) + "\n" + mixed_methods_note(cohort) + cards(c);
  h += section(fmt::format("AHI distribution <small>{} nights with an AHI, bins of {:g} events/h; "
                           "dashed: the AASM bands 5, 15, 30</small>",
                           ahis.size(), kBin),
               histogram_svg(ahis));
  h += section("Severity <small>AASM classes of the estimated AHI</small>", severity_table(c));
  h += section(fmt::format("Failed records <small>{}</small>", c.failed),
               record_list(
                   cohort, "failed", "error", [](const NightRow& r) { return r.failed(); },
                   [](const NightRow& r) { return r.error; }));
  h += section(fmt::format("Nights without an AHI <small>{}</small>", c.no_ahi),
               record_list(
                   cohort, "no-ahi", "why", [](const NightRow& r) { return !r.failed() && !r.ahi; },
                   [](const NightRow& r) { return r.note; }));
  h += section("All nights", nights_table(cohort));
  h += "<footer>Severity by AASM AHI bands (normal &lt;5, mild 5–15, moderate 15–30, severe ≥30). "
       "Estimates from the ECG alone, for screening and research — not a diagnosis; "
       "polysomnography remains the reference.";
  if (!o.generator.empty()) h += " Generated by " + html_escape(o.generator) + ".";
  return h + "</footer></main></body></html>\n";
}

void write_cohort_html(const Cohort& cohort, const std::string& path, const PageOptions& o) {
  io::write_file(path, cohort_html(cohort, o));
}

}  // namespace somna::cohort
