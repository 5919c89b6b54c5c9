#!/usr/bin/env bash
# Use Emulators from outside the repository, as a new user would: pack Emulators.Core, Emulators.Api and the
# emulators tool into a temporary local feed; create a console app in a temporary folder, add Emulators.Api from
# that feed, train K1 from C# (exact LF function and learned LF data), check the errors against the tool's
# `emulators run --problem K1 --json`, save, reload in a second process (the app's publish output) and check the
# predictions bit for bit; install the tool into a temporary --tool-path and run it (runs, export, figures).
# The app and the tool restore into a temporary NuGet packages folder, so nothing lands in the user's cache; the
# user's cache (minus any Emulators package) serves as a read-only fallback for the third-party packages.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
global=${NUGET_PACKAGES:-$HOME/.nuget/packages}
work=$(mktemp -d "${TMPDIR:-/tmp}/emulators-outside.XXXXXX")
trap 'rm -rf "$work"' EXIT
case "$work/" in "$repo"/*) echo "outside-repo: the temporary folder $work is inside the repository" >&2; exit 1 ;; esac
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
start=$SECONDS
say() { echo "outside-repo [$((SECONDS - start)) s]: $*"; }
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -1)

say "packing Emulators.Core, Emulators.Api and the emulators tool $version into a local feed"
feed=$work/feed
for project in src/Core.FSharp src/Api.CSharp src/Cli; do
  dotnet pack "$repo/$project" -c Release -o "$feed" -nologo -clp:ErrorsOnly
done
ls -l "$feed"

# A fallback folder that mirrors the user's cache without any Emulators package, so that the packages under test
# can only come from the feed.
fallback=$work/fallback
mkdir -p "$fallback"
if [ -d "$global" ]; then
  for d in "$global"/*; do
    case "$(basename "$d")" in emulators | emulators.*) ;; *) ln -s "$d" "$fallback/" ;; esac
  done
fi
export NUGET_PACKAGES=$work/packages NUGET_HTTP_CACHE_PATH=$work/http-cache
# Only the feed, then the fallback; the third-party packages there are the ones the repository just built with.
cat > "$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="emulators-feed" value="$feed" />
    <add key="user-cache" value="$fallback" />
  </packageSources>
  <fallbackPackageFolders>
    <clear />
    <add key="user-cache" value="$fallback" />
  </fallbackPackageFolders>
</configuration>
EOF

# The facade leaves libtorch's thread count at its default (every core); one thread, as `emulators run` uses,
# keeps a shared CI machine from being oversubscribed.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

say "installing the tool into a temporary --tool-path"
cd "$work"
dotnet tool install --tool-path "$work/tool" emulators --version "$version" --add-source "$feed" --configfile "$work/nuget.config"
emulators=$work/tool/emulators
"$emulators" run --problem K1 --json > "$work/run-exact.out"
"$emulators" run --problem K1 --lf learned --json > "$work/run-learned.out"
cat "$work/run-exact.out"
tail -n 1 "$work/run-exact.out" > "$work/run-exact.json"
tail -n 1 "$work/run-learned.out" > "$work/run-learned.json"
"$emulators" export --problem K1 -o "$work/k1"
# the figures library ships inside the tool: render the committed quick results with it (no training)
"$emulators" figures --root "$work/figures" --preset quick --results "$repo/paper-figures/results/quick.jsonl"
test -s "$work/figures/quick/FIGURES.md" && test -s "$work/figures/quick/summary-gain.png" && test -s "$work/figures/quick/ledger.md"

say "a new console app with Emulators.Api from the feed"
dotnet new console -o "$work/app" -n OutsideApp --no-restore > /dev/null
cp "$repo/.ci/outside-repo/Program.cs" "$work/app/Program.cs"
cd "$work/app"
dotnet add package Emulators.Api --version "$version"
# the libstdc++ fix reaches the app through Emulators.Core's buildTransitive targets
grep -q "Emulators.Core.targets" obj/OutsideApp.csproj.nuget.g.targets
say "training K1 from C# (dotnet run)"
dotnet run -c Release -- fit "$work/k1" "$work/models" "$work/run-exact.json" "$work/run-learned.json"
say "reloading in a second process (dotnet publish output)"
dotnet publish -c Release -o "$work/publish" -nologo -clp:ErrorsOnly
"$work/publish/OutsideApp" check "$work/k1" "$work/models"
if [ -n "$(ls -A "$NUGET_PACKAGES" 2>/dev/null | grep -v -i '^emulators' || true)" ]; then
  say "note: packages extracted into the temporary cache: $(ls "$NUGET_PACKAGES" | tr '\n' ' ')"
fi
say "passed"
