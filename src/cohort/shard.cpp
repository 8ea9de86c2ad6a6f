// See shard.hpp.

#include "cohort/shard.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <sstream>

#include "common/error.hpp"

namespace somna::cohort {
namespace {

constexpr const char* kHowTo =
    "--shard auto needs a Slurm job array (SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT) or a "
    "Kubernetes Indexed Job (JOB_COMPLETION_INDEX and SOMNA_SHARD_COUNT)";

// A whole number from variable `name`; nullopt when unset, somna::Error when not a number.
std::optional<long> integer(const Environment& env, const std::string& name) {
  const std::optional<std::string> v = env(name);
  if (!v) return std::nullopt;
  std::istringstream in(*v);
  long x = 0;
  if (!(in >> x) || !in.eof())
    throw Error({}, fmt::format("{}='{}' is not a whole number", name, *v));
  return x;
}

long required(const Environment& env, const std::string& name, const char* why) {
  const std::optional<long> v = integer(env, name);
  if (!v) throw Error({}, fmt::format("{} is not set ({})", name, why));
  return *v;
}

Shard checked(long index, long count, std::string source) {
  if (count < 1 || count > 1000000 || index < 0 || index >= count) {
    throw Error({}, fmt::format("shard {} of {} does not exist (from {})", index, count, source));
  }
  return Shard{static_cast<int>(index), static_cast<int>(count), std::move(source)};
}

// Slurm: the task's position in its array, however the array is numbered (--array=1-100,
// --array=0-198:2). Lists that are not one stepped range (--array=1,5,9) cannot be mapped.
Shard slurm_shard(const Environment& env) {
  const long id = required(env, "SLURM_ARRAY_TASK_ID", kHowTo);
  const long count = required(env, "SLURM_ARRAY_TASK_COUNT", "set by Slurm for job arrays");
  const long min = integer(env, "SLURM_ARRAY_TASK_MIN").value_or(0);
  const long step = integer(env, "SLURM_ARRAY_TASK_STEP").value_or(1);
  const std::optional<long> max = integer(env, "SLURM_ARRAY_TASK_MAX");
  std::string source =
      fmt::format("SLURM_ARRAY_TASK_ID={} of SLURM_ARRAY_TASK_COUNT={}", id, count);
  if (min != 0) source += fmt::format(", SLURM_ARRAY_TASK_MIN={}", min);
  if (step < 1 || (id - min) % step != 0) {
    throw Error({}, fmt::format("{}: not on the array's step {} from {}", source, step, min));
  }
  if (max && (*max - min) / step + 1 != count) {
    throw Error({}, fmt::format("{}: the array {}-{}:{} is not one evenly stepped range of {} "
                                "tasks; use --array=FIRST-LAST[:STEP]",
                                source, min, *max, step, count));
  }
  return checked((id - min) / step, count, std::move(source));
}

Shard kubernetes_shard(const Environment& env) {
  const long index = required(env, "JOB_COMPLETION_INDEX", kHowTo);
  const long count =
      required(env, "SOMNA_SHARD_COUNT", "set it to the Indexed Job's completions in the manifest");
  return checked(index, count,
                 fmt::format("JOB_COMPLETION_INDEX={} of SOMNA_SHARD_COUNT={}", index, count));
}

}  // namespace

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

Shard parse_shard(const std::string& s) {
  int i = 0, n = 1;
  char slash = 0;
  std::istringstream in(s);
  if (!(in >> i >> slash >> n) || slash != '/' || n < 1 || i < 0 || i >= n || !in.eof()) {
    throw Error({}, "--shard must be i/N with 0 <= i < N, or auto, got '" + s + "'");
  }
  return Shard{i, n, "--shard " + s};
}

Shard shard_from_environment(const Environment& env) {
  const bool slurm = env("SLURM_ARRAY_TASK_ID").has_value();
  const bool k8s = env("JOB_COMPLETION_INDEX").has_value();
  if (slurm && k8s) {
    throw Error({},
                "both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set: which scheduler "
                "runs this? Unset one, or give --shard i/N");
  }
  if (k8s) return kubernetes_shard(env);
  if (slurm) return slurm_shard(env);
  throw Error({}, std::string(kHowTo) + "; none of them is set (or give --shard i/N)");
}

Shard resolve_shard(const std::string& option, const Environment& env) {
  if (option.empty()) return Shard{0, 1, "the whole folder"};
  if (option == "auto") return shard_from_environment(env);
  return parse_shard(option);
}

}  // namespace somna::cohort
