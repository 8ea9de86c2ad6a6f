#pragma once
// somna.Record: a night read from a file, as Python sees it. It owns the io::Record; `.signal` is
// a NumPy view of the chosen ECG channel's samples (no copy), which keeps the Record alive.

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

#include "io/record.hpp"

namespace somna::python {

struct PyRecord {
  std::shared_ptr<const io::Record> record;
  size_t ecg = 0;       // index of the ECG channel the analysis uses
  std::string channel;  // the channel asked for (empty: the first ECG-like), as analysis takes it

  const io::Channel& ecg_channel() const { return record->channels.at(ecg); }
};

// Reads `path` (WFDB .hea or record name, EDF/EDF+/BDF, CSV) with the GIL released.
PyRecord read_record(const std::string& path, const std::string& channel, double csv_fs);

// Adds the Record class to the module.
void define_record(pybind11::module_& m);

}  // namespace somna::python
