// See cohort.hpp: the report folders -> one row per record.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include "cohort/cohort.hpp"
#include "common/error.hpp"
#include "report/json_report.hpp"

namespace somna::cohort {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kErrorSuffix = ".error.txt";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(p.string(), "cannot be read");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::optional<double> number(const json& v) {
  if (!v.is_number()) return std::nullopt;
  return v.get<double>();
}

NightRow failed_row(const std::string& stem, const fs::path& folder, std::string error) {
  NightRow row;
  row.stem = row.record = stem;
  row.folder = folder.string();
  row.error = std::move(error);
  return row;
}

// REC.error.txt: the record's reason, without trailing line breaks.
NightRow error_row(const fs::path& file, const std::string& stem) {
  std::string err = slurp(file);
  while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
  return failed_row(stem, file.parent_path(), err.empty() ? "failed (empty error file)" : err);
}

// A parsed night report -> its row (throws json errors for missing members).
NightRow report_row(const json& j, const std::string& stem, const fs::path& folder) {
  const json& s = j.at("summary");
  const json& r = j.at("record");
  NightRow row;
  row.stem = stem;
  row.folder = folder.string();
  row.record = r.value("name", "");
  row.ahi = number(s.at("ahi"));
  row.severity = s.at("severity").is_string() ? s.at("severity").get<std::string>() : "";
  row.has_apnea = s.value("has_apnea", false);
  row.night_probability = number(s.at("night_probability"));
  row.recording_h = r.value("recording_s", 0.0) / 3600;
  row.analysable_h = r.value("analysable_s", 0.0) / 3600;
  row.apnea_minutes = number(s.at("apnea_minutes"));
  row.episodes = j.at("episodes").size();
  row.events = j.contains("events") ? j.at("events").size() : 0;
  row.mean_hr_bpm = number(j.at("heart_rate").at("mean_bpm"));
  row.detector = j.at("detector").value("name", "");
  row.beat_source = r.value("beat_source", "");
  row.note = s.value("ahi_note", "");
  return row;
}

// REC.json: its row; a failed row when it cannot be read; nothing (and a warning) when it is
// JSON of another kind.
std::optional<NightRow> json_row(const fs::path& file, const std::string& stem,
                                 std::vector<std::string>& warnings) {
  json j;
  try {
    j = json::parse(slurp(file));
  } catch (const std::exception& e) {
    return failed_row(stem, file.parent_path(),
                      "unreadable report " + file.string() + ": " + e.what());
  }
  const std::string schema = j.is_object() ? j.value("schema", "") : "";
  if (schema != report::kNightReportSchema) {
    warnings.push_back(file.string() + ": not a night report (schema '" + schema + "'), skipped");
    return std::nullopt;
  }
  try {
    return report_row(j, stem, file.parent_path());
  } catch (const std::exception& e) {
    return failed_row(stem, file.parent_path(),
                      "unreadable report " + file.string() + ": " + e.what());
  }
}

// Every row one folder holds, in directory order.
std::vector<NightRow> folder_rows(const fs::path& folder, std::vector<std::string>& warnings) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw Error(folder.string(), "not a folder of reports");
  std::vector<NightRow> rows;
  fs::directory_iterator it(folder, ec);
  if (ec) throw Error(folder.string(), "cannot be listed: " + ec.message());
  for (const auto& e : it) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.front() == '.' || !e.is_regular_file(ec)) continue;
    if (ends_with(name, kErrorSuffix)) {
      rows.push_back(error_row(e.path(), name.substr(0, name.size() - 10)));
    } else if (ends_with(name, ".json")) {
      if (auto row = json_row(e.path(), name.substr(0, name.size() - 5), warnings)) {
        rows.push_back(std::move(*row));
      }
    }
  }
  return rows;
}

// Which of two rows of one record to keep: a report before a failure, then the earlier folder.
bool preferred(const NightRow& a, size_t folder_a, const NightRow& b, size_t folder_b) {
  if (a.failed() != b.failed()) return !a.failed();
  return folder_a < folder_b;
}

std::string duplicate_warning(const NightRow& kept, const NightRow& dropped) {
  const auto what = [](const NightRow& r) {
    return (r.failed() ? "an error in " : "a report in ") + r.folder;
  };
  return kept.stem + ": " + what(kept) + " and " + what(dropped) + "; using " + what(kept);
}

}  // namespace

Cohort read_cohort(const std::vector<std::string>& folders) {
  Cohort c;
  std::map<std::string, std::pair<NightRow, size_t>> by_stem;  // sorted by stem
  for (size_t f = 0; f < folders.size(); ++f) {
    std::vector<NightRow> rows = folder_rows(folders[f], c.warnings);
    // Directory order varies: sort so that the warnings come out the same every time.
    std::sort(rows.begin(), rows.end(), [](const NightRow& a, const NightRow& b) {
      return a.stem != b.stem ? a.stem < b.stem : !a.failed() && b.failed();
    });
    for (NightRow& row : rows) {
      auto it = by_stem.find(row.stem);
      if (it == by_stem.end()) {
        std::string stem = row.stem;  // before `row` is moved from
        by_stem.emplace(std::move(stem), std::make_pair(std::move(row), f));
        continue;
      }
      auto& [held, held_f] = it->second;
      if (preferred(row, f, held, held_f)) {
        c.warnings.push_back(duplicate_warning(row, held));
        held = std::move(row);
        held_f = f;
      } else {
        c.warnings.push_back(duplicate_warning(held, row));
      }
    }
  }
  for (auto& [stem, held] : by_stem) c.rows.push_back(std::move(held.first));
  return c;
}

}  // namespace somna::cohort
