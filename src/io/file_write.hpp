#pragma once
// Writing a whole file in one go, with the errors every writer of ours needs: the path named,
// the system's reason, and a failed close (a full disk shows up there) not taken for success.
// Used by the annotation, challenge-answer and EDF+ writers, the JSON and HTML reports, the
// simulator's headers and the trainer's card, curves and cross-validation files.

#include <string>
#include <string_view>

namespace somna::io {

// Creates or truncates `path` and writes `bytes`. Throws io::FormatError naming the file
// ("cannot create: <reason>" or "write failed: <reason>").
void write_file(const std::string& path, std::string_view bytes);

}  // namespace somna::io
