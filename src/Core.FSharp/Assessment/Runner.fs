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
      /// Pending and running work weighted by its expected cost (expectedCost), at the seconds per unit of cost
      /// measured on the work finished so far; NaN until something has finished.
      RemainingSeconds: float }

let private blockOf (c: Sweep.RunConfig) = Block.ofName c.Architecture c.Budget.Depth c.Budget.Width

let private specOf (c: Sweep.RunConfig) : EmulatorSpec =
    let block = blockOf c
    let options = { Workflow.defaultOptions with Architecture = c.Architecture }
    { Correlation = block
      Surrogate = block
      Encoding = (if c.Model = "sf" then NoEncoding else Workflow.encodingOf c.Encoding options)
      Precision = Tensors.Float64 }

/// The learning rate of LF-surrogate pre-training in every run: the searched rate is the HF stage's (end to end,
/// the whole model's after the surrogates' pre-training). It is the library's default learning rate (OptionSpec), 1e-3.
let surrogateLearningRate = OptionSpec.learningRate.Default

/// The schedule of LF-surrogate pre-training: the run's budget at surrogateLearningRate.
let surrogateSchedule (b: Sweep.Budget) =
    { AdamEpochs = b.AdamEpochs; LearningRate = surrogateLearningRate; LbfgsIterations = b.LbfgsIterations }

let private trainConfig (c: Sweep.RunConfig) =
    { TrainConfig.defaults with
        Schedule = { AdamEpochs = c.Budget.AdamEpochs; LearningRate = TrainConfig.defaults.Schedule.LearningRate; LbfgsIterations = c.Budget.LbfgsIterations }
        SurrogateSchedule = surrogateSchedule c.Budget
        Strategy = (if c.Strategy = "end-to-end" then EndToEnd else PretrainFreeze) }

/// Runs report nothing while they train; their loss terms are logged every 1000 epochs.
let private hooks = { RunHooks.defaults with LogEvery = 1000 }

/// A configuration's identity without its repetition: the repetitions of one group share it.
let groupKey (c: Sweep.RunConfig) = { c with Rep = 0 }.Key

/// What one repetition of a configuration trains and is judged on.
type private Repetition =
    { Config: Sweep.RunConfig
      Problem: Problem
      Data: MemberData
      Seed: int
      /// Validation draw: inputs and HF truth (never the test set, never the HF points).
      ValidationX: float[][]
      ValidationY: float[] }

/// The LF sources of a repetition, and their pre-trained surrogates when they are learned (from the cache).
let private repetition (cache: SurrogateCache.Cache) (c: Sweep.RunConfig) : Repetition =
    let p = Problems.Catalogue.find c.Problem
    let xh = Experiment.hfPointsIn c.Design p c.Nh c.Rep
    let hf = { X = xh; Y = Experiment.evaluate p.Hf xh }
    let xv = Scoring.validationPoints p c.Nh c.Rep
    let seed = (Experiment.memberSeeds c.Rep (if c.Model = "sf" then 1 else 0))[0]
    let sources =
        match c.Model, c.Lf with
        | "sf", _ -> []
        | _, "learned" -> Experiment.sources p Experiment.LearnedLf c.Rep
        | _ -> Experiment.sources p Experiment.ExactLf c.Rep
    let spec = specOf c
    let surrogates =
        let learned = sources |> List.indexed |> List.filter (fun (_, s) -> match s with Learned _ -> true | Exact _ -> false)
        if learned.IsEmpty then None
        else
            let cfg = trainConfig c
            learned
            |> List.map (fun (i, src) ->
                let key: SurrogateCache.Key =
                    { Problem = c.Problem; Rep = c.Rep; Source = (match src with Learned(n, _, _, _) -> n | Exact f -> f.Name)
                      Architecture = c.Architecture; Depth = c.Budget.Depth; Width = c.Budget.Width
                      AdamEpochs = cfg.SurrogateSchedule.AdamEpochs; LbfgsIterations = cfg.SurrogateSchedule.LbfgsIterations
                      LearningRate = cfg.SurrogateSchedule.LearningRate; Precision = spec.Precision }
                SurrogateCache.getOrTrain cache key (fun () ->
                    Surrogates.pretrainAloneWith hooks cfg spec.Surrogate spec.Precision (Surrogates.seedOf seed i) src))
            |> Some
    { Config = c
      Problem = p
      Data = { Hf = hf; Sources = sources; Surrogates = surrogates }
      Seed = seed
      ValidationX = xv
      ValidationY = Experiment.evaluate p.Hf xv }

