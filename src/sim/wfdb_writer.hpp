#pragma once
// Writes a Record as a WFDB record (header + one signal file, format 16 or 212), so synthetic
// nights and the bundled sample can be read back by any WFDB reader (ours, wfdb-python, WFDB
// tools). Samples are stored at each channel's gain (ADC units per mV) and baseline; NaN is stored
// as the format's invalid-sample value; values beyond the format's range are clipped.

#include <string>

#include "io/record.hpp"

namespace somna::sim {

struct WfdbWriteOptions {
  int format = 16;      // 16 or 212
  double gain = 200;    // ADC units per physical unit when a channel's gain is <= 0
  std::string comment;  // written as a "# ..." header line when non-empty
};

// base: path without extension ("data/samples/sample-night"): writes base.hea and base.dat.
// All channels must share one sampling frequency and length. Throws somna::Error on failure.
void write_wfdb_record(const std::string& base, const io::Record& record,
                       const WfdbWriteOptions& options = {});

}  // namespace somna::sim
