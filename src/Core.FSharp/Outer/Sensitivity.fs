/// Global sensitivity: first-order and total Sobol' indices of the predictor's output under independent input
/// distributions, by Saltelli's sampling (matrices A, B and A_B^(i), n (d + 2) model runs) with the estimators of
/// Saltelli et al. (2010): S_i = mean(f_B (f_AB_i − f_A)) / V (f_B centred) and Jansen's S_Ti = mean((f_A − f_AB_i)²) / (2V).
/// Intervals: a bootstrap over the n base rows (the sampling error) and the spread across the predictor's members
/// (the emulator's own uncertainty).
module Emulators.Core.Outer.Sensitivity

open Emulators.Core

type Settings =
    { /// Base sample size n (rows of A and B); the predictor is called at n (d + 2) points.
      BaseSamples: int
      Bootstrap: int
      Seed: int
      Level: float }

let defaults = { BaseSamples = 16384; Bootstrap = 300; Seed = 0; Level = 0.95 }

/// One index with its intervals.
type Index =
    { Value: float
      /// Percentile bootstrap interval over the base rows.
      Bootstrap: Interval
      /// Value ± t · sd across members; None without members.
      Emulator: Interval option
      /// Each member's index.
      MemberValues: float[] option }

type Result =
    { Predictor: string
      Inputs: InputDistribution[]
      BaseSamples: int
      Evaluations: int
      Level: float
      /// Output variance (on the mean predictor).
      Variance: float
      FirstOrder: Index[]
      Total: Index[] }

/// The Saltelli points: A, B and A_B^(i) for i = 1..d, stacked as [A; B; AB_1; ...; AB_d], physical units.
let points (s: Settings) (space: InputSpace) : float[][] =
    let d = space.Length
    let n = s.BaseSamples
    let u = McDesign.unitPoints SobolMc s.Seed 0 (2 * d) n
    let a = u |> Array.map (fun r -> r[0 .. d - 1])
    let b = u |> Array.map (fun r -> r[d .. 2 * d - 1])
    let ab i = Array.init n (fun k -> Array.init d (fun j -> if j = i then b[k][j] else a[k][j]))
    Array.concat ([ a; b ] @ [ for i in 0 .. d - 1 -> ab i ]) |> InputSpace.transform space

/// First-order and total indices from the outputs at `points` restricted to the base rows `rows`.
let indices (d: int) (n: int) (y: float[]) (rows: int[]) : float[] * float[] * float =
    let fa k = y[rows[k]]
    let fb k = y[n + rows[k]]
    let fab i k = y[(2 + i) * n + rows[k]]
    let m = rows.Length
    let mutable sum = 0.0
    for k in 0 .. m - 1 do sum <- sum + fa k + fb k
    let mean = sum / float (2 * m)
    let mutable ss = 0.0
    for k in 0 .. m - 1 do ss <- ss + (fa k - mean) ** 2.0 + (fb k - mean) ** 2.0
    let v = ss / float (2 * m)
    // f_B is centred: the estimator's expectation is unchanged (mean(f_AB_i − f_A) → 0) and its variance no longer
    // grows with the squared output mean.
    let first =
        Array.init d (fun i ->
            let mutable acc = 0.0
            for k in 0 .. m - 1 do acc <- acc + (fb k - mean) * (fab i k - fa k)
            acc / float m / v)
    let total =
        Array.init d (fun i ->
            let mutable acc = 0.0
            for k in 0 .. m - 1 do acc <- acc + (fa k - fab i k) ** 2.0
            acc / float (2 * m) / v)
    first, total, v

let validate (s: Settings) =
    if s.BaseSamples < 16 then Errors.fail "sensitivity needs at least 16 base samples (got %d)" s.BaseSamples
    if s.Bootstrap < 10 then Errors.fail "sensitivity needs at least 10 bootstrap resamples (got %d)" s.Bootstrap
    if not (s.Level > 0.0 && s.Level < 1.0) then Errors.fail "the confidence level must lie in (0, 1) (got %g)" s.Level

/// Sobol' indices of `p` under the input distributions `space`.
let run (s: Settings) (space: InputSpace) (p: Predictor) : Result =
    validate s
    let d = space.Length
    if d <> p.Domain.Dim then Errors.fail "sensitivity: %d input distributions for a model with %d inputs" d p.Domain.Dim
    let n = s.BaseSamples
    let x = points s space
    let pred = p.Predict x
    let all = Array.init n id
    let first, total, v = indices d n pred.Mean all
    if not (v > 0.0) then Errors.fail "sensitivity: the output does not vary over the input distributions (variance %g)" v
    let rng = System.Random(s.Seed * 7919 + 17)
    let boots = Array.init s.Bootstrap (fun _ -> indices d n pred.Mean (Array.init n (fun _ -> rng.Next n)))
    let alpha = 0.5 * (1.0 - s.Level)
    let members = pred.Members |> Option.map (Array.map (fun ym -> indices d n ym all))
    let index (value: float) (pick: float[] * float[] * float -> float) =
        let bs = boots |> Array.map pick
        let ms = members |> Option.map (Array.map pick)
        { Value = value
          Bootstrap = { Lower = Stats.quantile alpha bs; Upper = Stats.quantile (1.0 - alpha) bs }
          Emulator =
            ms
            |> Option.filter (fun a -> a.Length >= 2)
            |> Option.map (fun a ->
                let h = Stats.tQuantile s.Level (a.Length - 1) * Stats.std a
                { Lower = value - h; Upper = value + h })
          MemberValues = ms }
    { Predictor = p.Name
      Inputs = space
      BaseSamples = n
      Evaluations = x.Length
      Level = s.Level
      Variance = v
      FirstOrder = Array.init d (fun i -> index first[i] (fun (f, _, _) -> f[i]))
      Total = Array.init d (fun i -> index total[i] (fun (_, t, _) -> t[i])) }
