// Self-contained HTML night report: everything inline, SVG drawn here so the page prints and
// renders without JavaScript; a few lines of JS only switch between ECG strips.

#include "report/html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "io/file_write.hpp"
#include "report/html_page.hpp"
#include "report/json_report.hpp"
#include "report/terminal_report.hpp"

namespace somna::report {
namespace {

using analysis::NightReport;

constexpr double kW = 1200;  // SVG user-space width of the charts

std::string clock_label(const NightReport& r, double t_s) {
  if (r.start) {
    const double s = r.start->hour * 3600 + r.start->minute * 60 + r.start->second + t_s;
    const long total = static_cast<long>(std::floor(s / 60)) % 1440;
    return fmt::format("{:02d}:{:02d}", total / 60, total % 60);
  }
  const long m = static_cast<long>(std::floor(t_s / 60));
  return fmt::format("{}:{:02d}", m / 60, m % 60);
}

std::string clock_label_s(const NightReport& r, double t_s) {
  const double base = r.start ? r.start->hour * 3600 + r.start->minute * 60 + r.start->second : 0;
  const long s = static_cast<long>(std::floor(base + t_s)) % 86400;
  return fmt::format("{:02d}:{:02d}:{:02d}", s / 3600, (s / 60) % 60, s % 60);
}

// p in [0,1] -> colour from calm blue-green to red.
std::string p_colour(double p) {
  p = std::clamp(p, 0.0, 1.0);
  // two-segment ramp: #2a9d8f -> #e9c46a -> #d62828
  auto mix = [](int a, int b, double f) { return static_cast<int>(std::lround(a + (b - a) * f)); };
  int r, g, b;
  if (p < 0.5) {
    const double f = p / 0.5;
    r = mix(0x2a, 0xe9, f), g = mix(0x9d, 0xc4, f), b = mix(0x8f, 0x6a, f);
  } else {
    const double f = (p - 0.5) / 0.5;
    r = mix(0xe9, 0xd6, f), g = mix(0xc4, 0x28, f), b = mix(0x6a, 0x28, f);
  }
  return fmt::format("#{:02x}{:02x}{:02x}", r, g, b);
}

const char* night_colour(const NightReport& r) {
  return r.ahi ? severity_colour(r.severity) : kNoAhiColour;
}

// Hour ticks along a time axis of `duration` seconds drawn over `width` px.
std::string time_axis(const NightReport& r, double duration, double y, double height) {
  std::string s;
  if (duration <= 0) return s;
  double step = 3600;
  if (duration < 2 * 3600) step = 900;
  if (duration < 1800) step = 300;
  for (double t = 0; t <= duration + 1e-6; t += step) {
    const double x = kW * t / duration;
    s += fmt::format(R"~(<line x1="{0:.1f}" y1="0" x2="{0:.1f}" y2="{1:.1f}" class="tick"/>)~", x,
                     height);
    const char* anchor = t == 0 ? "start" : (t + step > duration + 1e-6 ? "end" : "middle");
    s += fmt::format(R"~(<text x="{:.1f}" y="{:.1f}" text-anchor="{}" class="axis">{}</text>)~", x,
                     y, anchor, clock_label(r, t));
  }
  return s;
}

std::string timeline_svg(const NightReport& r, const std::vector<int8_t>& ref) {
  const double dur = std::max(60.0, r.recording_s);
  const double h_bars = 120, y_q = 128, h_q = 12;
  const double y_ref = y_q + h_q + 4, h_ref = ref.empty() ? 0 : 12;
  const double total = y_ref + h_ref + (ref.empty() ? 20 : 24);
  std::string s = fmt::format(
      R"~(<svg id="timeline" class="chart" viewBox="0 0 {} {}" preserveAspectRatio="none" role="img" aria-label="p(apnea) per minute">)~",
      kW, total);
  s += fmt::format(R"~(<rect x="0" y="0" width="{}" height="{}" class="plot-bg"/>)~", kW, h_bars);
  for (const auto& e : r.episodes) {
    s += fmt::format(
        R"~(<rect class="episode" x="{:.2f}" y="0" width="{:.2f}" height="{}"><title>Episode {} – {} min, mean p {:.2f}</title></rect>)~",
        kW * e.start_s / dur, std::max(1.0, kW * e.duration_s / dur), h_bars,
        clock_label(r, e.start_s), e.minutes, e.mean_p);
  }
  // threshold line
  const double thr_y = h_bars * (1 - r.detector.threshold);
  s += fmt::format(R"~(<line x1="0" y1="{0:.1f}" x2="{1}" y2="{0:.1f}" class="thr"/>)~", thr_y, kW);
  const double mw = kW * 60 / dur;
  for (const auto& m : r.minutes) {
    const double x = kW * m.t_s / dur;
    const double w = std::max(0.6, mw * 0.92);
    if (m.excluded) {
      s += fmt::format(
          R"~(<rect class="q-bad" x="{:.2f}" y="{}" width="{:.2f}" height="{}"><title>{} excluded: {}</title></rect>)~",
          x, y_q, mw, h_q, clock_label(r, m.t_s), html_escape(m.quality_reason));
      continue;
    }
    const double p = m.p_apnea;
    const double hgt = std::max(1.0, h_bars * p);
    s += fmt::format(
        R"~(<rect class="m" x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" fill="{}"><title>{} p={:.2f}{}{}</title></rect>)~",
        x, h_bars - hgt, w, hgt, p_colour(p), clock_label(r, m.t_s), p, m.apnea ? " apnea" : "",
        m.heart_rate_bpm > 0 ? fmt::format(", HR {:.0f}", m.heart_rate_bpm) : std::string());
    if (m.quality < 0.999f) {
      s += fmt::format(
          R"~(<rect class="q-mid" x="{:.2f}" y="{}" width="{:.2f}" height="{}" opacity="{:.2f}"><title>quality {:.2f} {}</title></rect>)~",
          x, y_q, mw, h_q, 1 - m.quality, m.quality, html_escape(m.quality_reason));
    } else {
      s += fmt::format(R"~(<rect class="q-ok" x="{:.2f}" y="{}" width="{:.2f}" height="{}"/>)~", x,
                       y_q, mw, h_q);
    }
  }
  for (size_t m = 0; m < ref.size(); ++m) {
    if (ref[m] < 0) continue;
    s += fmt::format(R"~(<rect class="{}" x="{:.2f}" y="{}" width="{:.2f}" height="{}"/>)~",
                     ref[m] ? "ref-a" : "ref-n", kW * 60.0 * double(m) / dur, y_ref, mw, h_ref);
  }
  s += time_axis(r, dur, total - 4, ref.empty() ? y_q + h_q : y_ref + h_ref);
  s += "</svg>";
  return s;
}

std::string hr_svg(const NightReport& r) {
  const double dur = std::max(60.0, r.recording_s);
  const double h = 130, total = 152;
  double lo = 1e9, hi = -1e9;
  for (const auto& m : r.minutes) {
    if (m.heart_rate_bpm > 0 && !m.excluded) {
      lo = std::min<double>(lo, m.heart_rate_bpm), hi = std::max<double>(hi, m.heart_rate_bpm);
    }
  }
  std::string s = fmt::format(
      R"~(<svg id="hr" class="chart" viewBox="0 0 {} {}" preserveAspectRatio="none" role="img" aria-label="heart rate per minute">)~",
      kW, total);
  s += fmt::format(R"~(<rect x="0" y="0" width="{}" height="{}" class="plot-bg"/>)~", kW, h);
  if (hi < lo) {
    s += R"~(<text x="600" y="70" text-anchor="middle" class="axis">no heart rate</text></svg>)~";
    return s;
  }
  lo = std::floor((lo - 3) / 10) * 10, hi = std::ceil((hi + 3) / 10) * 10;
  for (const auto& e : r.episodes) {
    s += fmt::format(R"~(<rect class="episode" x="{:.2f}" y="0" width="{:.2f}" height="{}"/>)~",
                     kW * e.start_s / dur, std::max(1.0, kW * e.duration_s / dur), h);
  }
  for (double v = lo; v <= hi + 1e-9; v += 10) {
    const double y = h - h * (v - lo) / (hi - lo);
    s += fmt::format(R"~(<line x1="0" y1="{0:.1f}" x2="{1}" y2="{0:.1f}" class="grid"/>)~", y, kW);
    s += fmt::format(R"~(<text x="4" y="{:.1f}" class="axis">{:.0f}</text>)~", y - 2, v);
  }
  std::string pts;
  auto flush = [&]() {
    if (!pts.empty()) s += R"~(<polyline class="hrline" points=")~" + pts + R"~("/>)~";
    pts.clear();
  };
  for (const auto& m : r.minutes) {
    if (m.heart_rate_bpm <= 0 || m.excluded) {
      flush();
      continue;
    }
    pts += fmt::format("{:.1f},{:.1f} ", kW * (m.t_s + 30) / dur,
                       h - h * (m.heart_rate_bpm - lo) / (hi - lo));
  }
  flush();
  s += time_axis(r, dur, total - 4, h);
  s += "</svg>";
  return s;
}

struct Strip {
  double t0 = 0, t1 = 0;  // window
  size_t minute = 0;
  std::string label;
};

std::vector<Strip> choose_strips(const NightReport& r, const HtmlOptions& o) {
  std::vector<size_t> order;
  for (size_t m = 0; m < r.minutes.size(); ++m) {
    if (!r.minutes[m].excluded) order.push_back(m);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return r.minutes[a].p_apnea > r.minutes[b].p_apnea; });
  std::vector<Strip> strips;
  auto add = [&](size_t m, const std::string& label) {
    Strip s;
    s.minute = m;
    const double c = r.minutes[m].t_s + 30;
    s.t0 = std::max(0.0, c - o.strip_s / 2);
    s.t1 = std::min(r.recording_s, s.t0 + o.strip_s);
    s.label = label;
    strips.push_back(s);
  };
  for (size_t m : order) {
    if (static_cast<int>(strips.size()) >= o.max_strips) break;
    if (r.minutes[m].p_apnea < r.detector.threshold) break;
    bool far = true;
    for (const Strip& s : strips) far = far && std::abs(double(s.minute) - double(m)) >= 20;
    if (far) add(m, "high p(apnea)");
  }
  // A calm reference minute: lowest p, good quality, away from the chosen ones.
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if (r.minutes[*it].quality >= 0.99f) {
      add(*it, "calm reference");
      break;
    }
  }
  std::sort(strips.begin(), strips.end(),
            [](const Strip& a, const Strip& b) { return a.t0 < b.t0; });
  return strips;
}

