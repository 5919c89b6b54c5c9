/// Trains the repetitions of one assessment configuration as a group: data, hyperparameter search on separate
/// validation data, the other repetitions with the chosen candidate, test scoring, one record per repetition.
module Emulators.Core.Assessment.Runner

open System
open System.Diagnostics
open Emulators.Core

/// A network run's architecture and model (the runner trains networks; GP baselines go to GpRuns).
let private networkOf (c: Sweep.RunConfig) =
    match c.Model with
    | RunModel.Network(arch, model) -> arch, model
    | RunModel.GaussianProcess _ -> Errors.fail "'%s' is a GP run, not a network's" c.Key

let private specOf (c: Sweep.RunConfig) : EmulatorSpec =
    let arch, model = networkOf c
    let block = Block.ofArchitecture BlockSettings.defaults arch c.Budget.Depth c.Budget.Width
    { Correlation = block
      Surrogate = block
      Encoding =
        (match model with
         | NetworkModel.SingleFidelity -> NoEncoding
         | NetworkModel.MultiFidelity mf -> Encoding.ofKind BlockSettings.defaults arch mf.Encoding)
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
        // exact LF and the SF baseline train as pretrain-and-freeze (with no surrogate, nothing is frozen)
        Strategy =
            (match networkOf c with
             | _, NetworkModel.MultiFidelity { Lf = NetworkLf.Learned s } -> s
             | _ -> PretrainFreeze) }

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
    let arch, model = networkOf c
    let seed = (Experiment.memberSeeds c.Rep (if model = NetworkModel.SingleFidelity then 1 else 0))[0]
    let sources =
        match model with
        | NetworkModel.SingleFidelity -> []
        | NetworkModel.MultiFidelity mf -> Experiment.sources p (NetworkLf.mode mf.Lf) c.Rep
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
                      Architecture = arch; Depth = c.Budget.Depth; Width = c.Budget.Width
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

/// Train members as the members of one batched ensemble: member k has its repetition's data, seed and
/// pre-trained surrogates (so the same start as every candidate of that repetition) and its candidate's learning
/// rate and λ. Each member is scored on its repetition's validation data. Returns the errors and a way to take
/// out a member as its own single-member emulator (only the members kept are taken out).
let private trainPiece (c: Sweep.RunConfig) (reps: Repetition[]) (members: (int * Search.Candidate)[]) : float[] * (int -> Emulator) =
    let cfg =
        { trainConfig c with
            MemberLearningRates = Some(members |> Array.map (fun (_, k) -> k.LearningRate))
            MemberLambdas = Some(members |> Array.map (fun (_, k) -> k.Lambda)) }
    let fit =
        Fit.fitMembersWith hooks cfg (specOf c) reps[0].Problem.Domain (members |> Array.map (fun (r, _) -> reps[r].Data))
            (members |> Array.map (fun (r, _) -> reps[r].Seed))
    let preds = Emulator.predictEach fit.Emulator (members |> Array.map (fun (r, _) -> reps[r].ValidationX))
    members |> Array.mapi (fun e (r, _) -> Metrics.normalizedMse reps[r].Problem.NormSq preds[e].Value reps[r].ValidationY),
    Emulator.memberOf fit.Emulator

/// A piece of a group's stage finished: trained now, or read back from a checkpoint.
type PieceReport =
    { Stage: string
      Index: int
      Count: int
      Members: int
      Restored: bool
      Seconds: float }

/// How a group's work is carried out. None of it changes a record: a surrogate read back from the cache, a piece
/// read back from a checkpoint and a round cut into pieces all give the bits of an uninterrupted run (tested).
type Execution =
    { Cache: SurrogateCache.Cache
      /// At most this many members train as one batched ensemble (a search round is cut into pieces this size);
      /// None: a size from the configuration's expected cost (RunCost.pieceSizeFor).
      PieceSize: int option
      /// Where finished pieces are kept (PieceCheckpoint), so an interrupted configuration resumes midway.
      Checkpoints: string option
      /// Called after each piece (progress of a long configuration).
      OnPiece: PieceReport -> unit }

let defaultExecution = { Cache = SurrogateCache.shared; PieceSize = None; Checkpoints = None; OnPiece = ignore }

