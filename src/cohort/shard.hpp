#pragma once
// Which part of a folder of records one process of an array job analyses: `--shard i/N`, or
// `--shard auto` read from the scheduler's environment — a Slurm job array
// (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT, SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_STEP:
// arrays may start at 1 and step) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, which
// Kubernetes sets, and SOMNA_SHARD_COUNT, which the manifest sets to the Job's completions).
// Shard i of N takes the records k (0-based, in name order) with k % N == i.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace somna::cohort {

struct Shard {
  int index = 0, count = 1;
  std::string
      source;  // how it was chosen, for the log ("--shard 1/3", "SLURM_ARRAY_TASK_ID=2 ...")
};

// A variable of the environment, or nothing when it is not set.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;
// The process's own environment.
Environment process_environment();

// "i/N" with 0 <= i < N. Throws somna::Error.
Shard parse_shard(const std::string& text);
// From Slurm's or Kubernetes' variables; throws somna::Error when neither is set, both are, a
// value is not a whole number, or they do not fit together (an index outside the count, an
// array that is not one evenly stepped range).
Shard shard_from_environment(const Environment& env);
// "" -> the whole folder (0/1), "auto" -> shard_from_environment, else parse_shard.
Shard resolve_shard(const std::string& option, const Environment& env = process_environment());

inline bool in_shard(size_t k, const Shard& s) {
  return static_cast<int>(k % static_cast<size_t>(s.count)) == s.index;
}

}  // namespace somna::cohort
