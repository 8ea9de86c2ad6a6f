// Subcommands that run in a program of their own beside `somna`, so that `somna` links neither
// LibTorch nor the network stack and every other command starts in milliseconds:
//  - `somna train` runs somna-train (cmd_train.cpp; links LibTorch, ~500 MB);
//  - `somna serve` and `somna download` run somna-net (cmd_serve.cpp, cmd_download.cpp; link
//    cpp-httplib and OpenSSL, whose loading was ~8 ms of every `somna` start).
// The program is found in the folder of the running `somna` and replaces this process (exec: the
// same process id, signals and exit code) with the same arguments, so these commands, their
// --help and their errors work exactly as documented.

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/program_dir.hpp"

namespace somna::cli {
namespace {

namespace fs = std::filesystem;

// A program that runs some of somna's subcommands.
struct Sibling {
  const char* program;  // file name beside somna, and its build target
  const char* env;      // environment variable that overrides its path
  const char* role;     // for the error message: "cannot run the <role>"
};

constexpr Sibling kTrainer{"somna-train", "SOMNA_TRAIN_BINARY", "trainer"};
constexpr Sibling kNet{"somna-net", "SOMNA_NET_BINARY", "server and downloader"};

fs::path sibling_path(const Sibling& s) {
  if (const char* env = std::getenv(s.env); env && *env) return env;
  const fs::path bin = program_dir();
  return (bin.empty() ? fs::path(".") : bin) / s.program;
}

// Replaces this process by `s` running `somna <command> <args>` (returns only if that fails).
int run_sibling(const Sibling& s, const std::string& command,
                const std::vector<std::string>& args) {
  const fs::path exe = sibling_path(s);
  std::vector<std::string> argv = {"somna"};  // usage lines and errors say "somna <command>"
  if (spdlog::get_level() == spdlog::level::debug) argv.push_back("--verbose");  // somna -v ...
  if (spdlog::get_level() == spdlog::level::err) argv.push_back("--quiet");
  argv.push_back(command);
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::cout.flush();
  ::execv(exe.c_str(), cargv.data());
  std::cerr << "somna: error: " << exe.string() << ": cannot run the " << s.role << " ("
            << std::strerror(errno) << "); it is built beside somna by `make` (target " << s.program
            << ")\n";
  return kExitBadInput;
}

// `somna <name> ...` handed whole (options, --help) to the sibling program.
Setup forward_to(const Sibling& s, std::string name) {
  return [&s, name](CLI::App& app) -> Runner {
    app.prefix_command();
    app.set_help_flag();  // --help is the sibling's
    app.allow_extras();
    return [&s, name, &app] { return run_sibling(s, name, app.remaining()); };
  };
}

SOMNA_COMMAND({"train",
               "train the RR network (or --family seed) on labelled nights (record-level CV, "
               "final model, card); runs somna-train",
               forward_to(kTrainer, "train")});
SOMNA_COMMAND({"serve", "Serve the HTTP API and the web page; runs somna-net",
               forward_to(kNet, "serve")});
SOMNA_COMMAND({"download",
               "download a database (apnea-ecg) over HTTPS and verify its SHA256SUMS; runs "
               "somna-net",
               forward_to(kNet, "download")});

}  // namespace
}  // namespace somna::cli
