#!/usr/bin/env bash
# Acceptance measurements with full training budgets (`emulators run` defaults: 5,000 Adam epochs + 3,000 L-BFGS
# iterations, λ = 1e-3, exact LF): every configuration in configs.txt over repetitions 0..3, one JSON line per run
# in runs.jsonl, medians in summary.md. Already finished runs are skipped, so an interrupted run can be resumed.
# Usage: paper-figures/acceptance/run.sh [jobs] [name]   (default 2 parallel runs; name "x" uses x.txt, x.jsonl and
# x-summary.md instead of configs.txt, runs.jsonl and summary.md)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jobs="${1:-2}"
configs="$here/${2:-configs}.txt"
if [ -n "${2:-}" ]; then runs="$here/$2.jsonl"; else runs="$here/runs.jsonl"; fi
summary="$here/${2:+$2-}summary.md"
[ -f "$configs" ] || { echo "run.sh: no configuration file $configs" >&2; exit 2; }
dotnet build "$root/src/Cli" -c Release -nologo -clp:ErrorsOnly > /dev/null
# Run a private copy of the build, so that rebuilding the sources while the measurements run cannot disturb them.
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
cp -r "$(dirname "$(ls "$root"/src/Cli/bin/Release/net*/emulators.dll | head -1)")"/. "$bin"
cli="$bin/emulators.dll"
touch "$runs"
# One job per (configuration, repetition) not yet in runs.jsonl; a run is keyed by its label and seed.
grep -v '^#' "$configs" | grep -v '^\s*$' | while IFS='|' read -r label args; do
    label="$(echo "$label" | xargs)"
    for seed in 0 1 2 3; do
        if ! grep -q "\"label\":\"$label\",\"seed\":$seed," "$runs"; then
            printf '%s|%s|%s\n' "$label" "$seed" "$args"
        fi
    done
done | xargs -P "$jobs" -I{} bash -c '
    IFS="|" read -r label seed args <<< "{}"
    out="$(dotnet "'"$cli"'" run $args --seed "$seed" --json 2>&1 | tail -1)"
    case "$out" in
        "{"*) printf "{\"label\":\"%s\",\"seed\":%s,%s\n" "$label" "$seed" "${out:1}" >> "'"$runs"'"; echo "done: $label seed $seed" ;;
        *) echo "FAILED: $label seed $seed: $out" >&2 ;;
    esac'
dotnet fsi "$here/summary.fsx" "$configs" "$runs" > "$summary"
cat "$summary"
