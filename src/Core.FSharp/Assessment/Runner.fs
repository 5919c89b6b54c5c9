/// Runs assessment configurations: data, hyperparameter search on separate validation data, test scoring, and
/// one record appended per finished run. Finished keys are skipped, so a rerun resumes where a crash stopped.
module Emulators.Core.Assessment.Runner

open System
open System.Diagnostics
open Emulators.Core

type Progress =
    { Done: int
      Total: int
      Skipped: int
      Current: string
      ElapsedSeconds: float
      /// Estimated from the mean time of the runs done so far.
      RemainingSeconds: float }

/// Validation inputs: a separate Sobol' draw, never the test set and never the HF training points. HF draws start
/// at 2^3..2^12 (Experiment.hfPoints); validation starts at 2^(13 + rep mod 10), past every HF draw of up to
/// 4096 points.
let validationPoints (p: Problem) (n: int) (rep: int) =
    Sampling.sobol p.Domain.Dim (1 <<< (13 + rep % 10)) (max 8 n) |> Sampling.scaleTo p.Domain.Lower p.Domain.Upper

/// Test inputs and truth per problem, computed once (the PDE and 20-D problems make this worth caching).
let private testCache = Collections.Concurrent.ConcurrentDictionary<string, float[][] * float[]>()

let testSet (p: Problem) =
    testCache.GetOrAdd(p.Name, fun _ ->
        let x = Experiment.testPoints p
        x, Experiment.evaluate p.Hf x)

let private blockOf (c: Sweep.RunConfig) = Block.ofName c.Architecture c.Budget.Depth c.Budget.Width

let private specOf (c: Sweep.RunConfig) : EmulatorSpec =
    let block = blockOf c
    let options = { Workflow.defaultOptions with Architecture = c.Architecture }
    { Correlation = block
      Surrogate = block
      Encoding = (if c.Model = "sf" then NoEncoding else Workflow.encodingOf c.Encoding options)
      Precision = Tensors.Float64 }

let private trainConfig (c: Sweep.RunConfig) (cand: Search.Candidate) =
    let schedule = { AdamEpochs = c.Budget.AdamEpochs; LearningRate = cand.LearningRate; LbfgsIterations = c.Budget.LbfgsIterations }
    { TrainConfig.defaults with
        Schedule = schedule
        SurrogateSchedule = schedule
        Lambda = cand.Lambda
        Strategy = (if c.Strategy = "end-to-end" then EndToEnd else PretrainFreeze)
        LogEvery = 1000 }

/// Train every candidate of a search round at once, as the members of one batched ensemble (same seed, so the
/// same initialisation; own learning rate and λ), and score each member on the validation data.
let private evaluateCandidates (c: Sweep.RunConfig) (p: Problem) (hf: HfData) (sources: SourceSpec list) (xv: float[][]) (yv: float[]) (cands: Search.Candidate[]) =
    let spec = specOf c
    let seed = 1000 + 97 * c.Rep + (if c.Model = "sf" then 1 else 0)
    let cfg =
        { trainConfig c cands[0] with
            // LF surrogates pre-train at the default rate; the searched rate is the HF stage's.
            SurrogateSchedule = { AdamEpochs = c.Budget.AdamEpochs; LearningRate = 1e-3; LbfgsIterations = c.Budget.LbfgsIterations }
            MemberLearningRates = Some(cands |> Array.map (fun k -> k.LearningRate))
            MemberLambdas = Some(cands |> Array.map (fun k -> k.Lambda)) }
    let fit = Fit.fit cfg spec p.Domain hf sources (Array.create cands.Length seed)
    let preds = Emulator.predictMembers fit.Emulator xv
    cands |> Array.mapi (fun e _ -> Metrics.normalizedMse p.NormSq preds[e].Value yv, (fit, e))

