// `somna eval-beats <record>... --ref atr`: beat-by-beat comparison (ANSI/AAMI EC57 style,
// 150 ms matching window, optionally skipping the first 5 minutes) of our detector, or of another
// annotation file (--test qrs), against reference annotations; TP, FN, FP, Se and +P per record
// and in total. --require P makes the exit code 1 when the total Se or +P is below P percent.

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/beats_common.hpp"
#include "cli/command.hpp"
#include "common/error.hpp"
#include "dsp/beats.hpp"
#include "eval/beat_comparison.hpp"
#include "io/annotations.hpp"

namespace somna::cli {
namespace {

struct EvalArgs {
  std::vector<std::string> records;
  std::string ref = "atr", test, channel;
  double skip_s = 0, window_s = 0.15, require = -1;
};

std::string strip_hea(const std::string& p) {
  if (p.size() > 4 && p.compare(p.size() - 4, 4, ".hea") == 0) return p.substr(0, p.size() - 4);
  return p;
}

int run_eval(const EvalArgs& a) {
  eval::BeatMatchOptions opt;
  opt.window_s = a.window_s;
  opt.skip_s = a.skip_s;
  const std::string test_name = a.test.empty() ? "somna-qrs" : a.test;
  std::cout << fmt::format("{:<16} {:<18} {:>7} {:>6} {:>6} {:>8} {:>8}\n", "record", "test", "TP",
                           "FN", "FP", "Se %", "+P %");
  eval::BeatMatch total;
  int failed = 0;
  for (const std::string& rec_in : a.records) {
    const std::string rec = strip_hea(rec_in);
    try {
      const dsp::Beats ref = read_beat_annotations(rec, a.ref);
      dsp::Beats test;
      std::string label = test_name;
      if (!a.test.empty()) {
        test = read_beat_annotations(rec, a.test);
      } else {
        const io::Channel ch = read_ecg_channel(rec, a.channel, 0);
        label += " (" + ch.name + ")";
        test = dsp::detect_beats(ch);
      }
      const eval::BeatMatch m = eval::compare_beats(ref.r_time_s, test.r_time_s, opt);
      total += m;
      std::cout << fmt::format("{:<16} {:<18} {:>7} {:>6} {:>6} {:>8.3f} {:>8.3f}\n",
                               std::filesystem::path(rec).filename().string(), label, m.tp, m.fn,
                               m.fp, m.se(), m.ppv());
    } catch (const Error& e) {
      ++failed;
      std::cerr << "somna: error: " << e.what() << "\n";
    }
  }
  std::cout << fmt::format("{:<16} {:<18} {:>7} {:>6} {:>6} {:>8.3f} {:>8.3f}\n", "total",
                           test_name, total.tp, total.fn, total.fp, total.se(), total.ppv());
  std::cout << fmt::format("(matching window {:g} ms, first {:g} s skipped, reference .{})\n",
                           1000 * a.window_s, a.skip_s, a.ref);
  if (failed > 0) return kExitBadInput;
  if (a.require >= 0 && (total.se() < a.require || total.ppv() < a.require)) return kExitFailure;
  return kExitOk;
}

SOMNA_COMMAND(
    {"eval-beats",
     "Score beat detection against reference annotations (TP, FN, FP, Se, +P; EC57 style)",
     [](CLI::App& app) -> Runner {
       auto a = std::make_shared<EvalArgs>();
       app.add_option("records", a->records, "WFDB records (path without extension or .hea)")
           ->required();
       app.add_option("--ref", a->ref, "Reference annotation extension (default atr)");
       app.add_option("--test", a->test,
                      "Annotation extension to score instead of our detector (e.g. qrs)");
       app.add_option("--skip-first", a->skip_s, "Seconds ignored at the start (EC57: 300)")
           ->check(CLI::NonNegativeNumber);
       app.add_option("--window", a->window_s, "Matching window in seconds (default 0.15)")
           ->check(CLI::PositiveNumber);
       app.add_option("--channel", a->channel, "ECG channel for our detector (label or index)");
       app.add_option("--require", a->require,
                      "Exit 1 when the total Se or +P is below this percentage");
       return [a]() { return run_eval(*a); };
     }});

}  // namespace
}  // namespace somna::cli
