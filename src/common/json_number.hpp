#pragma once
// A number in JSON output: JSON has no NaN or infinity, so a value that is not finite is null.
// One rule for every stage that writes JSON (reports, evaluation, the AHI fit).

#include <cmath>
#include <nlohmann/json.hpp>

namespace somna {

inline nlohmann::json json_number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

}  // namespace somna
