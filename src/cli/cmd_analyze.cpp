// `somna analyze <record|DIR>`: one night -> summary table + hourly timeline on the terminal,
// --json / --html reports (FILE or '-' for standard output); a directory -> one JSON + HTML report
// per record in --out plus summary.csv (cohort/cohort.hpp), resumable (records whose reports
// exist are skipped; reports are written whole, io/file_write.hpp), --shard i/N (0-based i) or
// --shard auto (from the array job's environment, cohort/shard.hpp) for array jobs, --jobs N
// threads across nights. --beats EXT uses the beat annotations beside each record (e.g.
// Apnea-ECG's .qrs) instead of detecting beats, so header-only nights work. --annotations [DIR]
// adds the per-minute answer in the field's formats (WFDB .sapn, CinC 2000 challenge answers,
// EDF+ episodes, minute CSV; report/field_formats.hpp) per record, in DIR or else beside the
// reports in --out.

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "analysis/night_report.hpp"
#include "cli/beats_common.hpp"
#include "cli/command.hpp"
#include "cli/detector_choice.hpp"
#include "cohort/cohort.hpp"
#include "cohort/shard.hpp"
#include "common/error.hpp"
#include "dsp/beats.hpp"
#include "io/annotations.hpp"
#include "io/file_write.hpp"
#include "io/record.hpp"
#include "report/field_formats.hpp"
#include "report/html_report.hpp"
#include "report/json_report.hpp"
#include "report/terminal_report.hpp"

