#pragma once
// WFDB header (.hea) parsing: the record line, one line per signal (single-segment records) or
// per segment (multi-segment records), and comment lines. Parses from text so that `somna info`,
// the signal reader and the fuzzer share one parser and no file is needed to test it.
// Reference: the WFDB header(5) format (https://physionet.org/physiotools/wag/header-5.htm).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/record.hpp"

namespace somna::io {

// One signal line: "file format[xspf][:skew][+offset] [gain[(baseline)][/units] [adcres [adczero
// [initval [checksum [blocksize [description]]]]]]]". Defaults follow the WFDB library.
struct WfdbSignalSpec {
  std::string file_name;        // as written, relative to the header's folder; "~" = no file
  size_t file_name_offset = 0;  // where file_name starts in the parsed (UTF-8) text
  int format = 0;               // 0, 8, 16, 24, 32, 61, 80, 160, 212, 310, 311, 508, 516, 524
  int samples_per_frame = 1;
  int64_t skew = 0;         // in frames
  int64_t byte_offset = 0;  // bytes before the first sample in the file
  double gain = 200;        // ADC units per physical unit (0 in the file means 200, uncalibrated)
  bool gain_given = false;
  double baseline = 0;  // ADC value of physical zero (defaults to adc_zero)
  std::string units = "mV";
  int adc_resolution = 0;  // bits (format default when absent)
  int64_t adc_zero = 0;
  int64_t initial_value = 0;  // first sample (needed by format 8); defaults to adc_zero
  std::optional<int64_t> checksum;
  int64_t block_size = 0;
  std::string description;  // signal name, e.g. "MLII"
};

// One segment line of a multi-segment header: "name nsamp"; name "~" is a null (gap) segment.
struct WfdbSegmentSpec {
  std::string name;
  int64_t length = 0;  // frames
};

struct WfdbHeader {
  std::string file;  // where it was read from (for messages); may be empty
  std::string record_name;
  size_t record_name_offset = 0;  // where record_name starts in the parsed (UTF-8) text
  int64_t n_segments = 0;         // 0: single-segment record
  int64_t n_signals = 0;
  double fs = 250;  // frame frequency (250 when absent, as in WFDB)
  std::optional<double> counter_freq;
  std::optional<double> base_counter;
  std::optional<int64_t> n_samples;  // frames per signal; absent in "headers without length"
  std::optional<DateTime> start;     // base time, with base date when given
  std::vector<WfdbSignalSpec> signals;
  std::vector<WfdbSegmentSpec> segments;
  std::vector<std::string> comments;  // text after '#', leading blanks removed
  bool is_multi_segment() const { return n_segments > 0; }
};

// The largest header accepted: a real one is a few kB (a 1,000-signal record with comments is
// under 100 kB); the bound keeps a hostile header from costing memory and time.
constexpr size_t kMaxWfdbHeaderBytes = size_t{256} << 10;

// Parses header text. `file` is only used in error messages. Throws io::FormatError naming the
// file, the line and the problem for any malformed or absurd value (fs <= 0, negative lengths,
// more signals declared than lines present, unsafe file names such as "../x.dat" or "/etc/x"),
// and for text longer than kMaxWfdbHeaderBytes.
WfdbHeader parse_wfdb_header(std::string_view text, const std::string& file);

// The header `text` (as UTF-8) with its record name replaced by `record_name` and each signal's
// file name replaced by `file_names[name]` where it has one, every other byte kept. `parsed` is
// parse_wfdb_header(text): the parser's own lines decide what is a signal line, so blank, CR-only
// and comment lines cannot shift them.
std::string rename_wfdb_header(const WfdbHeader& parsed, std::string_view text,
                               const std::string& record_name,
                               const std::map<std::string, std::string>& file_names);

// Reads and parses a header file (at most kMaxWfdbHeaderBytes).
WfdbHeader read_wfdb_header(const std::string& hea_path);

// Bits per sample a format stores by default (adc resolution when the header omits it).
int wfdb_default_resolution(int format);
// True for the signal formats this reader decodes.
bool wfdb_format_known(int format);

}  // namespace somna::io
