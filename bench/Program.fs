/// Side-by-side benchmark of the K1 MF-MLP training step (see bench/run.sh, which drives the modes below).
///   bench data   <out.json>                      the K1 HF training points, so PyTorch trains on the same data
///   bench speed  <out.json> [repeats steps warmup members]   ms per full-batch Adam step, float64 and float32
///   bench rss    <out.json> [members epochs]     peak resident memory (VmHWM) of one long ensemble run
///   bench sweep  <out.json> [reps epochs lbfgs candidates rounds]   one paper-budget assessment configuration
///   bench estimate <out.json> <paper-figures dir>   the paper preset's total from a fixed sample of its configurations
///   bench report <dir> <RESULTS.md>              merge the JSON files of <dir>, write the table, print the summary line
module Bench.Program

open System
open System.Diagnostics
open System.IO
open System.Text.Json
open Emulators.Core

let private k1 = Problems.Forrester.k1

/// The paper's K1 MF-MLP configuration: exact LF, no encoding, F_l affine + F_nl 3×16 tanh on u = [x, y_L],
/// N_H = 8 Sobol' points + 2 boundary points, λ = 1e-3 on F_nl's weights.
let private spec precision =
    { Correlation = MlpBlock { Depth = 3; Width = 16 }
      Surrogate = MlpBlock { Depth = 3; Width = 16 }
      Encoding = NoEncoding
      Precision = precision }

let private hfData () =
    let x = Experiment.hfPoints k1 8 0
    { X = x; Y = Experiment.evaluate k1.Hf x }

let private sources = k1.Sources |> List.map Exact

let private writeJson (path: string) (value: obj) =
    let opts = JsonSerializerOptions(WriteIndented = true)
    File.WriteAllText(path, JsonSerializer.Serialize(value, opts))

let private median (xs: float[]) =
    let s = Array.sort xs
    let n = s.Length
    if n % 2 = 1 then s[n / 2] else 0.5 * (s[n / 2 - 1] + s[n / 2])

/// One training run of `warmup + steps` Adam epochs (no L-BFGS); returns ms per step over the last `steps`
/// epochs, timed between two progress reports of the library's own training loop.
let private timeRun precision (members: int) (steps: int) (warmup: int) (seed: int) =
    let marks = Collections.Generic.Dictionary<int, int64>()
    let cfg = { TrainConfig.defaults with Schedule = { AdamEpochs = warmup + steps; LearningRate = 1e-3; LbfgsIterations = 0 } }
    let hooks =
        { RunHooks.defaults with
            LogEvery = warmup
            Report = Some(fun r -> if not (marks.ContainsKey r.Step) then marks[r.Step] <- Stopwatch.GetTimestamp()) }
    let seeds = Array.init members (fun e -> seed * 1000 + e)
    let r = Fit.fitWith hooks cfg (spec precision) k1.Domain (hfData ()) sources seeds
    let ticks = marks[warmup + steps] - marks[warmup]
    let ms = float ticks * 1000.0 / float Stopwatch.Frequency / float steps
    ms, r.Stages |> List.last |> fun s -> s.FinalLoss

let private speed (out: string) (repeats: int) (steps: int) (warmup: int) (members: int list) =
    Native.init 1
    // Untimed warm-up of the whole process, so .NET's tiered JIT has compiled the training loop fully
    // (PyTorch's Python loop has no such phase).
    for precision in [ Tensors.Float64; Tensors.Float32 ] do
        for e in members do
            timeRun precision e 500 100 99 |> ignore
    let gc0 = GC.CollectionCount 0
    let rows =
        [ for precision in [ Tensors.Float64; Tensors.Float32 ] do
              for e in members do
                  let runs = Array.init repeats (fun i -> timeRun precision e steps warmup i)
                  let ms = runs |> Array.map fst
                  let m = median ms
                  eprintfn "library %s E=%d: %.4f ms/step (median of %d × %d steps; runs %s), %.5f ms/member"
                      (Tensors.precisionName precision) e m repeats steps
                      (ms |> Array.map (sprintf "%.4f") |> String.concat " ") (m / float e)
                  yield
                      {| precision = Tensors.precisionName precision
                         members = e
                         msPerStep = m
                         runs = ms
                         finalLoss = runs |> Array.map snd |> Array.average |} ] 
    eprintfn "library: %d gen-0 garbage collections during the timed runs" (GC.CollectionCount 0 - gc0)
    writeJson out {| repeats = repeats; steps = steps; warmup = warmup; threads = 1; rows = rows |}

