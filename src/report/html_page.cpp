// See html_page.hpp. The style sheet was the night report's; the cohort page adds no rules of
// its own beyond a few inline attributes.

#include "report/html_page.hpp"

namespace somna::report {
namespace {

constexpr const char* kCss = R"CSS(
:root{--ink:#1d2433;--muted:#5b6475;--line:#e3e6ec;--bg:#f6f7fa;--card:#fff;--accent:#264653}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1240px;margin:0 auto;padding:24px 28px 40px}
header.top{display:flex;justify-content:space-between;align-items:flex-end;border-bottom:3px solid var(--accent);padding-bottom:10px;margin-bottom:18px}
header.top h1{font-size:22px;margin:0;letter-spacing:.2px}
header.top .sub{color:var(--muted);font-size:13px}
.brand{font-weight:700;color:var(--accent)}
.cards{display:grid;grid-template-columns:1.3fr 1fr 1fr 1fr 1fr;gap:12px;margin-bottom:18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.card .k{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.card .v{font-size:24px;font-weight:650;margin-top:2px}
.card .s{font-size:12px;color:var(--muted)}
.card.ahi .v{font-size:40px;line-height:1.1}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;color:#fff;font-weight:600;font-size:13px;margin-top:4px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;margin-bottom:16px;break-inside:avoid}
section h2{font-size:15px;margin:0 0 8px}
section h2 small{font-weight:400;color:var(--muted);font-size:12px;margin-left:6px}
svg.chart,svg.tacho,svg.ecg{width:100%;display:block}
svg.chart{height:170px} svg#hr{height:150px} svg.tacho{height:100px} svg.ecg{height:216px;margin-top:6px}
.plot-bg{fill:#fbfbfd}
.episode{fill:#d62828;fill-opacity:.10}
.window{fill:#264653;fill-opacity:.10;stroke:#264653;stroke-opacity:.5}
.thr{stroke:#d62828;stroke-dasharray:4 4;stroke-width:1;opacity:.6}
.tick{stroke:#c9ced8;stroke-width:1}
.grid{stroke:#eceef3;stroke-width:1}
.axis{font-size:11px;fill:#5b6475}
.q-ok{fill:#cfe8e3} .q-mid{fill:#e9a23b} .q-bad{fill:#8d99ae} .ref-a{fill:#6d597a} .ref-n{fill:#e9e4ef}
.hrline{fill:none;stroke:#264653;stroke-width:1.6;vector-effect:non-scaling-stroke}
.ecgline{fill:none;stroke:#111;stroke-width:1.1;vector-effect:non-scaling-stroke}
.paper{stroke:#f2b8b8}
.gs{fill:none;stroke:#fadcdc;stroke-width:.5}
.gl{fill:none;stroke:#f3b3b3;stroke-width:.9}
.beat{fill:#d62828}
.cal{stroke:#111;stroke-width:2}
.legend{display:flex;gap:16px;flex-wrap:wrap;font-size:12px;color:var(--muted);margin-top:6px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-2px;margin-right:5px}
.strips nav{display:flex;flex-wrap:wrap;gap:6px;margin-bottom:8px}
.strips button{border:1px solid var(--line);background:#fff;border-radius:7px;padding:5px 10px;cursor:pointer;font:inherit;font-size:12px}
.strips button.on{background:var(--accent);color:#fff;border-color:var(--accent)}
.strip{display:none}.strip.on{display:block}
.strip .cap{font-size:12px;color:var(--muted)}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line)}
th{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600}
.cols{display:grid;grid-template-columns:1.4fr 1fr;gap:16px}
.note{color:var(--muted);font-size:12px}
footer{color:var(--muted);font-size:11.5px;margin-top:18px;border-top:1px solid var(--line);padding-top:10px}
@media print{body{background:#fff}main{padding:0}section,.card{border-color:#ccc}.strip{display:block!important;page-break-inside:avoid}.strips nav{display:none}@page{size:A4;margin:12mm}}
@media (max-width:900px){.cards{grid-template-columns:1fr 1fr}.cols{grid-template-columns:1fr}}
)CSS";

}  // namespace

const char* page_css() {
  return kCss;
}

std::string page_head(const std::string& title_html) {
  return std::string(
             "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
             "<title>") +
         title_html + "</title><style>" + kCss + "</style></head><body><main>\n";
}

const char* severity_colour(analysis::Severity severity) {
  switch (severity) {
    case analysis::Severity::Normal:
      return "#2a9d8f";
    case analysis::Severity::Mild:
      return "#e9a23b";
    case analysis::Severity::Moderate:
      return "#e76f51";
    case analysis::Severity::Severe:
      return "#c1121f";
  }
  return kNoAhiColour;
}

}  // namespace somna::report
