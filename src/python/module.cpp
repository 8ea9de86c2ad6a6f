// The Python module somna._somna (re-exported by the package somna, python/somna/__init__.py):
// read, beats and analyze over Somna's torch-free core, NumPy in and out, the GIL released while
// a file is read, beats are detected or a night is analysed. docs/python.md is its manual.

#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "analysis/cvhr_detector.hpp"
#include "analysis/night_report.hpp"
#include "cli/detector_choice.hpp"
#include "common/error.hpp"
#include "dsp/beats.hpp"
#include "model/model.hpp"
#include "python/py_errors.hpp"
#include "python/py_json.hpp"
#include "python/py_record.hpp"
#include "report/json_report.hpp"

namespace somna::python {
namespace {

namespace py = pybind11;
namespace fs = std::filesystem;

using Samples = py::array_t<float, py::array::c_style | py::array::forcecast>;
using Indices = py::array_t<int64_t, py::array::c_style>;

// ---- arguments -----------------------------------------------------------------------------

double checked_fs(double fs) {
  if (!std::isfinite(fs) || fs <= 0) {
    throw Error({}, fmt::format("fs must be a positive number of samples per second, got {}", fs));
  }
  return fs;
}

// A 1-D float32 view of `signal` (a copy only when it is not float32 and C-contiguous already).
Samples signal_array(const py::handle& signal) {
  const py::array a = py::array::ensure(signal);
  if (!a) throw Error({}, "signal must be a NumPy array or a sequence of numbers");
  if (a.ndim() != 1) {
    throw Error({}, fmt::format("signal must be 1-D (one ECG lead), got {} dimensions", a.ndim()));
  }
  if (a.dtype().kind() != 'f' && a.dtype().kind() != 'i' && a.dtype().kind() != 'u') {
    throw Error({}, "signal must hold numbers (float or integer), got dtype " +
                        py::str(a.dtype()).cast<std::string>());
  }
  return Samples::ensure(a);
}

// External beats: increasing sample indices within a signal of n samples at fs.
dsp::Beats beats_from_indices(const py::handle& beats, double fs, int64_t n) {
  const py::array a = py::array::ensure(beats);
  if (!a || a.ndim() != 1 || (a.size() > 0 && a.dtype().kind() != 'i' && a.dtype().kind() != 'u')) {
    throw Error({}, "beats must be a 1-D array of integer sample indices (as somna.beats gives)");
  }
  const Indices idx = Indices::ensure(a);
  dsp::Beats out;
  out.source = "external:python";
  out.duration_s = static_cast<double>(n) / fs;
  const int64_t* p = idx.data();
  for (py::ssize_t i = 0; i < idx.size(); ++i) {
    if (p[i] < 0 || (n > 0 && p[i] >= n)) {
      throw Error({}, fmt::format("beats[{}] = {} is outside the signal (0..{})", i, p[i], n - 1));
    }
    if (i > 0 && p[i] <= p[i - 1]) {
      throw Error({},
                  fmt::format("beats must increase: beats[{}] = {} after {}", i, p[i], p[i - 1]));
    }
    out.r_time_s.push_back(static_cast<double>(p[i]) / fs);
  }
  return out;
}

// ---- detectors -----------------------------------------------------------------------------

// The shipped model inside an installed package (set by __init__.py), else the CLI's search.
std::string& package_model() {
  static std::string path;
  return path;
}

std::string default_model() {
  std::error_code ec;
  if (!package_model().empty() && fs::is_regular_file(package_model(), ec)) return package_model();
  return cli::default_model_path();
}

// Loaded detectors by spec, reloaded when the model file changes on disk. Touched only with the
// GIL held; a detector scores from several threads at once (analysis/detector.hpp).
std::shared_ptr<const analysis::Detector> detector_for(const std::string& spec) {
  struct Entry {
    std::shared_ptr<const analysis::Detector> detector;
    fs::file_time_type mtime;
  };
  static std::map<std::string, Entry> cache;
  if (spec == "cvhr" || spec == "cvhr-acat") {
    static const auto cvhr = std::make_shared<const analysis::CvhrDetector>();
    return cvhr;
  }
  const std::string path = spec == "default" ? default_model() : spec;
  if (path.empty()) return detector_for("cvhr");  // no model found: the CLI's fallback
  std::error_code ec;
  const fs::file_time_type mtime = fs::last_write_time(path, ec);
  auto it = cache.find(path);
  if (it != cache.end() && !ec && it->second.mtime == mtime) return it->second.detector;
  std::shared_ptr<const analysis::Detector> d = model::load_detector(path);
  cache[path] = {d, mtime};
  return d;
}

// ---- results -------------------------------------------------------------------------------

template <typename T, typename F>
py::array_t<T> column(const std::vector<analysis::MinuteResult>& minutes, F value) {
  py::array_t<T> out(static_cast<py::ssize_t>(minutes.size()));
  T* p = out.mutable_data();
  for (size_t i = 0; i < minutes.size(); ++i) p[i] = value(minutes[i]);
  return out;
}

// The report's minutes as columns: NumPy arrays (t, p, quality, excluded, hr with NaN where
// unknown) and lists of str (label, reason). p is not rounded as in the JSON file.
py::dict minute_columns(const std::vector<analysis::MinuteResult>& m) {
  using M = analysis::MinuteResult;
  py::dict d;
  d["t"] = column<double>(m, [](const M& x) { return x.t_s; });
  d["p"] = column<float>(m, [](const M& x) { return x.p_apnea; });
  py::list label, reason;
  for (const M& x : m) {
    label.append(report::minute_label(x));
    reason.append(x.quality_reason);
  }
  d["label"] = label;
  d["quality"] = column<float>(m, [](const M& x) { return x.quality; });
  d["reason"] = reason;
  d["excluded"] = column<bool>(m, [](const M& x) { return x.excluded; });
  d["hr"] = column<float>(m, [](const M& x) {
    return x.heart_rate_bpm > 0 ? x.heart_rate_bpm : std::numeric_limits<float>::quiet_NaN();
  });
  return d;
}

py::dict report_dict(const analysis::NightReport& rep) {
  py::dict d = to_python(report::night_report_json(rep));
  d["minutes"] = minute_columns(rep.minutes);
  return d;
}

// ---- the module's functions ----------------------------------------------------------------

PyRecord py_read(const std::string& path, const std::optional<std::string>& channel,
                 std::optional<double> fs) {
  return read_record(path, channel.value_or(""), fs ? checked_fs(*fs) : 0.0);
}

Indices py_beats(const py::object& signal, std::optional<double> fs) {
  dsp::Beats b;
  double rate = 0;
  if (py::isinstance<PyRecord>(signal)) {
    const PyRecord& r = signal.cast<const PyRecord&>();
    rate = r.ecg_channel().fs;
    py::gil_scoped_release unlocked;
    b = dsp::detect_beats(r.ecg_channel());
  } else {
    if (!fs) throw Error({}, "fs is required with a signal array: somna.beats(signal, fs)");
    rate = checked_fs(*fs);
    const Samples x = signal_array(signal);
    py::gil_scoped_release unlocked;
    b = dsp::detect_beats(x.data(), static_cast<size_t>(x.size()), rate);
  }
  Indices out(static_cast<py::ssize_t>(b.size()));
  int64_t* p = out.mutable_data();
  for (size_t i = 0; i < b.size(); ++i) p[i] = std::llround(b.r_time_s[i] * rate);
  return out;
}

py::dict py_analyze(const py::object& signal, std::optional<double> fs, const std::string& detector,
                    const py::object& beats, const std::optional<std::string>& name) {
  const std::shared_ptr<const analysis::Detector> det = detector_for(detector);
  analysis::Options o;
  std::shared_ptr<const io::Record> rec;
  if (py::isinstance<PyRecord>(signal)) {
    const PyRecord& r = signal.cast<const PyRecord&>();
    if (fs && std::abs(*fs - r.ecg_channel().fs) > 1e-9) {
      throw Error(r.record->path,
                  fmt::format("fs={} differs from the record's {} Hz", *fs, r.ecg_channel().fs));
    }
    rec = r.record;
    o.channel = r.channel;
  } else {
    if (!fs) throw Error({}, "fs is required with a signal array: somna.analyze(signal, fs)");
    const Samples x = signal_array(signal);
    rec = std::make_shared<io::Record>(io::record_from_samples(
        x.data(), static_cast<size_t>(x.size()), checked_fs(*fs), name.value_or("ecg")));
  }
  if (!beats.is_none()) {
    const io::Channel& ch = rec->channels.at(io::choose_channel(*rec, o.channel, rec->path));
    o.beats = beats_from_indices(beats, ch.fs, static_cast<int64_t>(ch.samples.size()));
  }
  analysis::NightReport rep;
  {
    py::gil_scoped_release unlocked;
    rep = analysis::analyze_night(*rec, *det, o);
  }
  return report_dict(rep);
}

// Warnings and errors of the analysis to standard error; its info lines stay quiet.
void quiet_logging() {
  auto logger = spdlog::stderr_color_mt("somna-python");
  logger->set_level(spdlog::level::warn);
  logger->set_pattern("somna %l: %v");
  spdlog::set_default_logger(logger);
}

}  // namespace

}  // namespace somna::python

