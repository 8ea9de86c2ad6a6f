// See text_format.hpp.

#include "common/text_format.hpp"

#include <fmt/format.h>

#include <cmath>

namespace somna {

std::string number_text(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::fabs(v) < 1e15 && v == std::round(v))
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{:.6g}", v);
}

std::string hz_text(double hz) {
  return number_text(hz) + " Hz";
}

std::string duration_text(double seconds) {
  if (!(seconds >= 0) || seconds >= 1000.0 * 3600) return number_text(seconds) + " s";
  if (seconds < 60) return fmt::format("{:.0f} s", seconds);
  const long total_min = static_cast<long>(std::floor(seconds / 60 + 1e-9));
  if (total_min < 60) return fmt::format("{} min", total_min);
  return fmt::format("{} h {:02d} min", total_min / 60, static_cast<int>(total_min % 60));
}

std::string clock_text(double seconds) {
  if (!(seconds >= 0) || seconds >= 1e7 * 3600) return number_text(seconds) + " s";
  const long long total = std::llround(seconds);
  return fmt::format("{}:{:02}:{:02}", total / 3600, (total / 60) % 60, total % 60);
}

}  // namespace somna
