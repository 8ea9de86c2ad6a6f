// Proof of the QRS detector on MIT-BIH Arrhythmia record 100 against its reference .atr: both
// leads, the WFDB machine detector's .qrs side by side, and robustness (resampled to 100/128 Hz
// with an anti-alias filter, inverted, with Gaussian noise and baseline wander at stated SNRs).

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "dsp/beats.hpp"
#include "dsp/filters.hpp"
#include "eval/beat_comparison.hpp"
#include "io/annotations.hpp"
#include "io/record.hpp"
#include "support/shared_data.hpp"

namespace somna::dsp {
namespace {

const std::string kRecord = test::kWfdbSamples + "/100";

bool have_record() {
  return std::filesystem::exists(kRecord + ".hea");
}

std::vector<double> reference_beats() {
  return beats_from_annotations(io::read_annotations(kRecord, "atr")).r_time_s;
}

eval::BeatMatch score(const io::Channel& ch) {
  const Beats b = detect_beats(ch);
  const eval::BeatMatch m = eval::compare_beats(reference_beats(), b.r_time_s);
  std::printf("  %-28s TP %6zu FN %4zu FP %4zu Se %7.3f %% +P %7.3f %% |err| %.1f ms\n",
              (ch.name + " @" + std::to_string(static_cast<int>(ch.fs)) + " Hz").c_str(), m.tp,
              m.fn, m.fp, m.se(), m.ppv(), 1000 * m.mean_abs_err_s());
  return m;
}

// Resamples by linear interpolation after a zero-phase anti-alias low-pass at 0.4 * new fs.
io::Channel resampled(const io::Channel& ch, double fs_new) {
  std::vector<float> x = ch.samples;
  if (fs_new < ch.fs) lowpass_zero_phase(x.data(), x.size(), 0.4 * fs_new, ch.fs, 4);
  io::Channel out = ch;
  const size_t n = static_cast<size_t>(std::floor((x.size() - 1) * fs_new / ch.fs)) + 1;
  out.samples.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const double pos = i * ch.fs / fs_new;
    const size_t a = static_cast<size_t>(pos);
    const double f = pos - a;
    out.samples[i] = static_cast<float>(a + 1 < x.size() ? (1 - f) * x[a] + f * x[a + 1] : x[a]);
  }
  out.fs = fs_new;
  out.n_samples = static_cast<int64_t>(n);
  return out;
}

double power(const std::vector<float>& x) {
  double mean = 0, p = 0;
  for (float v : x) mean += v;
  mean /= x.size();
  for (float v : x) p += (v - mean) * (v - mean);
  return p / x.size();
}

// Adds white Gaussian noise at the given SNR (signal power over noise power, whole band).
io::Channel with_noise(const io::Channel& ch, double snr_db, unsigned seed) {
  io::Channel out = ch;
  const double sigma = std::sqrt(power(ch.samples) / std::pow(10.0, snr_db / 10));
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0, sigma);
  for (float& v : out.samples) v += static_cast<float>(g(rng));
  return out;
}

// Adds baseline wander (sum of 0.05, 0.15 and 0.3 Hz sines, as respiration and movement) at the
// given SNR.
io::Channel with_wander(const io::Channel& ch, double snr_db) {
  io::Channel out = ch;
  const double amp = std::sqrt(power(ch.samples) / std::pow(10.0, snr_db / 10) / 1.5);
  for (size_t i = 0; i < out.samples.size(); ++i) {
    const double t = i / ch.fs;
    out.samples[i] += static_cast<float>(amp * (std::sin(2 * M_PI * 0.05 * t) +
                                                std::sin(2 * M_PI * 0.15 * t + 1) +
                                                std::sin(2 * M_PI * 0.3 * t + 2)));
  }
  return out;
}

// Motion-artefact bursts: every 60 s, 3 s of large 1-10 Hz-ish noise (random walk steps plus
// white noise) at `amp_mv` standard deviation, starting 20 s in.
io::Channel with_bursts(const io::Channel& ch, double amp_mv, unsigned seed) {
  io::Channel out = ch;
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0, 1);
  const size_t period = static_cast<size_t>(60 * ch.fs), len = static_cast<size_t>(3 * ch.fs);
  for (size_t s0 = static_cast<size_t>(20 * ch.fs); s0 + len < out.samples.size(); s0 += period) {
    double walk = 0;
    for (size_t i = 0; i < len; ++i) {
      walk = 0.98 * walk + 0.2 * g(rng);
      out.samples[s0 + i] += static_cast<float>(amp_mv * (0.7 * walk + 0.5 * g(rng)));
    }
  }
  return out;
}

class QrsMitbih : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_record()) GTEST_SKIP() << "MIT-BIH 100 not found at " << kRecord;
  }
};

TEST_F(QrsMitbih, BothLeadsMeetTarget) {
  const io::Record rec = io::read_record(kRecord);
  ASSERT_EQ(rec.channels.size(), 2u);
  for (const io::Channel& ch : rec.channels) {
    const eval::BeatMatch m = score(ch);
    EXPECT_GE(m.se(), 99.8) << ch.name;
    EXPECT_GE(m.ppv(), 99.8) << ch.name;
  }
}

