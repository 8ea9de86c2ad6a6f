// Loading libFLAC on first use (flac_library.hpp).

#include "io/flac_library.hpp"

#include "common/error.hpp"
#include "common/shared_library.hpp"

#ifndef SOMNA_FLAC_SONAME
#define SOMNA_FLAC_SONAME "libFLAC.so.12"
#endif

namespace somna::io {

const FlacLibrary& flac_library(const std::string& file) {
  // C++11 makes this one initialisation thread-safe.
  static const LoadedFunctions<FlacLibrary> loaded = load_functions<FlacLibrary>(
      SOMNA_FLAC_SONAME, "libFLAC",
      "install Debian's libflac12 to read FLAC-compressed signal files (formats 508, 516, 524)",
      [](SharedLibrary& lib, FlacLibrary& f) {
        return lib.resolve("FLAC__stream_decoder_new", f.decoder_new) &&
               lib.resolve("FLAC__stream_decoder_delete", f.decoder_delete) &&
               lib.resolve("FLAC__stream_decoder_set_md5_checking", f.set_md5_checking) &&
               lib.resolve("FLAC__stream_decoder_init_stream", f.init_stream) &&
               lib.resolve("FLAC__stream_decoder_process_until_end_of_metadata",
                           f.process_metadata) &&
               lib.resolve("FLAC__stream_decoder_process_until_end_of_stream", f.process_stream) &&
               lib.resolve("FLAC__StreamDecoderErrorStatusString", f.error_status_string);
      });
  if (!loaded.error.empty()) throw UnsupportedError(file, loaded.error);
  return loaded.functions;
}

}  // namespace somna::io
