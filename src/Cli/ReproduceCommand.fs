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

let experiments (root: string) (preset: string) (only: string option) =
    let all = Sweep.discover (Path.Combine(root, "experiments")) |> List.map (fun f -> Sweep.load f preset)
    match only with
    | None -> all
    | Some name ->
        match all |> List.filter (fun e -> e.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) with
        | [] -> Errors.fail "no experiment named '%s' (have: %s)" name (all |> List.map (fun e -> e.Name) |> String.concat ", ")
        | some -> some

/// h:mm:ss, with the hours counted past a day (30:05:00, not TimeSpan's 1.06:05:00).
let private duration (s: float) =
    if Double.IsNaN s || Double.IsInfinity s then "?"
    else
        let t = int64 (Math.Round s)
        sprintf "%d:%02d:%02d" (t / 3600L) (t % 3600L / 60L) (t % 60L)

let render (root: string) (preset: string) (records: RunRecord list) =
    let outDir = Path.Combine(root, preset)
    Directory.CreateDirectory outDir |> ignore
    let files, claims = Emulators.Figures.Render.renderAll records outDir
    printfn "wrote %d figure and table files to %s" files.Length outDir
    // The verdicts at a glance; claims.md has the cells and the rules.
    if claims |> List.exists (fun c -> not c.Cells.IsEmpty) then
        printfn "the paper's claims (%s):" (Path.Combine(outDir, "claims.md"))
        let width = claims |> List.map (fun c -> c.Statement.Length) |> List.max
        for c in claims do
            printfn "  %s  agrees in: %s" (c.Statement.PadRight width) (Claims.tallyText c)

/// A command line to suggest, repeating the options the user gave (e.g. --root) so it works where they are.
let private suggest (command: string) (options: (string * string option) list) =
    let quote (v: string) =
        if v <> "" && v |> Seq.forall (fun ch -> Char.IsLetterOrDigit ch || "-_./:=,+@".Contains ch) then v
        else "'" + v.Replace("'", "'\\''") + "'"
    let given = options |> List.choose (fun (flag, v) -> v |> Option.map (fun v -> sprintf " %s %s" flag (quote v)))
    "emulators " + command + String.concat "" given

/// `reproduce --status`: where the preset stands, from its results file and sittings log; trains nothing.
let private printStatus (configs: Sweep.RunConfig list) (path: string) (jobs: int) =
    let s = PresetStatus.ofResults configs path
    let hours (seconds: float) = if Double.IsNaN seconds then "?" else sprintf "%.1f h" (seconds / 3600.0)
    printfn "%s: %d of %d runs done" (Path.GetFileName path) s.Done s.Total
    for e in s.Experiments do
        printfn "  %-20s %5d / %d" e.Experiment e.Done e.Total
    printfn "worker time the records carry: %s" (hours s.WorkerSeconds)
    let log = Path.GetFileName(Sittings.pathFor path)
    match s.Sittings with
    | [] -> printfn "wall time: no sitting logged in %s yet" log
    | ss -> printfn "wall time measured over %d logged sitting(s): %s (%s)" ss.Length (duration s.WallSeconds) log
    if s.Done < s.Total then
        printfn "left: %d runs, about %s of worker time, each kind at the pace of its finished runs (about %s with %d workers)"
            (s.Total - s.Done) (hours s.RemainingWorkerSeconds) (hours (s.RemainingWorkerSeconds / float jobs)) jobs
        for k in s.Pending do
            let nh = k.Nh |> List.map string |> String.concat ", "
            printfn "  %-20s %-36s %4d runs  %7s   %s; N_H %s" k.Experiment k.Kind k.Runs (hours k.WorkerSeconds)
                (String.concat " " k.Problems) nh

