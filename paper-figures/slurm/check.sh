#!/bin/bash
# End-to-end check of `emulators slurm` on a real, single-node Slurm cluster started on this machine:
#   1. starts munge and slurmctld + slurmd on 127.0.0.1 (Debian's slurm-wlm and munge, installed if missing; config,
#      key, state and logs in a temporary folder; random ports), as root;
#   2. writes the job script with `emulators slurm --preset quick --shards 4`, runs it: the CLI is built once, the 4
#      array tasks only run the built output, and a job that depends on them (afterok) merges and renders;
#   3. runs `reproduce --preset quick` locally with the same build (or takes REFERENCE=<results.jsonl> from an earlier
#      local run) and checks the merged results against it record for record: every field bitwise equal except the
#      timing fields (seconds, finishedUtc);
#   4. stops every daemon it started, also on failure or Ctrl-C.
# Usage: bash paper-figures/slurm/check.sh     (env: SHARDS=4, JOBS=2, TIMEOUT_MIN=600, REFERENCE=,
#        EXPERIMENTS=<folder of experiment files>, KEEP=1 keeps the temporary folder)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SHARDS=${SHARDS:-4}
JOBS=${JOBS:-2}
TIMEOUT_MIN=${TIMEOUT_MIN:-600}
PRESET=quick
EXPERIMENTS=${EXPERIMENTS:-$REPO/paper-figures/experiments}   # another folder of experiment files: a faster smoke test
WORK=$(mktemp -d /tmp/emulators-slurm-check.XXXXXX)
chmod 755 "$WORK"   # munged runs as the munge user and must reach its folder
HOST=$(hostname -s)
say() { echo "[check $(date -u +%H:%M:%S)] $*"; }

if [ "$(id -u)" -ne 0 ]; then echo "check.sh: run as root (it installs packages and starts daemons)" >&2; exit 2; fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  apt-get install -y slurm-wlm munge >/dev/null || { apt-get update >/dev/null && apt-get install -y slurm-wlm munge >/dev/null; }
fi

