// somna: the command-line front door. Subcommands live in cmd_*.cpp and register themselves.
// The same main is somna-train's (cmd_train.cpp) and somna-net's (cmd_serve.cpp, cmd_download.cpp),
// with SOMNA_PROGRAM their name.

#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "cli/command.hpp"
#include "common/allocator_tuning.hpp"
#include "common/error.hpp"

#ifndef SOMNA_PROGRAM
#define SOMNA_PROGRAM "somna"
#endif

namespace somna::cli {

namespace {
std::map<std::string, CommandSpec>& registry() {
  static std::map<std::string, CommandSpec> commands;
  return commands;
}
}  // namespace

bool register_command(CommandSpec spec) {
  auto name = spec.name;
  registry().emplace(std::move(name), std::move(spec));
  return true;
}

}  // namespace somna::cli

int main(int argc, char** argv) {
  using namespace somna::cli;
  somna::keep_freed_memory_for_reuse();  // before the first night's buffers
  // Messages name the program as it was called ("somna" also when `somna train` ran somna-train).
  const std::string prog =
      argc > 0 ? std::filesystem::path(argv[0]).filename().string() : std::string(SOMNA_PROGRAM);
  CLI::App app{"somna — sleep apnea from a single-lead ECG"};
  app.set_version_flag("--version", std::string(SOMNA_PROGRAM " ") + SOMNA_VERSION);
  app.require_subcommand(1);
  bool verbose = false, quiet = false;
  app.add_flag("-v,--verbose", verbose, "Debug logging");
  app.add_flag("-q,--quiet", quiet, "Only errors");

  std::map<CLI::App*, Runner> runners;
  for (auto& [name, spec] : registry()) {
    auto* sub = app.add_subcommand(name, spec.description);
    runners.emplace(sub, spec.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }
  spdlog::set_pattern("%^%l%$: %v");
  spdlog::set_level(verbose ? spdlog::level::debug
                            : (quiet ? spdlog::level::err : spdlog::level::info));
  try {
    for (auto& [sub, run] : runners)
      if (sub->parsed()) return run();
  } catch (const somna::Error& e) {
    std::cerr << prog << ": error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::bad_alloc&) {
    std::cerr << prog << ": error: out of memory (input too large?)\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << prog << ": internal error: " << e.what() << "\n";
    return kExitFailure;
  }
  return kExitFailure;
}
