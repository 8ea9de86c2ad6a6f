#pragma once
// Subcommand registry for the `somna` tool. Each src/cli/cmd_*.cpp registers one subcommand with a
// static SOMNA_COMMAND(...) so adding a command never touches main.cpp.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <utility>

namespace somna::cli {

// setup: adds the subcommand's options to `app` (already created as a subcommand) and returns the
// function to run once parsed; that function returns the process exit code.
using Runner = std::function<int()>;
using Setup = std::function<Runner(CLI::App& app)>;

struct CommandSpec {
  std::string name;
  std::string description;
  Setup setup;
};

bool register_command(CommandSpec spec);

// Lets SOMNA_COMMAND take either {"name", "description", setup} or "name", "description", setup.
inline CommandSpec command_spec(CommandSpec spec) {
  return spec;
}
inline CommandSpec command_spec(std::string name, std::string description, Setup setup) {
  return CommandSpec{std::move(name), std::move(description), std::move(setup)};
}

// Exit codes shared by every command.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;   // the job ran but failed (e.g. a target not met)
constexpr int kExitBadInput = 2;  // bad file / bad arguments

}  // namespace somna::cli

#define SOMNA_CONCAT_INNER(a, b) a##b
#define SOMNA_CONCAT(a, b) SOMNA_CONCAT_INNER(a, b)
#define SOMNA_COMMAND(...)                                             \
  static const bool SOMNA_CONCAT(somna_cmd_registered_, __COUNTER__) = \
      ::somna::cli::register_command(::somna::cli::command_spec(__VA_ARGS__))