let reproduce (args: ParseResults<ReproduceArgs>) =
    // One libtorch thread per run; runs go in parallel worker processes (--jobs) instead, which suits tiny networks
    // far better and keeps every run alone in its process.
    Native.useThreads (args.TryGetResult ReproduceArgs.Threads)
    let givenRoot = args.TryGetResult ReproduceArgs.Root
    let root = Path.GetFullPath(findRoot givenRoot)
    let preset = args.GetResult(ReproduceArgs.Preset, defaultValue = "quick")
    let only = args.TryGetResult ReproduceArgs.Only
    let shardText = args.TryGetResult ReproduceArgs.Shard
    let shard = shardText |> Option.map Store.parseShard
    let jobs = args.GetResult(ReproduceArgs.Jobs, defaultValue = Environment.ProcessorCount)
    if jobs < 1 then Errors.fail "--jobs must be at least 1 (got %d)" jobs
    let within = args.TryGetResult ReproduceArgs.Within
    match within with
    | Some h when not (h > 0.0) || Double.IsInfinity h -> Errors.fail "--within must be a positive number of hours (got %g)" h
    | _ -> ()
    let exps = experiments root preset only
    let configs = exps |> List.collect Sweep.expand
    let path = resultsFile root preset shard
    let options = [ "--preset", Some preset; "--only", only; "--shard", shardText; "--root", givenRoot ]
    printfn "%d experiment(s), %d runs in all; results in %s" exps.Length configs.Length path
    if args.Contains ReproduceArgs.Status then (printStatus (Schedule.inShard shard configs) path jobs; 0) else
    if args.Contains ReproduceArgs.Fresh then
        let covered = Schedule.inShard shard configs |> List.map (fun c -> c.Key) |> Set.ofList
        // Pieces of unfinished configurations go too: a fresh run trains everything again.
        let checkpoints = PieceCheckpoint.directoryFor root preset
        for key in Schedule.inShard shard configs |> List.map Runner.groupKey |> List.distinct do
            PieceCheckpoint.clear (PieceCheckpoint.directoryOf checkpoints key)
        match Store.setAside path (fun r -> not (covered.Contains r.Key)) with
        | Some(aside, kept) ->
            printfn "--fresh: moved the previous results to %s%s" aside
                (if kept > 0 then sprintf " (the %d records of runs not selected here stay in %s)" kept path else "")
        | None -> ()
    let clock = Diagnostics.Stopwatch.StartNew()
    // Progress lines come from the worker threads and the pool at once: one WriteLine per line (Console.Error is
    // synchronized per call) so that no line is torn by another, as F#'s printf, which writes in pieces, would.
    let status fmt = Printf.ksprintf (fun (line: string) -> Console.Error.WriteLine line) fmt
    let mutable resumed = false
    // The sittings log: a line at the start, at every progress report and every few minutes in between, so that the
    // wall time of a run spread over sittings is measured (Sittings.fs).
    let sittingsLog = Sittings.pathFor path
    let started = DateTime.UtcNow
    let mutable trained = 0
    let sittingsGate = obj ()
    let mark () =
        lock sittingsGate (fun () ->
            Sittings.append sittingsLog { Started = started; At = DateTime.UtcNow; Runs = trained; Jobs = jobs } (status "warning: %s"))
    mark ()
    use _heartbeat = new Threading.Timer((fun _ -> mark ()), null, TimeSpan.FromMinutes 5.0, TimeSpan.FromMinutes 5.0)
    let report (p: Schedule.Progress) =
        trained <- p.Done
        mark ()
        if p.Skipped > 0 && not resumed && p.Total > 0 then
            resumed <- true
            status "resuming: %d runs already finished" p.Skipped
        if p.Current <> "done" then
            status "[%d/%d runs done] elapsed %s, about %s left; started %s" p.Done p.Total (duration p.ElapsedSeconds) (duration p.RemainingSeconds) p.Current
    use cancel = new Threading.CancellationTokenSource()
    // Pre-trained LF surrogates are kept beside the results, so other workers, later sittings and Slurm array
    // tasks read them instead of training them again.
    SurrogateCache.persistTo SurrogateCache.shared (SurrogateCache.directoryFor root preset)
    let pieceSize = args.TryGetResult ReproduceArgs.Piece_Size
    match pieceSize with
    | Some n when n < 2 -> Errors.fail "--piece-size must be at least 2 (got %d): a batch of one member rounds differently from a batch of several" n
    | _ -> ()
    let execute =
        if jobs = 1 then
            Schedule.inProcessWith
                { Runner.defaultExecution with
                    Checkpoints = Some(PieceCheckpoint.directoryFor root preset)
                    PieceSize = pieceSize
                    OnPiece = fun p -> Runner.pieceLine "in progress" p |> Option.iter (status "%s") }
        else
            // Ctrl-C stops the workers; every record received so far is already in the results file.
            Console.CancelKeyPress.Add(fun e ->
                e.Cancel <- true
                status "stopping the workers..."
                cancel.Cancel())
            Workers.pool jobs (defaultArg (args.TryGetResult ReproduceArgs.Threads) Native.defaultThreads) pieceSize root preset (status "%s")
    let order = if args.Contains ReproduceArgs.Cheapest_First then Schedule.CheapestFirst else Schedule.LongestFirst
    let runOptions: Schedule.RunOptions =
        { Order = order; Shard = shard; Within = within |> Option.map (fun h -> h * 3600.0); Slots = jobs }
    let n = Schedule.runAll runOptions configs path execute report cancel.Token
    printfn "finished %d runs in %s" n (duration clock.Elapsed.TotalSeconds)
    match within with
    | Some h ->
        let left = (Schedule.pendingUnits configs path shard |> snd) |> Array.sumBy (fun u -> u.Configs.Length)
        if left > 0 then
            printfn "%d runs left for the next sitting: none was expected to end within the %g hours of --within" left h
            let tooLong = Schedule.longerThan (h * 3600.0) configs path shard
            if tooLong.Length > 0 then
                printfn "%d of their configurations are expected to take longer than %g hours on their own, so a sitting of that length never starts them; run them in a longer one (or without --within):" tooLong.Length h
                for u in tooLong do
                    printfn "  %s" u.Label
    | None -> ()
    let all = Sittings.sittings (Sittings.read sittingsLog)
    if all.Length > 1 then
        printfn "%d sittings on %s so far: %s of wall time (%s)" all.Length (Path.GetFileName path)
            (duration (Sittings.totalWallSeconds all)) (Path.GetFileName sittingsLog)
    if n = 0 then
        printfn "nothing to train: every selected run is already in %s. To rerun from scratch: %s" path
            (suggest "reproduce" options + " --fresh")
    match shard with
    | Some(k, total) ->
        let common = [ "--preset", Some preset; "--root", givenRoot ]
        printfn "shard %d/%d done; when every shard is done, join them with `%s`, then `%s`" k total
            (suggest "merge" common) (suggest "figures" common)
    | None ->
        // every record of the preset, not only the selected experiments' (--only): the figures and the ledger
        // show the whole assessment
        render root preset (Store.read path)
    0