// Heart-rate tachogram over +-150 s around the strip (the CVHR pattern is visible at this scale).
std::string tachogram_svg(const NightReport& r, const Strip& st) {
  const double c = (st.t0 + st.t1) / 2;
  const double a = std::max(0.0, c - 150), b = std::min(r.recording_s, c + 150);
  const double h = 90, total = 104;
  std::string s = fmt::format(
      R"~(<svg class="tacho" viewBox="0 0 {} {}" preserveAspectRatio="none">)~", kW, total);
  s += fmt::format(R"~(<rect x="0" y="0" width="{}" height="{}" class="plot-bg"/>)~", kW, h);
  const auto& t = r.r_time_s;
  auto it = std::lower_bound(t.begin(), t.end(), a);
  std::vector<std::pair<double, double>> pts;
  for (; it != t.end() && *it <= b; ++it) {
    if (it == t.begin()) continue;
    const double rr = *it - *(it - 1);
    if (rr < 0.25 || rr > 2.5) continue;
    pts.emplace_back(*it, 60 / rr);
  }
  for (const auto& e : r.episodes) {
    const double x0 = std::max(a, e.start_s), x1 = std::min(b, e.start_s + e.duration_s);
    if (x1 > x0) {
      s += fmt::format(R"~(<rect class="episode" x="{:.1f}" y="0" width="{:.1f}" height="{}"/>)~",
                       kW * (x0 - a) / (b - a), kW * (x1 - x0) / (b - a), h);
    }
  }
  s += fmt::format(R"~(<rect class="window" x="{:.1f}" y="0" width="{:.1f}" height="{}"/>)~",
                   kW * (st.t0 - a) / (b - a), kW * (st.t1 - st.t0) / (b - a), h);
  if (pts.size() >= 2 && b > a) {
    std::vector<double> v;
    for (auto& p : pts) v.push_back(p.second);
    std::sort(v.begin(), v.end());
    const double lo = v[v.size() / 50] - 5, hi = v[v.size() - 1 - v.size() / 50] + 5;
    std::string poly;
    for (auto& p : pts) {
      const double y = h - h * (std::clamp(p.second, lo, hi) - lo) / (hi - lo);
      poly += fmt::format("{:.1f},{:.1f} ", kW * (p.first - a) / (b - a), y);
    }
    s += R"~(<polyline class="hrline" points=")~" + poly + R"~("/>)~";
    s += fmt::format(R"~(<text x="4" y="12" class="axis">{:.0f} bpm</text>)~", hi);
    s += fmt::format(R"~(<text x="4" y="{}" class="axis">{:.0f} bpm</text>)~", h - 3, lo);
  }
  s +=
      fmt::format(R"~(<text x="4" y="{}" class="axis">{}</text>)~", total - 2, clock_label_s(r, a));
  s += fmt::format(R"~(<text x="{}" y="{}" text-anchor="end" class="axis">{}</text>)~", kW - 4,
                   total - 2, clock_label_s(r, b));
  s += "</svg>";
  return s;
}

