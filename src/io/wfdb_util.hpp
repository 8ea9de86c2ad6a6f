#pragma once
// Small helpers shared by the WFDB readers: strict number parsing (no locale, no overflow),
// whole-file reads with a size cap, and the file-name safety rule (a record may only name files
// inside its own folder). Kept apart so the header, signal and annotation parsers stay about
// their formats.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace somna::io::wfdb {

// Whole-token parses: the full text must be a number; nullopt otherwise (also on overflow).
std::optional<int64_t> parse_int(std::string_view text);
std::optional<double> parse_double(std::string_view text);  // finite values only

// Reads a whole file (binary). Throws io::FormatError naming the file when it cannot be opened,
// or when it is larger than max_bytes.
std::string read_text_file(const std::string& path, size_t max_bytes);
std::vector<uint8_t> read_binary_file(const std::string& path, size_t max_bytes);
// Size of a regular file in bytes, or nullopt when it does not exist / is not a regular file.
std::optional<uint64_t> file_size(const std::string& path);
bool file_exists(const std::string& path);

// Folder part of a path ("" for a bare name; otherwise ends without a slash), and joining.
std::string dir_of(const std::string& path);
std::string join_path(const std::string& dir, const std::string& name);
// Last path component.
std::string base_name(const std::string& path);

// True when `name` is a relative path that stays inside its folder: not empty, not absolute,
// no ".." component, no backslash or NUL. WFDB headers name their signal files and segments
// this way; anything else is refused so a header cannot make us read arbitrary files.
bool is_safe_relative_name(std::string_view name);

// The text as valid UTF-8: well-formed UTF-8 sequences are kept, any other byte is taken as
// Latin-1 (e.g. 0xB0 -> "°", as old WFDB headers write units). Header strings and annotation
// notes leave the io stage this way, so JSON output and the web page never meet invalid text.
std::string to_utf8(std::string_view text);

}  // namespace somna::io::wfdb
