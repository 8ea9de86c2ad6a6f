#pragma once
// Test helper: runs the built `somna` with arguments (a shell command line, quoted by the caller)
// and returns its exit code, stdout and stderr; stderr goes through DIR/stderr.txt.

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace somna::cli_testing {

struct CliRun {
  int rc = -1;
  std::string out, err;
};

inline CliRun run_somna(const std::string& args, const std::filesystem::path& dir) {
  const std::string errf = (dir / "stderr.txt").string();
  const std::string cmd = std::string("'") + SOMNA_BINARY + "' " + args + " 2>'" + errf + "'";
  CliRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream e(errf);
  r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
  return r;
}

}  // namespace somna::cli_testing
