#pragma once
// libsomna: Somna's analysis as a library, for another C++ program or a device's firmware build.
// This is the one public header (installed as <somna/somna.hpp> by `cmake --install`, with a CMake
// package `find_package(somna)` -> somna::somna and a pkg-config file `somna`); it exposes no
// other header of the project. No LibTorch: the learned networks run on Somna's own inference.
//
//   somna::Analyzer a("models/default.safetensors");   // or Analyzer() for the training-free CVHR
//   somna::Result r = a.analyze_file("night.edf");     // WFDB .hea, EDF/EDF+/BDF, CSV
//   if (r.ahi) std::printf("AHI %.1f (%s)\n", *r.ahi, r.severity.c_str());
//
// Errors (unreadable file, no usable ECG, a bad model file) are thrown as std::runtime_error
// (somna::Error) whose message names the file and the problem.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace somna {

namespace analysis {
class Detector;
}

// The version of the library ("0.1.0").
std::string version();

struct Minute {
  double start_s = 0;     // from the start of the recording
  float p_apnea = 0;      // the detector's probability
  bool apnea = false;     // p_apnea over the detector's threshold, and the minute analysable
  bool excluded = false;  // signal quality too low: not counted
  float quality = 1;      // [0, 1]
};

struct Result {
  std::string record;
  std::string detector;  // "rr-cnn", "seed-ecg", "cvhr-acat"
  double recording_s = 0, analysable_s = 0;
  std::optional<double> ahi;  // events per hour; none when the night is too short to say
  std::string severity;       // "normal", "mild", "moderate", "severe" (AASM, from the AHI)
  double apnea_minutes = 0;
  std::vector<Minute> minutes;
  std::vector<std::string> warnings;  // what made the reader or the analysis doubtful
  std::string json;  // the full report, as `somna analyze --json` writes it (docs/report-schema.md)
};

class Analyzer {
 public:
  // model_path: a Somna model file (.safetensors); empty: the training-free CVHR detector.
  explicit Analyzer(const std::string& model_path = {});
  ~Analyzer();
  Analyzer(Analyzer&&) noexcept;
  Analyzer& operator=(Analyzer&&) noexcept;

  // A night from a file; `channel` picks the ECG (a label or an index; empty: the first ECG-like).
  Result analyze_file(const std::string& path, const std::string& channel = {}) const;
  // A night given as ECG samples (physical units, e.g. mV) at fs Hz.
  Result analyze_ecg(const float* samples, size_t n, double fs,
                     const std::string& name = "ecg") const;

 private:
  std::shared_ptr<const analysis::Detector> detector_;
};

}  // namespace somna
