#pragma once
// Uploaded files -> a record on disk that io::read_record can read, without ever letting the client
// choose a path. The parts are written into a private temporary folder (TempDir, mode 0700) under
// names the server picks: "upload.hea" + "signal0.dat" ..., "upload.edf", "upload.csv". A WFDB
// header is rewritten so that its record name and the signal file names it references point at
// those files; the names it referenced are matched against the uploaded parts by file name only,
// and a name that is not uploaded is a 400 that says which. Client file names are reduced to a
// plain base name and used only for matching and messages.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/temp_dir.hpp"
#include "io/record.hpp"

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
  uint64_t bytes = 0;                             // bytes written
};

// A client's file name reduced to its last path component, control characters dropped, at most
// 128 bytes; "unnamed" when nothing is left.
std::string client_file_name(std::string_view raw);

// Lower-case extension with the dot (".hea"), empty when none.
std::string lower_extension(const std::string& name);

// Writes the parts of one record into `dir` and says how to read it. `fs_field`: the form's fs
// (empty when absent). Throws HttpError 400 (missing/mismatched/duplicate files, bad fs, a
// malformed or unsafe header), 415 (unknown type, multi-segment WFDB).
StagedRecord stage_upload(const std::vector<UploadedPart>& parts, const std::string& fs_field,
                          const TempDir& dir);

// Replaces every server path of `staged` (and the temp folder) in `message` by the client's name.
std::string scrub_paths(const std::string& message, const StagedRecord& staged,
                        const std::string& temp_dir);

}  // namespace somna::server
