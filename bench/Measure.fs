/// The measuring modes of the benchmark (data, speed, rss, sweep, compaction, estimate): each writes one JSON file.
module Bench.Measure

open System
open System.Diagnostics
open System.IO
open Emulators.Core

open Bench.Common

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

let speed (out: string) (repeats: int) (steps: int) (warmup: int) (members: int list) =
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

let rss (out: string) (members: int) (epochs: int) =
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

let data (out: string) =
    let hf = hfData ()
    writeJson out {| x = hf.X |> Array.map (fun r -> r[0]); n = hf.X.Length |}

let private mfNetwork arch encoding lf =
    Assessment.RunModel.Network(arch, Assessment.NetworkModel.MultiFidelity { Encoding = encoding; Lf = lf })

/// One paper-budget configuration of the assessment end to end through the library's runner: K1, MLP 3×16, exact LF,
/// N_H = 8, `reps` repetitions, the paper preset's search (rounds × candidates, each Adam epochs + L-BFGS iterations).
let sweep (out: string) (reps: int) (epochs: int) (lbfgs: int) (candidates: int) (rounds: int) =
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
let compaction (out: string) (repeats: int) (epochs: int) (lbfgs: int) =
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
let estimate (out: string) (root: string) =
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
