// `somna download apnea-ecg` against a local mirror served by cpp-httplib on 127.0.0.1: files
// listed in SHA256SUMS are fetched and verified, a rerun keeps them, a corrupted file fails with
// exit 1 and is not kept. Everything it writes lives in one TempDir, removed however it ends.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {
// Runs somna with `args`; its stderr (kept in `dir`) goes to *err.
int run(const std::string& args, std::string* err, const fs::path& dir) {
  const fs::path ef = dir / "stderr.txt";
  const std::string cmd =
      std::string("'") + SOMNA_BINARY + "' " + args + " >/dev/null 2>'" + ef.string() + "'";
  const int st = std::system(cmd.c_str());
  std::ifstream in(ef);
  err->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
}  // namespace

TEST(CliDownload, FetchesAndVerifiesFromLocalMirror) {
  const somna::TempDir tmp({}, "somna-download-test-");
  const fs::path root = tmp.path();
  fs::create_directories(root / "mirror");
  fs::create_directories(root / "out");
  // abc -> SHA-256 ba7816bf...; "" -> e3b0c442...
  std::ofstream(root / "mirror" / "r1.hea") << "abc";
  std::ofstream(root / "mirror" / "r1.apn") << "";
  std::ofstream(root / "mirror" / "r1.dat") << "signal";  // not fetched without --all
  std::ofstream(root / "mirror" / "SHA256SUMS.txt")
      << "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  r1.hea\n"
      << "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  r1.apn\n"
      << "0000000000000000000000000000000000000000000000000000000000000000  r1.dat\n";
  httplib::Server srv;
  srv.set_mount_point("/db", (root / "mirror").string());
  const int port = srv.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread t([&] { srv.listen_after_bind(); });
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/db/";
  std::string err;
  EXPECT_EQ(run("download apnea-ecg --to '" + (root / "out").string() + "' --base-url " + url, &err,
                root),
            0)
      << err;
  EXPECT_TRUE(fs::exists(root / "out" / "r1.hea"));
  EXPECT_TRUE(fs::exists(root / "out" / "r1.apn"));
  EXPECT_FALSE(fs::exists(root / "out" / "r1.dat"));
  EXPECT_EQ(run("download apnea-ecg --to '" + (root / "out").string() + "' --base-url " + url, &err,
                root),
            0);
  EXPECT_NE(err.find("2 already present"), std::string::npos) << err;
  // Corrupt the mirror: the checksum fails, exit 1, nothing kept.
  fs::remove(root / "out" / "r1.hea");
  std::ofstream(root / "mirror" / "r1.hea") << "abd";
  EXPECT_EQ(run("download apnea-ecg --to '" + (root / "out").string() + "' --base-url " + url, &err,
                root),
            1);
  EXPECT_NE(err.find("r1.hea: SHA-256 mismatch"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(root / "out" / "r1.hea"));
  EXPECT_EQ(run("download nosuchdb --to '" + (root / "out").string() + "'", &err, root), 2);
  srv.stop();
  t.join();
}
