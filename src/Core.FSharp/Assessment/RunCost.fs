/// What a run is expected to cost, relative to other runs and in seconds: for ordering the work, for the estimate
/// of the time left, and for cutting long search rounds into pieces.
module Emulators.Core.Assessment.RunCost

open Emulators.Core

/// Seconds per unit of expectedCost on this machine's workers (about 60 µs, the paper preset's first 492 records):
/// only to put the GP runs, costed in seconds, on the networks' scale.
let private secondsPerCost = 60e-6

/// Relative cost of a run, for ordering the work (longest first) and for the estimate of the time left: a batch
/// of E members costs (overhead + E·per-member) per step, where the overhead is per operation (about 15 MLP-3×16
/// member-steps, measured at E = 1 and 64) and the per-member part scales with the block (KAN about 6× an MLP's,
/// measured) and the data (HF points, input dimensions); an L-BFGS iteration costs about 3 Adam steps (measured
/// 3.3× for MLP, 3.0× for KAN at E = 64). The tuning repetition's run carries its configuration's search (rounds ×
/// a batch of candidates); another repetition's run, its share of one batch of the remaining repetitions (3 of a
/// configuration's 4). An affine encoder adds about 1.4×, a nonlinear one little; learned LF costs about 5× end to
/// end (the LF loss on the LF points every step) and nothing more with pretrain-and-freeze (the surrogates come
/// pre-trained from the cache) — fitted on the paper preset's first 251 finished configurations (log-linear
/// least squares of measured over expected time). Only the ratios matter: the estimate calibrates them against the
/// measured time of finished work.
let expectedCost (c: Sweep.RunConfig) =
    if Sweep.isGp c then GpRuns.expectedSeconds c / secondsPerCost else
    let b = c.Budget
    let steps = float b.AdamEpochs + 3.0 * float b.LbfgsIterations
    let architecture, model =
        match c.Model with
        | RunModel.Network(arch, model) -> arch, model
        | RunModel.GaussianProcess _ -> Errors.fail "'%s' is a GP run, not a network's" c.Key
    let arch = match architecture with Architecture.Kan -> 6.0 | _ -> 1.0
    let size = float (b.Depth * b.Width * b.Width) / 768.0
    let encoding, lf =
        match model with
        | NetworkModel.SingleFidelity -> 1.0, 1.0
        | NetworkModel.MultiFidelity mf ->
            (match mf.Encoding with EncodingKind.Affine -> 1.4 | _ -> 1.0),
            (match mf.Lf with NetworkLf.Learned EndToEnd -> 5.0 | _ -> 1.0)
    let dim = (Problems.Catalogue.find c.Problem).Domain.Dim
    let perMember = arch * (0.25 + 0.75 * size) * encoding * lf * (1.0 + float c.Nh / 64.0) * (1.0 + float dim / 20.0)
    let batch (e: int) = steps * (15.0 + float e * perMember)
    if c.Rep = Search.tuningRep then float (max 1 b.SearchRounds) * batch (max 1 b.SearchCandidates)
    else batch 3 / 3.0

/// Members per piece of a search round (Execution.PieceSize): the whole round where it is expected to train in
/// half an hour or less, else pieces of about that (at least two members), so that an interrupted sitting loses at
/// most one piece. Where a round is that long, a member's own work dominates the batch's shared overhead, so the
/// pieces cost little more than the whole round.
let pieceSizeFor (c: Sweep.RunConfig) =
    let n = max 1 c.Budget.SearchCandidates
    let roundHours = expectedCost { c with Rep = Search.tuningRep } / float (max 1 c.Budget.SearchRounds) * secondsPerCost / 3600.0
    if roundHours <= 0.5 then n else max 2 (int (float n * 0.5 / roundHours))

/// Worker time over expected cost, summed over some finished runs: the pace at which pending work is priced.
type Pace =
    { Seconds: float
      Cost: float }
    /// Seconds per unit of expectedCost; NaN with nothing measured.
    member p.Rate = if p.Cost > 0.0 then p.Seconds / p.Cost else nan

/// The pace of the runs given, GP runs included (within one kind they share one scale).
let private paceOfAll (runs: (Sweep.RunConfig * float) list) : Pace =
    { Seconds = runs |> List.sumBy snd; Cost = runs |> List.sumBy (fst >> expectedCost) }

/// The pace of finished network runs, each with the worker seconds its record carries. GP runs are costed in
/// seconds already (their cost is their expected time, rescaled), so they would only dilute the networks' pace.
let paceOf (finished: (Sweep.RunConfig * float) list) : Pace =
    paceOfAll (finished |> List.filter (fun (c, _) -> not (Sweep.isGp c)))

/// The kind of a run that is priced at its own pace: experiment, architecture, model, LF mode and strategy. The
/// cost model's ratios between kinds are rough (a PDE KAN trained end to end took 4× what the networks' average
/// pace makes of its cost, a 20-D MLP 0.4×); within a kind they hold far better.
let private kindOf (c: Sweep.RunConfig) =
    let m = c.Model
    c.Experiment, RunModel.architectureName m, RunModel.modelName m, RunModel.lfName m, RunModel.strategyName m

/// Expected worker seconds of a run, from finished runs (each with the worker seconds its record carries): at the
/// pace of the finished runs of its kind, or, for a kind with none finished, at the pace of all finished network
/// runs. NaN for every run while nothing is finished.
let pricer (finished: (Sweep.RunConfig * float) list) : Sweep.RunConfig -> float =
    let overall = (paceOf finished).Rate
    let byKind =
        finished
        |> List.groupBy (fst >> kindOf)
        |> List.map (fun (kind, runs) ->
            kind, (paceOfAll runs).Rate)
        |> Map.ofList
    fun c ->
        let rate =
            match byKind.TryFind(kindOf c) with
            | Some r when r > 0.0 -> r
            | _ -> overall
        expectedCost c * rate

