// Uploaded parts -> files in a private temporary folder under server-chosen names (upload.hpp).

#include "server/upload.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <utility>

#include "common/error.hpp"
#include "io/wfdb_header.hpp"
#include "io/wfdb_record.hpp"
#include "server/http_error.hpp"

namespace somna::server {
namespace {

namespace fs = std::filesystem;

bool is_wfdb_header(const std::string& ext) {
  return ext == ".hea";
}
bool is_edf(const std::string& ext) {
  return ext == ".edf" || ext == ".bdf" || ext == ".rec";
}
bool is_csv(const std::string& ext) {
  return ext == ".csv" || ext == ".txt";
}

void write_file(const fs::path& p, std::string_view content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  // The server's own disk, not the client's input: an internal error (500), details in the log.
  if (!out) throw std::runtime_error(p.string() + ": cannot write the uploaded file");
}

std::string stem_of(const std::string& name) {
  const size_t dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

std::string join_names(const std::vector<std::string>& v) {
  std::string o;
  for (size_t i = 0; i < v.size(); ++i) o += (i ? ", " : "") + v[i];
  return o;
}

// An extension kept on a staged signal file: letters and digits only, at most 8.
std::string safe_extension(const std::string& name) {
  const std::string ext = lower_extension(name);
  if (ext.size() < 2 || ext.size() > 9) return ".dat";
  for (size_t i = 1; i < ext.size(); ++i) {
    if (!std::isalnum(static_cast<unsigned char>(ext[i]))) return ".dat";
  }
  return ext;
}

// Stages a WFDB record: the header rewritten to name upload.hea's own signal files.
StagedRecord stage_wfdb(const UploadedPart& hea, const std::vector<UploadedPart>& parts,
                        const fs::path& dir, bool write_signals) {
  const std::string hea_name = client_file_name(hea.client_name);
  io::WfdbHeader h;
  try {
    h = io::parse_wfdb_header(hea.content, hea_name);
  } catch (const io::UnsupportedError& e) {
    throw HttpError(415, e.what());
  } catch (const Error& e) {
    throw HttpError(400, e.what());
  }
  if (h.is_multi_segment()) {
    throw HttpError(415, hea_name +
                             ": multi-segment WFDB records cannot be uploaded; convert the "
                             "record to a single segment (e.g. with wfdb's snip/xform)");
  }
  // Uploaded parts by plain file name.
  std::map<std::string, const UploadedPart*> by_name;
  for (const UploadedPart& p : parts) by_name[client_file_name(p.client_name)] = &p;

  StagedRecord s;
  std::map<std::string, std::string> staged_name;  // header's file name -> staged name
  for (const io::WfdbSignalSpec& sig : h.signals) {
    if (sig.file_name == "~" || staged_name.count(sig.file_name)) continue;
    const std::string base = client_file_name(sig.file_name);
    const auto it = by_name.find(base);
    if (it == by_name.end()) {
      throw HttpError(400,
                      fmt::format("{} names {}, which was not uploaded", hea_name, sig.file_name));
    }
    const std::string name = fmt::format("signal{}{}", staged_name.size(), safe_extension(base));
    if (write_signals) write_file(dir / name, it->second->content);
    s.wfdb_files[name] = it->second->content;
    s.bytes += it->second->content.size();
    s.path_names[(dir / name).string()] = base;
    staged_name[sig.file_name] = name;
  }
  // The header with its record name and signal file names pointing at the staged files. The
  // parser's own lines decide which are signal lines; re-parsed, each signal must name the file
  // staged for the file it named before.
  const std::string out = io::rename_wfdb_header(h, hea.content, "upload", staged_name);
  io::WfdbHeader check = io::parse_wfdb_header(out, hea_name);
  if (check.signals.size() != h.signals.size()) {
    throw std::logic_error(hea_name + ": staged header has another number of signals");
  }
  for (size_t i = 0; i < h.signals.size(); ++i) {
    const auto it = staged_name.find(h.signals[i].file_name);
    const std::string& want = it == staged_name.end() ? h.signals[i].file_name : it->second;
    if (check.signals[i].file_name != want) {
      throw std::logic_error(hea_name + ": staged header names another file for signal " +
                             std::to_string(i));
    }
  }
  const fs::path hp = dir / "upload.hea";
  write_file(hp, out);
  s.bytes += out.size();
  s.read_path = hp.string();
  check.file = s.read_path;  // the staged header, as read_staged reads it (parsed once)
  s.wfdb = std::move(check);
  s.path_names[hp.string()] = hea_name;
  s.record_name = h.record_name.substr(0, 128);
  s.client_file = hea_name;
  return s;
}

}  // namespace

std::string client_file_name(std::string_view raw) {
  const size_t slash = raw.find_last_of("/\\");
  if (slash != std::string_view::npos) raw.remove_prefix(slash + 1);
  std::string out;
  for (char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) continue;
    out += c;
    if (out.size() >= 128) break;
  }
  if (out.empty() || out == "." || out == "..") return "unnamed";
  return out;
}

std::string lower_extension(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) return {};
  std::string ext = name.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

StagedRecord stage_upload(const std::vector<UploadedPart>& parts, const std::string& fs_field,
                          const TempDir& tmp, bool write_wfdb_signals) {
  if (parts.empty()) {
    throw HttpError(400,
                    "no files uploaded: send the recording as multipart field 'files' (a .hea "
                    "with its .dat, one .edf/.bdf, or a .csv with fs)");
  }
  std::set<std::string> seen;
  std::vector<const UploadedPart*> heads, edfs, csvs;
  std::vector<std::string> primaries;
  for (const UploadedPart& p : parts) {
    const std::string name = client_file_name(p.client_name);
    if (!seen.insert(name).second) throw HttpError(400, name + " was uploaded twice");
    const std::string ext = lower_extension(name);
    if (is_wfdb_header(ext)) heads.push_back(&p);
    if (is_edf(ext)) edfs.push_back(&p);
    if (is_csv(ext)) csvs.push_back(&p);
    if (is_wfdb_header(ext) || is_edf(ext) || is_csv(ext)) primaries.push_back(name);
  }
  if (primaries.size() > 1) {
    throw HttpError(400, "upload one record at a time; got " + join_names(primaries));
  }
  const fs::path dir(tmp.path());
  if (!heads.empty()) return stage_wfdb(*heads[0], parts, dir, write_wfdb_signals);

  if (primaries.empty()) {
    // No record: a signal file without its header, or a type Somna does not read.
    for (const UploadedPart& p : parts) {
      const std::string name = client_file_name(p.client_name);
      if (lower_extension(name) == ".dat") {
        throw HttpError(400,
                        name + " was uploaded without its WFDB header (" + stem_of(name) + ".hea)");
      }
    }
    const std::string name = client_file_name(parts[0].client_name);
    throw HttpError(415, name +
                             ": unknown format; upload a WFDB record (.hea with its .dat), one "
                             "EDF/BDF file (.edf, .bdf, .rec) or a CSV (.csv with fs)");
  }
  const UploadedPart& p = edfs.empty() ? *csvs[0] : *edfs[0];
  const std::string name = client_file_name(p.client_name);
  const std::string ext = lower_extension(name);
  StagedRecord s;
  if (!csvs.empty() && !fs_field.empty()) {
    char* end = nullptr;
    const double fs = std::strtod(fs_field.c_str(), &end);
    if (end == fs_field.c_str() || *end != '\0' || !std::isfinite(fs) || fs <= 0 || fs > 1e6) {
      throw HttpError(400, "fs must be a positive sampling frequency in Hz, got '" +
                               fs_field.substr(0, 32) + "'");
    }
    s.read_options.fs = fs;
  }
  const fs::path target = dir / ("upload" + ext);
  write_file(target, p.content);
  s.bytes = p.content.size();
  s.read_path = target.string();
  s.path_names[target.string()] = name;
  s.record_name = stem_of(name);
  s.client_file = name;
  return s;
}

io::Record read_staged(const StagedRecord& staged) {
  if (!staged.wfdb) return io::read_record(staged.read_path, staged.read_options);
  const std::string dir = fs::path(staged.read_path).parent_path().string();
  const io::WfdbOpener open = [&](const std::string& name) {
    // The staged header names only the files stage_wfdb held (and "~", which is never opened).
    const std::string_view bytes = staged.wfdb_files.at(name);
    return io::wfdb::memory_source((fs::path(dir) / name).string(),  // named as scrub_paths knows
                                   reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  };
  return io::read_wfdb_record(*staged.wfdb, open, staged.read_options);
}

std::string scrub_paths(const std::string& message, const StagedRecord& staged,
                        const std::string& temp_dir) {
  std::string m = message;
  auto replace_all = [&m](const std::string& from, const std::string& to) {
    if (from.empty()) return;
    for (size_t p = m.find(from); p != std::string::npos; p = m.find(from, p + to.size())) {
      m.replace(p, from.size(), to);
    }
  };
  // Longest paths first, so a folder does not eat the start of a file path.
  std::vector<std::pair<std::string, std::string>> v(staged.path_names.begin(),
                                                     staged.path_names.end());
  std::sort(v.begin(), v.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [path, name] : v) replace_all(path, name);
  for (const auto& [path, name] : v) replace_all(fs::path(path).filename().string(), name);
  replace_all(temp_dir + "/", "");
  replace_all(temp_dir, "upload");
  return m;
}

}  // namespace somna::server
