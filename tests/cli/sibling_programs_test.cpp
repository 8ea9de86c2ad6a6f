// `somna train`, `somna serve` and `somna download` run in programs of their own beside `somna`
// (src/cli/sibling_programs.cpp): the same arguments, help and errors as if built in; a missing
// program is named with how to build it; and `somna` itself loads neither LibTorch nor the
// network stack.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/temp_dir.hpp"
#include "support/cli_run.hpp"

namespace fs = std::filesystem;
using somna::test::CliResult;
using somna::test::run_somna;

namespace {

// Runs somna with `args` and the environment variable `env` set to `value` for that run.
CliResult run_with(const char* env, const std::string& value, const std::string& args) {
  ::setenv(env, value.c_str(), 1);
  CliResult r = run_somna(args);
  ::unsetenv(env);
  return r;
}

}  // namespace

TEST(CliTrainLauncher, RunsSomnaTrainAndNamesItWhenMissing) {
  const somna::TempDir tmp;
  const fs::path dir = tmp.path();
  const CliResult gone =
      run_with("SOMNA_TRAIN_BINARY", (dir / "no-such-trainer").string(), "train --data x");
  EXPECT_EQ(gone.rc, 2);
  EXPECT_NE(gone.err.find("no-such-trainer: cannot run the trainer"), std::string::npos)
      << gone.err;
  EXPECT_NE(gone.err.find("somna-train"), std::string::npos) << gone.err;
  SKIP_WITHOUT_TRAINER();
  const CliResult help = run_somna("train --help");
  EXPECT_EQ(help.rc, 0) << help.err;
  EXPECT_NE(help.out.find("Usage: somna train"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("--family"), std::string::npos) << help.out;
  const CliResult bad = run_somna("train --data " + (dir / "none").string());
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.err.find("somna: error: " + (dir / "none").string()), std::string::npos) << bad.err;
}

TEST(CliNetLauncher, RunsSomnaNetAndNamesItWhenMissing) {
  const somna::TempDir tmp;
  const fs::path missing = fs::path(tmp.path()) / "no-such-net";
  for (const char* command : {"serve --port 0", "download apnea-ecg"}) {
    const CliResult gone = run_with("SOMNA_NET_BINARY", missing.string(), command);
    EXPECT_EQ(gone.rc, 2) << command;
    EXPECT_NE(gone.err.find("no-such-net: cannot run the server and downloader"), std::string::npos)
        << gone.err;
    EXPECT_NE(gone.err.find("(target somna-net)"), std::string::npos) << gone.err;
  }
  const CliResult serve = run_somna("serve --help");
  EXPECT_EQ(serve.rc, 0) << serve.err;
  EXPECT_NE(serve.out.find("Usage: somna serve"), std::string::npos) << serve.out;
  EXPECT_NE(serve.out.find("--port"), std::string::npos) << serve.out;
  const CliResult download = run_somna("download --help");
  EXPECT_EQ(download.rc, 0) << download.err;
  EXPECT_NE(download.out.find("Usage: somna download"), std::string::npos) << download.out;
  const CliResult bad = run_somna("serve --port 99999");
  EXPECT_EQ(bad.rc, 2) << bad.out;
  EXPECT_NE(bad.err.find("--port"), std::string::npos) << bad.err;
}

// What makes every other command start in milliseconds: no LibTorch, cpp-httplib or OpenSSL
// among the libraries `somna` loads.
TEST(CliNetLauncher, SomnaLoadsNeitherLibTorchNorTheNetworkStack) {
  const CliResult ldd = somna::test::run_shell("ldd " + somna::test::shell_quote(SOMNA_BINARY));
  ASSERT_EQ(ldd.rc, 0) << ldd.err;
  ASSERT_NE(ldd.out.find("libc.so"), std::string::npos) << ldd.out;  // ldd listed them
  for (const char* lib : {"libtorch", "libc10", "httplib", "libssl", "libcrypto"})
    EXPECT_EQ(ldd.out.find(lib), std::string::npos) << lib << " in\n" << ldd.out;
}
