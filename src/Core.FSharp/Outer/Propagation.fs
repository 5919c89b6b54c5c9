/// Uncertainty propagation: the distribution of the output when the inputs follow given distributions, by
/// randomized Monte Carlo through a predictor. Every statistic carries two intervals: the Monte Carlo error
/// (from R independently randomized replicates) and the emulator's own uncertainty (the spread of the statistic
/// across the predictor's members), and one that combines both.
module Emulators.Core.Outer.Propagation

open Emulators.Core

type Settings =
    { /// Total number of Monte Carlo points (split evenly over the replicates).
      Samples: int
      /// Independently randomized replicates; their spread gives the Monte Carlo error.
      Replicates: int
      Design: McDesign
      Seed: int
      /// Output quantiles to report, each in (0, 1).
      Quantiles: float list
      /// Confidence level of the intervals.
      Level: float }

let defaults =
    { Samples = 16384
      Replicates = 16
      Design = SobolMc
      Seed = 0
      Quantiles = [ 0.05; 0.5; 0.95 ]
      Level = 0.95 }

/// One statistic of the output distribution.
type Estimate =
    { /// On the predictor's mean, all replicates pooled.
      Value: float
      /// Monte Carlo error: Value ± t · sd(replicates) / √R.
      MonteCarlo: Interval
      /// Emulator uncertainty: Value ± t · sd(statistic across members); None without members.
      Emulator: Interval option
      /// Both: Value ± √(mc² + emulator²) half-widths.
      Combined: Interval }

type Result =
    { Predictor: string
      Inputs: InputDistribution[]
      Design: McDesign
      Samples: int
      Replicates: int
      Level: float
      Mean: Estimate
      Std: Estimate
      Quantiles: (float * Estimate) list
      /// The predictor's mean at every sample (for a histogram).
      Outputs: float[]
      /// Fraction of the input samples outside the training box (predictions there extrapolate).
      OutsideDomain: float }

let validate (s: Settings) =
    if s.Replicates < 2 then Errors.fail "propagation needs at least 2 replicates for its Monte Carlo error (got %d)" s.Replicates
    if s.Samples < 2 * s.Replicates then
        Errors.fail "propagation needs at least 2 samples per replicate (%d samples, %d replicates)" s.Samples s.Replicates
    if not (s.Level > 0.0 && s.Level < 1.0) then Errors.fail "the confidence level must lie in (0, 1) (got %g)" s.Level
    for q in s.Quantiles do
        if not (q > 0.0 && q < 1.0) then Errors.fail "quantile %g must lie in (0, 1)" q

/// An estimate from the pooled value, replicate values and member values of one statistic.
let estimate (level: float) (value: float) (replicates: float[]) (members: float[] option) =
    let mc = Stats.replicateHalfWidth level replicates
    let emu =
        members
        |> Option.filter (fun ms -> ms.Length >= 2)
        |> Option.map (fun ms -> Stats.tQuantile level (ms.Length - 1) * Stats.std ms)
    let both = sqrt (mc * mc + (defaultArg emu 0.0) ** 2.0)
    { Value = value
      MonteCarlo = { Lower = value - mc; Upper = value + mc }
      Emulator = emu |> Option.map (fun h -> { Lower = value - h; Upper = value + h })
      Combined = { Lower = value - both; Upper = value + both } }

/// Propagate the input distributions `space` (one per input of the predictor) through `p`.
let run (s: Settings) (space: InputSpace) (p: Predictor) : Result =
    validate s
    if space.Length <> p.Domain.Dim then
        Errors.fail "propagation: %d input distributions for a model with %d inputs" space.Length p.Domain.Dim
    let perRep = s.Samples / s.Replicates
    let reps =
        Array.init s.Replicates (fun r ->
            let x = McDesign.unitPoints s.Design s.Seed r space.Length perRep |> InputSpace.transform space
            x, p.Predict x)
    let x = reps |> Array.collect fst
    let outputs = reps |> Array.collect (fun (_, q) -> q.Mean)
    let memberOutputs =
        match (snd reps[0]).Members with
        | Some ms -> Some(Array.init ms.Length (fun k -> reps |> Array.collect (fun (_, q) -> q.Members.Value[k])))
        | None -> None
    let stat (f: float[] -> float) =
        estimate s.Level (f outputs) (reps |> Array.map (fun (_, q) -> f q.Mean)) (memberOutputs |> Option.map (Array.map f))
    { Predictor = p.Name
      Inputs = space
      Design = s.Design
      Samples = x.Length
      Replicates = s.Replicates
      Level = s.Level
      Mean = stat Stats.mean
      Std = stat Stats.populationStd
      Quantiles = s.Quantiles |> List.map (fun q -> q, stat (Stats.quantile q))
      Outputs = outputs
      OutsideDomain = InputSpace.outsideFraction p.Domain x }
