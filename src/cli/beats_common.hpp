#pragma once
// Shared by `somna beats` and `somna eval-beats`: reading one ECG channel of a record for beat
// detection, and the beats of an annotation file.

#include <string>

#include "dsp/beats.hpp"
#include "io/record.hpp"

namespace somna::cli {

// Reads `path` and returns the chosen channel (label or 0-based index; empty: first ECG-like,
// else channel 0). Throws somna::Error (io::FormatError...) naming the file.
io::Channel read_ecg_channel(const std::string& path, const std::string& channel, double csv_fs,
                             std::string* record_name = nullptr);

// The beats of the annotation file `extension` beside `record_path` (e.g. "qrs"), for a night of
// `duration_s`. Throws io::FormatError naming the annotation file, not the ECG, when it is empty,
// is not an annotation file, holds no heartbeat annotations, or its sampling frequency is unknown:
// otherwise such a file surfaced as "no heartbeats found" in the ECG.
dsp::Beats read_beat_annotations(const std::string& record_path, const std::string& extension,
                                 double duration_s = 0);

}  // namespace somna::cli
