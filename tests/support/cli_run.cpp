// See cli_run.hpp.

#include "support/cli_run.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace somna::test {

namespace fs = std::filesystem;

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

fs::path fresh_dir(const std::string& tag) {
  static int counter = 0;
  const fs::path d = fs::temp_directory_path() / ("somna-test-" + std::to_string(::getpid()) + "-" +
                                                  tag + std::to_string(counter++));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CliResult run_shell(const std::string& command) {
  const fs::path dir = fresh_dir("err");
  const std::string cmd = "{ " + command + "; } 2>" + shell_quote((dir / "stderr").string());
  CliResult r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) r.out.append(buf, n);
  const int status = ::pclose(pipe);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(dir / "stderr");
  fs::remove_all(dir);
  return r;
}

CliResult run_somna(const std::string& args) {
  return run_shell(shell_quote(SOMNA_BINARY) + " " + args);
}

}  // namespace somna::test