let private vmHwmKb () =
    File.ReadAllLines "/proc/self/status"
    |> Array.tryFind (fun l -> l.StartsWith "VmHWM:")
    |> Option.map (fun l -> l.Split([| ' '; '\t' |], StringSplitOptions.RemoveEmptyEntries)[1] |> int64)
    |> Option.defaultValue -1L

let private rss (out: string) (members: int) (epochs: int) =
    Native.init 1
    let clock = Stopwatch.StartNew()
    let cfg = { TrainConfig.defaults with Schedule = { AdamEpochs = epochs; LearningRate = 1e-3; LbfgsIterations = 0 } }
    let r = Fit.fitWith { RunHooks.defaults with LogEvery = 1000 } cfg (spec Tensors.Float64) k1.Domain (hfData ()) sources (Array.init members id)
    let kb = vmHwmKb ()
    eprintfn "library rss: E=%d, %d epochs, float64: peak RSS %.1f MB, %.1f s, final loss %g"
        members epochs (float kb / 1024.0) clock.Elapsed.TotalSeconds (r.Stages |> List.last).FinalLoss
    writeJson out
        {| members = members
           epochs = epochs
           precision = "float64"
           peakRssMb = float kb / 1024.0
           seconds = clock.Elapsed.TotalSeconds |}

let private data (out: string) =
    let hf = hfData ()
    writeJson out {| x = hf.X |> Array.map (fun r -> r[0]); n = hf.X.Length |}

let private mfNetwork arch encoding lf =
    Assessment.RunModel.Network(arch, Assessment.NetworkModel.MultiFidelity { Encoding = encoding; Lf = lf })

/// One paper-budget configuration of the assessment end to end through the library's runner: K1, MLP 3×16, exact LF,
/// N_H = 8, `reps` repetitions, the paper preset's search (rounds × candidates, each Adam epochs + L-BFGS iterations).
let private sweep (out: string) (reps: int) (epochs: int) (lbfgs: int) (candidates: int) (rounds: int) =
    Native.init 1
    let budget =
        { Assessment.Sweep.defaultBudget with
            AdamEpochs = epochs; LbfgsIterations = lbfgs; SearchCandidates = candidates; SearchRounds = rounds }
    let configs : Assessment.Sweep.RunConfig list =
        [ for rep in 0 .. reps - 1 ->
              { Experiment = "bench"; Problem = "K1"; Corrupted = -1; Model = mfNetwork Architecture.Mlp EncodingKind.None Assessment.NetworkLf.Exact
                Nh = 8; Rep = rep; Design = Experiment.SobolOffset; Budget = budget } ]
    let clock = Stopwatch.StartNew()
    let records = Assessment.Runner.runGroup configs
    let seconds = clock.Elapsed.TotalSeconds
    for r in records do
        eprintfn "library sweep: rep %d, lr %.3g, lambda %g, validation %.3g, test normalized MSE %.3g, %.1f s"
            r.Rep r.LearningRate r.Lambda r.ValidationNormalizedMse r.NormalizedMse r.Seconds
    eprintfn "library sweep: %d repetitions x %d rounds x %d candidates, %d Adam epochs + %d L-BFGS iterations: %.1f s"
        reps rounds candidates epochs lbfgs seconds
    writeJson out
        {| seconds = seconds
           repetitions = reps
           rounds = rounds
           candidates = candidates
           epochs = epochs
           lbfgs = lbfgs
           testNormalizedMse = records |> List.map (fun r -> r.NormalizedMse) |> Array.ofList |}

