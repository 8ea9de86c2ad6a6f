// See cohort.hpp: the counts the page and `somna summary` report.

#include <algorithm>
#include <vector>

#include "cohort/cohort.hpp"

namespace somna::cohort {
namespace {

// Index of an AASM class name in CohortCounts::severity; -1 for anything else.
int severity_index(const std::string& name) {
  static const char* const kNames[] = {"normal", "mild", "moderate", "severe"};
  for (int i = 0; i < 4; ++i) {
    if (name == kNames[i]) return i;
  }
  return -1;
}

std::optional<double> median(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

CohortCounts count_cohort(const Cohort& cohort) {
  CohortCounts c;
  std::vector<double> ahis;
  for (const NightRow& r : cohort.rows) {
    ++c.records;
    if (r.failed()) {
      ++c.failed;
    } else if (!r.ahi) {
      ++c.no_ahi;
    } else {
      ahis.push_back(*r.ahi);
      const int k = severity_index(r.severity);
      if (k >= 0) ++c.severity[size_t(k)];
    }
  }
  c.median_ahi = median(std::move(ahis));
  return c;
}

}  // namespace somna::cohort