namespace somna::cli {
namespace {

namespace fs = std::filesystem;

struct AnalyzeArgs {
  std::string input;
  std::string beats_ext;
  std::string detector;
  std::string json_path, html_path, out_dir;
  bool annotations = false;     // --annotations given
  std::string annotations_dir;  // its folder (empty: --out)
  int jobs = 1;
  std::string shard;
  std::string channel;
  double fs = 0;
  bool progress = false;
  bool ascii = false;
  bool force = false;
};

struct Loaded {
  io::Record record;
  analysis::Options options;
};

// Reads a record (and its external beats when asked). With --beats, a record whose signal file is
// missing is read header-only: the beats carry the night.
Loaded load(const std::string& path, const AnalyzeArgs& a) {
  Loaded l;
  io::ReadOptions ro;
  ro.channel = a.channel;
  ro.fs = a.fs;
  if (!a.beats_ext.empty()) {
    try {
      l.record = io::read_record(path, ro);
    } catch (const io::FormatError& e) {
      spdlog::debug("{}: {}; using the header and the .{} beats only", path, e.what(), a.beats_ext);
      ro.header_only = true;
      l.record = io::read_record(path, ro);
    } catch (const io::UnsupportedError& e) {
      ro.header_only = true;
      l.record = io::read_record(path, ro);
    }
    l.options.beats = read_beat_annotations(l.record.path, a.beats_ext, l.record.duration_s());
  } else {
    try {
      l.record = io::read_record(path, ro);
    } catch (const io::FormatError& e) {
      // A header whose signal file is missing but which has beat annotations beside it.
      const fs::path p(path);
      std::error_code ec;
      for (const char* ext : {"qrs", "atr"}) {
        const fs::path ann = p.parent_path() / (p.stem().string() + "." + ext);
        if (fs::exists(ann, ec)) {
          throw io::FormatError(e.file(),
                                e.message() + " (to analyse its beat annotations " +
                                    ann.filename().string() + ", add --beats " + ext + ")",
                                e.where());
        }
      }
      throw;
    }
  }
  l.options.channel = a.channel;
  return l;
}

std::string generator() {
  return std::string("somna ") + SOMNA_VERSION;
}

// Per-minute reference labels from an .apn file beside the record (Apnea-ECG convention: 'A'
// apnea, 'N' normal, one per minute), for the HTML comparison band; empty when there is none.
void add_reference(const io::Record& rec, size_t n_minutes, report::HtmlOptions& ho) {
  const fs::path p = fs::path(rec.path).parent_path() / (rec.name + ".apn");
  std::error_code ec;
  if (rec.path.empty() || !fs::is_regular_file(p, ec)) return;
  try {
    const io::Annotations a = io::read_annotations(p.string());
    if (a.fs <= 0) return;
    std::vector<int8_t> ref(n_minutes, -1);
    for (const auto& it : a.items) {
      if (it.code != io::ann::APC && it.code != io::ann::NORMAL) continue;
      const long k = std::lround(double(it.sample) / a.fs / 60);
      if (k >= 0 && size_t(k) < n_minutes) ref[size_t(k)] = it.code == io::ann::APC ? 1 : 0;
    }
    ho.reference_minutes = std::move(ref);
    ho.reference_source = p.filename().string();
  } catch (const Error& e) {
    spdlog::warn("{}: reference labels not shown ({})", p.string(), e.what());
  }
}

// Log lines (spdlog writes to standard output by default) to standard error, at the same level,
// so that a report written to standard output stays valid JSON / HTML.
void move_logs_to_stderr() {
  const auto previous = spdlog::default_logger();
  auto logger = spdlog::stderr_color_mt("somna-stderr");
  logger->set_level(previous->level());
  logger->set_pattern("%^%l%$: %v");
  spdlog::set_default_logger(logger);
}

// "-" as a report path: standard output.
bool is_stdout(const std::string& path) {
  return path == "-";
}

// Writes one report to `path`, or to standard output for "-"; `what` names it in the note on
// `notes` ("JSON report: r.json").
void emit_report(const std::string& path, const std::string& what, const std::string& text,
                 std::ostream& notes) {
  if (is_stdout(path)) {
    std::cout << text << std::flush;
    if (!std::cout) throw Error("-", "write to standard output failed");
    return;
  }
  io::write_file(path, text);
  notes << what << " report: " << path << '\n';
}

// The folder --annotations writes to: its own, else --out. Empty when not asked for.
std::string annotations_folder(const AnalyzeArgs& a) {
  if (!a.annotations) return {};
  const std::string dir = a.annotations_dir.empty() ? a.out_dir : a.annotations_dir;
  if (dir.empty())
    throw Error({}, "--annotations needs a folder: --annotations DIR (or --out DIR)");
  return dir;
}

// Sample rate of the WFDB minute annotations: the ECG's, else the header's frame rate (nights
// analysed from beats only), else Apnea-ECG's 100 Hz (the file states its rate either way).
double annotation_fs(const analysis::NightReport& rep, const io::Record& rec) {
  if (rep.fs > 0) return rep.fs;
  if (rec.frame_fs > 0) return rec.frame_fs;
  return 100;
}

void emit_annotations(const analysis::NightReport& rep, const io::Record& rec,
                      const std::string& dir, std::ostream& notes) {
  const report::AnnotationFiles f =
      report::write_annotation_files(rep, dir, annotation_fs(rep, rec));
  notes << "Annotations: " << f.wfdb << ", " << f.challenge << ", " << f.edf << ", " << f.csv
        << '\n';
}

int run_single(const AnalyzeArgs& a, const analysis::Detector& det) {
  if (is_stdout(a.json_path) && is_stdout(a.html_path))
    throw Error({}, "--json - and --html - both name standard output; give one of them a file");
  // A report on standard output keeps it clean: the summary and notes go to standard error.
  const bool report_on_stdout = is_stdout(a.json_path) || is_stdout(a.html_path);
  std::ostream& human = report_on_stdout ? std::cerr : std::cout;
  if (report_on_stdout) move_logs_to_stderr();
  if (a.progress) std::cerr << "reading " << a.input << " ...\n";
  const Loaded l = load(a.input, a);
  if (a.progress) {
    std::cerr << fmt::format("analysing {} ({}) with {} ...\n", l.record.name,
                             report::format_duration(l.record.duration_s()), det.info().name);
  }
  const analysis::NightReport rep = analysis::analyze_night(l.record, det, l.options);
  report::TerminalOptions to;
  to.ascii = a.ascii;
  to.color = isatty(report_on_stdout ? STDERR_FILENO : STDOUT_FILENO) != 0;
  human << report::terminal_summary(rep) << '\n' << report::terminal_timeline(rep, to);
  std::string json = a.json_path, html = a.html_path;
  if (!a.out_dir.empty()) {
    fs::create_directories(a.out_dir);
    const std::string stem = rep.record_name.empty() ? "night" : rep.record_name;
    if (json.empty()) json = (fs::path(a.out_dir) / (stem + ".json")).string();
    if (html.empty()) html = (fs::path(a.out_dir) / (stem + ".html")).string();
  }
  for (const std::string& p : {json, html}) {
    if (p.empty() || is_stdout(p)) continue;
    const auto parent = fs::path(p).parent_path();
    std::error_code ec;
    if (!parent.empty()) fs::create_directories(parent, ec);
  }
  if (!json.empty())
    emit_report(json, "JSON", report::night_report_json(rep).dump(2) + "\n", human);
  if (!html.empty()) {
    report::HtmlOptions ho;
    ho.generator = generator();
    add_reference(l.record, rep.minutes.size(), ho);
    emit_report(html, "HTML", report::html_report(rep, &l.record, ho), human);
  }
  const std::string ann_dir = annotations_folder(a);
  if (!ann_dir.empty()) emit_annotations(rep, l.record, ann_dir, human);
  return kExitOk;
}

// Somna's own EDF+ annotation files (REC.annotations.edf) are not recordings.
bool is_annotation_output(const fs::path& p) {
  const std::string n = p.filename().string();
  const std::string suffix = ".annotations.edf";
  return n.size() > suffix.size() &&
         n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Records in a directory: WFDB headers, EDF/BDF files; sorted by name.
std::vector<fs::path> list_records(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file() || is_annotation_output(e.path())) continue;
    std::string ext = e.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    if (ext == ".hea" || ext == ".edf" || ext == ".bdf") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// summary.csv from every report in the output folder (so a resumed or sharded run is complete);
// `somna summary` writes the same table from one or more such folders.
void write_summary(const fs::path& out_dir) {
  const cohort::Cohort c = cohort::read_cohort({out_dir.string()});
  for (const std::string& w : c.warnings) spdlog::warn("{}", w);
  cohort::write_cohort_csv(c, (out_dir / "summary.csv").string());
}

// REC.error.txt: why a record failed (read back by the summary). A failure to write it is
// added to the record's line rather than thrown from the worker.
void write_error_file(const fs::path& file, const std::string& what, std::string& line) {
  try {
    io::write_file(file.string(), what + "\n");
  } catch (const std::exception& e) {
    line += fmt::format(" (and {})", e.what());
  }
}

// Whether a record's reports (and, when asked for, its annotation files) exist already.
bool is_done(const fs::path& out, const std::string& stem, const std::string& ann_dir) {
  std::error_code ec;
  std::vector<fs::path> files = {out / (stem + ".json"), out / (stem + ".html")};
  if (!ann_dir.empty()) {
    const report::AnnotationFiles f = report::annotation_paths(ann_dir, stem);
    files.insert(files.end(), {f.wfdb, f.challenge, f.edf, f.csv});
  }
  return std::all_of(files.begin(), files.end(),
                     [&](const fs::path& f) { return fs::exists(f, ec); });
}

int run_batch(const AnalyzeArgs& a, const analysis::Detector& det) {
  if (a.out_dir.empty()) throw Error(a.input, "a directory needs --out DIR for the reports");
  if (!a.json_path.empty() || !a.html_path.empty()) {
    throw Error(a.input, "--json/--html name one report; for a directory use --out DIR");
  }
  const fs::path out(a.out_dir);
  fs::create_directories(out);
  std::vector<fs::path> all = list_records(a.input);
  const cohort::Shard shard = cohort::resolve_shard(a.shard);
  std::vector<fs::path> mine;
  for (size_t k = 0; k < all.size(); ++k) {
    if (cohort::in_shard(k, shard)) mine.push_back(all[k]);
  }
  const std::string ann_dir = annotations_folder(a);
  std::vector<fs::path> todo;
  size_t skipped = 0;
  for (const fs::path& p : mine) {
    if (!a.force && is_done(out, p.stem().string(), ann_dir)) {
      ++skipped;
      continue;
    }
    todo.push_back(p);
  }
  spdlog::info(
      "{} records in {}, {} in shard {}/{} ({}), {} already done, {} to analyse with {} job(s)",
      all.size(), a.input, mine.size(), shard.index, shard.count, shard.source, skipped,
      todo.size(), a.jobs);
  std::atomic<size_t> next{0}, done{0}, failed{0};
  std::mutex io_mutex;
  auto worker = [&]() {
    for (;;) {
      const size_t k = next.fetch_add(1);
      if (k >= todo.size()) return;
      const fs::path& p = todo[k];
      const std::string stem = p.stem().string();
      std::string line;
      try {
        const Loaded l = load(p.string(), a);
        const analysis::NightReport rep = analysis::analyze_night(l.record, det, l.options);
        report::write_json_report(rep, (out / (stem + ".json")).string());
        report::HtmlOptions ho;
        ho.generator = generator();
        add_reference(l.record, rep.minutes.size(), ho);
        report::write_html_report(rep, &l.record, (out / (stem + ".html")).string(), ho);
        if (!ann_dir.empty()) {
          report::write_annotation_files(rep, ann_dir, annotation_fs(rep, l.record));
        }
        std::error_code ec;
        fs::remove(out / (stem + ".error.txt"), ec);
        line = rep.ahi ? fmt::format("{:<12} AHI {:5.1f}  {}", stem, *rep.ahi,
                                     analysis::severity_name(rep.severity))
                       : fmt::format("{:<12} no AHI ({})", stem, rep.ahi_note);
      } catch (const std::exception& e) {
        ++failed;
        line = fmt::format("{:<12} FAILED: {}", stem, e.what());
        write_error_file(out / (stem + ".error.txt"), e.what(), line);
      }
      const size_t d = ++done;
      std::lock_guard<std::mutex> lock(io_mutex);
      if (a.progress) line = fmt::format("[{}/{}] ", d, todo.size()) + line;
      std::cout << line << std::endl;
    }
  };
  const int n_threads = std::max(1, std::min<int>(a.jobs, static_cast<int>(todo.size())));
  std::vector<std::thread> threads;
  for (int t = 1; t < n_threads; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  write_summary(out);
  std::cout << fmt::format("{} analysed, {} skipped (done before), {} failed; summary: {}\n",
                           todo.size() - failed.load(), skipped, failed.load(),
                           (out / "summary.csv").string());
  return failed.load() > 0 ? kExitFailure : kExitOk;
}

int run_analyze(const AnalyzeArgs& a) {
  const std::unique_ptr<analysis::Detector> det = choose_detector(a.detector);
  std::error_code ec;
  if (fs::is_directory(a.input, ec)) return run_batch(a, *det);
  if (!a.shard.empty()) throw Error(a.input, "--shard applies to a directory of records");
  return run_single(a, *det);
}

SOMNA_COMMAND({"analyze", "Analyse a night (or a folder of nights): apnea timeline, AHI, report",
               [](CLI::App& app) -> Runner {
                 auto a = std::make_shared<AnalyzeArgs>();
                 app.add_option("input", a->input, "Record (.hea, .edf, .csv, ...) or a directory")
                     ->required();
                 app.add_option("--beats", a->beats_ext,
                                "Use the beat annotations beside the record with this extension "
                                "(e.g. qrs) instead of detecting beats");
                 app.add_option("--detector", a->detector,
                                "cvhr, or a model file (default: models/default.safetensors when "
                                "present, else cvhr)");
                 app.add_option("--json", a->json_path,
                                "Write the JSON report here ('-': standard output; the summary "
                                "then goes to standard error)");
                 app.add_option("--html", a->html_path,
                                "Write the HTML report here ('-': standard output; the summary "
                                "then goes to standard error)");
                 app.add_option("--out", a->out_dir,
                                "Folder for reports (required for a directory input)");
                 CLI::Option* ann =
                     app.add_option("--annotations", a->annotations_dir,
                                    "Also write the per-minute answer in the field's formats "
                                    "into this folder (default: --out): REC.sapn (WFDB, as "
                                    ".apn), REC.challenge.txt (CinC 2000), REC.annotations.edf "
                                    "(EDF+ apnea episodes), REC.minutes.csv")
                         ->expected(0, 1);
                 app.add_option("--jobs,-j", a->jobs, "Nights analysed in parallel")
                     ->check(CLI::Range(1, 256));
                 app.add_option("--shard", a->shard,
                                "i/N: analyse only records k with k % N == i (0-based); auto: "
                                "i and N from a Slurm job array (SLURM_ARRAY_TASK_ID/COUNT/MIN) "
                                "or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, "
                                "SOMNA_SHARD_COUNT)");
                 app.add_option("--channel", a->channel, "ECG channel (label or 0-based index)");
                 app.add_option("--fs", a->fs, "Sampling frequency for CSV without time column")
                     ->check(CLI::PositiveNumber);
                 app.add_flag("--progress", a->progress, "Show progress while analysing");
                 app.add_flag("--ascii", a->ascii, "A/N letters in the timeline instead of blocks");
                 app.add_flag("--force", a->force, "Re-analyse records whose reports exist");
                 return [a, ann]() {
                   a->annotations = ann->count() > 0;
                   return run_analyze(*a);
                 };
               }});

}  // namespace
}  // namespace somna::cli