/// Train one search round of every repetition at once, as the members of one batched ensemble: member k of
/// repetition r has r's data, seed and pre-trained surrogates (so the same start as every candidate of r) and
/// candidate k's learning rate and λ. Each member is scored on its repetition's validation data.
let private evaluateRound (c: Sweep.RunConfig) (reps: Repetition[]) (batches: Search.Candidate[][]) =
    let members = [| for r in 0 .. reps.Length - 1 do for k in batches[r] -> r, k |]
    let cfg =
        { trainConfig c with
            MemberLearningRates = Some(members |> Array.map (fun (_, k) -> k.LearningRate))
            MemberLambdas = Some(members |> Array.map (fun (_, k) -> k.Lambda)) }
    let fit =
        Fit.fitMembersWith hooks cfg (specOf c) reps[0].Problem.Domain (members |> Array.map (fun (r, _) -> reps[r].Data))
            (members |> Array.map (fun (r, _) -> reps[r].Seed))
    let preds = Emulator.predictEach fit.Emulator (members |> Array.map (fun (r, _) -> reps[r].ValidationX))
    let scored = members |> Array.mapi (fun e (r, _) -> r, (Metrics.normalizedMse reps[r].Problem.NormSq preds[e].Value reps[r].ValidationY, (fit, e)))
    Array.init reps.Length (fun r -> scored |> Array.filter (fun (q, _) -> q = r) |> Array.map snd)

/// The record of one repetition, from its search's outcome.
let private recordOf (rep: Repetition) ((best: Search.Candidate, valErr, (fit: FitResult, memberIndex)), history: (Search.Candidate * float) list) (seconds: float) : RunRecord =
    let chosen = Emulator.memberOf fit.Emulator memberIndex
    let choice: Scoring.Choice =
        { LearningRate = best.LearningRate; Lambda = best.Lambda; Candidates = history.Length; ValidationNormalizedMse = valErr }
    Scoring.record rep.Config rep.Problem rep.Data.Hf (fun x -> (Emulator.predict chosen x).Value) choice seconds

/// The repetition whose validation draw tunes a configuration. The paper tunes per configuration (spec §5, Hyperopt
/// "tuned per configuration"): one search, on repetition 0's data and validation draw, chooses the learning rate and
/// λ that every repetition then trains with. Tuning each repetition on its own would cost a full search per
/// repetition (4× the trainings at the paper's 2 × 16 candidates) for hyperparameters the paper does not re-tune.
let tuningRep = 0

/// `runGroup` with a given surrogate cache.
let runGroupWith (cache: SurrogateCache.Cache) (configs: Sweep.RunConfig list) : RunRecord list =
    match configs with
    | [] -> []
    | first :: _ when Sweep.isGp first -> GpRuns.run configs
    | first :: _ ->
        let key = groupKey first
        for c in configs do
            if groupKey c <> key then
                Errors.fail "a run group holds the repetitions of one configuration, but '%s' and '%s' differ in more than the repetition" first.Key c.Key
        match configs |> List.countBy (fun c -> c.Rep) |> List.tryFind (fun (_, n) -> n > 1) with
        | Some(r, _) -> Errors.fail "a run group has repetition %d twice (%s)" r first.Key
        | None -> ()
        let clock = Stopwatch.StartNew()
        let reps = configs |> List.map (repetition cache) |> Array.ofList
        // The search runs on the tuning repetition, in the group or not (a search is deterministic, so a group
        // without it reruns the same search and gets the same hyperparameters).
        let tuner =
            match reps |> Array.tryFind (fun r -> r.Config.Rep = tuningRep) with
            | Some r -> r
            | None -> repetition cache { first with Rep = tuningRep }
        let (best, tunerError, tunerFit), history =
            Search.run (7919 * tuningRep + first.Nh) first.Budget.SearchCandidates first.Budget.SearchRounds
                (fun batch -> (evaluateRound first [| tuner |] [| batch |])[0])
        // The other repetitions train with the chosen candidate, as one ensemble (one member each), each scored on
        // its own validation draw for the record.
        let others = reps |> Array.filter (fun r -> r.Config.Rep <> tuningRep)
        // A lone repetition trains twice over (two identical members): end to end, a batch of one rounds differently
        // from a batch of several (last-bit differences, seen on K1 with learned LF), and a record must not depend
        // on which repetitions shared its group.
        let trained =
            if others.Length = 0 then Map.empty
            else
                let batch = others |> Array.map (fun _ -> if others.Length = 1 then [| best; best |] else [| best |])
                let results = evaluateRound first others batch
                Array.map2 (fun (r: Repetition) (res: (float * (FitResult * int))[]) -> r.Config.Rep, res[0]) others results |> Map.ofArray
        // each record's share of the group's time (the repetitions trained together)
        let seconds = clock.Elapsed.TotalSeconds / float reps.Length
        reps
        |> Array.map (fun rep ->
            let outcome =
                if rep.Config.Rep = tuningRep then (best, tunerError, tunerFit)
                else let err, fit = trained[rep.Config.Rep] in (best, err, fit)
            recordOf rep (outcome, history) seconds)
        |> List.ofArray

