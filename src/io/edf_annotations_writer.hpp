#pragma once
// Writing EDF/EDF+: the header's fields as the text they hold (fixed widths, space-padded), the
// TAL encoding of an annotation, and an EDF+ file that holds only annotations — the "EDF
// Annotations" signal, as EDF+ stores scorings apart from the recording (a hypnogram, or here
// Somna's apnea episodes), readable by EDFbrowser, MNE (mne.read_annotations) and libbiosig.
// The test helper tests/io/edf_writer.hpp builds its (deliberately damaged) files from the same
// field and TAL code. Reference: https://www.edfplus.info/specs/edfplus.html (sections 2.1, 2.2).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/record.hpp"

namespace somna::io {

// One signal's header fields, as text (EDF numbers are ASCII in fixed-width fields).
struct EdfSignalFields {
  std::string label, transducer, units;
  std::string phys_min, phys_max, dig_min, dig_max;
  std::string prefilter, samples_per_record, reserved;
};

// The header's fields as text. version: "0" for EDF; a BDF file's 8 bytes are "\xffBIOSEMI".
// Empty header_bytes / n_signals are filled in from signals (256 * (ns + 1), ns).
struct EdfHeaderFields {
  std::string version = "0";
  std::string patient = "X X X X";  // EDF+: code sex birthdate name, X when unknown
  std::string recording;            // EDF+: "Startdate dd-MMM-yyyy admincode technician equipment"
  std::string start_date, start_time;  // "dd.mm.yy", "hh.mm.ss"
  std::string header_bytes, reserved;  // reserved: "EDF+C", "EDF+D", "BDF+C", ... or empty
  std::string n_records, record_duration, n_signals;
  std::vector<EdfSignalFields> signals;
};

// `text` cut to `width` bytes or padded with spaces to it.
std::string edf_field(std::string_view text, size_t width);
// The header record: 256 bytes plus 256 per signal (each signal field for all signals in turn).
std::string edf_header_bytes(const EdfHeaderFields& header);

// One time-stamped annotation list: onset, optional 0x15 duration, 0x14, the text, 0x14, 0x00
// ("+60\x15" "120\x14" "Apnea\x14\0"). An empty text gives a record's time-keeping TAL
// ("+0\x14\x14\0").
std::string edf_tal(std::string_view onset, std::string_view text = {},
                    std::string_view duration = {});
// Seconds as a TAL onset ("+60", "-0.5", "+12.25": sign always, no exponent, at most 6
// decimals) or, with sign false, as a duration ("120").
std::string edf_seconds_text(double seconds, bool sign = true);

// An EDF+ file whose only signal is "EDF Annotations".
struct EdfAnnotationFile {
  std::optional<DateTime> start;    // recording start; unknown date: 01.01.85 and "Startdate X"
  double duration_s = 0;            // recording length (the data records cover it)
  std::vector<Event> annotations;   // onset (s from start), duration (0: none given), text
  std::string equipment = "Somna";  // the recording field's equipment subfield (no blanks)
};

// The bytes of an EDF+C file of 60-second data records covering duration_s (at least one):
// each record's annotation signal holds its time-keeping TAL ("+0", "+60", ...) and then the
// annotations whose onset falls in it, in onset order, padded with zeros to the longest record's
// length. (libbiosig gives annotation-only files a rate of 1 / record duration: its event table
// then counts in minutes.)
// Throws io::FormatError naming `file` for text containing 0x00, 0x14 or 0x15, a negative or
// non-finite onset, duration or recording length.
std::string encode_edf_annotations(const EdfAnnotationFile& f, const std::string& file = {});
void write_edf_annotations(const std::string& path, const EdfAnnotationFile& f);

}  // namespace somna::io
