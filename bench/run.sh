#!/usr/bin/env bash
# Side-by-side benchmark of the K1 MF-MLP training step: this library (TorchSharp) vs PyTorch, float64 and float32,
# one thread each, plus the peak memory of a long ensemble run. Writes bench/RESULTS.md; the last line printed is
#   single-vs-pytorch: R1 e64-member-vs-pytorch: R2 peak-rss-mb: M
#   sweep-vs-pytorch: R3 sweep-system-share: S
#   gp-system-share: S (the exact GP at K5's N_H = 1,024, the default allocator setting)
#   paper-preset-estimate-hours: H (one worker) H/2 (2 workers)
# Usage: bash bench/run.sh [--rounds N] [--repeats N] [--steps N] [--warmup N] [--rss-epochs N]
#                          [--sweep-rounds N] [--sweep-reps N] [--sweep-pytorch N] [--no-estimate]
#                          [--gp-nh N] [--gp-rounds N] [--no-gp] [--gp-only]
#   --gp-only: just the exact-GP comparison, written to bench/RESULTS-gp.md (a few minutes per round at N_H = 1,024)
#   (or `dotnet fsi build.fsx bench [same options]`). Defaults: 3 rounds x 3 repeats x 2000 steps, 200 warm-up steps,
#   a 20,000-epoch E = 64 memory run.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 repeats=3 steps=2000 warmup=200 rss_epochs=20000 members=1,4,16,64
# the paper-budget configuration: rounds, repetitions, PyTorch trainings timed, Adam epochs, L-BFGS iterations
sweep_rounds=1 sweep_reps=4 sweep_py=4 sweep_epochs=5000 sweep_lbfgs=3000 estimate=1
# the exact GP: K5's HF points and rounds of the huge-page comparison
gp=1 gp_nh=1024 gp_rounds=1 gp_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --rss-epochs) rss_epochs=$2; shift 2 ;;
    --sweep-rounds) sweep_rounds=$2; shift 2 ;;
    --sweep-reps) sweep_reps=$2; shift 2 ;;
    --sweep-pytorch) sweep_py=$2; shift 2 ;;
    --no-estimate) estimate=0; shift ;;
    --gp-nh) gp_nh=$2; shift 2 ;;
    --gp-rounds) gp_rounds=$2; shift 2 ;;
    --no-gp) gp=0; shift ;;
    --gp-only) gp_only=1; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# One thread on both sides (libtorch's OpenMP/MKL pools and PyTorch's); each side also sets it in code.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# The PyTorch peer: Debian's python3-torch, run with the system python (not a pyenv/venv python on PATH).
PY=/usr/bin/python3
if ! "$PY" -c "import torch" >/dev/null 2>&1; then
  echo "installing python3-torch (Debian) ..." >&2
  apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-torch >/dev/null
fi

# GNU time for the system-time share of the paper-budget configuration (Debian package `time`).
if [ ! -x /usr/bin/time ]; then
  echo "installing time (Debian) ..." >&2
  apt-get update -qq && apt-get install -y -qq --no-install-recommends time >/dev/null
fi

echo "building bench (Release) ..." >&2
dotnet build bench/Bench.fsproj -c Release -nologo -clp:ErrorsOnly -v:q >&2
BENCH=(dotnet bench/bin/Release/net10.0/bench.dll)

out=bench/out
rm -rf "$out" && mkdir -p "$out"

# The exact GP at K5's N_H = 1,024 with the default allocator setting and the previous one (mapped, huge pages), alternately.
gp_rounds_run() {
  for r in $(seq 1 "$gp_rounds"); do
    echo "exact GP, K5 N_H = $gp_nh, round $r/$gp_rounds: default allocator, then mapped buffers with huge pages ..." >&2
    "${BENCH[@]}" gp "$out/gp.default.$r.json" "$gp_nh"
    EMULATORS_ALLOCATOR=mapped "${BENCH[@]}" gp "$out/gp.mapped.$r.json" "$gp_nh"
  done
}
if [ "$gp_only" = 1 ]; then
  gp_rounds_run
  "${BENCH[@]}" gp-report "$out" bench/RESULTS-gp.md
  exit 0
fi

"${BENCH[@]}" data "$out/k1.json"

# Alternate the two sides so that background load on the machine hits both alike.
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: PyTorch ..." >&2
  "$PY" bench/pytorch_k1.py "$out/k1.json" "$out/pytorch.$r.json" "$repeats" "$steps" "$warmup"
  echo "round $r/$rounds: library ..." >&2
  "${BENCH[@]}" speed "$out/library.$r.json" "$repeats" "$steps" "$warmup" "$members"
done

echo "memory: E = 64, $rss_epochs epochs, float64 (separate process) ..." >&2
"${BENCH[@]}" rss "$out/rss.json" 64 "$rss_epochs"

# One configuration of the assessment at the paper's budgets, both sides alternately.
for r in $(seq 1 "$sweep_rounds"); do
  echo "paper-budget configuration, round $r/$sweep_rounds: PyTorch ($sweep_py trainings) ..." >&2
  "$PY" bench/pytorch_sweep.py "$out/k1.json" "$out/sweeptorch.$r.json" "$sweep_py" "$sweep_epochs" "$sweep_lbfgs"
  echo "paper-budget configuration, round $r/$sweep_rounds: library ($sweep_reps repetitions) ..." >&2
  # under GNU time: the user and system CPU seconds, peak RSS and page faults of the whole process
  /usr/bin/time -v -o "$out/sweeplib.$r.time" \
    "${BENCH[@]}" sweep "$out/sweeplib.$r.json" "$sweep_reps" "$sweep_epochs" "$sweep_lbfgs" 16 2
done

# L-BFGS dropping stopped members vs the whole batch, one search round, alternately.
echo "L-BFGS compaction, one search round ..." >&2
"${BENCH[@]}" compaction "$out/compaction.json" 3 "$sweep_epochs" "$sweep_lbfgs"

# The exact GP (--no-gp skips it).
if [ "$gp" = 1 ]; then gp_rounds_run; fi

# The paper preset's total from a fixed sample of its configurations (--no-estimate skips it).
if [ "$estimate" = 1 ]; then
  echo "paper preset estimate from a fixed sample (several minutes) ..." >&2
  "${BENCH[@]}" estimate "$out/estimate.json" paper-figures
fi

# Last: the report, whose final printed lines are the summary.
"${BENCH[@]}" report "$out" bench/RESULTS.md