/// The index of the first smallest error, non-finite errors counting as infinitely bad: the candidate the search
/// keeps among these (Search.runEach keeps the first of equal errors).
let private firstBest (errors: float[]) =
    errors |> Array.mapi (fun i e -> i, Search.comparable e) |> Array.fold (fun (bi, be) (i, e) -> if e < be then (i, e) else (bi, be)) (0, Search.comparable errors[0]) |> fst

/// Train one stage of a group ("round r" of the search, or "others", the other repetitions with the chosen
/// candidate): repetition r's members are batches[r], trained in pieces of at most `pieceSize` members (Pieces.piecesIn),
/// each one batched ensemble. A piece finished before (in `x.Checkpoints`) is read back instead of trained. Each
/// member comes back with its validation error and, where kept, its single-member emulator: all of them for
/// "others", the best of each piece for a search round (the search's choice is always the best of a piece).
let private evaluateStage (x: Execution) (pieceSize: int) (stage: string) (c: Sweep.RunConfig) (reps: Repetition[]) (batches: Search.Candidate[][]) =
    let members = [| for r in 0 .. reps.Length - 1 do for k in batches[r] -> r, k |]
    let groupDir = x.Checkpoints |> Option.map (fun d -> PieceCheckpoint.directoryOf d (groupKey c))
    let resolve name = reps[0].Data.Sources |> List.tryPick (function Exact f when f.Name = name -> Some f | _ -> None)
    let keepAll = stage = "others"
    let text (v: float) = v.ToString("R", Globalization.CultureInfo.InvariantCulture)
    let cuts = Pieces.piecesIn (Fit.rowMultipleFor (trainConfig c) (specOf c) reps[0].Data) pieceSize members.Length
    let piece index (start, length) =
        let ms = members[start .. start + length - 1]
        let identity =
            sprintf "%s|%s|%s" (groupKey c) stage
                (ms |> Array.map (fun (r, k) -> sprintf "rep %d lr %s lambda %s" reps[r].Config.Rep (text k.LearningRate) (text k.Lambda)) |> String.concat "; ")
        let restored = groupDir |> Option.bind (fun d -> PieceCheckpoint.tryLoad d identity resolve)
        let p: PieceCheckpoint.Piece =
            match restored with
            | Some p when p.Errors.Length = length -> p
            | _ ->
                let clock = Stopwatch.StartNew()
                let errors, memberOf = trainPiece c reps ms
                let keep = if keepAll then List.init length id else [ firstBest errors ]
                let p: PieceCheckpoint.Piece =
                    { Errors = errors; Kept = keep |> List.map (fun i -> i, memberOf i) |> Map.ofList; Seconds = clock.Elapsed.TotalSeconds }
                groupDir |> Option.iter (fun d -> PieceCheckpoint.save d identity p)
                p
        x.OnPiece { Stage = stage; Index = index + 1; Count = cuts.Length; Members = length; Restored = restored.IsSome; Seconds = p.Seconds }
        Array.init length (fun i -> p.Errors[i], p.Kept.TryFind i), (if restored.IsSome then p.Seconds else 0.0)
    let pieces = cuts |> List.mapi piece
    let scored = pieces |> List.map fst |> Array.concat |> Array.zip (Array.map fst members)
    Array.init reps.Length (fun r -> scored |> Array.filter (fun (q, _) -> q = r) |> Array.map snd),
    pieces |> List.sumBy snd

/// The record of one repetition, from its search's outcome.
let private recordOf (rep: Repetition) ((best: Search.Candidate, valErr, chosen: Emulator option), history: (Search.Candidate * float) list) (seconds: float) : RunRecord =
    let chosen =
        match chosen with
        | Some m -> m
        | None -> Errors.fail "%s: the search kept no model of its chosen candidate (a checkpoint out of step with the search)" rep.Config.Key
    let choice: Scoring.Choice =
        { LearningRate = best.LearningRate; Lambda = best.Lambda; Candidates = history.Length; ValidationNormalizedMse = valErr }
    Scoring.record rep.Config rep.Problem rep.Data.Hf (fun x -> (Emulator.predict chosen x).Value) choice seconds

