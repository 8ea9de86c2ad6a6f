#pragma once
// A simulated night's beats as a detector's input, straight from the simulator (no ECG, no QRS
// detection, no cleaning): tests of a detector or of the AHI features alone.

#include "analysis/detector.hpp"
#include "sim/synthetic_night.hpp"

namespace somna::test {

// The RR series of n's beats over `hours` (n_minutes rounded up), without quality or beats.
analysis::NightInput input_from(const sim::SimulatedNight& n, double hours);

}  // namespace somna::test
