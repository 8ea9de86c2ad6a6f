// `somna train`: training links LibTorch and `somna` does not (start-up in milliseconds, no
// 500 MB runtime for analysis or serving). This command runs `somna-train` — the program built
// from cmd_train.cpp, found in the folder of the running `somna` — with the same arguments, so
// `somna train ...` (and `somna train --help`) work exactly as documented.

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

// somna-train beside this executable (SOMNA_TRAIN_BINARY overrides it).
fs::path trainer_path() {
  if (const char* env = std::getenv("SOMNA_TRAIN_BINARY"); env && *env) return env;
  const fs::path bin = program_dir();
  return (bin.empty() ? fs::path(".") : bin) / "somna-train";
}

int run_trainer(const std::vector<std::string>& args) {
  const fs::path exe = trainer_path();
  std::vector<std::string> argv = {"somna"};  // usage lines and errors say "somna train"
  if (spdlog::get_level() == spdlog::level::debug) argv.push_back("--verbose");  // somna -v train
  if (spdlog::get_level() == spdlog::level::err) argv.push_back("--quiet");
  argv.push_back("train");
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::cout.flush();
  ::execv(exe.c_str(), cargv.data());
  std::cerr << "somna: error: " << exe.string() << ": cannot run the trainer ("
            << std::strerror(errno)
            << "); it is built beside somna by `make` (target somna-train)\n";
  return kExitBadInput;
}

SOMNA_COMMAND({"train",
               "train the RR network (or --family seed) on labelled nights (record-level CV, "
               "final model, card); runs somna-train",
               [](CLI::App& app) -> Runner {
                 app.prefix_command();
                 app.set_help_flag();  // --help is the trainer's
                 app.allow_extras();
                 return [&app] { return run_trainer(app.remaining()); };
               }});

}  // namespace
}  // namespace somna::cli