/// The repetitions of one configuration (the same key but for the repetition), trained together: the search on
/// the tuning repetition (tuningRep) trains each round's candidates as one batched ensemble, then the other
/// repetitions train with the chosen candidate as one ensemble, each member on its own repetition's data. LF
/// surrogates come pre-trained from the process's cache (SurrogateCache.shared). A repetition's record does not
/// depend on which other repetitions share its group. Records come in the order of the configurations. GP
/// baselines (Sweep.isGp) go to GpRuns.
let runGroup (configs: Sweep.RunConfig list) : RunRecord list = runGroupWith SurrogateCache.shared configs

/// One configuration, start to finish (a group of one).
let runOne (c: Sweep.RunConfig) : RunRecord = runGroup [ c ] |> List.head

/// Seconds per unit of expectedCost on this machine's workers (about 60 µs, the paper preset's first 492 records):
/// only to put the GP runs, costed in seconds, on the networks' scale.
let private secondsPerCost = 60e-6

/// Relative cost of a run, for ordering the work (longest first) and for the estimate of the time left: a batch
/// of E members costs (overhead + E·per-member) per step, where the overhead is per operation (about 15 MLP-3×16
/// member-steps, measured at E = 1 and 64) and the per-member part scales with the block (KAN about 6× an MLP's,
/// measured) and the data (HF points, input dimensions); an L-BFGS iteration costs about 3 Adam steps (measured
/// 3.3× for MLP, 3.0× for KAN at E = 64). The tuning repetition's run carries its configuration's search (rounds ×
/// a batch of candidates); another repetition's run, its share of one batch of the remaining repetitions (3 of a
/// configuration's 4). Encoders add about 2×, learned LF surrogates (their pre-training, and end to end their LF
/// loss) about 6× (measured). Only the ratios matter: the estimate calibrates them against the measured time of
/// finished work.
let expectedCost (c: Sweep.RunConfig) =
    if Sweep.isGp c then GpRuns.expectedSeconds c / secondsPerCost else
    let b = c.Budget
    let steps = float b.AdamEpochs + 3.0 * float b.LbfgsIterations
    let arch = match c.Architecture with "kan" -> 6.0 | _ -> 1.0
    let size = float (b.Depth * b.Width * b.Width) / 768.0
    let mf = c.Model <> "sf"
    let encoding = if not mf then 1.0 else (match c.Encoding with "affine" -> 2.0 | "nonlinear" -> 1.6 | _ -> 1.0)
    let lf = if mf && c.Lf = "learned" then 6.5 else 1.0
    let dim = (Problems.Catalogue.find c.Problem).Domain.Dim
    let perMember = arch * (0.25 + 0.75 * size) * encoding * lf * (1.0 + float c.Nh / 64.0) * (1.0 + float dim / 20.0)
    let batch (e: int) = steps * (15.0 + float e * perMember)
    if c.Rep = tuningRep then float (max 1 b.SearchRounds) * batch (max 1 b.SearchCandidates)
    else batch 3 / 3.0

/// One unit of work: the configurations that train together, with their summed expected cost.
type WorkUnit =
    { Configs: Sweep.RunConfig list
      Cost: float }
    member u.Label =
        let c = u.Configs.Head
        let reps = if u.Configs.Length = 1 then sprintf "rep %d" c.Rep else sprintf "%d reps" u.Configs.Length
        sprintf "%s %s %s %s/%s/%s N_H=%d %s" c.Experiment c.Problem c.Architecture c.Model c.Encoding c.Lf c.Nh reps

/// What an executor reports back about the units it was given.
type UnitEvents =
    { Started: WorkUnit -> unit
      /// Called once per unit, with its records; calls never overlap.
      Finished: WorkUnit -> RunRecord list -> unit }

