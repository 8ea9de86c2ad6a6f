#!/usr/bin/env bash
# Submits a cohort to Slurm: an N-task array of somna-array.sbatch, then somna-summary.sbatch
# once every task has ended (afterany). Usage:
#   deploy/slurm/submit-cohort.sh N COHORT OUT [somna analyze options...]
# e.g. deploy/slurm/submit-cohort.sh 100 /data/shhs/edfs /scratch/shhs-out --channel ECG
# Extra sbatch options (partition, account, QOS): SBATCH_PARTITION, SBATCH_ACCOUNT, ... are read
# by sbatch itself. Resubmitting the same command after a failure redoes only what is missing.
set -euo pipefail

if [[ $# -lt 3 ]]; then
  echo "usage: $0 N COHORT OUT [somna analyze options...]" >&2
  exit 2
fi
n=$1 cohort=$2 out=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p logs "$out"
array=$(sbatch --parsable --array="0-$((n - 1))" "$here/somna-array.sbatch" "$cohort" "$out" "$@")
summary=$(sbatch --parsable --dependency="afterany:${array%%;*}" "$here/somna-summary.sbatch" "$out")
echo "array job $array ($n tasks), summary job $summary; logs in $(pwd)/logs"
