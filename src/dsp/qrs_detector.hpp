#pragma once
// Internals of the QRS detector exposed for tests and the benchmark: the detection-rate choice
// and a per-call diagnostic. detect_beats() (beats.hpp) is the entry point everyone else uses.

#include <cstddef>
#include <string>

#include "dsp/beats.hpp"

namespace somna::dsp {

// Factor by which the detector block-averages the input before its band-pass: the working rate
// fs/k lies in [100, 200) Hz for fs >= 100 (k = 1 below), enough for the 5-15 Hz QRS band.
int detection_decimation(double fs);

// Multiplier from a channel's units to millivolts ("mV" 1, "uV" 0.001, "V" 1000; unknown: 1).
double to_millivolts(const std::string& units);

// Seconds of signal (10 s windows) where detections were dropped because the band-passed energy
// peaks did not stand out from the background (no ECG: noise or lead off), from the last call
// of detect_beats on this thread. For diagnostics and tests.
double last_rejected_seconds();

}  // namespace somna::dsp
