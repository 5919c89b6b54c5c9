/// The Gaussian-process baselines of the assessment (experiments with "gpModels"): per repetition, the GP the
/// configuration names (gp, ar1 or nargp) on the repetition's HF points and LF sources, the same data the networks
/// get. A GP has no search: its hyperparameters maximize its marginal likelihood (batched L-BFGS over restarts),
/// and its kernel is the one of Gp.GpCandidates.kernels whose fit has the higher marginal likelihood of all the data
/// it was fitted on (the LF GPs' data included, for learned LF), which is how a GP user picks a kernel without
/// validation data. The validation draw is scored for the record only.
module Emulators.Core.Assessment.GpRuns

open System.Diagnostics
open Emulators.Core
open Emulators.Core.Gp

/// The negative log marginal likelihood of everything a GP emulator was fitted on: its HF layer and its LF GPs
/// (an exact source has none). Kernels compare on it: each kernel's fit standardizes the same targets.
let negLogLikelihood (g: GpEmulator) =
    g.Hf.NegLogLikelihood + (g.Sources |> List.sumBy (fun s -> match s.Gp with Some l -> l.NegLogLikelihood | None -> 0.0))

/// A GP run's model and LF mode.
let private gpOf (c: Sweep.RunConfig) =
    match c.Model with
    | RunModel.GaussianProcess(kind, lf) -> kind, lf
    | RunModel.Network _ -> Errors.fail "GpRuns.run: '%s' is not a GP run" c.Key

/// One repetition's GP, or its failure as a record with NaN errors (Aggregate counts it as failed).
let private runOne (c: Sweep.RunConfig) : RunRecord =
    let clock = Stopwatch.StartNew()
    let p = Problems.Catalogue.find c.Problem
    let xh = Experiment.hfPointsIn c.Design p c.Nh c.Rep
    let hf = { X = xh; Y = Experiment.evaluate p.Hf xh }
    let kind, lf = gpOf c
    let sources =
        match kind, lf with
        | SingleFidelity, _ -> []
        | _, Some mode -> Experiment.sources p mode c.Rep
        | _, None -> Errors.fail "'%s': the %s GP needs an LF mode" c.Key (GpKind.name kind)
    let settings = { FitSettings.defaults with Seed = (Experiment.memberSeeds c.Rep 0)[0] }
    let fits =
        GpCandidates.kernels
        |> List.choose (fun kernel ->
            try Some(GpFit.fit settings kind kernel p.Domain hf sources) with EmulatorError _ -> None)
        |> List.filter (fun g -> System.Double.IsFinite(negLogLikelihood g))
    let xv = Scoring.validationPoints p c.Nh c.Rep
    let yv = Experiment.evaluate p.Hf xv
    match fits with
    | [] ->
        let failed (x: float[][]) = Array.create x.Length nan
        let choice: Scoring.Choice = { LearningRate = 0.0; Lambda = 0.0; Candidates = GpCandidates.kernels.Length; ValidationNormalizedMse = nan }
        Scoring.record c p hf failed choice clock.Elapsed.TotalSeconds
    | _ ->
        let best = fits |> List.minBy negLogLikelihood
        let predict (x: float[][]) = (GpEmulator.predict best x).Mean
        let choice: Scoring.Choice =
            { LearningRate = 0.0; Lambda = 0.0; Candidates = GpCandidates.kernels.Length
              ValidationNormalizedMse = Metrics.normalizedMse p.NormSq (predict xv) yv }
        Scoring.record c p hf predict choice clock.Elapsed.TotalSeconds

/// Rough seconds of one GP run on one thread, for ordering work and the estimate of the time left: the exact GP's
/// cubic cost in its points (HF points, and the LF GPs' points, at most FitSettings.MaxLfPoints each), measured
/// on K5 at N_H = 256 (13 s exact LF, 24 s learned) and on the 1-D problems (about 0.5 s).
let expectedSeconds (c: Sweep.RunConfig) =
    let p = Problems.Catalogue.find c.Problem
    let n = float (c.Nh + 2)
    let hfPart = 5e-7 * n * n * n * (1.0 + float p.Domain.Dim / 20.0)
    let lfPart =
        if RunModel.lfMode c.Model = Some Experiment.LearnedLf then
            let m = float (min p.LfSize FitSettings.defaults.MaxLfPoints)
            1.7e-7 * m * m * m * float p.Sources.Length
        else 0.0
    0.5 + hfPart + lfPart

/// The GP runs given, each on its own (GP fits do not batch across repetitions: their HF points differ), in order.
let run (configs: Sweep.RunConfig list) : RunRecord list =
    for c in configs do
        gpOf c |> ignore
    configs |> List.map runOne
