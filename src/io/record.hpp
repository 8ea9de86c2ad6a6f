#pragma once
// Record: one recording as every later stage sees it — signals in physical units (float, mV for
// ECG), per-channel sampling frequency, name, units and gain, the start date-time when the file
// has it. read_record() picks the reader by extension/content (WFDB, EDF/EDF+/BDF, CSV).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace somna::io {

// Wall-clock start of a recording as written in the file (no time zone is implied).
struct DateTime {
  int year = 0, month = 0, day = 0;  // 0 when only the time is known
  int hour = 0, minute = 0;
  double second = 0;
  bool has_date() const { return year > 0; }
  std::string to_string() const;  // "YYYY-MM-DD HH:MM:SS" or "HH:MM:SS"
};

struct Channel {
  std::string name;        // label as in the file ("MLII", "ECG", "EKG II")
  std::string units;       // physical units as in the file ("mV", "uV", ...); samples are in these
  double fs = 0;           // samples per second of this channel
  double gain = 1;         // ADC units per physical unit (1 for CSV / float formats)
  double baseline = 0;     // ADC value of physical zero
  int adc_resolution = 0;  // bits, 0 when unknown
  std::string format;      // storage format, e.g. "212", "16", "EDF", "BDF", "CSV"
  std::vector<float> samples;       // physical values; NaN where the file marks a gap
  int64_t n_samples = 0;            // samples of this channel in the file (set also when
                                    // ReadOptions::header_only leaves `samples` empty)
  std::vector<int32_t> digital;     // raw ADC values, only when ReadOptions::keep_digital
  std::optional<int64_t> checksum;  // WFDB header checksum, when given
  int64_t skew = 0;                 // WFDB skew in samples (already applied)
  double duration_s() const { return fs > 0 ? static_cast<double>(samples.size()) / fs : 0.0; }
};

// A timed note the recording itself carries (EDF+ annotations such as "Sleep stage W").
struct Event {
  double onset_s = 0;     // seconds from the recording start
  double duration_s = 0;  // 0 when the file gives none
  std::string text;
};

struct Record {
  std::string name;     // record name (never used as a path)
  std::string path;     // the file it was read from
  std::string format;   // "WFDB", "WFDB multi-segment", "EDF", "EDF+C", "EDF+D", "BDF", "CSV"
  double frame_fs = 0;  // record (frame) frequency; channels may be multiples of it
  std::optional<DateTime> start;
  std::vector<Channel> channels;
  std::vector<std::string> comments;  // header comments (e.g. age/sex lines)
  std::vector<Event> events;          // annotations stored in the signal file (EDF+)
  // Problems the reader found that do not stop reading but make the samples doubtful, e.g. a
  // signal file longer than its header's length and format need (a wrong format?). The night
  // report shows them as quality warnings.
  std::vector<std::string> warnings;
  double duration_s() const;  // longest channel (uses n_samples when samples are empty)
  // Index of the first ECG-like channel (ECG, EKG, MLII, V1..V6, I, II, III, aVR/L/F, lead...),
  // or nullopt.
  std::optional<size_t> find_ecg() const;
};

// Longest recording a read returns samples for by default, and the longest one analysis takes.
inline constexpr double kMaxRecordingHours = 72;

struct ReadOptions {
  // Channel choice, for multi-channel files: a label (matched case-insensitively, e.g. "ecg"
  // matches "ECG", "EKG II", "ECG1"), or a 0-based index as text. Empty: keep every channel.
  std::string channel;
  double fs = 0;                 // CSV without a time column: sampling frequency (required there)
  bool allow_truncated = false;  // read what is there when a .dat is shorter than the header says
  bool keep_digital = false;     // also fill Channel::digital (WFDB, EDF)
  bool header_only = false;      // parse the header(s) only; samples stay empty (for `somna info`)
  // Longest recording (seconds) whose samples are read; every reader checks the length its
  // header declares against it before allocating (io/limits.hpp). 0: no limit. Not applied with
  // header_only, which allocates nothing.
  double max_duration_s = kMaxRecordingHours * 3600;
};

// Reads a record. `path` may be a .hea (or the record name without extension), .edf/.bdf/.rec,
// .csv/.txt. Throws io::FormatError / io::UnsupportedError naming the file and the problem.
Record read_record(const std::string& path, const ReadOptions& options = {});

// A one-channel record of ECG samples held in memory (mV at fs Hz), named `name`, format
// "memory": what the library and the Python module analyse when given samples, not a file.
Record record_from_samples(const float* samples, size_t n, double fs, const std::string& name);

// Selects one channel by ReadOptions::channel semantics (label or index; empty = first ECG-like).
// Throws io::FormatError listing the available channels when none fits.
size_t choose_channel(const Record& record, const std::string& channel, const std::string& file);

}  // namespace somna::io
