#!/usr/bin/env bash
# Run a preset of the assessment in the background, across sittings: the runner resumes from its results file, so
# starting this again after a stop (or a reboot) goes on where it left off.
#
#   bash paper-figures/run-in-background.sh [start] [--preset paper] [--jobs 2] [--within H]   build once, start detached
#   bash paper-figures/run-in-background.sh status  [--preset paper]               records done, time left
#   bash paper-figures/run-in-background.sh stop                                   stop (finished runs are kept)
#
# --within H: a sitting of H hours; only configurations expected to end within it are started, so none is cut off
# midway when the sitting ends (reproduce --within).
# The CLI is published into $EMULATORS_RUN_DIR (default ~/.emulators-run), outside the repository, so rebuilding
# the repository while the run goes on does not touch the binary it runs. The log is $EMULATORS_RUN_DIR/log.txt.
# The run is niced, so interactive work on the machine keeps priority. Commit results/<preset>.jsonl (and
# results/surrogates/) as it grows; results/checkpoints/ holds unfinished pieces and is not meant for commits.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/paper-figures"
dir="${EMULATORS_RUN_DIR:-$HOME/.emulators-run}"
action=start preset=paper jobs=2 within=()
while [ $# -gt 0 ]; do
  case "$1" in
    start|status|stop) action=$1; shift ;;
    --preset) preset=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --within) within=(--within "$2"); shift 2 ;;
    *) echo "run-in-background.sh: unknown argument $1 (start|status|stop, --preset NAME, --jobs N, --within HOURS)" >&2; exit 2 ;;
  esac
done
running() { pgrep -f "emulators.dll reproduce" >/dev/null; }

case "$action" in
  stop)
    if running; then
      pkill -TERM -f "emulators.dll reproduce"
      echo "stopping; finished runs are in $root/results/, unfinished pieces in results/checkpoints/"
    else
      echo "no reproduce run is going"
    fi ;;
  status)
    if running; then echo "running (log: $dir/log.txt):"; tail -n 1 "$dir/log.txt" || true; else echo "not running"; fi
    if [ -f "$dir/cli/emulators.dll" ]; then
      dotnet "$dir/cli/emulators.dll" reproduce --preset "$preset" --root "$root" --status
    else
      dotnet run --project src/Cli -c Release -- reproduce --preset "$preset" --root "$root" --status
    fi ;;
  start)
    if running; then echo "a reproduce run is already going (bash $0 status)" >&2; exit 1; fi
    mkdir -p "$dir"
    echo "publishing the CLI into $dir/cli ..."
    dotnet publish src/Cli -c Release -o "$dir/cli" -nologo -clp:ErrorsOnly
    setsid nohup nice -n 19 dotnet "$dir/cli/emulators.dll" reproduce --preset "$preset" --root "$root" \
      --jobs "$jobs" --cheapest-first "${within[@]}" >> "$dir/log.txt" 2>&1 < /dev/null &
    echo "started: reproduce --preset $preset --jobs $jobs --cheapest-first ${within[*]} (log: $dir/log.txt)"
    echo "watch: tail -f $dir/log.txt; stop: bash $0 stop" ;;
esac
