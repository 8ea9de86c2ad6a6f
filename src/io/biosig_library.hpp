#pragma once
// libbiosig, loaded the first time a file needs it (dlopen) instead of linked: it reads the
// formats Somna does not decode itself (GDF, SCP-ECG, ...), which most runs never see, and linking
// it made every start of `somna` load its dependencies (dcmtk, ICU, libxml2: ~3 ms of a 14 ms
// `somna --version`). Without the library installed only those formats are unavailable.

#include <biosig.h>

#include <string>

// biosig-dev.h defines isfinite as a macro when <cmath> has not been included before it; the
// macro would break std::isfinite in every file that includes this one.
#ifdef isfinite
#undef isfinite
#endif

namespace somna::io {

// The libbiosig functions Somna calls, resolved from the loaded library.
struct BiosigLibrary {
  decltype(&::constructHDR) construct_hdr = nullptr;
  decltype(&::destructHDR) destruct_hdr = nullptr;
  decltype(&::sopen) open = nullptr;
  decltype(&::sclose) close = nullptr;
  decltype(&::sread) read = nullptr;
  decltype(&::biosig_check_error) check_error = nullptr;
  decltype(&::biosig_get_startdatetime) start_datetime = nullptr;
  decltype(&::GetFileTypeString) file_type_string = nullptr;
  decltype(&::PhysDim3) phys_dim = nullptr;
};

// The library, loaded once per process (thread-safe). Throws io::UnsupportedError naming `file`
// (the file that needed it) when libbiosig cannot be loaded or lacks one of the functions.
const BiosigLibrary& biosig_library(const std::string& file);

}  // namespace somna::io
