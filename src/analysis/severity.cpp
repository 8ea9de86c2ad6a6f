// AASM severity bands and the night-level logit (declared in night_report.hpp). Kept apart from
// analyze_night() so the report writers need only these, not the whole analysis chain.

#include "analysis/night_report.hpp"

namespace somna::analysis {

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Normal:
      return "normal";
    case Severity::Mild:
      return "mild";
    case Severity::Moderate:
      return "moderate";
    case Severity::Severe:
      return "severe";
  }
  return "normal";
}

Severity severity_from_ahi(double ahi) {
  if (ahi >= 30) return Severity::Severe;
  if (ahi >= 15) return Severity::Moderate;
  if (ahi >= 5) return Severity::Mild;
  return Severity::Normal;
}

}  // namespace somna::analysis
