#pragma once
// Running the built `somna` (or a script that runs it) from a test: shell quoting, a fresh
// scratch folder, reading a file whole, and a command's exit code with its standard output and
// error. Built once (the library somna_test_support) for every test program.

#include <filesystem>
#include <string>

// In a test that runs `somna train`: skips it where the build has no somna-train
// (-DSOMNA_TRAINING=OFF, the sanitizer run); every test program defines SOMNA_WITH_TRAINER.
#define SKIP_WITHOUT_TRAINER() \
  if (!SOMNA_WITH_TRAINER) GTEST_SKIP() << "built without the trainer (SOMNA_TRAINING=OFF)"

namespace somna::test {

struct CliResult {
  int rc = -1;  // exit status; -1 when the command did not exit normally
  std::string out, err;
};

// `s` as one single-quoted shell word.
std::string shell_quote(const std::string& s);
// A new empty folder under the system temp folder, named after this process and `tag`.
std::filesystem::path fresh_dir(const std::string& tag);
// The file's bytes ("" when it cannot be read).
std::string slurp(const std::filesystem::path& p);
// Runs `command` with /bin/sh, capturing standard output and standard error.
CliResult run_shell(const std::string& command);
// Runs the built somna with `args` (already quoted as needed).
CliResult run_somna(const std::string& args);

}  // namespace somna::test
