// libFuzzer target: the upload path of the server — multipart parts -> server::stage_upload ->
// the staged record re-parsed and read. Input = the form's fs field up to the first '\n', then
// parts, each "@@<client file name>\n<content>", a part's content running up to the next "\n@@"
// or the end (at most 8 parts; seeds in fuzz/corpus/upload_fuzz/ show the layout).
//
// Properties checked, beyond "no crash, no uncaught exception other than HttpError/somna::Error":
//  - a WFDB upload's staged header has the same signals as the uploaded header, and signal i of
//    the staged header names a plain file name whose bytes (held for read_staged) equal the
//    uploaded part that signal i of the uploaded header named ("~" stays "~") — no channel swap,
//    no two signals pointed at one file that named two;
//  - an EDF/CSV upload's staged file holds the uploaded bytes;
//  - server::read_staged on it (normal limits) reads or throws a somna::Error, and the
//    message scrubbed by scrub_paths no longer names the staging folder.
// One TempDir (in /dev/shm when there is one) serves the whole process; its files are removed
// before every input.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/temp_dir.hpp"
#include "io/record.hpp"
#include "io/wfdb_header.hpp"
#include "server/http_error.hpp"
#include "server/upload.hpp"

namespace {

namespace fs = std::filesystem;

const somna::TempDir& staging() {
  static const somna::TempDir dir(fs::is_directory("/dev/shm") ? "/dev/shm" : "",
                                  "somna-upload-fuzz-");
  return dir;
}

void clear(const std::string& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    fs::remove_all(it->path(), ec);
  }
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) __builtin_trap();  // staged files must exist
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "upload_fuzz: property violated: %s\n", what);
  std::abort();
}

// Opt-in, for long runs while a known finding is open (as in wfdb_gap_fuzz):
// SOMNA_GAP_FUZZ_MAX_SAMPLES=N skips reading a staged WFDB record that has a "~" / format-0
// signal and declares more than N samples in all. Unset: every staged record is read.
bool skip_read(const somna::server::StagedRecord& s) {
  static const int64_t max_samples = [] {
    const char* v = std::getenv("SOMNA_GAP_FUZZ_MAX_SAMPLES");
    return v ? std::strtoll(v, nullptr, 10) : int64_t{0};
  }();
  if (max_samples <= 0 || somna::server::lower_extension(s.read_path) != ".hea") return false;
  const somna::io::WfdbHeader h = somna::io::parse_wfdb_header(slurp(s.read_path), "upload.hea");
  bool gap = false;
  int64_t frame_samples = 0;
  for (const auto& sig : h.signals) {
    gap = gap || sig.file_name == "~" || sig.format == 0;
    frame_samples += sig.samples_per_frame;
  }
  return gap && h.n_samples && frame_samples > 0 && *h.n_samples > max_samples / frame_samples;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace somna;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t first_nl = in.find('\n');
  if (first_nl == std::string_view::npos) return 0;
  const std::string fs_field(in.substr(0, first_nl));
  std::vector<server::UploadedPart> parts;
  size_t pos = first_nl + 1;
  while (pos + 2 <= in.size() && in.compare(pos, 2, "@@") == 0 && parts.size() < 8) {
    const size_t name_end = in.find('\n', pos + 2);
    if (name_end == std::string_view::npos) break;
    server::UploadedPart p;
    p.client_name = std::string(in.substr(pos + 2, name_end - pos - 2));
    size_t end = in.find("\n@@", name_end + 1);
    if (end == std::string_view::npos) end = in.size();
    p.content = in.substr(name_end + 1, end - name_end - 1);
    parts.push_back(std::move(p));
    pos = end == in.size() ? end : end + 1;
  }

  const TempDir& dir = staging();
  clear(dir.path());
  server::StagedRecord s;
  try {
    s = server::stage_upload(parts, fs_field, dir);
  } catch (const server::HttpError& e) {
    if (e.status() != 400 && e.status() != 415) fail("stage_upload: status other than 400/415");
    return 0;
  }
  if (s.read_path.empty() || fs::path(s.read_path).parent_path() != fs::path(dir.path()))
    fail("staged outside the staging folder");

  // Which part is the record's main file.
  std::map<std::string, const server::UploadedPart*> by_name;
  for (const auto& p : parts) by_name[server::client_file_name(p.client_name)] = &p;
  const auto main = by_name.find(s.client_file);
  if (main == by_name.end()) fail("client_file is not an uploaded part");

  if (server::lower_extension(s.read_path) == ".hea") {
    const io::WfdbHeader orig = io::parse_wfdb_header(main->second->content, "orig.hea");
    const std::string staged_text = slurp(s.read_path);
    const io::WfdbHeader staged = io::parse_wfdb_header(staged_text, "upload.hea");
    if (staged.is_multi_segment() || staged.signals.size() != orig.signals.size() ||
        staged.n_samples != orig.n_samples || staged.fs != orig.fs)
      fail("staged header describes another record");
    for (size_t i = 0; i < orig.signals.size(); ++i) {
      const io::WfdbSignalSpec &a = orig.signals[i], &b = staged.signals[i];
      if (a.format != b.format || a.samples_per_frame != b.samples_per_frame ||
          a.skew != b.skew || a.byte_offset != b.byte_offset || a.description != b.description)
        fail("staged signal line differs beyond its file name");
      if (a.file_name == "~") {
        if (b.file_name != "~") fail("a ~ signal got a file");
        continue;
      }
      if (b.file_name.find('/') != std::string::npos || b.file_name == "~")
        fail("staged signal file is not a plain name");
      const auto part = by_name.find(server::client_file_name(a.file_name));
      if (part == by_name.end()) fail("staged a signal whose file was not uploaded");
      const auto held = s.wfdb_files.find(b.file_name);
      if (held == s.wfdb_files.end() || held->second != part->second->content)
        fail("staged signal file does not hold the part the header named (channel swap)");
    }
  } else {
    if (slurp(s.read_path) != main->second->content) fail("staged file differs from the part");
  }

  if (skip_read(s)) return 0;
  try {
    const io::Record r = server::read_staged(s);
    for (const io::Channel& c : r.channels) {
      if (!(c.fs > 0)) fail("channel without a sampling frequency");
    }
  } catch (const Error& e) {
    const std::string msg = server::scrub_paths(e.what(), s, dir.path());
    if (msg.find(dir.path()) != std::string::npos) fail("scrubbed message names the temp folder");
  }
  return 0;
}