let figures (args: ParseResults<FiguresArgs>) =
    Native.init 1
    let givenRoot = args.TryGetResult FiguresArgs.Root
    let root = findRoot givenRoot
    let preset = args.GetResult(FiguresArgs.Preset, defaultValue = "quick")
    let path = args.GetResult(FiguresArgs.Results, defaultValue = resultsFile root preset None)
    let records = Store.read path
    if records.IsEmpty then
        Errors.fail "%s holds no results: run `%s` first" path (suggest "reproduce" [ "--preset", Some preset; "--root", givenRoot ])
    render root preset records
    0

let merge (args: ParseResults<MergeArgs>) =
    let root = findRoot (args.TryGetResult MergeArgs.Root)
    let preset = args.GetResult(MergeArgs.Preset, defaultValue = "paper")
    let dir = Path.Combine(root, "results")
    let shards = Store.shardFiles dir preset
    if shards.IsEmpty then Errors.fail "no shard files %s.shard-*.jsonl in %s" preset dir
    let out = resultsFile root preset None
    let existing = if File.Exists out then [ out ] else []
    let n = Store.merge (existing @ shards) out
    printfn "merged %d shard file(s) into %s: %d records" shards.Length out n
    0

/// The repository to build the CLI from: found from the working directory or the paper-figures directory.
let private findRepository (root: string) =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then None
        elif File.Exists(Path.Combine(dir.FullName, "src", "Cli", "Cli.fsproj")) then Some dir.FullName
        else up dir.Parent
    match up (DirectoryInfo(Directory.GetCurrentDirectory())) with
    | Some r -> Some r
    | None -> up (DirectoryInfo root)

