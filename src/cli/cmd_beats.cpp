// `somna beats <record>`: detects the heartbeats of one ECG channel and writes them as WFDB
// annotations (.qrs or any other extension: readable by rdann/bxb) or as CSV (.csv: time_s,
// sample, rr_s, amp_mv, corrected), or prints a summary. Per-minute quality and the reasons for
// bad minutes are summarised; a signal without beats gives an empty list and its reason.

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "cli/beats_common.hpp"
#include "cli/command.hpp"
#include "common/error.hpp"
#include "common/progress_bar.hpp"
#include "dsp/beats.hpp"
#include "io/annotations.hpp"

namespace somna::cli {
namespace {

struct BeatsArgs {
  std::string input, out, channel;
  double fs = 0;
  bool progress = false;
};

bool ends_with_csv(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".csv";
}

void write_csv(const std::string& path, const dsp::Beats& beats, const dsp::RRSeries& rr,
               double fs) {
  std::ofstream f(path);
  if (!f) throw Error(path, "cannot open for writing");
  f << "time_s,sample,rr_s,amp_mv,corrected\n";
  for (size_t i = 0; i < beats.size(); ++i) {
    const double t = beats.r_time_s[i];
    f << fmt::format("{:.4f},{}", t, std::llround(t * fs));
    if (i == 0)
      f << ",,";
    else
      f << fmt::format(",{:.4f},", rr.rr_s[i - 1]);
    if (i < beats.r_amp_mv.size()) f << fmt::format("{:.4f}", beats.r_amp_mv[i]);
    f << ',' << (i > 0 && rr.corrected[i - 1] ? 1 : 0) << '\n';
  }
  if (!f) throw Error(path, "write failed");
}

void write_qrs(const std::string& path, const dsp::Beats& beats, double fs) {
  io::Annotations a;
  a.path = path;
  a.fs = fs;
  a.items.reserve(beats.size());
  int64_t last = -1;
  for (double t : beats.r_time_s) {
    const int64_t s = std::llround(t * fs);
    if (s <= last) continue;
    io::Annotation an;
    an.sample = s;
    an.code = io::ann::NORMAL;
    a.items.push_back(an);
    last = s;
  }
  io::write_annotations(path, a);
}

int run_beats(const BeatsArgs& a) {
  ProgressBar bar(a.progress, "beats");
  bar.set(0, "reading");
  std::string name;
  const io::Channel ch = read_ecg_channel(a.input, a.channel, a.fs, &name);
  bar.set(0.4, "detecting");
  dsp::DetectOptions opt;
  opt.progress = [&bar](double f) { bar.set(0.4 + 0.5 * f, "detecting"); };
  const dsp::Beats beats = dsp::detect_beats(ch, opt);
  const dsp::RRSeries rr = dsp::clean_rr(beats);
  const size_t n_min = static_cast<size_t>(std::ceil(ch.duration_s() / 60.0));
  const auto quality = dsp::minute_quality(&ch, beats, n_min);
  if (!a.out.empty()) {
    bar.set(0.95, "writing");
    if (ends_with_csv(a.out))
      write_csv(a.out, beats, rr, ch.fs);
    else
      write_qrs(a.out, beats, ch.fs);
  }
  bar.done();

  std::map<std::string, int> reasons;
  int bad = 0;
  for (const auto& q : quality)
    if (q.score < 0.5f) {
      ++bad;
      ++reasons[q.reason];
    }
  std::cout << fmt::format("{}: channel \"{}\" at {:g} Hz, {:.1f} min: {} beats", name, ch.name,
                           ch.fs, ch.duration_s() / 60.0, beats.size());
  if (beats.size() > 1) {
    const double span = beats.r_time_s.back() - beats.r_time_s.front();
    std::cout << fmt::format(", mean heart rate {:.1f}/min, {} RR intervals corrected",
                             60.0 * (beats.size() - 1) / span, rr.n_corrected());
  }
  std::cout << "\n";
  if (bad > 0) {
    std::cout << fmt::format("{} of {} minutes of poor quality:", bad, quality.size());
    for (const auto& [r, c] : reasons) std::cout << fmt::format(" {} {};", r, c);
    std::cout << "\n";
  }
  if (beats.size() == 0) {
    std::string why = "no ECG found";
    if (!quality.empty() && !quality[0].reason.empty()) why = quality[0].reason;
    if (quality.empty()) why = "signal too short";
    std::cerr << fmt::format("somna: no beats detected in {} ({})\n", a.input, why);
  }
  if (!a.out.empty()) std::cout << fmt::format("written: {}\n", a.out);
  return kExitOk;
}

SOMNA_COMMAND({"beats", "Detect heartbeats (QRS) in an ECG; write WFDB annotations or CSV",
               [](CLI::App& app) -> Runner {
                 auto a = std::make_shared<BeatsArgs>();
                 app.add_option("record", a->input,
                                "Recording: .hea (or record name), .edf/.bdf, .csv/.txt")
                     ->required();
                 app.add_option("--out", a->out,
                                "Output: file.csv (time_s,sample,rr_s,amp_mv,corrected) or a WFDB "
                                "annotation file (e.g. rec.qrs)");
                 app.add_option("--channel", a->channel, "ECG channel (label or 0-based index)");
                 app.add_option("--fs", a->fs, "Sampling frequency for CSV without time column")
                     ->check(CLI::PositiveNumber);
                 app.add_flag("--progress", a->progress, "Progress bar on stderr");
                 return [a]() { return run_beats(*a); };
               }});

}  // namespace
}  // namespace somna::cli
