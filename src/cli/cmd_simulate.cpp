// `somna simulate OUT`: writes a synthetic night as a WFDB record (OUT.hea + OUT.dat) with its
// per-minute truth (OUT.apn, 'A' apnea / 'N' normal) — either fully simulated
// (sim::random_night_spec or --no-apnea) or rendered from real beat times (--from-beats REC: REC's
// beat annotations, a slice of them with --start-min/--minutes, its .apn labels sliced alike), with
// the beat waveform averaged from a real recording (--template REC, e.g. MIT-BIH 100) or the
// Gaussian P-QRS-T. This is how data/samples/sample-night was made (data/samples/README.md).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "cli/command.hpp"
#include "common/error.hpp"
#include "io/annotations.hpp"
#include "io/record.hpp"
#include "sim/synthetic_night.hpp"
#include "sim/wfdb_writer.hpp"

namespace somna::cli {
namespace {

struct SimulateArgs {
  std::string out;
  double hours = 8;
  uint64_t seed = 1;
  bool no_apnea = false;
  double fs = 100;
  int format = 16;
  std::string from_beats, beats_ext = "qrs", labels_ext = "apn";
  double start_min = 0, minutes = 0;
  bool fill_missed = true;
  std::string template_record, template_ext = "atr", template_channel;
  std::string start_time;
  bool write_beats = false;
};

io::DateTime parse_time(const std::string& s) {
  io::DateTime t;
  int h = 0, m = 0, sec = 0;
  if (std::sscanf(s.c_str(), "%d:%d:%d", &h, &m, &sec) < 2 || h < 0 || h > 23 || m < 0 || m > 59 ||
      sec < 0 || sec > 59) {
    throw Error({}, "--start must be HH:MM[:SS], got '" + s + "'");
  }
  t.hour = h, t.minute = m, t.second = sec;
  return t;
}

sim::BeatTemplate load_template(const SimulateArgs& a) {
  io::ReadOptions ro;
  ro.channel = a.template_channel;
  const io::Record rec = io::read_record(a.template_record, ro);
  const size_t ch = io::choose_channel(rec, a.template_channel, rec.path);
  const io::Annotations ann = io::read_annotations(rec.path, a.template_ext);
  const double afs = ann.fs > 0 ? ann.fs : rec.channels[ch].fs;
  std::vector<double> t;
  for (const auto& it : ann.items) {
    if (it.code == io::ann::NORMAL) t.push_back(static_cast<double>(it.sample) / afs);
  }
  return sim::average_template(rec.channels[ch], t, a.fs);
}

int run_simulate(const SimulateArgs& a) {
  sim::NightSpec spec;
  io::Annotations labels;
  labels.fs = a.fs;
  std::string comment;
  size_t filled = 0;
  if (!a.from_beats.empty()) {
    const io::Annotations qrs = io::read_annotations(a.from_beats, a.beats_ext);
    if (qrs.fs <= 0) throw Error(qrs.path, "unknown annotation frequency (no header beside it)");
    const double t0 = a.start_min * 60;
    const double t1 = a.minutes > 0 ? t0 + a.minutes * 60 : 1e12;
    std::vector<double> beats;
    for (const auto& it : qrs.items) {
      const double t = static_cast<double>(it.sample) / qrs.fs;
      if (io::is_beat_code(it.code) && t >= t0 && t < t1) beats.push_back(t - t0);
    }
    if (beats.size() < 10) throw Error(qrs.path, "fewer than 10 beats in the chosen slice");
    if (a.fill_missed) beats = sim::fill_missed_beats(beats, &filled);
    spec.beat_times_s = beats;
    spec.hours = a.minutes > 0 ? a.minutes / 60 : 0;
    // Labels: the slice of the source's per-minute annotations, shifted to the new start.
    const std::string lab_path =
        std::filesystem::path(qrs.path).replace_extension(a.labels_ext).string();
    std::error_code ec;
    if (!a.labels_ext.empty() && std::filesystem::exists(lab_path, ec)) {
      const io::Annotations src = io::read_annotations(lab_path);
      const double lfs = src.fs > 0 ? src.fs : qrs.fs;
      for (const auto& it : src.items) {
        const double t = static_cast<double>(it.sample) / lfs;
        if (t < t0 || t >= t1) continue;
        io::Annotation x = it;
        x.sample = std::llround((t - t0) * a.fs);
        labels.items.push_back(x);
      }
    }
    comment = fmt::format(
        "rendered from beat annotations {} ({:.0f}-{:.0f} min, {} missed beats "
        "filled)",
        std::filesystem::path(qrs.path).filename().string(), a.start_min,
        a.minutes > 0 ? a.start_min + a.minutes : beats.back() / 60 + a.start_min, filled);
  } else {
    spec = sim::random_night_spec(a.seed, !a.no_apnea, a.hours);
    comment =
        fmt::format("synthetic night, seed {}, {} apnea episodes", a.seed, spec.episodes.size());
  }
  spec.fs = a.fs;
  spec.seed = a.seed;
  if (!a.template_record.empty()) {
    spec.beat_template = load_template(a);
    comment +=
        ", beat template from " + std::filesystem::path(a.template_record).filename().string();
  }
  sim::SimulatedNight night = sim::simulate_night(spec);
  if (a.from_beats.empty()) {
    for (size_t m = 0; m < night.minute_apnea.size(); ++m) {
      io::Annotation x;
      x.sample = std::llround(60.0 * double(m) * a.fs);
      x.code = night.minute_apnea[m] ? io::ann::APC : io::ann::NORMAL;
      labels.items.push_back(x);
    }
  }
  night.record.name = std::filesystem::path(a.out).filename().string();
  if (!a.start_time.empty()) night.record.start = parse_time(a.start_time);
  std::error_code ec;
  const auto parent = std::filesystem::path(a.out).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  sim::WfdbWriteOptions wo;
  wo.format = a.format;
  wo.comment = comment;
  sim::write_wfdb_record(a.out, night.record, wo);
  if (!labels.items.empty()) io::write_annotations(a.out + ".apn", labels);
  if (a.write_beats) {
    io::Annotations b;
    b.fs = a.fs;
    for (double t : night.r_time_s) {
      io::Annotation x;
      x.sample = std::llround(t * a.fs);
      x.code = io::ann::NORMAL;
      if (!b.items.empty() && x.sample <= b.items.back().sample) continue;
      b.items.push_back(x);
    }
    io::write_annotations(a.out + ".qrs", b);
  }
  std::cout << fmt::format("wrote {}.hea/.dat ({:.2f} h, {} beats, {} events){}\n", a.out,
                           night.record.channels[0].duration_s() / 3600, night.r_time_s.size(),
                           night.events.size(), labels.items.empty() ? "" : " and .apn labels");
  return kExitOk;
}

SOMNA_COMMAND(
    {"simulate", "Write a synthetic (or beat-rendered) ECG night as a WFDB record",
     [](CLI::App& app) -> Runner {
       auto a = std::make_shared<SimulateArgs>();
       app.add_option("out", a->out, "Output record path without extension")->required();
       app.add_option("--hours", a->hours, "Length of a simulated night")
           ->check(CLI::Range(0.01, 24.0));
       app.add_option("--seed", a->seed, "Random seed");
       app.add_flag("--no-apnea", a->no_apnea, "Simulate a night without apnea");
       app.add_option("--fs", a->fs, "Sampling frequency (Hz)")->check(CLI::Range(50.0, 1000.0));
       app.add_option("--format", a->format, "WFDB format: 16 or 212")
           ->check(CLI::IsMember({16, 212}));
       app.add_option("--from-beats", a->from_beats,
                      "Render the beat annotations of this record instead");
       app.add_option("--beats-ext", a->beats_ext, "Beat annotation extension (qrs)");
       app.add_option("--labels-ext", a->labels_ext,
                      "Per-minute label extension copied alongside (apn)");
       app.add_option("--start-min", a->start_min, "Slice start (minutes)")
           ->check(CLI::NonNegativeNumber);
       app.add_option("--minutes", a->minutes, "Slice length (minutes, 0 = to end)")
           ->check(CLI::NonNegativeNumber);
       app.add_flag("!--keep-missed-beats", a->fill_missed,
                    "Do not fill beats the annotation missed");
       app.add_option("--template", a->template_record,
                      "Record whose average beat is the waveform (e.g. MIT-BIH 100)");
       app.add_option("--template-ext", a->template_ext, "Its beat annotation extension (atr)");
       app.add_option("--template-channel", a->template_channel, "Its channel (label or index)");
       app.add_option("--start", a->start_time, "Wall-clock start HH:MM:SS");
       app.add_flag("--write-beats", a->write_beats, "Also write the true beats (.qrs)");
       return [a]() { return run_simulate(*a); };
     }});

}  // namespace
}  // namespace somna::cli
