/// `emulators reproduce | figures | merge | slurm`: the paper's assessment from experiment definitions.
module Emulators.Cli.ReproduceCommand

open System
open System.IO
open Argu
open Emulators.Core
open Emulators.Core.Assessment
open Emulators.Cli.Args

/// The paper-figures directory: given, or found by walking up from the working directory.
let findRoot (given: string option) =
    match given with
    | Some d -> d
    | None ->
        let rec up (dir: DirectoryInfo) =
            if isNull dir then Errors.fail "no paper-figures/experiments directory here or above: run from the repository or pass --root"
            elif Directory.Exists(Path.Combine(dir.FullName, "paper-figures", "experiments")) then Path.Combine(dir.FullName, "paper-figures")
            else up dir.Parent
        up (DirectoryInfo(Directory.GetCurrentDirectory()))

let resultsFile (root: string) (preset: string) (shard: (int * int) option) =
    match shard with
    | None -> Path.Combine(root, "results", preset + ".jsonl")
    | Some(k, n) -> Path.Combine(root, "results", sprintf "%s.shard-%d-of-%d.jsonl" preset k n)

let private checkPreset (p: string) =
    match p with
    | "quick" | "paper" -> p
    | other -> Errors.fail "unknown preset '%s' (expected quick or paper)" other

let experiments (root: string) (preset: string) (only: string option) =
    let all = Sweep.discover (Path.Combine(root, "experiments")) |> List.map (fun f -> Sweep.load f preset)
    match only with
    | None -> all
    | Some name ->
        match all |> List.filter (fun e -> e.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) with
        | [] -> Errors.fail "no experiment named '%s' (have: %s)" name (all |> List.map (fun e -> e.Name) |> String.concat ", ")
        | some -> some

let private duration (s: float) =
    if Double.IsNaN s then "?" else TimeSpan.FromSeconds(Math.Round s).ToString()

let render (root: string) (preset: string) (records: RunRecord list) =
    let outDir = Path.Combine(root, preset)
    Directory.CreateDirectory outDir |> ignore
    let files = Figures.Render.renderAll records outDir
    printfn "wrote %d figure and table files to %s" files.Length outDir

let reproduce (args: ParseResults<ReproduceArgs>) =
    // One libtorch thread per run by default; runs go in parallel (--jobs) instead, which suits tiny networks far better.
    Native.useThreads (args.TryGetResult ReproduceArgs.Threads)
    let root = findRoot (args.TryGetResult ReproduceArgs.Root)
    let preset = checkPreset (args.GetResult(ReproduceArgs.Preset, defaultValue = "quick"))
    let shard = args.TryGetResult ReproduceArgs.Shard |> Option.map Store.parseShard
    let exps = experiments root preset (args.TryGetResult ReproduceArgs.Only)
    let configs = exps |> List.collect Sweep.expand
    let path = resultsFile root preset shard
    printfn "%d experiment(s), %d runs in all; results in %s" exps.Length configs.Length path
    let clock = Diagnostics.Stopwatch.StartNew()
    let report (p: Runner.Progress) =
        if p.Done = 0 && p.Skipped > 0 then eprintfn "resuming: %d runs already finished" p.Skipped
        if p.Current <> "done" then
            eprintfn "[%d/%d done] elapsed %s, about %s left; starting %s" p.Done p.Total (duration p.ElapsedSeconds) (duration p.RemainingSeconds) p.Current
    let jobs = args.GetResult(ReproduceArgs.Jobs, defaultValue = Environment.ProcessorCount)
    let n = Runner.runAll configs path shard jobs report Threading.CancellationToken.None
    printfn "finished %d runs in %s" n (duration clock.Elapsed.TotalSeconds)
    match shard with
    | Some(k, total) -> printfn "shard %d/%d done; join the shards with `emulators merge --preset %s`, then `emulators figures --preset %s`" k total preset preset
    | None ->
        let keys = configs |> List.map (fun c -> c.Key) |> Set.ofList
        render root preset (Store.read path |> List.filter (fun r -> keys.Contains r.Key || args.Contains ReproduceArgs.Only |> not))
    0

let figures (args: ParseResults<FiguresArgs>) =
    Native.init 1
    let root = findRoot (args.TryGetResult FiguresArgs.Root)
    let preset = checkPreset (args.GetResult(FiguresArgs.Preset, defaultValue = "quick"))
    let path = args.GetResult(FiguresArgs.Results, defaultValue = resultsFile root preset None)
    let records = Store.read path
    if records.IsEmpty then Errors.fail "%s holds no results: run `emulators reproduce --preset %s` first" path preset
    render root preset records
    0

let merge (args: ParseResults<MergeArgs>) =
    let root = findRoot (args.TryGetResult MergeArgs.Root)
    let preset = checkPreset (args.GetResult(MergeArgs.Preset, defaultValue = "paper"))
    let dir = Path.Combine(root, "results")
    let shards = if Directory.Exists dir then Directory.GetFiles(dir, preset + ".shard-*.jsonl") |> Array.sort |> List.ofArray else []
    if shards.IsEmpty then Errors.fail "no shard files %s.shard-*.jsonl in %s" preset dir
    let out = resultsFile root preset None
    let existing = if File.Exists out then [ out ] else []
    let n = Store.merge (existing @ shards) out
    printfn "merged %d shard file(s) into %s: %d records" shards.Length out n
    0

/// A Slurm job array: task k runs shard k of N, then one dependent job merges and renders.
let slurm (args: ParseResults<SlurmArgs>) =
    let preset = checkPreset (args.GetResult(SlurmArgs.Preset, defaultValue = "paper"))
    let n = args.GetResult(SlurmArgs.Shards, defaultValue = 32)
    if n < 1 then Errors.fail "--shards must be at least 1 (got %d)" n
    let out = args.GetResult(SlurmArgs.Out, defaultValue = sprintf "reproduce-%s.slurm.sh" preset)
    let script =
        String.concat "\n" [
            "#!/bin/bash"
            sprintf "# Emulators: the '%s' assessment as a Slurm job array of %d shards." preset n
            "# Submit from the repository root:   sbatch " + Path.GetFileName out
            "# Then, when every task has finished: emulators merge --preset " + preset + " && emulators figures --preset " + preset
            sprintf "#SBATCH --job-name=emulators-%s" preset
            sprintf "#SBATCH --array=1-%d" n
            "#SBATCH --cpus-per-task=2"
            "#SBATCH --mem=4G"
            "#SBATCH --time=24:00:00"
            "#SBATCH --output=paper-figures/results/slurm-%A_%a.log"
            "set -euo pipefail"
            "mkdir -p paper-figures/results"
            "dotnet build src/Cli -c Release -nologo -v q"
            sprintf "dotnet src/Cli/bin/Release/net10.0/emulators.dll reproduce --preset %s --shard \"${SLURM_ARRAY_TASK_ID}/%d\" --jobs \"${SLURM_CPUS_PER_TASK:-1}\"" preset n
            "" ]
    File.WriteAllText(out, script)
    printfn "wrote %s (%d array tasks); check it with `bash -n %s`" out n out
    0
