// somna.Record and somna.read().

#include "python/py_record.hpp"

#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>

namespace somna::python {
namespace {

namespace py = pybind11;

// The start written in the file: datetime.datetime with a date, datetime.time with only a time,
// None when the file has none.
py::object start_of(const io::Record& r) {
  if (!r.start) return py::none();
  const io::DateTime& t = *r.start;
  const py::module_ datetime = py::module_::import("datetime");
  const double whole = std::floor(t.second);
  const int second = static_cast<int>(whole);
  const int micro = static_cast<int>(std::lround((t.second - whole) * 1e6)) % 1000000;
  if (t.has_date()) {
    return datetime.attr("datetime")(t.year, t.month, t.day, t.hour, t.minute, second, micro);
  }
  return datetime.attr("time")(t.hour, t.minute, second, micro);
}

// The ECG samples as a float32 array that borrows the Record's memory; `self` is its base.
py::array signal_of(const py::object& self) {
  const PyRecord& r = self.cast<const PyRecord&>();
  const std::vector<float>& s = r.ecg_channel().samples;
  return py::array_t<float>({static_cast<py::ssize_t>(s.size())},
                            {static_cast<py::ssize_t>(sizeof(float))}, s.data(), self);
}

std::string repr(const PyRecord& r) {
  const io::Channel& c = r.ecg_channel();
  return fmt::format("<somna.Record '{}' {} '{}' {:g} Hz, {:.2f} h>", r.record->name,
                     r.record->format, c.name, c.fs, c.duration_s() / 3600);
}

std::vector<std::string> channel_names(const io::Record& r) {
  std::vector<std::string> out;
  for (const io::Channel& c : r.channels) out.push_back(c.name);
  return out;
}

}  // namespace

PyRecord read_record(const std::string& path, const std::string& channel, double csv_fs) {
  io::ReadOptions ro;
  ro.channel = channel;
  ro.fs = csv_fs;
  PyRecord out;
  {
    py::gil_scoped_release unlocked;
    auto rec = std::make_shared<io::Record>(io::read_record(path, ro));
    out.ecg = io::choose_channel(*rec, channel, rec->path);
    out.record = std::move(rec);
  }
  out.channel = channel;
  return out;
}

void define_record(py::module_& m) {
  py::class_<PyRecord>(m, "Record",
                       "A night read by somna.read(): the ECG channel Somna analyses, its rate, "
                       "name and start. .signal is a float32 view of the samples (no copy).")
      .def_property_readonly("signal", &signal_of,
                             "ECG samples (float32, the file's physical units: mV for ECG)")
      .def_property_readonly(
          "fs", [](const PyRecord& r) { return r.ecg_channel().fs; }, "samples per second")
      .def_property_readonly(
          "name", [](const PyRecord& r) { return r.record->name; }, "record name")
      .def_property_readonly(
          "path", [](const PyRecord& r) { return r.record->path; }, "the file read")
      .def_property_readonly(
          "format", [](const PyRecord& r) { return r.record->format; },
          "\"WFDB\", \"EDF\", \"EDF+C\", \"BDF\", \"CSV\", ...")
      .def_property_readonly(
          "start", [](const PyRecord& r) { return start_of(*r.record); },
          "datetime.datetime (or datetime.time) the file gives, else None")
      .def_property_readonly(
          "channel", [](const PyRecord& r) { return r.ecg_channel().name; },
          "label of the ECG channel in .signal")
      .def_property_readonly(
          "units", [](const PyRecord& r) { return r.ecg_channel().units; },
          "physical units of .signal")
      .def_property_readonly(
          "channels", [](const PyRecord& r) { return channel_names(*r.record); },
          "labels of every channel read")
      .def_property_readonly(
          "duration_s", [](const PyRecord& r) { return r.ecg_channel().duration_s(); },
          "length of .signal in seconds")
      .def_property_readonly(
          "warnings", [](const PyRecord& r) { return r.record->warnings; },
          "what made the reader doubtful of the samples")
      .def("__repr__", &repr);
}

}  // namespace somna::python
