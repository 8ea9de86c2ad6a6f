#pragma once
// Writing a whole file in one go, with the errors every writer of ours needs: the path named,
// the system's reason, and a failed close (a full disk shows up there) not taken for success.
// A regular file is written to a temporary file beside it and renamed over it, so that a reader
// (a resumed batch deciding what is done, a concurrent shard rebuilding summary.csv) sees either
// the old file or the whole new one, never half of it, even when the writer is killed midway.
// Used by the annotation, challenge-answer and EDF+ writers, the JSON and HTML reports, the
// cohort table and page, the simulator's headers and the trainer's card, curves and CV files.

#include <string>
#include <string_view>

namespace somna::io {

// Creates or replaces `path` with `bytes`: through a hidden temporary file in the same folder
// (".NAME.tmp.PID.N", removed on failure; a killed writer leaves it behind, hidden, for readers
// of a folder to skip) and one rename, unless `path` exists and is not a
// plain file (a device such as /dev/null, a FIFO, a symbolic link), which is written in place.
// Throws io::FormatError naming the file ("cannot create: <reason>" or "write failed: <reason>").
void write_file(const std::string& path, std::string_view bytes);

}  // namespace somna::io