TEST_F(QrsMitbih, WfdbMachineDetectorSideBySide) {
  const Beats qrs = beats_from_annotations(io::read_annotations(kRecord, "qrs"));
  const eval::BeatMatch m = eval::compare_beats(reference_beats(), qrs.r_time_s);
  std::printf("  100.qrs (WFDB)               TP %6zu FN %4zu FP %4zu Se %7.3f %% +P %7.3f %%\n",
              m.tp, m.fn, m.fp, m.se(), m.ppv());
  EXPECT_GT(m.tp, 2200u);
}

TEST_F(QrsMitbih, InvertedLeads) {
  const io::Record rec = io::read_record(kRecord);
  for (io::Channel ch : rec.channels) {
    for (float& v : ch.samples) v = -v;
    ch.name += " inverted";
    const eval::BeatMatch m = score(ch);
    EXPECT_GE(m.se(), 99.8) << ch.name;
    EXPECT_GE(m.ppv(), 99.8) << ch.name;
  }
}

// Robustness: each case on both leads; thresholds are the measured figures with a small margin
// (docs/beats.md has the table).
struct Case {
  const char* name;
  double se_min, ppv_min;
};

TEST_F(QrsMitbih, Resampled100And128Hz) {
  const io::Record rec = io::read_record(kRecord);
  for (const io::Channel& ch : rec.channels)
    for (double fs : {100.0, 128.0}) {
      const eval::BeatMatch m = score(resampled(ch, fs));
      EXPECT_GE(m.se(), 99.7) << ch.name << " " << fs;
      EXPECT_GE(m.ppv(), 99.7) << ch.name << " " << fs;
    }
}

TEST_F(QrsMitbih, OtherRates) {
  const io::Record rec = io::read_record(kRecord);
  const io::Channel& ch = rec.channels[0];
  for (double fs : {200.0, 250.0, 256.0, 500.0, 1000.0}) {
    const eval::BeatMatch m = score(resampled(ch, fs));
    EXPECT_GE(m.se(), 99.8) << fs;
    EXPECT_GE(m.ppv(), 99.8) << fs;
  }
}

TEST_F(QrsMitbih, GaussianNoise) {
  const io::Record rec = io::read_record(kRecord);
  const Case cases[] = {{"20", 99.8, 99.8}, {"10", 99.5, 99.5}, {"5", 99.0, 98.0}};
  for (const io::Channel& ch : rec.channels)
    for (const Case& c : cases) {
      io::Channel noisy = with_noise(ch, std::stod(c.name), 7);
      noisy.name += " noise " + std::string(c.name) + " dB";
      const eval::BeatMatch m = score(noisy);
      EXPECT_GE(m.se(), c.se_min) << noisy.name;
      EXPECT_GE(m.ppv(), c.ppv_min) << noisy.name;
    }
}

TEST_F(QrsMitbih, HeavyNoiseAndMotionBursts) {
  const io::Record rec = io::read_record(kRecord);
  for (const io::Channel& ch : rec.channels) {
    io::Channel noisy = with_noise(ch, 0, 11);
    noisy.name += " noise 0 dB";
    const eval::BeatMatch m0 = score(noisy);
    EXPECT_GE(m0.se(), 99.5) << noisy.name;  // measured 99.8-100 %
    EXPECT_GE(m0.ppv(), 99.5) << noisy.name;
    io::Channel burst = with_bursts(ch, 1.0, 12);
    burst.name += " bursts 1 mV";
    const eval::BeatMatch m1 = score(burst);
    // 3 s of every 60 s (5 % of the time) is buried in the burst: beats there are lost and
    // burst peaks are taken for beats (measured: Se 99.0-99.4 %, +P 94.2-94.8 %).
    EXPECT_GE(m1.se(), 98.5) << burst.name;
    EXPECT_GE(m1.ppv(), 93.5) << burst.name;
    // The minutes with a burst are marked (irregular RR from the false beats); the clean record's
    // minutes pass.
    const size_t n_min = 30;
    const auto q_burst = minute_quality(&burst, detect_beats(burst), n_min);
    const auto q_clean = minute_quality(&ch, detect_beats(ch), n_min);
    int flagged = 0, clean_ok = 0;
    for (size_t i = 0; i < n_min; ++i) {
      flagged += q_burst[i].score < 1.0f ? 1 : 0;
      clean_ok += q_clean[i].score >= 1.0f ? 1 : 0;
    }
    std::printf("  %s: %d of %zu burst minutes flagged; clean: %d of %zu minutes pass\n",
                ch.name.c_str(), flagged, n_min, clean_ok, n_min);
    EXPECT_GE(flagged, 24) << ch.name;
    EXPECT_GE(clean_ok, 28) << ch.name;
  }
}

TEST_F(QrsMitbih, BaselineWander) {
  const io::Record rec = io::read_record(kRecord);
  const Case cases[] = {{"10", 99.8, 99.8}, {"0", 99.8, 99.8}, {"-10", 99.5, 99.5}};
  for (const io::Channel& ch : rec.channels)
    for (const Case& c : cases) {
      io::Channel w = with_wander(ch, std::stod(c.name));
      w.name += " wander " + std::string(c.name) + " dB";
      const eval::BeatMatch m = score(w);
      EXPECT_GE(m.se(), c.se_min) << w.name;
      EXPECT_GE(m.ppv(), c.ppv_min) << w.name;
    }
}

}  // namespace
}  // namespace somna::dsp