/// A Slurm job script that submits itself: run with bash on the login node, it builds the CLI once, submits an
/// array whose task k runs shard k of N with the built output, and a job that waits for every task to succeed
/// (afterok), merges the shards and renders the figures.
let slurm (args: ParseResults<SlurmArgs>) =
    let preset = args.GetResult(SlurmArgs.Preset, defaultValue = "paper")
    let root = Path.GetFullPath(findRoot (args.TryGetResult SlurmArgs.Root))
    let runs = experiments root preset None |> List.collect Sweep.expand
    let n = args.GetResult(SlurmArgs.Shards, defaultValue = 32)
    if n < 1 then Errors.fail "--shards must be at least 1 (got %d)" n
    let cpus = args.GetResult(SlurmArgs.Cpus_Per_Task, defaultValue = 2)
    if cpus < 1 then Errors.fail "--cpus-per-task must be at least 1 (got %d)" cpus
    let mem = args.GetResult(SlurmArgs.Mem, defaultValue = "4G")
    let time = args.GetResult(SlurmArgs.Time, defaultValue = "24:00:00")
    let out = args.GetResult(SlurmArgs.Out, defaultValue = sprintf "reproduce-%s.slurm.sh" preset)
    let q (s: string) = "'" + s.Replace("'", "'\\''") + "'"
    let build, cli =
        match findRepository root with
        | Some repo ->
            let dir = Path.Combine(repo, "artifacts", "slurm-" + preset)
            [ sprintf "    echo \"building the CLI once into %s\"" dir
              sprintf "    dotnet publish %s -c Release -nologo -v q -o %s" (q (Path.Combine(repo, "src", "Cli"))) (q dir) ],
            sprintf "(dotnet %s)" (q (Path.Combine(dir, "emulators.dll")))
        | None ->
            // No sources (an installed tool): the tasks run this very executable.
            let exe, prefix = Workers.selfCommand ()
            [ "    : # no repository found: the tasks run the installed CLI" ],
            "(" + (exe :: prefix |> List.map q |> String.concat " ") + ")"
    let logs = Path.Combine(root, "results", "slurm-" + preset)
    let script =
        String.concat "\n" [
            "#!/bin/bash"
            sprintf "# Emulators: the '%s' assessment (%d runs) as a Slurm job array of %d shards, then one job that" preset runs.Length n
            "# merges the shards and renders the figures. Run it with bash (not sbatch) where sbatch works:"
            sprintf "#   bash %s            # builds the CLI once, submits the array and the merge job" (Path.GetFileName out)
            "# Array tasks only run the built output. Extra sbatch options (partition, account): SBATCH_EXTRA=\"...\"."
            "# A task that fails leaves the merge job pending (DependencyNeverSatisfied); resubmitting reruns only the"
            "# runs not yet in the shard files, as every shard resumes."
            "set -euo pipefail"
            sprintf "ROOT=%s" (q root)
            sprintf "PRESET=%s" (q preset)
            sprintf "SHARDS=%d" n
            sprintf "LOGS=%s" (q logs)
            sprintf "CLI=%s" cli
            "case \"${1:-submit}\" in"
            "  submit)"
            "    mkdir -p \"$LOGS\""
            yield! build
            "    # shellcheck disable=SC2086"
            sprintf "    array=$(sbatch --parsable ${SBATCH_EXTRA:-} --job-name=\"emulators-$PRESET\" --array=\"1-$SHARDS\" --cpus-per-task=%d --mem=%s --time=%s --output=\"$LOGS/shard-%%a.log\" \"$0\" shard)" cpus (q mem) (q time)
            "    array=${array%%;*}"
            "    # shellcheck disable=SC2086"
            "    merge=$(sbatch --parsable ${SBATCH_EXTRA:-} --job-name=\"emulators-$PRESET-merge\" --dependency=\"afterok:$array\" --cpus-per-task=1 --mem=2G --output=\"$LOGS/merge.log\" \"$0\" merge)"
            "    merge=${merge%%;*}"
            "    echo \"submitted array job $array ($SHARDS tasks) and merge job $merge; logs in $LOGS\""
            "    echo \"array=$array merge=$merge\" > \"$LOGS/jobs\""
            "    ;;"
            "  shard)"
            "    exec \"${CLI[@]}\" reproduce --root \"$ROOT\" --preset \"$PRESET\" --shard \"$SLURM_ARRAY_TASK_ID/$SHARDS\" --jobs \"${SLURM_CPUS_PER_TASK:-1}\""
            "    ;;"
            "  merge)"
            "    \"${CLI[@]}\" merge --root \"$ROOT\" --preset \"$PRESET\""
            "    exec \"${CLI[@]}\" figures --root \"$ROOT\" --preset \"$PRESET\""
            "    ;;"
            "  *)"
            "    echo \"usage: bash $0 [submit]\" >&2; exit 2"
            "    ;;"
            "esac"
            "" ]
    File.WriteAllText(out, script)
    printfn "wrote %s: %d runs in %d array tasks of %d CPUs, then a merge job; submit with `bash %s`" out runs.Length n cpus out
    0
