// A simulated night's beats as a detector's input (sim_input.hpp).

#include "support/sim_input.hpp"

#include <cmath>

namespace somna::test {

analysis::NightInput input_from(const sim::SimulatedNight& n, double hours) {
  analysis::NightInput in;
  for (size_t i = 1; i < n.r_time_s.size(); ++i) {
    in.rr.t_s.push_back(n.r_time_s[i]);
    in.rr.rr_s.push_back(static_cast<float>(n.r_time_s[i] - n.r_time_s[i - 1]));
  }
  in.duration_s = hours * 3600;
  in.n_minutes = static_cast<size_t>(std::ceil(hours * 60));
  return in;
}

}  // namespace somna::test
