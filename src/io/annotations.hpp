#pragma once
// WFDB annotation files (MIT format): read and write, with SKIP, NUM, SUB, CHN and AUX fields.
// Used for beat labels (.atr, .qrs, .wqrs), per-minute apnea labels (.apn) and our own output.

#include <cstdint>
#include <string>
#include <vector>

namespace somna::io {

// Standard WFDB annotation codes used by Somna (the full table lives in annotations.cpp).
namespace ann {
constexpr int NORMAL = 1;   // 'N'
constexpr int APC = 8;      // 'A' — also 'apnea' in .apn files
constexpr int NOTE = 22;    // '"'
constexpr int ARFCT = 16;   // '|'
constexpr int RHYTHM = 28;  // '+'
}  // namespace ann

struct Annotation {
  int64_t sample = 0;  // sample index at the annotation's frequency
  int code = 0;        // 1..49 (0 = NOTQRS is never stored)
  int subtype = 0;
  int chan = 0;
  int num = 0;
  std::string aux;  // e.g. "(N" rhythm text
};

// A label an annotation file defines for itself (WFDB "## annotation type definitions" notes).
struct AnnotationLabel {
  int code = 0;
  std::string symbol;
  std::string description;
};

struct Annotations {
  std::string path;
  double fs = 0;  // frequency the sample numbers count in (from the record header when known)
  std::vector<Annotation> items;
  std::vector<AnnotationLabel> custom_labels;  // file-defined labels (rare; written back as read)
};

// Mnemonic ("N", "A", "V", "+", ...) for a code, and back (-1 when unknown).
std::string code_mnemonic(int code);
int code_from_mnemonic(const std::string& mnemonic);
// True for codes that mark a heartbeat (N, L, R, A, a, J, S, V, F, e, j, E, /, f, Q, ...).
bool is_beat_code(int code);

// Reads `record_path` + "." + extension (record_path may carry .hea or no extension; or a full
// annotation path with extension empty). fs comes from the record's header when present beside it.
// Throws io::FormatError naming the file when it cannot be read, is empty (a WFDB annotation file
// holds at least its end word) or is malformed.
Annotations read_annotations(const std::string& record_path, const std::string& extension = {});
// Writes MIT-format annotations; items must be sorted by sample. Throws io::FormatError on I/O.
void write_annotations(const std::string& path, const Annotations& annotations);

// The same, on bytes in memory (used by the readers above and by the fuzzer). parse: `file` only
// names the source in errors; fs is set from a "## time resolution" note when the file has one.
// encode: throws io::FormatError for values MIT format cannot hold (code outside 1..49,
// subtype/num outside -128..127, chan outside 0..255, aux over 255 bytes, unsorted samples).
Annotations parse_annotations(const uint8_t* data, size_t size, const std::string& file);
std::vector<uint8_t> encode_annotations(const Annotations& annotations);

}  // namespace somna::io
