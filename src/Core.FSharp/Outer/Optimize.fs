/// The minimum or maximum of a predictor's mean in a box: a scan of scrambled Sobol' points picks spread-out
/// starts, and from each a box-constrained L-BFGS (MathNet's L-BFGS-B) runs on the autograd gradients. The
/// variables are scaled to the unit cube so that one tolerance fits every axis.
module Emulators.Core.Outer.Optimize

open MathNet.Numerics.LinearAlgebra
open MathNet.Numerics.Optimization
open Emulators.Core

type Goal =
    | Minimize
    | Maximize

module Goal =
    let names = Names.table "goal" [ "min", [ "minimize"; "minimum" ], Minimize; "max", [ "maximize"; "maximum" ], Maximize ]

    let name (g: Goal) = Names.name names g

type Settings =
    { Goal: Goal
      /// L-BFGS-B runs, from the best spread-out points of the scan.
      Starts: int
      /// Scrambled Sobol' points scanned for the starts.
      ScanPoints: int
      MaxIterations: int
      /// Stop when the projected gradient (unit-cube variables) is below this.
      GradientTolerance: float
      Seed: int }

let defaults =
    { Goal = Minimize
      Starts = 8
      ScanPoints = 1024
      MaxIterations = 500
      GradientTolerance = 1e-10
      Seed = 0 }

type Start =
    { From: float[]
      X: float[]
      Value: float
      Iterations: int
      /// How the run ended (MathNet's exit condition, or the optimizer's exception message).
      Exit: string }

type Result =
    { Goal: Goal
      Predictor: string
      /// The best point found, inside the box.
      X: float[]
      /// The predictor's mean at X.
      Value: float
      /// Predictive standard deviation at X (None for a deterministic predictor).
      Std: float option
      /// Each member's value at X.
      MemberValues: float[] option
      Starts: Start list
      Evaluations: int }

let validate (s: Settings) =
    if s.Starts < 1 then Errors.fail "optimize needs at least one start (got %d)" s.Starts
    if s.ScanPoints < s.Starts then Errors.fail "optimize: the scan (%d points) must be at least as large as the number of starts (%d)" s.ScanPoints s.Starts
    if s.MaxIterations < 1 then Errors.fail "optimize needs at least one iteration (got %d)" s.MaxIterations
    if not (s.GradientTolerance > 0.0) then Errors.fail "the gradient tolerance must be positive (got %g)" s.GradientTolerance

/// Spread-out starts: the best scan points, each at least `gap` (unit-cube distance) from those chosen before.
let private pickStarts (count: int) (u: float[][]) (f: float[]) =
    let order = Array.init u.Length id |> Array.sortBy (fun i -> f[i])
    let dist (a: float[]) (b: float[]) = sqrt (Array.fold2 (fun acc x y -> acc + (x - y) * (x - y)) 0.0 a b)
    let gap = 0.5 / float count
    let chosen = ResizeArray<int>()
    for i in order do
        if chosen.Count < count && chosen |> Seq.forall (fun j -> dist u[i] u[j] >= gap) then chosen.Add i
    List.ofSeq chosen

/// Optimize the predictor's mean over its box (or over `box` when given).
let run (s: Settings) (box: Box option) (p: Predictor) : Result =
    validate s
    let b = defaultArg box p.Domain
    if b.Dim <> p.Domain.Dim then Errors.fail "optimize: the box has %d dimensions but the model has %d inputs" b.Dim p.Domain.Dim
    let d = b.Dim
    let width = Array.init d (fun j -> b.Upper[j] - b.Lower[j])
    let sign = match s.Goal with Minimize -> 1.0 | Maximize -> -1.0
    let toX (u: float[]) = Array.init d (fun j -> b.Lower[j] + (min 1.0 (max 0.0 u[j])) * width[j])
    let scanU = Sampling.sobolScrambled s.Seed 0 d s.ScanPoints
    let scanF = (p.Predict (scanU |> Array.map toX)).Mean |> Array.map (fun v -> sign * v)
    let mutable evaluations = s.ScanPoints
    let runFrom (u0: float[]) =
        // The best point any evaluation saw: a line search that gives up (an exception) still leaves it.
        let mutable bestU = Array.copy u0
        let mutable bestF = infinity
        // MathNet asks for the value and the gradient separately at the same point: one autograd pass serves both.
        let mutable cacheU : float[] = [||]
        let mutable cacheF = 0.0
        let mutable cacheG : float[] = [||]
        let eval (v: Vector<float>) =
            let u = v.ToArray() |> Array.map (fun x -> min 1.0 (max 0.0 x))
            if u <> cacheU then
                let g = p.Gradient [| toX u |]
                evaluations <- evaluations + 1
                cacheU <- u
                cacheF <- sign * g.Value[0]
                cacheG <- Array.init d (fun j -> sign * g.Mean[0][j] * width[j])
                if cacheF < bestF then
                    bestF <- cacheF
                    bestU <- u
        let objective =
            ObjectiveFunction.Gradient(
                System.Func<Vector<float>, float>(fun v -> eval v; cacheF),
                System.Func<Vector<float>, Vector<float>>(fun v -> eval v; Vector<float>.Build.DenseOfArray(Array.copy cacheG)))
        let lower = Vector<float>.Build.Dense(d, 0.0)
        let upper = Vector<float>.Build.Dense(d, 1.0)
        let minimizer = BfgsBMinimizer(s.GradientTolerance, 1e-14, 1e-15, s.MaxIterations)
        let iterations, exit =
            try
                let r = minimizer.FindMinimum(objective, lower, upper, Vector<float>.Build.DenseOfArray u0)
                let u = r.MinimizingPoint.ToArray() |> Array.map (fun x -> min 1.0 (max 0.0 x))
                let f = sign * (p.Predict [| toX u |]).Mean[0]
                evaluations <- evaluations + 1
                if f <= bestF then
                    bestF <- f
                    bestU <- u
                r.Iterations, string r.ReasonForExit
            with :? OptimizationException as e -> -1, e.Message
        { From = toX u0; X = toX bestU; Value = sign * bestF; Iterations = iterations; Exit = exit }
    let starts = pickStarts s.Starts scanU scanF |> List.map (fun i -> runFrom scanU[i])
    let best = starts |> List.minBy (fun r -> sign * r.Value)
    let at = p.Predict [| best.X |]
    { Goal = s.Goal
      Predictor = p.Name
      X = best.X
      Value = at.Mean[0]
      Std = at.Std |> Option.map (fun v -> v[0])
      MemberValues = at.Members |> Option.map (Array.map (fun m -> m[0]))
      Starts = starts
      Evaluations = evaluations }
