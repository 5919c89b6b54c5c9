/// Where to run the next HF simulations: K points at a time, chosen greedily from a scrambled Sobol' candidate
/// set by an acquisition on the predictor's mean and standard deviation, either the predictive spread (to improve
/// accuracy where the model is least sure) or the expected improvement over the best value (to find an optimum).
/// A batch is spread out by a distance penalty: after a point is chosen, every candidate's acquisition is
/// multiplied by 1 − exp(−r²/(2ℓ²)), r its distance to the chosen point (and to the existing HF points) in
/// unit-cube coordinates; for the expected improvement the chosen point also counts as observed at its mean
/// (the kriging believer's update of the best value).
module Emulators.Core.Outer.Suggest

open MathNet.Numerics.Distributions
open Emulators.Core

type Criterion =
    /// Largest predictive standard deviation.
    | Spread
    /// Largest expected improvement of the mean over the best value, for the given goal.
    | ExpectedImprovement of Optimize.Goal

/// The criteria by name (the goal of expected improvement is a separate choice).
[<RequireQualifiedAccess>]
type CriterionKind =
    | Spread
    | ExpectedImprovement

module Criterion =
    let names =
        Names.table "criterion"
            [ "spread", [ "std"; "variance"; "accuracy" ], CriterionKind.Spread
              "ei", [ "expected-improvement"; "optimization" ], CriterionKind.ExpectedImprovement ]

    let ofKind (kind: CriterionKind) (goal: Optimize.Goal) =
        match kind with
        | CriterionKind.Spread -> Spread
        | CriterionKind.ExpectedImprovement -> ExpectedImprovement goal

    let name = function Spread -> "spread" | ExpectedImprovement g -> sprintf "ei-%s" (Optimize.Goal.name g)

type Settings =
    { Count: int
      Criterion: Criterion
      Candidates: int
      /// Penalty length ℓ in unit-cube coordinates; None: 0.5 · (existing + Count)^(−1/d).
      LengthScale: float option
      Seed: int }

let defaults = { Count = 4; Criterion = Spread; Candidates = 4096; LengthScale = None; Seed = 0 }

type Suggestion =
    { X: float[]
      Mean: float
      Std: float
      /// The acquisition when the point was chosen (after the penalty of the points chosen before it).
      Acquisition: float }

/// The expected improvement of a normal N(mean, sd²) over `best` for minimization.
let expectedImprovement (best: float) (mean: float) (sd: float) =
    if sd <= 0.0 then max 0.0 (best - mean)
    else
        let z = (best - mean) / sd
        (best - mean) * Normal.CDF(0.0, 1.0, z) + sd * Normal.PDF(0.0, 1.0, z)

let validate (s: Settings) =
    if s.Count < 1 then Errors.fail "suggest needs a positive number of points (got %d)" s.Count
    if s.Candidates < s.Count then Errors.fail "suggest: %d candidates cannot give %d points" s.Candidates s.Count
    match s.LengthScale with
    | Some l when not (l > 0.0) -> Errors.fail "the penalty length scale must be positive (got %g)" l
    | _ -> ()

/// K points for the next HF runs. `existing` holds the HF points already run (inputs, and outputs when known:
/// the expected improvement's best value is then their best output, else the best mean over the candidates).
let run (s: Settings) (existing: float[][]) (existingY: float[] option) (p: Predictor) : Suggestion list =
    validate s
    let b = p.Domain
    let d = b.Dim
    Errors.requireMatrix "existing HF points" d existing
    let toUnit (x: float[]) = Array.init d (fun j -> (x[j] - b.Lower[j]) / (b.Upper[j] - b.Lower[j]))
    let u = Sampling.sobolScrambled (s.Seed + 7) 0 d s.Candidates
    let x = u |> Array.map (fun r -> Array.init d (fun j -> b.Lower[j] + r[j] * (b.Upper[j] - b.Lower[j])))
    let pred = p.Predict x
    let sd =
        match pred.Std with
        | Some v -> v
        | None -> Errors.fail "suggest needs a predictor with uncertainty (%s has none): train an ensemble (members 2 or more)" p.Name
    let sign = match s.Criterion with ExpectedImprovement Optimize.Maximize -> -1.0 | _ -> 1.0
    let mutable best =
        match existingY with
        | Some ys when ys.Length > 0 -> ys |> Array.map (fun y -> sign * y) |> Array.min
        | _ -> pred.Mean |> Array.map (fun m -> sign * m) |> Array.min
    let ell = defaultArg s.LengthScale (0.5 * (float (existing.Length + s.Count)) ** (-1.0 / float d))
    let penalty = Array.create x.Length 1.0
    let dist2 (a: float[]) (c: float[]) = Array.fold2 (fun acc p q -> acc + (p - q) * (p - q)) 0.0 a c
    let penalize (at: float[]) =
        for i in 0 .. u.Length - 1 do
            penalty[i] <- penalty[i] * (1.0 - exp (-(dist2 u[i] at) / (2.0 * ell * ell)))
    for e in existing do penalize (toUnit e)
    let acquisition i =
        match s.Criterion with
        | Spread -> sd[i]
        | ExpectedImprovement _ -> expectedImprovement best (sign * pred.Mean[i]) sd[i]
    [ for _ in 1 .. s.Count do
          let scores = Array.init x.Length (fun i -> acquisition i * penalty[i])
          let i = Array.maxBy (fun i -> scores[i]) (Array.init x.Length id)
          penalize u[i]
          best <- min best (sign * pred.Mean[i])
          yield { X = x[i]; Mean = pred.Mean[i]; Std = sd[i]; Acquisition = scores[i] } ]
