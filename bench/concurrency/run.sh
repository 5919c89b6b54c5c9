#!/usr/bin/env bash
# The concurrency harness (see Program.cs): P parallel facade fits x R rounds, each compared bit for bit with the same
# fit run alone. The last line printed is `fits: N exceptions: E mismatches: M seconds: S`.
# Usage: bash bench/concurrency/run.sh [rounds 30] [parallel 4] [epochs 2000] [lbfgs 3000]
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build bench/concurrency/Concurrency.csproj -c Release -nologo -clp:ErrorsOnly -v:q >&2
dotnet bench/concurrency/bin/Release/net10.0/concurrency.dll "$@"
