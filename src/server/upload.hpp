#pragma once
// Uploaded files -> a record that io::read_record can read, without ever letting the client
// choose a path. The parts are written into a private temporary folder (TempDir, mode 0700) under
// names the server picks: "upload.hea" + "signal0.dat" ..., "upload.edf", "upload.csv" (a WFDB
// record's signal files are read from memory under those names instead: read_staged). A WFDB
// header is rewritten so that its record name and the signal file names it references point at
// those files; the names it referenced are matched against the uploaded parts by file name only,
// and a name that is not uploaded is a 400 that says which. Client file names are reduced to a
// plain base name and used only for matching and messages.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/temp_dir.hpp"
#include "io/record.hpp"
#include "io/wfdb_header.hpp"

namespace somna::server {

struct UploadedPart {
  std::string client_name;   // as sent (may hold folders or worse; never used as a path)
  std::string_view content;  // the bytes (owned by the HTTP request)
};

struct StagedRecord {
  std::string read_path;                          // what to give io::read_record
  io::ReadOptions read_options;                   // fs for CSV
  std::string record_name;                        // for the response (a name, not a path)
  std::string client_file;                        // the client's name of the main file
  std::map<std::string, std::string> path_names;  // server path -> client file name (messages)
  uint64_t bytes = 0;                             // bytes uploaded
  // A WFDB upload is read where it is, in the request's memory (an 8-hour night is not written
  // to disk and read back): its header as staged (signal files renamed "signalK.ext", its file
  // the staged header's path) and the bytes of each staged signal file by that name. They point
  // into the uploaded parts, which must outlive the reading.
  std::optional<io::WfdbHeader> wfdb;
  std::map<std::string, std::string_view> wfdb_files;
};

// A client's file name reduced to its last path component, control characters dropped, at most
// 128 bytes; "unnamed" when nothing is left.
std::string client_file_name(std::string_view raw);

// Lower-case extension with the dot (".hea"), empty when none.
std::string lower_extension(const std::string& name);

// Writes the parts of one record into `dir` and says how to read it. `fs_field`: the form's fs
// (empty when absent). Throws HttpError 400 (missing/mismatched/duplicate files, bad fs, a
// malformed or unsafe header), 415 (unknown type, multi-segment WFDB).
// A WFDB record's signal files are written only with write_wfdb_signals (--keep: for a later look
// at the upload); they are read from memory either way.
StagedRecord stage_upload(const std::vector<UploadedPart>& parts, const std::string& fs_field,
                          const TempDir& dir, bool write_wfdb_signals = false);

// The staged record, read: a WFDB upload from the request's memory, EDF and CSV from their
// staged file. Throws what io::read_record throws.
io::Record read_staged(const StagedRecord& staged);

// Replaces every server path of `staged` (and the temp folder) in `message` by the client's name.
std::string scrub_paths(const std::string& message, const StagedRecord& staged,
                        const std::string& temp_dir);

}  // namespace somna::server
