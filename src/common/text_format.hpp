#pragma once
// Numbers, durations and frequencies as a person reads them in messages and reports. Values come
// from files that may be hostile (a sampling frequency of 1e-300 Hz gives a duration of 1e305 s),
// so every formatter here prints a bounded number of characters for any double, NaN and inf
// included: std::to_string and "{:.0f}" would print hundreds of digits.

#include <string>

namespace somna {

// Integers up to 1e15 exactly ("360", "-2"), anything else in 6 significant digits ("0.001",
// "1.5e+300"), "nan" / "inf" / "-inf" for those.
std::string number_text(double v);

// A frequency: number_text(hz) + " Hz" ("360 Hz", "1e-300 Hz").
std::string hz_text(double hz);

// A duration: "45 s", "12 min", "8 h 05 min" up to 1000 h; beyond, and for negative or
// non-finite values, number_text(seconds) + " s" ("1.2e+303 s").
std::string duration_text(double seconds);

// A duration as a clock "h:mm:ss" (hours not wrapped: "100:00:00") up to 1e7 h; beyond, and for
// negative or non-finite values, number_text(seconds) + " s".
std::string clock_text(double seconds);

}  // namespace somna