/// One search round's batch as the assessment trains it (K1, MLP 3×16, exact LF, 16 candidates with their own
/// learning rates and λ), `epochs` Adam epochs + `lbfgs` L-BFGS iterations, with L-BFGS dropping the members that
/// have stopped (the default) and without, alternately: the L-BFGS polish's seconds each way (median of `repeats`),
/// the rows its evaluations carried, and whether both ways end every member bit for bit alike.
let private compaction (out: string) (repeats: int) (epochs: int) (lbfgs: int) =
    Native.init 1
    let members = 16
    let lrs = Array.init members (fun i -> 1e-5 * (1000.0 ** (float i / float (members - 1))))
    let lambdas = Array.init members (fun i -> if i % 4 = 0 then 0.0 else 10.0 ** (-7.0 + 2.0 * float (i % 4)))
    let cfg =
        { TrainConfig.defaults with
            Schedule = { AdamEpochs = epochs; LearningRate = 1e-3; LbfgsIterations = lbfgs }
            MemberLearningRates = Some lrs
            MemberLambdas = Some lambdas }
    let once compact =
        let mutable start = 0L
        let mutable polish = None
        let hooks =
            { RunHooks.defaults with
                CompactLbfgs = compact
                Report = Some(fun r -> if r.Phase = "L-BFGS" then start <- Stopwatch.GetTimestamp())
                OnLbfgs = Some(fun r -> polish <- Some(r, Stopwatch.GetTimestamp())) }
        let fit = Fit.fitWith hooks cfg (spec Tensors.Float64) k1.Domain (hfData ()) sources (Array.init members (fun e -> 500 + e))
        let r, stop = polish.Value
        float (stop - start) / float Stopwatch.Frequency, r, Emulator.parameters fit.Emulator |> List.map (fun (_, t) -> Tensors.toArray t)
    let runs = [ for _ in 1 .. repeats do yield once false; yield once true ]
    let full = runs |> List.indexed |> List.filter (fun (i, _) -> i % 2 = 0) |> List.map snd
    let compacted = runs |> List.indexed |> List.filter (fun (i, _) -> i % 2 = 1) |> List.map snd
    let seconds (xs: (float * Lbfgs.Result * float[] list) list) = xs |> List.map (fun (t, _, _) -> t) |> Array.ofList |> median
    let _, fullResult, fullParams = full.Head
    let _, compactResult, compactParams = compacted.Head
    let identical = fullParams = compactParams && fullResult.Members = compactResult.Members
    eprintfn "L-BFGS over %d members, %d iterations: whole batch %.2f s, dropping stopped members %.2f s; rows %d vs %d; identical %b"
        members lbfgs (seconds full) (seconds compacted) fullResult.RowEvaluations compactResult.RowEvaluations identical
    writeJson out
        {| members = members
           epochs = epochs
           lbfgs = lbfgs
           repeats = repeats
           fullSeconds = full |> List.map (fun (t, _, _) -> t) |> Array.ofList
           compactSeconds = compacted |> List.map (fun (t, _, _) -> t) |> Array.ofList
           batchEvaluations = fullResult.BatchEvaluations
           fullRows = fullResult.RowEvaluations
           compactRows = compactResult.RowEvaluations
           iterations = fullResult.Members |> Array.map (fun o -> o.Iterations)
           identical = identical |}

