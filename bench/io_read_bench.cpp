// Reading speed of the WFDB reader on the real path (header parse, file reads, decode to
// physical floats): an 8-hour, 100 Hz, single-lead record generated in a temporary folder, in
// format 16 (the target: >= 1 GB/s of file data on one core) and, for comparison, format 212
// and a 12-lead format-16 record. Bytes processed = the .dat file's size per read.

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "common/temp_dir.hpp"
#include "io/wfdb_record.hpp"

namespace {

namespace fs = std::filesystem;

constexpr double kFs = 100;
constexpr int64_t kFrames = static_cast<int64_t>(8 * 3600 * kFs);  // 8 hours

// A synthetic ECG-like trace in ADC units (gain 200/mV): 1 Hz spikes on noise.
std::vector<int16_t> trace(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 5);
  std::vector<int16_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double phase = std::fmod(static_cast<double>(i) / kFs, 1.0);
    const double beat = std::exp(-std::pow((phase - 0.3) / 0.01, 2)) * 240;
    v[static_cast<size_t>(i)] = static_cast<int16_t>(std::lround(beat + noise(rng)));
  }
  return v;
}

struct Fixture {
  somna::TempDir tmp{{}, "somna-bench-"};  // removed at exit
  fs::path dir{tmp.path()};
  std::string rec16, rec212, rec16x12;
  uint64_t bytes16 = 0, bytes212 = 0, bytes16x12 = 0;

  Fixture() {
    const std::vector<int16_t> ecg = trace(kFrames, 1);
    {
      std::ofstream dat(dir / "n16.dat", std::ios::binary);
      for (int16_t s : ecg) {
        const char b[2] = {static_cast<char>(s & 0xFF), static_cast<char>((s >> 8) & 0xFF)};
        dat.write(b, 2);
      }
      std::ofstream(dir / "n16.hea")
          << "n16 1 100 " << kFrames << "\nn16.dat 16 200/mV 16 0 0 0 0 ECG\n";
    }
    {
      std::ofstream dat(dir / "n212.dat", std::ios::binary);
      for (size_t i = 0; i + 1 < ecg.size(); i += 2) {
        const uint32_t a = static_cast<uint32_t>(ecg[i]) & 0xFFF;
        const uint32_t b = static_cast<uint32_t>(ecg[i + 1]) & 0xFFF;
        const char out[3] = {static_cast<char>(a & 0xFF),
                             static_cast<char>(((a >> 8) & 0x0F) | ((b >> 4) & 0xF0)),
                             static_cast<char>(b & 0xFF)};
        dat.write(out, 3);
      }
      std::ofstream(dir / "n212.hea")
          << "n212 1 100 " << kFrames << "\nn212.dat 212 200/mV 12 0 0 0 0 ECG\n";
    }
    {
      std::ofstream dat(dir / "n12.dat", std::ios::binary);
      std::vector<char> frame(24);
      for (int16_t s : ecg) {
        for (int c = 0; c < 12; ++c) {
          const int16_t v = static_cast<int16_t>(s + c);
          frame[2 * c] = static_cast<char>(v & 0xFF);
          frame[2 * c + 1] = static_cast<char>((v >> 8) & 0xFF);
        }
        dat.write(frame.data(), 24);
      }
      std::ofstream hea(dir / "n12.hea");
      hea << "n12 12 100 " << kFrames << "\n";
      for (int c = 0; c < 12; ++c) hea << "n12.dat 16 200/mV 16 0 0 0 0 lead" << c << "\n";
    }
    rec16 = (dir / "n16").string();
    rec212 = (dir / "n212").string();
    rec16x12 = (dir / "n12").string();
    bytes16 = fs::file_size(dir / "n16.dat");
    bytes212 = fs::file_size(dir / "n212.dat");
    bytes16x12 = fs::file_size(dir / "n12.dat");
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void run(benchmark::State& state, const std::string& rec, uint64_t bytes) {
  somna::io::ReadOptions options;
  size_t samples = 0;
  for (auto _ : state) {
    somna::io::Record r = somna::io::read_wfdb(rec, options);
    samples = r.channels[0].samples.size();
    benchmark::DoNotOptimize(r.channels[0].samples.data());
  }
  if (samples != static_cast<size_t>(kFrames)) state.SkipWithError("wrong sample count");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["file_MB"] = static_cast<double>(bytes) / 1e6;
}

void BM_ReadWfdb_8h_100Hz_Format16(benchmark::State& state) {
  run(state, fixture().rec16, fixture().bytes16);
}
void BM_ReadWfdb_8h_100Hz_Format212(benchmark::State& state) {
  run(state, fixture().rec212, fixture().bytes212);
}
void BM_ReadWfdb_8h_100Hz_12Lead_Format16(benchmark::State& state) {
  run(state, fixture().rec16x12, fixture().bytes16x12);
}

BENCHMARK(BM_ReadWfdb_8h_100Hz_Format16)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadWfdb_8h_100Hz_Format212)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadWfdb_8h_100Hz_12Lead_Format16)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
