#pragma once
// What a channel's label and units say: whether it is an ECG lead (for automatic channel choice)
// and the factor that turns its voltage units into millivolts (Record keeps ECG in mV). Shared by
// the EDF and CSV readers and by choose_channel so every format follows one rule.

#include <string>
#include <string_view>

namespace somna::io {

// True for labels naming an ECG lead: anything containing "ecg"/"ekg", MLII/MLI/MLIII/ML5,
// V1..V6 (and "V"), I, II, III, aVR, aVL, aVF, "lead ..." (case-insensitive).
bool is_ecg_label(std::string_view label);

// Units as written, with the micro sign (Latin-1 0xB5, UTF-8 "µ"/"μ") spelled "u", the degree
// sign "deg", and blanks trimmed; other non-ASCII or non-printable bytes become '?'.
std::string normalize_units(std::string_view units);

// Multiplier from `units` to millivolts: 1 for mV, 1e-3 for uV, 1e3 for V, 1e-6 for nV (any
// case, or spelled out: "microvolts"); 0 when the units are not a voltage (or empty).
double millivolt_factor(std::string_view units);

// Lower-case ASCII copy without blanks, '_' and '-' (for label comparisons).
std::string label_key(std::string_view label);

}  // namespace somna::io