std::string ecg_svg(const NightReport& r, const io::Channel& ch, const Strip& st) {
  const double secs = st.t1 - st.t0;
  const double h = 200;
  const double px_s = kW / std::max(1.0, secs);
  std::string s = fmt::format(
      R"~(<svg class="ecg" viewBox="0 0 {} {}" preserveAspectRatio="none">)~", kW, h + 16);
  s += fmt::format(
      R"~(<defs><pattern id="g{0}" width="{1:.3f}" height="{1:.3f}" patternUnits="userSpaceOnUse"><path d="M {1:.3f} 0 L 0 0 0 {1:.3f}" class="gs"/></pattern>)~"
      R"~(<pattern id="G{0}" width="{2:.3f}" height="{2:.3f}" patternUnits="userSpaceOnUse"><rect width="{2:.3f}" height="{2:.3f}" fill="url(#g{0})"/><path d="M {2:.3f} 0 L 0 0 0 {2:.3f}" class="gl"/></pattern></defs>)~",
      st.minute, px_s * 0.2, px_s * 1.0);
  s += fmt::format(R"~(<rect x="0" y="0" width="{}" height="{}" fill="url(#G{})" class="paper"/>)~",
                   kW, h, st.minute);
  const long i0 = std::max(0L, static_cast<long>(std::floor(st.t0 * ch.fs)));
  const long i1 =
      std::min(static_cast<long>(ch.samples.size()), static_cast<long>(std::ceil(st.t1 * ch.fs)));
  if (i1 - i0 > 10) {
    std::vector<float> v;
    for (long i = i0; i < i1; ++i) {
      if (std::isfinite(ch.samples[size_t(i)])) v.push_back(ch.samples[size_t(i)]);
    }
    if (!v.empty()) {
      std::sort(v.begin(), v.end());
      double lo = v[v.size() / 1000], hi = v[v.size() - 1 - v.size() / 1000];
      const double pad = std::max(0.15 * (hi - lo), 0.1);
      lo -= pad, hi += pad;
      const long stride = std::max(1L, static_cast<long>(ch.fs / 250));
      std::string poly;
      for (long i = i0; i < i1; i += stride) {
        const float x = ch.samples[size_t(i)];
        if (!std::isfinite(x)) continue;
        const double y = h - h * (std::clamp<double>(x, lo, hi) - lo) / (hi - lo);
        poly += fmt::format("{:.1f},{:.1f} ", (double(i) / ch.fs - st.t0) * px_s, y);
      }
      s += R"~(<polyline class="ecgline" points=")~" + poly + R"~("/>)~";
      // 1 mV calibration bar
      const double mv_px = h / (hi - lo);
      s += fmt::format(R"~(<line x1="6" y1="{:.1f}" x2="6" y2="{:.1f}" class="cal"/>)~", h - 8,
                       h - 8 - mv_px);
      s += fmt::format(R"~(<text x="10" y="{:.1f}" class="axis">1 {}</text>)~", h - 10,
                       html_escape(ch.units.empty() ? "mV" : ch.units));
    }
  }
  const auto& t = r.r_time_s;
  for (auto it = std::lower_bound(t.begin(), t.end(), st.t0); it != t.end() && *it < st.t1; ++it) {
    const double x = (*it - st.t0) * px_s;
    s += fmt::format(R"~(<path class="beat" d="M {0:.1f} 4 l -4 -4 h 8 z"/>)~", x);
  }
  for (double tt = std::ceil(st.t0 / 5) * 5; tt <= st.t1; tt += 5) {
    const double x = (tt - st.t0) * px_s;
    const char* anchor = x < 40 ? "start" : (x > kW - 40 ? "end" : "middle");
    s += fmt::format(R"~(<text x="{:.1f}" y="{}" text-anchor="{}" class="axis">{}</text>)~", x,
                     h + 13, anchor, clock_label_s(r, tt));
  }
  s += "</svg>";
  return s;
}

const char* kJs = R"JS(
document.querySelectorAll('.strips nav button').forEach(function(b){
  b.addEventListener('click',function(){
    document.querySelectorAll('.strips nav button').forEach(function(x){x.classList.toggle('on',x===b);});
    document.querySelectorAll('.strip').forEach(function(s){s.classList.toggle('on',s.id===b.dataset.strip);});
  });
});
)JS";

}  // namespace

