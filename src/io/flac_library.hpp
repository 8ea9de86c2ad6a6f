#pragma once
// libFLAC, loaded the first time a FLAC-compressed WFDB signal file (formats 508, 516, 524) is read
// (dlopen) instead of linked: most runs never read one, and linking it made every start of `somna`
// load it and its libogg. Without the library installed only those formats are unavailable.

#include <FLAC/stream_decoder.h>

#include <string>

namespace somna::io {

// The libFLAC functions (and the one table) Somna uses, resolved from the loaded library.
struct FlacLibrary {
  decltype(&::FLAC__stream_decoder_new) decoder_new = nullptr;
  decltype(&::FLAC__stream_decoder_delete) decoder_delete = nullptr;
  decltype(&::FLAC__stream_decoder_set_md5_checking) set_md5_checking = nullptr;
  decltype(&::FLAC__stream_decoder_init_stream) init_stream = nullptr;
  decltype(&::FLAC__stream_decoder_process_until_end_of_metadata) process_metadata = nullptr;
  decltype(&::FLAC__stream_decoder_process_until_end_of_stream) process_stream = nullptr;
  const char* const* error_status_string = nullptr;  // FLAC__StreamDecoderErrorStatusString
};

// The library, loaded once per process (thread-safe). Throws io::UnsupportedError naming `file`
// (the file that needed it) when libFLAC cannot be loaded or lacks one of the symbols.
const FlacLibrary& flac_library(const std::string& file);

}  // namespace somna::io
