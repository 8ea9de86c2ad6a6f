#pragma once
// The PhysioNet/Computers in Cardiology Challenge 2000 apnea answer format (event 2,
// "quantification of apnea"), laid out as Apnea-ECG's event-2-answers file and the challenge's
// templates: for each record a line with its name, then one line per hour of the recording, the
// 0-based hour right-aligned in two columns, a space and up to 60 letters, 'A' (apnea) or 'N'
// (normal), one per minute from the record's start; a blank line between records.
//
//   a01
//    0 NNNNNNNNNNNNNNNNNNNNNNNNNAAAAAAAAAAAAAAAAANNNNNNNNNNNNNNNNNN
//    1 NNNAAAAAAAAAAAAAAAAAAAAAAAAAAAANNNNNNNNNNNNNNNNNNNNNNNNAAAAA
//    2 AANAAAAAAAAAAAAAAAAANN
//
// `somna analyze --annotations` writes it; `somna eval --labels` reads it as reference labels.

#include <string>
#include <string_view>
#include <vector>

namespace somna::io {

struct ChallengeRecord {
  std::string name;     // record name, one token (no blanks)
  std::string minutes;  // one letter per minute: 'A' apnea, 'N' normal
};

// Parses challenge answers; `file` names the source in errors. Throws io::FormatError naming the
// file and "line N" for: an hour line before any record name, a letter other than A or N, more
// than 60 letters on a line, hours out of order (each record counts 0, 1, 2, ...), an hour with
// fewer than 60 letters that is not its record's last, a record without hour lines, a record
// named twice, and a line that is neither a record name nor an hour line. A trailing CR on a line
// and blank lines anywhere are allowed.
std::vector<ChallengeRecord> parse_challenge_answers(std::string_view text,
                                                     const std::string& file);
// Reads a file of them (at most 64 MiB). Errors as above; io::FormatError when it cannot be read.
std::vector<ChallengeRecord> read_challenge_answers(const std::string& path);

// The text of `records` in the layout above. Throws io::FormatError (naming `file`) for an empty
// or blank-containing record name or a minute that is not 'A' or 'N'.
std::string format_challenge_answers(const std::vector<ChallengeRecord>& records,
                                     const std::string& file = {});
void write_challenge_answers(const std::string& path, const std::vector<ChallengeRecord>& records);

// True when the first non-blank line of `text` is a single token without a comma (a record name),
// i.e. the text is challenge answers rather than a CSV with a header.
bool looks_like_challenge_answers(std::string_view text);

}  // namespace somna::io
