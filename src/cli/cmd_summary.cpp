// `somna summary OUT [OUT2 ...] [--csv FILE] [--html FILE]`: the cohort table (the columns of
// summary.csv) and a self-contained HTML page (AHI distribution, severity counts, failed records,
// nights without an AHI) from the per-night reports that `somna analyze DIR --out OUT` wrote —
// typically the final step after the shards of an array job (docs/cohorts.md). Exit 0 when
// every record has a report, 1 when any failed (the table and page are written either way, so a
// scheduler's dependency or a script sees the failure), 2 for bad input (a folder missing, no
// reports at all, a file that cannot be written).

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/command.hpp"
#include "cohort/cohort.hpp"
#include "common/error.hpp"

namespace somna::cli {
namespace {

namespace fs = std::filesystem;

struct SummaryArgs {
  std::vector<std::string> folders;
  std::string csv, html;
};

// --csv / --html default to OUT/summary.csv and OUT/summary.html for one folder; several
// folders have no one home, so they must be named.
void default_outputs(SummaryArgs& a) {
  if (!a.csv.empty() || !a.html.empty()) return;
  if (a.folders.size() > 1) {
    throw Error({},
                "several folders: say where the merged table goes (--csv FILE and/or "
                "--html FILE)");
  }
  a.csv = (fs::path(a.folders.front()) / "summary.csv").string();
  a.html = (fs::path(a.folders.front()) / "summary.html").string();
}

cohort::Cohort read_reports(const SummaryArgs& a) {
  cohort::Cohort c = cohort::read_cohort(a.folders);
  for (const std::string& w : c.warnings) spdlog::warn("{}", w);
  if (c.rows.empty()) {
    std::string where;
    for (const std::string& f : a.folders) where += (where.empty() ? "" : ", ") + f;
    throw Error(where, "no night reports (REC.json) or error files (REC.error.txt) found");
  }
  return c;
}

void write_outputs(const cohort::Cohort& c, const SummaryArgs& a) {
  if (!a.csv.empty()) cohort::write_cohort_csv(c, a.csv);
  if (!a.html.empty()) {
    cohort::PageOptions po;
    po.sources = a.folders;
    po.generator = std::string("somna ") + SOMNA_VERSION;
    cohort::write_cohort_html(c, a.html, po);
  }
}

// "35 records: 30 with an AHI (normal 10, mild 5, moderate 5, severe 10), 2 without, 3 failed".
std::string closing_line(const cohort::CohortCounts& n, const SummaryArgs& a) {
  std::string line = fmt::format(
      "{} records: {} with an AHI (normal {}, mild {}, moderate {}, severe {}), {} without an "
      "AHI, {} failed",
      n.records, n.records - n.failed - n.no_ahi, n.severity[0], n.severity[1], n.severity[2],
      n.severity[3], n.no_ahi, n.failed);
  for (const std::string& f : {a.csv, a.html}) {
    if (!f.empty()) line += "\n  " + f;
  }
  return line;
}

int run_summary(SummaryArgs a) {
  default_outputs(a);
  const cohort::Cohort c = read_reports(a);
  write_outputs(c, a);
  const cohort::CohortCounts n = cohort::count_cohort(c);
  std::cout << closing_line(n, a) << '\n';
  for (const cohort::NightRow& r : c.rows) {
    if (r.failed()) std::cout << "FAILED " << r.stem << ": " << r.error << '\n';
  }
  return n.failed > 0 ? kExitFailure : kExitOk;
}

SOMNA_COMMAND({"summary",
               "Merge the night reports of one or more `analyze --out` folders into one cohort "
               "table (CSV) and page (HTML)",
               [](CLI::App& app) -> Runner {
                 auto a = std::make_shared<SummaryArgs>();
                 app.add_option("folders", a->folders,
                                "Report folders (the --out of `somna analyze DIR`, e.g. every "
                                "shard's); a record in several: a report before an error, then "
                                "the folder given first")
                     ->required();
                 app.add_option("--csv", a->csv,
                                "Write the table here (default with one folder: "
                                "OUT/summary.csv)");
                 app.add_option("--html", a->html,
                                "Write the page here (default with one folder: "
                                "OUT/summary.html)");
                 app.footer(
                     "Exit status: 0 every record analysed, 1 some record failed (table and page "
                     "written), 2 bad input.");
                 return [a]() { return run_summary(*a); };
               }});

}  // namespace
}  // namespace somna::cli
