#pragma once
// The evaluation page of `somna eval` and `somna train --eval-html`: per-minute figures with
// their CIs, per-night AHI agreement, the ROC curve, the AHI scatter and the per-record table,
// as one self-contained HTML file.

#include <string>

#include "eval/metrics.hpp"

namespace somna::report {

// warning: shown above the figures when not empty (e.g. that the nights are training nights).
std::string eval_html(const eval::EvalResult& result, const std::string& title,
                      const std::string& warning = "");

}  // namespace somna::report