/// One configuration, start to finish.
let runOne (c: Sweep.RunConfig) : RunRecord =
    let clock = Stopwatch.StartNew()
    let p = Problems.Catalogue.find c.Problem
    let xh = Experiment.hfPointsIn c.Design p c.Nh c.Rep
    let hf = { X = xh; Y = Experiment.evaluate p.Hf xh }
    let xv = validationPoints p c.Nh c.Rep
    let yv = Experiment.evaluate p.Hf xv
    let sources =
        match c.Model, c.Lf with
        | "sf", _ -> []
        | _, "learned" -> Experiment.sources p Experiment.LearnedLf c.Rep
        | _ -> Experiment.sources p Experiment.ExactLf c.Rep
    let (best, valErr, (fit: FitResult, memberIndex)), history =
        Search.run (7919 * c.Rep + c.Nh) c.Budget.SearchCandidates c.Budget.SearchRounds (evaluateCandidates c p hf sources xv yv)
    let xt, yt = testSet p
    let chosen = Emulator.memberOf fit.Emulator memberIndex
    let predict x = (Emulator.predict chosen x).Value
    let errors = Metrics.all p.NormSq (predict xt) yt
    let smallest = (if p.HfSizes.IsEmpty then c.Nh else List.min p.HfSizes)
    let example =
        if p.Domain.Dim = 1 && c.Rep = 0 && c.Nh = smallest then
            let xs = Sampling.grid 400 1 |> Sampling.scaleTo p.Domain.Lower p.Domain.Upper
            Some
                { X = xs |> Array.map (fun r -> r[0])
                  Truth = Experiment.evaluate p.Hf xs
                  Prediction = predict xs
                  HfX = xh |> Array.map (fun r -> r[0])
                  HfY = hf.Y }
        else None
    { Key = c.Key
      Experiment = c.Experiment
      // Corrupted-sources runs are one family (CORR-n with n = Corrupted), plotted against n.
      Problem = (if c.Corrupted >= 0 then "CORR" else c.Problem)
      Architecture = c.Architecture
      Depth = c.Budget.Depth
      Width = c.Budget.Width
      Model = c.Model
      Encoding = (if c.Model = "sf" then "none" else c.Encoding)
      Lf = (if c.Model = "sf" then "none" else c.Lf)
      Strategy = (if c.Model = "sf" then "none" else c.Strategy)
      Nh = c.Nh
      NhTotal = xh.Length
      Rep = c.Rep
      Corrupted = c.Corrupted
      Design = Experiment.HfDesign.name c.Design
      NormalizedMse = errors.NormalizedMse
      Rmse = errors.Rmse
      MaxError = errors.MaxError
      LearningRate = best.LearningRate
      Lambda = best.Lambda
      SearchCandidates = history.Length
      ValidationNormalizedMse = valErr
      Seconds = clock.Elapsed.TotalSeconds
      LibraryVersion = ModelFile.libraryVersion
      FinishedUtc = DateTime.UtcNow.ToString("o")
      Example = example }

let runGroup (configs: Sweep.RunConfig list) = configs |> List.map runOne

/// Run every configuration of this shard not yet in the results file, `jobs` at a time (each run uses one
/// libtorch thread, so jobs = cores fills the machine), appending each record as it finishes.
let runAll (configs: Sweep.RunConfig list) (resultsPath: string) (shard: (int * int) option) (jobs: int)
           (report: Progress -> unit) (cancel: Threading.CancellationToken) =
    if jobs < 1 then Errors.fail "jobs must be at least 1 (got %d)" jobs
    let mine =
        match shard with
        | Some(k, n) -> configs |> List.filter (fun c -> Store.shardOf n c.Key = k)
        | None -> configs
    let finished = Store.finishedKeys resultsPath
    let todo = mine |> List.filter (fun c -> not (finished.Contains c.Key)) |> Array.ofList
    let skipped = mine.Length - todo.Length
    let clock = Stopwatch.StartNew()
    let total = todo.Length
    let mutable completed = 0
    let gate = obj ()
    let progress current =
        lock gate (fun () ->
            let elapsed = clock.Elapsed.TotalSeconds
            report
                { Done = completed; Total = total; Skipped = skipped; Current = current; ElapsedSeconds = elapsed
                  RemainingSeconds = (if completed = 0 then nan else elapsed / float completed * float (total - completed)) })
    let options = Threading.Tasks.ParallelOptions(MaxDegreeOfParallelism = jobs, CancellationToken = cancel)
    let body (c: Sweep.RunConfig) =
        progress (sprintf "%s %s %s %s/%s/%s N_H=%d rep %d" c.Experiment c.Problem c.Architecture c.Model c.Encoding c.Lf c.Nh c.Rep)
        // Runs in parallel threads can meet TorchSharp's freed-Scalar race; a run is deterministic, so it is repeated.
        let r = Native.repeatOnFreedScalar 2 cancel (fun () -> runOne c)
        Store.append resultsPath r
        lock gate (fun () -> completed <- completed + 1)
    try
        Threading.Tasks.Parallel.ForEach(todo, options, body) |> ignore
    with :? AggregateException as e when e.InnerExceptions.Count > 0 ->
        Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw()
    completed <- total
    progress "done"
    total
