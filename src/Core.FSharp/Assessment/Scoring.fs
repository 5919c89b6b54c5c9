/// What every assessment run is judged on and how its record is written: the validation draw the search sees, the
/// test set it never sees, and the record built from a trained model's predictions. Shared by the network runs
/// (Runner) and the Gaussian-process baselines (GpRuns).
module Emulators.Core.Assessment.Scoring

open System
open Emulators.Core

/// The stream of validation draws (Sampling.sobolScrambled), apart from the scrambled HF designs' stream 0.
let private validationStream = 7

/// Validation inputs: max(8, n) points of an Owen-scrambled Sobol' draw of their own stream, one per repetition;
/// never the test set, never the HF training points (tested). Scrambled because an unscrambled Sobol' segment of
/// 2^m points puts every point at the same phase of the 2^-m grid: 8 points started at index 2^13 sit at j/8 + 2^-14,
/// where K3's sin²(8πx) nearly vanishes, so the search on K3 preferred the constant fit that λ = 1 leaves.
let validationPoints (p: Problem) (n: int) (rep: int) =
    Sampling.sobolScrambled validationStream rep p.Domain.Dim (max 8 n) |> Sampling.scaleTo p.Domain.Lower p.Domain.Upper

/// Test inputs and truth per problem, computed once (the PDE and 20-D problems make this worth caching).
let private testCache = Collections.Concurrent.ConcurrentDictionary<string, float[][] * float[]>()

let testSet (p: Problem) =
    testCache.GetOrAdd(p.Name, fun _ ->
        let x = Experiment.testPoints p
        x, Experiment.evaluate p.Hf x)

/// What chose a run's model: the hyperparameters the search picked (0 where a model has none, as for a GP), how
/// many candidates it tried, and the chosen one's validation error.
type Choice =
    { LearningRate: float
      Lambda: float
      Candidates: int
      ValidationNormalizedMse: float }

/// The record of one run: its configuration, test errors of `predict` (physical inputs to physical outputs) and,
/// for the first repetition of a 1-D problem at its smallest N_H, an example prediction for the figures.
let record (c: Sweep.RunConfig) (p: Problem) (hf: HfData) (predict: float[][] -> float[]) (choice: Choice) (seconds: float) : RunRecord =
    let xt, yt = testSet p
    let errors = Metrics.all p.NormSq (predict xt) yt
    let smallest = (if p.HfSizes.IsEmpty then c.Nh else List.min p.HfSizes)
    let example =
        if p.Domain.Dim = 1 && c.Rep = 0 && c.Nh = smallest then
            let xs = Sampling.grid 400 1 |> Sampling.scaleTo p.Domain.Lower p.Domain.Upper
            Some
                { X = xs |> Array.map (fun r -> r[0])
                  Truth = Experiment.evaluate p.Hf xs
                  Prediction = predict xs
                  HfX = hf.X |> Array.map (fun r -> r[0])
                  HfY = hf.Y }
        else None
    { Key = c.Key
      Experiment = c.Experiment
      // Corrupted-sources runs are one family (CORR-n with n = Corrupted), plotted against n.
      Problem = (if c.Corrupted >= 0 then "CORR" else c.Problem)
      Architecture = RunModel.architectureName c.Model
      Depth = c.Budget.Depth
      Width = c.Budget.Width
      Model = RunModel.modelName c.Model
      Encoding = RunModel.encodingName c.Model
      Lf = RunModel.lfName c.Model
      Strategy = RunModel.strategyName c.Model
      Nh = c.Nh
      NhTotal = hf.X.Length
      Rep = c.Rep
      Corrupted = c.Corrupted
      Design = Experiment.HfDesign.name c.Design
      NormalizedMse = errors.NormalizedMse
      Rmse = errors.Rmse
      MaxError = errors.MaxError
      LearningRate = choice.LearningRate
      Lambda = choice.Lambda
      SearchCandidates = choice.Candidates
      ValidationNormalizedMse = choice.ValidationNormalizedMse
      Seconds = seconds
      LibraryVersion = ModelFile.libraryVersion
      FinishedUtc = DateTime.UtcNow.ToString("o")
      Example = example }
