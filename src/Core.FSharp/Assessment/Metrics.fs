/// Error measures (paper §7).
module Emulators.Core.Metrics

let private check (pred: float[]) (truth: float[]) =
    if pred.Length <> truth.Length then
        Errors.fail "metrics: %d predictions but %d reference values" pred.Length truth.Length
    if pred.Length = 0 then Errors.fail "metrics: no points to evaluate"

let mse (pred: float[]) (truth: float[]) =
    check pred truth
    Array.map2 (fun p t -> (p - t) * (p - t)) pred truth |> Array.average

/// Test MSE divided by the squared L2 norm of the HF function over its domain (domain-averaged, §7).
let normalizedMse (normSq: float) (pred: float[]) (truth: float[]) =
    if not (normSq > 0.0) then Errors.fail "metrics: the reference norm must be positive (got %g)" normSq
    mse pred truth / normSq

let rmse pred truth = sqrt (mse pred truth)

let maxError (pred: float[]) (truth: float[]) =
    check pred truth
    Array.map2 (fun p t -> abs (p - t)) pred truth |> Array.max

/// Domain-averaged squared norm estimated from values at points that sample the domain evenly.
let meanSquare (values: float[]) = values |> Array.averageBy (fun v -> v * v)

/// The three error measures of a prediction.
type Scores =
    { NormalizedMse: float
      Rmse: float
      MaxError: float }

let all (normSq: float) (pred: float[]) (truth: float[]) =
    { NormalizedMse = normalizedMse normSq pred truth
      Rmse = rmse pred truth
      MaxError = maxError pred truth }
