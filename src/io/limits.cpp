// See limits.hpp.

#include "io/limits.hpp"

#include <cmath>

#include "common/error.hpp"
#include "common/text_format.hpp"

namespace somna::io {

void check_sampling_frequency(const std::string& file, double fs, const std::string& where) {
  if (std::isfinite(fs) && fs >= kMinSamplingHz && fs <= kMaxSamplingHz) return;
  throw FormatError(file,
                    "sampling frequency " + hz_text(fs) + " is absurd (Somna reads " +
                        hz_text(kMinSamplingHz) + " to " + hz_text(kMaxSamplingHz) + ")",
                    where);
}

void check_duration(const std::string& file, double n_samples, double fs, double max_duration_s) {
  if (!(max_duration_s > 0) || !(fs > 0)) return;
  const double seconds = n_samples / fs;
  if (seconds <= max_duration_s) return;
  throw FormatError(file, "the recording is " + duration_text(seconds) + " long (" +
                              number_text(n_samples) + " samples at " + hz_text(fs) +
                              "); Somna reads at most " + duration_text(max_duration_s) +
                              " at once (split longer recordings)");
}

}  // namespace somna::io