namespace py = pybind11;

PYBIND11_MODULE(_somna, m) {
  m.doc() = "Somna: sleep apnea from a single-lead ECG (docs/python.md)";
  m.attr("__version__") = SOMNA_VERSION;
  somna::python::quiet_logging();
  somna::python::register_error_translation();
  somna::python::define_record(m);
  m.def("read", &somna::python::py_read, py::arg("path"), py::arg("channel") = py::none(),
        py::arg("fs") = py::none(),
        "Reads a night: WFDB (.hea or record name), EDF/EDF+/BDF or CSV (fs= for a CSV "
        "without a time column); channel= picks the ECG by label or index.");
  m.def("beats", &somna::python::py_beats, py::arg("signal"), py::arg("fs") = py::none(),
        "R-peak sample indices (int64) of an ECG: a 1-D array at fs Hz, or a Record.");
  m.def("analyze", &somna::python::py_analyze, py::arg("signal"), py::arg("fs") = py::none(),
        py::arg("detector") = "default", py::arg("beats") = py::none(),
        py::arg("name") = py::none(),
        "Analyses a night (a Record, or a 1-D ECG array in mV at fs Hz): the JSON report's "
        "content as a dict, its minutes as NumPy columns. detector: 'default' (the shipped "
        "model), 'cvhr' (training-free) or a model file; beats: sample indices to use instead "
        "of detecting them.");
  m.def(
      "_set_package_model", [](const std::string& path) { somna::python::package_model() = path; },
      "Used by the package: the model file shipped inside it.");
}