/// The paper preset's total from a fixed sample of its configurations: each sample configuration (one per listed
/// category, at its smallest N_H) runs twice at reduced budgets (200 Adam epochs; then 200 + 100 L-BFGS iterations)
/// with the preset's search, which separates the cost of an Adam epoch from that of an L-BFGS iteration; scaled to
/// the preset's budgets, that gives seconds per unit of `RunCost.expectedCost` for its category. Every unit of the
/// preset is then costed with its category's rate (the median rate where no sample covers it). LF surrogates are
/// trained afresh for every sample, whereas a real run shares them across configurations: learned-LF categories
/// come out somewhat high.
let private estimate (out: string) (root: string) =
    Native.init 1
    let exps = Assessment.Sweep.discover (Path.Combine(root, "experiments")) |> List.map (fun f -> Assessment.Sweep.load f "paper")
    let configs = exps |> List.collect Assessment.Sweep.expand
    let _, units = Assessment.Schedule.pendingUnits configs (Path.Combine(Path.GetTempPath(), "emulators-estimate-none.jsonl")) None
    let category (c: Assessment.Sweep.RunConfig) =
        c.Experiment, Assessment.RunModel.architectureName c.Model, Assessment.RunModel.modelName c.Model, Assessment.RunModel.lfName c.Model
    let exact arch = mfNetwork arch EncodingKind.None Assessment.NetworkLf.Exact
    let learned arch = mfNetwork arch EncodingKind.Nonlinear (Assessment.NetworkLf.Learned EndToEnd)
    let samples =
        [ "accuracy-1d", "K1", exact Architecture.Mlp
          "accuracy-1d", "K1", exact Architecture.Kan
          "accuracy-1d", "K3", learned Architecture.Mlp
          "accuracy-1d", "K3", learned Architecture.Kan
          "accuracy-20d", "K5", exact Architecture.Mlp
          "accuracy-20d", "K5", exact Architecture.Kan ]
    let rates =
        [ for (e, p, m) in samples do
            let u =
                units
                |> Array.filter (fun u ->
                    let c = u.Configs.Head
                    c.Experiment = e && c.Problem = p && c.Model = m)
                |> Array.minBy (fun u -> u.Configs.Head.Nh)
            let time adam lbfgs =
                let scaled = u.Configs |> List.map (fun c -> { c with Budget = { c.Budget with AdamEpochs = adam; LbfgsIterations = lbfgs } })
                let clock = Stopwatch.StartNew()
                Assessment.Runner.runGroupWith (Assessment.SurrogateCache.create ()) scaled |> ignore
                clock.Elapsed.TotalSeconds
            let tAdam = time 200 0
            let tBoth = time 200 100
            let b = u.Configs.Head.Budget
            let seconds = float b.AdamEpochs * tAdam / 200.0 + float b.LbfgsIterations * max 0.0 (tBoth - tAdam) / 100.0
            let c = u.Configs.Head
            let m = c.Model
            eprintfn "estimate: %s %s %s %s/%s/%s/%s N_H=%d: %.0f s at the paper's budgets (%.2f ms per Adam epoch, %.2f ms per L-BFGS iteration)"
                c.Experiment c.Problem (Assessment.RunModel.architectureName m) (Assessment.RunModel.modelName m)
                (Assessment.RunModel.encodingName m) (Assessment.RunModel.lfName m) (Assessment.RunModel.strategyName m) c.Nh seconds (tAdam / 200.0 * 1e3) ((tBoth - tAdam) / 100.0 * 1e3)
            category c, seconds / u.Cost ]
    let medianRate = rates |> List.map snd |> Array.ofList |> median
    let rateOf (c: Assessment.Sweep.RunConfig) =
        match rates |> List.tryFind (fun (k, _) -> k = category c) with
        | Some(_, r) -> r
        | None -> medianRate
    let unitSeconds = units |> Array.map (fun u -> u.Cost * rateOf u.Configs.Head)
    let total = Array.sum unitSeconds
    eprintfn "estimate: %d runs in %d units, %.1f h on one worker" configs.Length units.Length (total / 3600.0)
    writeJson out
        {| runs = configs.Length
           units = units.Length
           samples = samples.Length
           oneWorkerHours = total / 3600.0
           largestUnitHours = (Array.max unitSeconds) / 3600.0 |}

// ---- report -------------------------------------------------------------------------------------------------

let private cpuModel () =
    try
        File.ReadAllLines "/proc/cpuinfo"
        |> Array.tryFind (fun l -> l.StartsWith "model name")
        |> Option.map (fun l -> l.Substring(l.IndexOf ':' + 1).Trim())
        |> Option.defaultValue "unknown"
    with _ -> "unknown"

/// What GNU `time -v` wrote for a process: user and system CPU seconds, peak RSS (MB) and minor page faults.
type private ProcessTimes = { User: float; System: float; PeakRssMb: float; MinorFaults: int64 }

let private processTimes (file: string) : ProcessTimes option =
    if not (File.Exists file) then None
    else
        let fields =
            File.ReadAllLines file
            |> Array.map (fun l -> l.Trim())
            |> Array.choose (fun t ->
                match t.LastIndexOf ": " with
                | -1 -> None
                | i -> Some(t.Substring(0, i), t.Substring(i + 2)))
            |> Map.ofArray
        let value name = Map.tryFind name fields
        match value "User time (seconds)", value "System time (seconds)", value "Maximum resident set size (kbytes)",
              value "Minor (reclaiming a frame) page faults" with
        | Some u, Some s, Some rss, Some faults ->
            Some { User = float u; System = float s; PeakRssMb = float rss / 1024.0; MinorFaults = int64 faults }
        | _ -> None