/// `runGroup` carried out as `x` says.
let runGroupIn (x: Execution) (configs: Sweep.RunConfig list) : RunRecord list =
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
        let pieceSize = defaultArg x.PieceSize (RunCost.pieceSizeFor first)
        let reps = configs |> List.map (repetition x.Cache) |> Array.ofList
        // The search runs on the tuning repetition, in the group or not (a search is deterministic, so a group
        // without it reruns the same search and gets the same hyperparameters).
        let tuner =
            match reps |> Array.tryFind (fun r -> r.Config.Rep = Search.tuningRep) with
            | Some r -> r
            | None -> repetition x.Cache { first with Rep = Search.tuningRep }
        let mutable round = 0
        let mutable restoredSeconds = 0.0
        let (best, tunerError, tunerModel), history =
            Search.run (7919 * Search.tuningRep + first.Nh) first.Budget.SearchCandidates first.Budget.SearchRounds
                (fun batch ->
                    let scored, seconds = evaluateStage x pieceSize (sprintf "round %d" round) first [| tuner |] [| batch |]
                    round <- round + 1
                    restoredSeconds <- restoredSeconds + seconds
                    scored[0])
        // The other repetitions train with the chosen candidate, as one ensemble (one member each), each scored on
        // its own validation draw for the record.
        let others = reps |> Array.filter (fun r -> r.Config.Rep <> Search.tuningRep)
        // A lone repetition trains twice over (two identical members): end to end, a batch of one rounds differently
        // from a batch of several (last-bit differences, seen on K1 with learned LF), and a record should not depend
        // on which repetitions shared its group. (A KAN's can still, by its row, where the batch is not a multiple
        // of Fit.rowMultiple: Verify reruns a record with its whole group.)
        let trained =
            if others.Length = 0 then Map.empty
            else
                let batch = others |> Array.map (fun _ -> if others.Length = 1 then [| best; best |] else [| best |])
                let results, seconds = evaluateStage x pieceSize "others" first others batch
                restoredSeconds <- restoredSeconds + seconds
                Array.map2 (fun (r: Repetition) (res: (float * Emulator option)[]) -> r.Config.Rep, res[0]) others results |> Map.ofArray
        // each record's share of the group's time (the repetitions trained together), pieces of earlier sittings
        // included
        let seconds = (clock.Elapsed.TotalSeconds + restoredSeconds) / float reps.Length
        let records =
            reps
            |> Array.map (fun rep ->
                let outcome =
                    if rep.Config.Rep = Search.tuningRep then (best, tunerError, tunerModel)
                    else let err, model = trained[rep.Config.Rep] in (best, err, model)
                recordOf rep (outcome, history) seconds)
            |> List.ofArray
        x.Checkpoints |> Option.iter (fun d -> PieceCheckpoint.clear (PieceCheckpoint.directoryOf d key))
        records

/// `runGroup` with a given surrogate cache.
let runGroupWith (cache: SurrogateCache.Cache) (configs: Sweep.RunConfig list) : RunRecord list =
    runGroupIn { defaultExecution with Cache = cache } configs

/// The repetitions of one configuration (the same key but for the repetition), trained together: the search on
/// the tuning repetition (Search.tuningRep) trains each round's candidates as one batched ensemble, then the other
/// repetitions train with the chosen candidate as one ensemble, each member on its own repetition's data. LF
/// surrogates come pre-trained from the process's cache (SurrogateCache.shared). A repetition's record does not
/// depend on which other repetitions share its group. Records come in the order of the configurations. GP
/// baselines (Sweep.isGp) go to GpRuns.
let runGroup (configs: Sweep.RunConfig list) : RunRecord list = runGroupWith SurrogateCache.shared configs

/// One configuration, start to finish (a group of one).
let runOne (c: Sweep.RunConfig) : RunRecord = runGroup [ c ] |> List.head

/// A line on a piece of a stage cut into several (None for a stage trained whole: nothing worth saying).
let pieceLine (label: string) (p: PieceReport) =
    if p.Count <= 1 then None
    else
        Some(sprintf "%s: %s, piece %d of %d (%d members) %s" label p.Stage p.Index p.Count p.Members
                 (if p.Restored then "read back from its checkpoint" else sprintf "trained in %.0f s" p.Seconds))