std::string html_report(const NightReport& r, const io::Record* record, const HtmlOptions& o) {
  const io::Channel* ch = nullptr;
  if (record && !r.channel.empty()) {
    for (const auto& c : record->channels) {
      if (c.name == r.channel && !c.samples.empty() && c.fs > 0) {
        ch = &c;
        break;
      }
    }
  }
  const std::string name = html_escape(r.record_name.empty() ? "recording" : r.record_name);
  std::string h;
  h.reserve(1 << 20);
  h += page_head("Somna night report — " + name);
  h += fmt::format(
      R"~(<header class="top"><div><div class="brand">Somna</div><h1>Night report — {}</h1></div><div class="sub">{}{} · {} · detector {} ({})</div></header>)~",
      name, r.start ? html_escape(r.start->to_string()) + " · " : std::string(),
      format_duration(r.recording_s), html_escape(r.beat_source), html_escape(r.detector.name),
      html_escape(r.detector.kind));
  h += "\n";

  // Summary cards.
  h += R"~(<div class="cards" id="summary">)~";
  if (r.ahi) {
    h += fmt::format(
        R"~(<div class="card ahi"><div class="k">Estimated AHI</div><div class="v" id="ahi">{:.1f}</div><div class="s">events per hour</div><span class="badge" style="background:{}">{}</span></div>)~",
        *r.ahi, night_colour(r), analysis::severity_name(r.severity));
  } else {
    h += fmt::format(
        R"~(<div class="card ahi"><div class="k">Estimated AHI</div><div class="v" id="ahi">—</div><div class="s">{}</div><span class="badge" style="background:{}">not estimated</span></div>)~",
        html_escape(r.ahi_note), night_colour(r));
  }
  h += fmt::format(
      R"~(<div class="card"><div class="k">Sleep apnea</div><div class="v">{}</div><div class="s">{}</div></div>)~",
      r.ahi ? (r.has_apnea ? "likely" : "unlikely") : "—",
      r.night_probability
          ? fmt::format("p(AHI ≥ 5) {:.2f}, calibrated with the model", *r.night_probability)
          : std::string("estimated AHI ≥ 5 rule"));
  h += fmt::format(
      R"~(<div class="card"><div class="k">Recording</div><div class="v">{}</div><div class="s">analysable {} ({:.0f}%)</div></div>)~",
      format_duration(r.recording_s), format_duration(r.analysable_s),
      r.recording_s > 0 ? 100 * r.analysable_s / r.recording_s : 0.0);
  h += fmt::format(
      R"~(<div class="card"><div class="k">Apnea minutes</div><div class="v">{:.0f}</div><div class="s">{}</div></div>)~",
      r.apnea_minutes,
      r.events.empty() ? fmt::format("minutes at p ≥ {:.2f}, in {} episodes", r.detector.threshold,
                                     r.episodes.size())
                       : fmt::format("in {} episodes · {} {} events", r.episodes.size(),
                                     r.events.size(), html_escape(r.detector.name)));
  h += fmt::format(
      R"~(<div class="card"><div class="k">Heart rate</div><div class="v">{:.0f} <small style="font-size:14px">bpm</small></div><div class="s">range {:.0f}–{:.0f} · SDNN {:.0f} ms · RMSSD {:.0f} ms · LF/HF {:.2f}</div></div>)~",
      r.hrv.mean_hr_bpm, r.hrv.min_hr_bpm, r.hrv.max_hr_bpm, r.hrv.sdnn_ms, r.hrv.rmssd_ms,
      r.hrv.lf_hf);
  h += "</div>\n";

  // Timeline and heart rate.
  h +=
      R"~(<section><h2>Night timeline<small>p(apnea) per minute; shaded: apnea episodes; bands: signal quality)~";
  if (!o.reference_minutes.empty()) h += ", then the reference labels";
  h += "</small></h2>";
  h += timeline_svg(r, o.reference_minutes);
  h +=
      R"~(<div class="legend"><span><i style="background:#2a9d8f"></i>low p</span><span><i style="background:#e9c46a"></i>uncertain</span><span><i style="background:#d62828"></i>high p (apnea)</span><span><i style="background:#d62828;opacity:.25"></i>episode</span><span><i style="background:#cfe8e3"></i>good signal</span><span><i style="background:#e9a23b"></i>reduced quality</span><span><i style="background:#8d99ae"></i>excluded</span><span>dashed: threshold )~";
  h += fmt::format("{:.2f}</span>", r.detector.threshold);
  if (!o.reference_minutes.empty()) {
    size_t agree = 0, n = 0;
    for (size_t m = 0; m < o.reference_minutes.size() && m < r.minutes.size(); ++m) {
      if (o.reference_minutes[m] < 0 || r.minutes[m].excluded) continue;
      ++n;
      agree += (o.reference_minutes[m] == 1) == r.minutes[m].apnea;
    }
    h += fmt::format(
        R"~(<span><i style="background:#6d597a"></i>reference apnea minute ({}){}</span>)~",
        html_escape(o.reference_source.empty() ? "reference" : o.reference_source),
        n ? fmt::format(" — agreement {:.0f}% of {} minutes", 100.0 * double(agree) / double(n), n)
          : std::string());
  }
  h += "</div></section>\n";
  h += R"~(<section><h2>Heart rate<small>mean per minute, bpm</small></h2>)~" + hr_svg(r) +
       "</section>\n";

  // ECG strips.
  const std::vector<Strip> strips = choose_strips(r, o);
  h += R"~(<section class="strips"><h2>ECG strips<small>)~";
  h += ch ? "around the highest-scoring minutes and one calm minute; ▼ detected beats; heart-rate "
            "tachogram (±2.5 min) above each strip"
          : "no ECG samples in this input (beats from annotations): heart-rate tachograms (±2.5 "
            "min) around the highest-scoring minutes";
  h += "</small></h2><nav>";
  for (size_t i = 0; i < strips.size(); ++i) {
    const auto& m = r.minutes[strips[i].minute];
    h += fmt::format(R"~(<button data-strip="strip{}"{}>{} · p {:.2f} · {}</button>)~", i,
                     i == 0 ? R"~( class="on")~" : "", clock_label(r, m.t_s), m.p_apnea,
                     strips[i].label);
  }
  h += "</nav>";
  for (size_t i = 0; i < strips.size(); ++i) {
    const auto& m = r.minutes[strips[i].minute];
    h += fmt::format(
        R"~(<div class="strip{}" id="strip{}"><div class="cap">{} – {} · minute p(apnea) {:.2f}{} · HR {:.0f} bpm</div>)~",
        i == 0 ? " on" : "", i, clock_label_s(r, strips[i].t0), clock_label_s(r, strips[i].t1),
        m.p_apnea, m.apnea ? " (apnea)" : "", m.heart_rate_bpm);
    h += tachogram_svg(r, strips[i]);
    if (ch) h += ecg_svg(r, *ch, strips[i]);
    h += "</div>";
  }
  if (strips.empty()) h += R"~(<p class="note">No minute to show.</p>)~";
  h += "</section>\n";

  // Episodes and notes.
  h +=
      R"~(<div class="cols"><section><h2>Apnea episodes<small>runs of apnea minutes</small></h2>)~";
  if (r.episodes.empty()) {
    h += R"~(<p class="note">None.</p>)~";
  } else {
    std::vector<analysis::Episode> eps = r.episodes;
    std::stable_sort(eps.begin(), eps.end(),
                     [](const auto& a, const auto& b) { return a.duration_s > b.duration_s; });
    const size_t shown = std::min<size_t>(eps.size(), 12);
    eps.resize(shown);
    std::sort(eps.begin(), eps.end(),
              [](const auto& a, const auto& b) { return a.start_s < b.start_s; });
    h += "<table><tr><th>Start</th><th>Duration</th><th>Minutes</th><th>Mean p</th></tr>";
    for (const auto& e : eps) {
      h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2f}</td></tr>",
                       clock_label(r, e.start_s), format_duration(e.duration_s), e.minutes,
                       e.mean_p);
    }
    h += "</table>";
    if (shown < r.episodes.size()) {
      h += fmt::format(R"~(<p class="note">The {} longest of {} episodes.</p>)~", shown,
                       r.episodes.size());
    }
  }
  h += R"~(</section><section><h2>How this was measured</h2><table>)~";
  auto row = [&](const std::string& k, const std::string& v) {
    h += "<tr><th>" + k + "</th><td>" + v + "</td></tr>";
  };
  row("AHI method", html_escape(r.ahi_note));
  row("Beats", fmt::format("{} ({}), {} RR intervals corrected", r.n_beats,
                           html_escape(r.beat_source), r.n_corrected));
  if (!r.channel.empty())
    row("Channel", fmt::format("{} at {:g} Hz", html_escape(r.channel), r.fs));
  row("Detector",
      html_escape(r.detector.name + " (" + r.detector.kind +
                  (r.detector.trained_on.empty() ? "" : ", trained on " + r.detector.trained_on) +
                  ")"));
  std::string ex;
  for (const auto& e : r.exclusions) ex += html_escape(e) + "<br>";
  row("Excluded", ex.empty() ? "nothing" : ex);
  if (!r.warnings.empty()) {
    std::string w;
    for (const auto& e : r.warnings) w += html_escape(e) + "<br>";
    row("Warnings", w);
  }
  row("Analysis time", fmt::format("{:.1f} ms", r.analysis_ms));
  h += "</table></section></div>\n";

  h += "<footer>";
  if (r.detector.kind == "training-free") {
    h += "CVHR detector after Hayano J et al., “Screening for obstructive sleep apnea by cyclic "
         "variation of heart rate”, Circ Arrhythm Electrophysiol 2011;4:64–72. ";
  }
  h += "Severity by AASM AHI bands (normal &lt;5, mild 5–15, moderate 15–30, severe ≥30). "
       "An estimate from the ECG alone, for screening and research — not a diagnosis; "
       "polysomnography remains the reference.";
  if (!o.generator.empty()) h += " Generated by " + html_escape(o.generator) + ".";
  h += "</footer></main><script>" + std::string(kJs) + "</script></body></html>\n";
  return h;
}

void write_html_report(const NightReport& report, const io::Record* record, const std::string& path,
                       const HtmlOptions& options) {
  io::write_file(path, html_report(report, record, options));
}

}  // namespace somna::report