let private report (dir: string) (out: string) =
    let load (name: string) = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, name))).RootElement
    // Each side may have run in several rounds (run.sh alternates them): merge the runs, then take medians.
    let rounds (prefix: string) =
        Directory.GetFiles(dir, prefix + "*.json") |> Array.sort |> Array.map (fun f -> load (Path.GetFileName f)) |> List.ofArray
    let libRounds = rounds "library"
    let pyRounds = rounds "pytorch"
    if libRounds.IsEmpty || pyRounds.IsEmpty then failwithf "report: no library*.json or pytorch*.json in %s" dir
    let lib = libRounds.Head
    let py = pyRounds.Head
    let mem = load "rss.json"
    let runsOf (docs: JsonElement list) (pick: JsonElement -> bool) =
        [| for d in docs do
               for r in d.GetProperty("rows").EnumerateArray() do
                   if pick r then
                       for v in r.GetProperty("runs").EnumerateArray() do
                           yield v.GetDouble() |]
    let libRuns precision e =
        runsOf libRounds (fun r -> r.GetProperty("precision").GetString() = precision && r.GetProperty("members").GetInt32() = e)
    let libMs precision e = median (libRuns precision e)
    let members =
        lib.GetProperty("rows").EnumerateArray() |> Seq.map (fun r -> r.GetProperty("members").GetInt32()) |> Seq.distinct |> List.ofSeq
    let pyRuns precision variant =
        runsOf pyRounds (fun r -> r.GetProperty("precision").GetString() = precision && r.GetProperty("variant").GetString() = variant)
    let pyMs precision variant = median (pyRuns precision variant)
    let pyVariants =
        py.GetProperty("rows").EnumerateArray() |> Seq.map (fun r -> r.GetProperty("variant").GetString()) |> Seq.distinct |> List.ofSeq
    let reference = pyVariants.Head
    let r1 = libMs "float64" 1 / pyMs "float64" reference
    let r2 = (libMs "float64" 64 / 64.0) / pyMs "float64" reference
    let peak = mem.GetProperty("peakRssMb").GetDouble()
    let verdict ok = if ok then "met" else "**missed**"
    let sb = Text.StringBuilder()
    let line (s: string) = sb.AppendLine s |> ignore
    let steps = lib.GetProperty("steps").GetInt32()
    let repeats = (libRuns "float64" 1).Length
    let pyRepeats = (pyRuns "float64" reference).Length
    let warmup = lib.GetProperty("warmup").GetInt32()
    line "# K1 training-step benchmark: this library vs PyTorch"
    line ""
    line "Generated by `bash bench/run.sh` (or `dotnet fsi build.fsx bench`); do not edit by hand."
    line ""
    line "## Machine and versions"
    line ""
    line (sprintf "- date: %s" (DateTime.UtcNow.ToString "yyyy-MM-dd HH:mm 'UTC'"))
    line (sprintf "- CPU: %s, `nproc` = %d" (cpuModel ()) Environment.ProcessorCount)
    line (sprintf "- OS: %s" (Runtime.InteropServices.RuntimeInformation.OSDescription))
    line (sprintf "- .NET: %s; TorchSharp %s (libtorch 2.10.0 CPU, MKL)" (Runtime.InteropServices.RuntimeInformation.FrameworkDescription)
              (typeof<TorchSharp.torch.Tensor>.Assembly.GetName().Version.ToString()))
    line (sprintf "- PyTorch: %s (Debian python3-torch), Python %s, %s" (py.GetProperty("torch").GetString()) (py.GetProperty("python").GetString())
              (py.GetProperty("blas").GetString()))
    line (sprintf "- threads: 1 on both sides (library: `Native.init 1` = `torch.set_num_threads 1`; PyTorch: `torch.set_num_threads(1)`, intra-op threads reported %d; `OMP_NUM_THREADS=1 MKL_NUM_THREADS=1` for both)"
              (py.GetProperty("threads").GetInt32()))
    line (sprintf "- allocator: %s" (match Environment.GetEnvironmentVariable "LD_PRELOAD" with null | "" -> "glibc malloc (the library's own mallopt settings, no LD_PRELOAD)" | s -> s))
    line ""
    line "## What is timed"
    line ""
    line "The paper's K1 MF-MLP configuration: exact LF (y_L evaluated once at the HF points; it is a constant input), F_l affine +"
    line "F_nl 3×16 tanh MLP on u = [x, y_L] (both in scaled units), N_H = 8 Sobol' + 2 boundary = 10 points, loss = HF MSE + λ Σ W²"
    line "over F_nl's weight matrices (λ = 1e-3), one full-batch Adam step (lr 1e-3) = forward, backward, update."
    line (sprintf "Each number is the median over %d repeats (PyTorch: %d) of the mean time per step over %d steps, after %d warm-up steps (a fresh model per repeat)."
              repeats pyRepeats steps warmup)
    line (sprintf "The two sides ran alternately in %d rounds, so background load on the machine hits both." libRounds.Length)
    line "Library: the real training loop (`Fit.fit` → `Stage.run`), timed between two of its progress reports."
    line "PyTorch: a plain loop, parameters as tensors, `torch.addmm` layers, `torch.optim.Adam`."
    line ""
    line "How the library keeps its step cheap:"
    line ""
    line "- u = [x, y_L] is computed once when nothing upstream of F_l and F_nl trains (exact LF and no encoder, or frozen surrogates)."
    line "- Gradients always come from libtorch's autograd (no hand-written reverse pass); the loss total is one fused `mse_loss`."
    line "- All parameters live in one flat buffer (each parameter is a view of its chunk), their gradients in another, and Adam is a fixed"
    line "  dozen whole-buffer operations, per-member learning rates included; it also adds the L2 penalty's gradient 2 λ W itself."
    line "- What remains at E = 64 is arithmetic: float64 tanh and sqrt and 64 small matrix products per layer."
    line ""
    line "## Results (ms per step)"
    line ""
    line "| implementation | float64 | float32 | float64 per member | float64 ratio to PyTorch |"
    line "|---|---|---|---|---|"
    for v in pyVariants do
        let r = pyMs "float64" v / pyMs "float64" reference
        line (sprintf "| PyTorch single model, %s | %.4f | %.4f | %.4f | %.3f |" v (pyMs "float64" v) (pyMs "float32" v) (pyMs "float64" v) r)
    for e in members do
        let name = if e = 1 then "this library, single model (E = 1)" else sprintf "this library, ensemble E = %d" e
        line (sprintf "| %s | %.4f | %.4f | %.5f | %.4f (per member) |" name (libMs "float64" e) (libMs "float32" e) (libMs "float64" e / float e)
                  (libMs "float64" e / float e / pyMs "float64" reference))
    line ""
    line (sprintf "Reference for the ratios: PyTorch, %s, float64." reference)
    let libLoss =
        [ for d in libRounds do
              for r in d.GetProperty("rows").EnumerateArray() do
                  if r.GetProperty("precision").GetString() = "float64" && r.GetProperty("members").GetInt32() = 1 then
                      yield r.GetProperty("finalLoss").GetDouble() ] |> List.average
    let pyLoss =
        [ for d in pyRounds do
              for r in d.GetProperty("rows").EnumerateArray() do
                  if r.GetProperty("precision").GetString() = "float64" && r.GetProperty("variant").GetString() = reference then
                      yield r.GetProperty("finalLoss").GetDouble() ] |> List.average
    line (sprintf "Sanity check (both sides train the same problem): mean training loss after %d steps, float64, single model: this library %.4g, PyTorch %.4g (different random initialisations)."
              (warmup + steps) libLoss pyLoss)
    line ""
    line "## Targets"
    line ""
    line "| quantity | value | target | |"
    line "|---|---|---|---|"
    line (sprintf "| R1 = single model / PyTorch (float64) | %.3f | ≤ 0.6 | %s |" r1 (verdict (r1 <= 0.6)))
    line (sprintf "| R2 = (E = 64 step / 64) / PyTorch single (float64) | %.4f | ≤ 0.05 | %s |" r2 (verdict (r2 <= 0.05)))
    line (sprintf "| peak RSS, E = %d, %d Adam epochs, float64 (VmHWM of the whole process) | %.0f MB | ≤ 1024 MB | %s |"
              (mem.GetProperty("members").GetInt32()) (mem.GetProperty("epochs").GetInt32()) peak (verdict (peak <= 1024.0)))
    line ""
    line (sprintf "float32 ratios (same definitions): R1 = %.3f, R2 = %.4f."
              (libMs "float32" 1 / pyMs "float32" reference) ((libMs "float32" 64 / 64.0) / pyMs "float32" reference))
    line ""
    line (sprintf "The E = %d memory run took %.1f s." (mem.GetProperty("members").GetInt32()) (mem.GetProperty("seconds").GetDouble()))
    // The paper-budget configuration, when run.sh ran it (sweeplib*.json and sweeptorch*.json).
    let sweepRounds = rounds "sweeplib"
    let pySweepRounds = rounds "sweeptorch"
    let r3 =
        if sweepRounds.IsEmpty || pySweepRounds.IsEmpty then None
        else
            let s0 = sweepRounds.Head
            let libSeconds = sweepRounds |> List.map (fun d -> d.GetProperty("seconds").GetDouble()) |> Array.ofList |> median
            let perCandidate =
                [| for d in pySweepRounds do
                       for r in d.GetProperty("runs").EnumerateArray() -> r.GetProperty("seconds").GetDouble() |]
            let reps, rnds, cands = s0.GetProperty("repetitions").GetInt32(), s0.GetProperty("rounds").GetInt32(), s0.GetProperty("candidates").GetInt32()
            // The protocol's trainings: one search per configuration (rounds × candidates, on repetition 0), then
            // one training per other repetition. PyTorch trains the same protocol one training after another.
            let trainings = rnds * cands + (reps - 1)
            let pySeconds = median perCandidate * float trainings
            let r3 = libSeconds / pySeconds
            line ""
            line "## One configuration of the assessment at the paper's budgets"
            line ""
            line (sprintf "K1, MLP 3×16, exact LF, N_H = 8, %d repetitions; the paper preset's search, once per configuration on repetition 0: %d rounds × %d candidates, then one training per other repetition, each %d Adam epochs + %d L-BFGS iterations (%d trainings)."
                      reps rnds cands (s0.GetProperty("epochs").GetInt32()) (s0.GetProperty("lbfgs").GetInt32()) trainings)
            line "This library: `Assessment.Runner.runGroup` over the repetitions (search on validation data, test scoring), wall time of the whole group, one thread."
            line (sprintf "PyTorch: candidates trained one after another (Adam, then `torch.optim.LBFGS` with strong Wolfe, 20 pairs, the same evaluation bound), one thread. Its cost is linear in the number of candidates, so it trained a fixed subset (%d trainings) and the median seconds per training is scaled by %d."
                      perCandidate.Length trainings)
            line ""
            line "| implementation | wall time (s) | runs |"
            line "|---|---|---|"
            line (sprintf "| this library | %.1f | %s |" libSeconds (sweepRounds |> List.map (fun d -> sprintf "%.1f" (d.GetProperty("seconds").GetDouble())) |> String.concat " "))
            line (sprintf "| PyTorch, scaled (%.2f s per training × %d) | %.1f | per training: %s |" (median perCandidate) trainings pySeconds
                      (perCandidate |> Array.map (sprintf "%.2f") |> String.concat " "))
            line ""
            line (sprintf "R3 = library / PyTorch = %.3f (target ≤ 0.05: %s)." r3 (verdict (r3 <= 0.05)))
            Some r3
    // The library side's CPU split, when run.sh ran it under GNU time (sweeplib.<round>.time).
    let sweepTimes =
        Directory.GetFiles(dir, "sweeplib*.time") |> Array.sort |> Array.choose processTimes |> List.ofArray
    let systemShare =
        match sweepTimes with
        | [] -> None
        | ts ->
            let share t = t.System / (t.User + t.System)
            let s = ts |> List.map share |> Array.ofList |> median
            line ""
            line "Where the library's CPU time went in that configuration (`/usr/bin/time -v` around the whole process, start-up included):"
            line ""
            line "| round | user CPU (s) | system CPU (s) | system share | peak RSS (MB) | minor page faults |"
            line "|---|---|---|---|---|---|"
            ts |> List.iteri (fun i t ->
                line (sprintf "| %d | %.1f | %.2f | %.1f %% | %.0f | %d |" (i + 1) t.User t.System (100.0 * share t) t.PeakRssMb t.MinorFaults))
            line ""
            line (sprintf "System time share (median) = %.1f %% of CPU time (target < 10 %%: %s)." (100.0 * s) (verdict (s < 0.10)))
            Some s
    // L-BFGS dropping stopped members, when run.sh ran it (compaction.json).
    let compactionFile = Path.Combine(dir, "compaction.json")
    if File.Exists compactionFile then
        let d = JsonDocument.Parse(File.ReadAllText compactionFile).RootElement
        let times (name: string) = [| for v in d.GetProperty(name).EnumerateArray() -> v.GetDouble() |]
        let full, compact = times "fullSeconds", times "compactSeconds"
        let members = d.GetProperty("members").GetInt32()
        let batches = d.GetProperty("batchEvaluations").GetInt32()
        let iterations = [| for v in d.GetProperty("iterations").EnumerateArray() -> v.GetInt32() |]
        line ""
        line "## L-BFGS dropping stopped members"
        line ""
        line (sprintf "One search round's batch as the assessment trains it (K1, MLP 3×16, exact LF, N_H = 8, %d candidates with their own learning rates and λ), %d Adam epochs + %d L-BFGS iterations, the L-BFGS polish timed with the batch cut down to its running members as members stop (the default) and with the whole batch throughout, alternately, %d times each; members stopped after %d to %d iterations."
                  members (d.GetProperty("epochs").GetInt32()) (d.GetProperty("lbfgs").GetInt32()) full.Length (Array.min iterations) (Array.max iterations))
        line ""
        line "| L-BFGS polish | seconds (median) | runs | rows evaluated |"
        line "|---|---|---|---|"
        let runs (xs: float[]) = xs |> Array.map (sprintf "%.2f") |> String.concat " "
        line (sprintf "| whole batch | %.2f | %s | %d (%d batched evaluations × %d) |" (median full) (runs full) (d.GetProperty("fullRows").GetInt32()) batches members)
        line (sprintf "| dropping stopped members | %.2f | %s | %d |" (median compact) (runs compact) (d.GetProperty("compactRows").GetInt32()))
        line ""
        line (sprintf "Ratio (dropping / whole) = %.3f; every member's parameters and outcome bit for bit alike both ways: %b."
                  (median compact / median full) (d.GetProperty("identical").GetBoolean()))
    // The paper preset's estimate, when run.sh ran it (estimate.json).
    let estimateFile = Path.Combine(dir, "estimate.json")
    let estimateHours =
        if not (File.Exists estimateFile) then None
        else
            let d = JsonDocument.Parse(File.ReadAllText estimateFile).RootElement
            let h = d.GetProperty("oneWorkerHours").GetDouble()
            line ""
            line "## The paper preset's total, estimated from a fixed sample"
            line ""
            line (sprintf "`bench estimate`: %d configurations (one per category, at its smallest N_H) timed at 200 Adam epochs and at 200 + 100 L-BFGS iterations with the preset's search, scaled to the paper's budgets; every one of the preset's %d units (%d runs) costed with its category's seconds per unit of `RunCost.expectedCost` (the median rate for categories without a sample). Surrogates are trained afresh per sample, so learned-LF categories come out somewhat high."
                      (d.GetProperty("samples").GetInt32()) (d.GetProperty("units").GetInt32()) (d.GetProperty("runs").GetInt32()))
            line ""
            line (sprintf "Estimate: **%.1f h on one worker, %.1f h with 2 worker processes** (target ≤ 4 h: %s); the largest unit (one configuration's 4 repetitions) %.1f h."
                      h (h / 2.0) (verdict (h / 2.0 <= 4.0)) (d.GetProperty("largestUnitHours").GetDouble()))
            Some h
    File.WriteAllText(out, sb.ToString())
    eprintfn "wrote %s" out
    printfn "single-vs-pytorch: %.3f e64-member-vs-pytorch: %.4f peak-rss-mb: %.0f" r1 r2 peak
    match r3 with
    | Some r ->
        match systemShare with
        | Some s -> printfn "sweep-vs-pytorch: %.3f sweep-system-share: %.3f" r s
        | None -> printfn "sweep-vs-pytorch: %.3f" r
    | None -> ()
    match estimateHours with
    | Some h -> printfn "paper-preset-estimate-hours: %.1f (one worker) %.1f (2 workers)" h (h / 2.0)
    | None -> ()

[<EntryPoint>]
let main argv =
    let arg i d = if argv.Length > i then argv[i] else d
    match List.ofArray argv with
    | "data" :: out :: _ -> data out; 0
    | "speed" :: out :: _ ->
        let members = (arg 5 "1,4,16,64").Split ',' |> Array.map int |> List.ofArray
        speed out (int (arg 2 "5")) (int (arg 3 "2000")) (int (arg 4 "200")) members
        0
    | "rss" :: out :: _ -> rss out (int (arg 2 "64")) (int (arg 3 "20000")); 0
    | "sweep" :: out :: _ ->
        sweep out (int (arg 2 "4")) (int (arg 3 "5000")) (int (arg 4 "3000")) (int (arg 5 "16")) (int (arg 6 "2"))
        0
    | "estimate" :: out :: root :: _ -> estimate out root; 0
    | "compaction" :: out :: _ -> compaction out (int (arg 2 "3")) (int (arg 3 "5000")) (int (arg 4 "3000")); 0
    | "report" :: dir :: out :: _ -> report dir out; 0
    | _ ->
        eprintfn "usage: bench data|speed|rss|sweep|compaction|estimate|report ... (see bench/run.sh)"
        2