/// Does a list of units (in the order given, as far as its parallelism allows), reporting each start and finish;
/// returns when all are finished and raises on the first failure or on cancellation.
type Executor = WorkUnit[] -> UnitEvents -> Threading.CancellationToken -> unit

/// Every unit one after another in this process.
let inProcess : Executor =
    fun units events cancel ->
        for u in units do
            cancel.ThrowIfCancellationRequested()
            events.Started u
            events.Finished u (runGroup u.Configs)

/// The configurations of shard k of n (all without a shard). Groups are assigned whole, by their group key.
let inShard (shard: (int * int) option) (configs: Sweep.RunConfig list) =
    match shard with
    | Some(k, n) -> configs |> List.filter (fun c -> Store.shardOf n (groupKey c) = k)
    | None -> configs

/// The order units run in. Longest first balances parallel workers best at the end of a run that goes through in
/// one sitting; cheapest first gives the most finished configurations soonest, for a run spread over sittings.
type Order =
    | LongestFirst
    | CheapestFirst

/// The configurations of this shard not yet in the results file, as units of work, in the order given.
let pendingUnitsIn (order: Order) (configs: Sweep.RunConfig list) (resultsPath: string) (shard: (int * int) option) =
    let mine = inShard shard configs
    let finished = Store.finishedKeys resultsPath
    let sign = match order with LongestFirst -> -1.0 | CheapestFirst -> 1.0
    let units =
        mine
        |> List.filter (fun c -> not (finished.Contains c.Key))
        |> List.groupBy groupKey
        |> List.map (fun (key, cs) -> key, { Configs = cs |> List.sortBy (fun c -> c.Rep); Cost = cs |> List.sumBy expectedCost })
        |> List.sortBy (fun (key, u) -> sign * u.Cost, key)
        |> List.map snd
        |> Array.ofList
    mine, units

/// `pendingUnitsIn LongestFirst`.
let pendingUnits configs resultsPath shard = pendingUnitsIn LongestFirst configs resultsPath shard

/// Run every configuration of this shard not yet in the results file with the executor given (the CLI's worker
/// processes, or inProcess), appending each record as its unit finishes: this is the only writer of the file.
/// Returns the number of runs trained.
let runAll (order: Order) (configs: Sweep.RunConfig list) (resultsPath: string) (shard: (int * int) option) (execute: Executor)
           (report: Progress -> unit) (cancel: Threading.CancellationToken) =
    let mine, units = pendingUnitsIn order configs resultsPath shard
    let total = units |> Array.sumBy (fun u -> u.Configs.Length)
    let skipped = mine.Length - total
    let clock = Stopwatch.StartNew()
    let gate = obj ()
    let running = Collections.Generic.Dictionary<WorkUnit, float>(HashIdentity.Reference)
    let mutable completed = 0
    let mutable pendingCost = units |> Array.sumBy (fun u -> u.Cost)
    let mutable doneCost = 0.0
    let mutable doneSeconds = 0.0
    let remaining () =
        if doneCost = 0.0 then nan
        else
            let rate = doneSeconds / doneCost
            let now = clock.Elapsed.TotalSeconds
            let inFlight = running |> Seq.sumBy (fun kv -> max 0.0 (kv.Key.Cost * rate - (now - kv.Value)))
            // Work shares the parallel slots; the largest remaining unit bounds the time from below.
            let slots = float (max 1 running.Count)
            max (pendingCost * rate / slots + inFlight / slots) (running |> Seq.fold (fun m kv -> max m (kv.Key.Cost * rate - (now - kv.Value))) 0.0)
    let progress current =
        report
            { Done = completed; Total = total; Skipped = skipped; Current = current
              ElapsedSeconds = clock.Elapsed.TotalSeconds; RemainingSeconds = remaining () }
    let events =
        { Started =
            fun u ->
                lock gate (fun () ->
                    running[u] <- clock.Elapsed.TotalSeconds
                    pendingCost <- pendingCost - u.Cost
                    progress u.Label)
          Finished =
            fun u records ->
                lock gate (fun () ->
                    for r in records do
                        Store.append resultsPath r
                    completed <- completed + records.Length
                    doneCost <- doneCost + u.Cost
                    doneSeconds <- doneSeconds + (clock.Elapsed.TotalSeconds - running[u])
                    running.Remove u |> ignore) }
    if units.Length > 0 then execute units events cancel
    lock gate (fun () -> progress "done")
    total
