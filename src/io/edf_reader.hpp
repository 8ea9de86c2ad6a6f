#pragma once
// EDF, EDF+ (continuous and discontinuous) and BDF/BDF+ recordings, plus the other formats
// libbiosig recognises (GDF, ...). The EDF/BDF header is parsed and validated here first — sizes,
// counts and numbers against the file's length — so that junk, truncated or absurd files become
// one io::FormatError before libbiosig (which decodes the samples) ever sees them. EDF+ data
// records carry their own onsets (time-keeping annotations); EDF+D gaps between records are
// kept on the timeline as NaN. Reference: https://www.edfplus.info/specs/ (EDF and EDF+).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/record.hpp"

namespace somna::io {

struct EdfSignalHeader {
  std::string label;  // e.g. "ECG", "EDF Annotations"
  std::string transducer;
  std::string units;  // physical dimension, e.g. "uV" (a Latin-1/UTF-8 micro sign is "u")
  std::string prefilter;
  double phys_min = 0, phys_max = 0;
  int64_t dig_min = 0, dig_max = 0;
  int64_t samples_per_record = 0;
  bool is_annotation = false;  // "EDF Annotations" / "BDF Annotations" (EDF+/BDF+ only)
  // Linear map: physical = (digital - baseline) / gain.
  double gain() const;
  double baseline() const;
};

struct EdfHeader {
  bool bdf = false;            // 24-bit samples (BioSemi)
  bool plus = false;           // EDF+/BDF+ (reserved field starts with "EDF+" / "BDF+")
  bool discontinuous = false;  // EDF+D / BDF+D
  std::string format;          // "EDF", "EDF+C", "EDF+D", "BDF", "BDF+C", "BDF+D"
  std::string patient, recording;
  DateTime start;  // from the start date/time fields (EDF+: 4-digit year from recording)
  int64_t header_bytes = 0;
  int64_t n_records = 0;       // data records (computed from the file size when the header says -1)
  double record_duration = 0;  // seconds per data record (0 only for annotation-only files)
  std::vector<EdfSignalHeader> signals;
  int64_t bytes_per_sample() const { return bdf ? 3 : 2; }
  int64_t bytes_per_record = 0;
  bool truncated = false;  // the file ends inside the data (only with allow_truncated)
};

// Size of the fixed part of the header (the signal part is 256 bytes per signal).
constexpr size_t kEdfFixedHeaderBytes = 256;
constexpr int64_t kEdfMaxSignals = 4096;

// True when `data` starts like an EDF ("0       ") or BDF ("\xffBIOSEMI") file.
bool looks_like_edf(const uint8_t* data, size_t size);

// Parses and validates the whole header (`data` holds at least its first `size` bytes; the full
// header is needed) against `file_size`. Throws io::FormatError naming `file` and the field for
// every malformed or absurd value: non-numeric fields, ns outside 1..4096, header length not
// 256*(ns+1), fs <= 0, digital min >= max, physical min == max, more bytes per record than is
// sane, and a file whose length does not match records * bytes per record (a short file is an
// error unless allow_truncated, which keeps the complete records).
EdfHeader parse_edf_header(const uint8_t* data, size_t size, uint64_t file_size,
                           const std::string& file, bool allow_truncated = false);

// One EDF+ time-stamped annotation list block (the annotation signal of one data record).
struct EdfRecordAnnotations {
  bool has_onset = false;
  double onset_s = 0;         // the record's start (first, time-keeping TAL)
  std::vector<Event> events;  // annotations with text
};
// Parses the TALs of one data record's annotation bytes. Throws io::FormatError on a malformed
// TAL (`where` names the record).
EdfRecordAnnotations parse_edf_tals(const uint8_t* data, size_t size, const std::string& file,
                                    const std::string& where);

// Reads an EDF/EDF+/BDF file (validated as above; samples decoded here, not by libbiosig).
// ReadOptions::channel keeps one channel (choose_channel rules); empty keeps all. ECG-like
// channels in V/uV/nV are converted to mV.
Record read_edf(const std::string& path, const ReadOptions& options);

// Other formats through libbiosig alone (GDF, SCP-ECG, ...): throws io::UnsupportedError when
// libbiosig does not recognise the file. libbiosig's parsers are NOT safe on hostile input (our
// fuzzing crashed them within seconds), so read_record only calls this for file extensions
// that name such a format (biosig_extension), never to sniff unknown files.
Record read_biosig(const std::string& path, const ReadOptions& options);

// Lower-case extensions (no dot) of formats read through libbiosig: gdf, scp, mwf, ...
bool biosig_extension(const std::string& extension);

}  // namespace somna::io