ARRAY=""; MERGE=""
cleanup() {
  local rc=$?
  set +e
  if [ -n "$ARRAY$MERGE" ] && [ -f "$WORK/slurm.conf" ]; then
    SLURM_CONF="$WORK/slurm.conf" scancel $ARRAY $MERGE 2>/dev/null
    sleep 2
  fi
  for pidfile in "$WORK/slurmd.pid" "$WORK/slurmctld.pid" "$WORK/munge/munged.pid"; do
    if [ -s "$pidfile" ]; then
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null
    fi
  done
  say "daemons stopped"
  if [ "$rc" -ne 0 ] || [ "${KEEP:-0}" = 1 ]; then say "logs and results kept in $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- munge, with its own key and socket so that nothing else on the machine is touched
install -d -o munge -g munge -m 755 "$WORK/munge"   # munged wants its socket folder open to all
dd if=/dev/urandom bs=1 count=1024 status=none > "$WORK/munge/munge.key"
chown munge:munge "$WORK/munge/munge.key"; chmod 400 "$WORK/munge/munge.key"
SOCKET="$WORK/munge/munge.socket"
runuser -u munge -- /usr/sbin/munged --key-file="$WORK/munge/munge.key" --socket="$SOCKET" \
  --pid-file="$WORK/munge/munged.pid" --log-file="$WORK/munge/munged.log" --seed-file="$WORK/munge/munged.seed"
say "munged started (pid $(cat "$WORK/munge/munged.pid"))"

# --- slurm.conf for one node on 127.0.0.1
CTLD_PORT=$((20000 + RANDOM % 20000)); SLURMD_PORT=$((CTLD_PORT + 1))
MEM_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
mkdir -p "$WORK/state" "$WORK/spool"
cat > "$WORK/slurm.conf" <<EOF
ClusterName=emulators-check
SlurmctldHost=$HOST(127.0.0.1)
AuthType=auth/munge
AuthInfo=socket=$SOCKET
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=86400
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$MEM_MB State=UNKNOWN
PartitionName=main Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$WORK/slurm.conf"
slurmctld
slurmd
for _ in $(seq 120); do
  state=$(sinfo -h -o %T 2>/dev/null | head -1 || true)
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || { echo "check.sh: the node did not come up (state '$state'); see $WORK/slurmctld.log and slurmd.log" >&2; exit 1; }
say "slurmctld and slurmd up on 127.0.0.1:$CTLD_PORT/$SLURMD_PORT; node $HOST idle with $(nproc) CPUs"

# --- two copies of the experiments: one for the cluster, one for the local reference run
for d in cluster local; do
  mkdir -p "$WORK/$d/results"
  cp -r "$EXPERIMENTS" "$WORK/$d/experiments"
done

cd "$REPO"
say "writing the job script"
dotnet run --project src/Cli -c Release -- slurm --preset "$PRESET" --shards "$SHARDS" \
  --cpus-per-task "$JOBS" --mem 3G --time 12:00:00 --root "$WORK/cluster" -o "$WORK/job.sh"
cd "$WORK"
say "running the job script (builds once, then submits)"
bash job.sh
# shellcheck disable=SC1091
eval "$(cat "$WORK/cluster/results/slurm-$PRESET/jobs")"   # array=... merge=...
ARRAY=$array; MERGE=$merge
squeue

BUILT="$REPO/artifacts/slurm-$PRESET/emulators.dll"
if [ -n "${REFERENCE:-}" ]; then
  say "reference: $REFERENCE (an earlier local run)"
  cp "$REFERENCE" "$WORK/local/results/$PRESET.jsonl"
else
  say "local reference run: reproduce --preset $PRESET --jobs $JOBS (alongside the cluster's jobs)"
  dotnet "$BUILT" reproduce --preset "$PRESET" --root "$WORK/local" --jobs "$JOBS" > "$WORK/local.log" 2>&1 \
    || { tail -30 "$WORK/local.log" >&2; exit 1; }
  say "local run done: $(grep "^finished" "$WORK/local.log")"
fi

say "waiting for merge job $MERGE (array $ARRAY)"
deadline=$(( $(date +%s) + TIMEOUT_MIN * 60 ))
while :; do
  line=$(scontrol show job "$MERGE" 2>/dev/null | tr ' ' '\n' | grep -E '^(JobState|Reason)=' | tr '\n' ' ')
  case "$line" in
    *JobState=COMPLETED*) break ;;
    *DependencyNeverSatisfied*|*JobState=FAILED*|*JobState=CANCELLED*|*JobState=TIMEOUT*)
      echo "check.sh: merge job $MERGE did not run to completion ($line). Logs:" >&2
      tail -n 20 "$WORK"/cluster/results/slurm-$PRESET/*.log >&2 || true
      exit 1 ;;
  esac
  [ "$(date +%s)" -lt "$deadline" ] || { echo "check.sh: timed out after $TIMEOUT_MIN minutes ($line)" >&2; exit 1; }
  sleep 10
done
for k in $(seq "$SHARDS"); do
  scontrol show job "${ARRAY}_$k" | grep -q "JobState=COMPLETED" || { echo "check.sh: array task $k did not complete" >&2; exit 1; }
done
say "merge job completed; every array task completed"
if grep -l "Build succeeded\|Restore complete\|dotnet build" "$WORK"/cluster/results/slurm-$PRESET/shard-*.log; then
  echo "check.sh: an array task built the project" >&2; exit 1
fi
[ -f "$WORK/cluster/$PRESET/ledger.md" ] || { echo "check.sh: the merge job rendered no ledger" >&2; exit 1; }

python3 - "$WORK/local/results/$PRESET.jsonl" "$WORK/cluster/results/$PRESET.jsonl" <<'EOF'
import json, sys
def load(path):
    out = {}
    for line in open(path):
        if line.strip():
            r = json.loads(line)
            for timing in ("seconds", "finishedUtc"):
                r.pop(timing)
            if r["key"] in out:
                sys.exit(f"check.sh: duplicate record {r['key']} in {path}")
            out[r["key"]] = json.dumps(r, sort_keys=True)
    return out
local, cluster = load(sys.argv[1]), load(sys.argv[2])
missing = sorted(set(local) - set(cluster)); extra = sorted(set(cluster) - set(local))
differ = sorted(k for k in set(local) & set(cluster) if local[k] != cluster[k])
print(f"local: {len(local)} records; cluster (merged from the shards): {len(cluster)} records; "
      f"identical (timing aside): {len(set(local) & set(cluster)) - len(differ)}")
for name, keys in (("missing on the cluster", missing), ("only on the cluster", extra), ("different", differ)):
    if keys:
        print(f"{len(keys)} {name}, e.g. {keys[:3]}")
sys.exit(1 if missing or extra or differ else 0)
EOF
say "PASS: the Slurm array's merged results equal the local run record for record"
