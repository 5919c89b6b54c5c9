/// L-BFGS polish after Adam. Adam's step is bounded by its learning rate, so on K1 it stalls near 1e-3 while the
/// affine branch still has far to travel; a quasi-Newton method with a Wolfe line search then reaches machine
/// precision. MathNet.Numerics supplies the minimizer; libtorch supplies value and gradient.
module Emulators.Core.Lbfgs

open System
open TorchSharp
open MathNet.Numerics.LinearAlgebra
open MathNet.Numerics.Optimization
open Emulators.Core.Tensors

let private flatten (part: Tensor -> Tensor) (ts: Tensor list) =
    ts |> List.map (fun t -> Tensors.toArray (part t)) |> Array.concat

let private assign (part: Tensor -> Tensor) (ps: Tensor list) (values: float[]) =
    use _ = torch.no_grad ()
    let mutable offset = 0
    for p in ps do
        let view = part p
        let n = int (view.numel())
        use src = Tensors.create values[offset .. offset + n - 1] view.shape view.dtype
        view.copy_(src) |> ignore
        offset <- offset + n

exception private EvaluationLimit of int

type Outcome = { Iterations: int; Evaluations: int; Loss: float; Reason: string }

/// Minimise `objective` (a scalar built from `ps`) over the part of each parameter that `part` selects (a view;
/// `id` for all of it), for at most `maxIterations`. The parameters end at the best point evaluated, whatever
/// stopped the search.
let minimizeOver (part: Tensor -> Tensor) (maxIterations: int) (cancel: Threading.CancellationToken) (ps: Tensor list) (objective: unit -> Tensor) =
    let mutable best = Double.PositiveInfinity
    let mutable bestX = flatten part ps
    let mutable evals = 0
    let valueAndGradient (x: Vector<float>) =
        cancel.ThrowIfCancellationRequested()
        // A line search that keeps failing can evaluate without end: bound the work per iteration (plus about 50
        // evaluations for the first line search, see below).
        if evals >= 4 * maxIterations + 70 then raise (EvaluationLimit evals)
        use _ = torch.NewDisposeScope()
        let xs = x.ToArray()
        assign part ps xs
        let loss = objective ()
        let grads = torch.autograd.grad([| loss |], Array.ofList ps) |> List.ofSeq
        let f = loss.ToDouble()
        evals <- evals + 1
        if f < best && not (Double.IsNaN f) then
            best <- f
            bestX <- xs
        let g = flatten part grads
        // A non-finite value makes the line search back off instead of crashing the search.
        if Double.IsNaN f || Double.IsInfinity f then struct (Double.MaxValue, Vector<float>.Build.Dense(g.Length))
        else struct (f, Vector<float>.Build.DenseOfArray g)
    let start = flatten part ps
    let reason, iterations =
        if maxIterations <= 0 then "skipped", 0
        else
            try
                // MathNet's first step is 100·tolerance/|g0|² along −g0, which its weak-Wolfe line search doubles
                // (at most 1000 times) until it is long enough: a fixed tolerance of 1e-300 cost about 980
                // evaluations before the first step, and a search of fewer than about 245 iterations hit the
                // evaluation bound without moving at all. 1e-16·|g0| starts at a displacement of 1e-14 (about 47
                // doublings to unit length) and, at float64's round-off level, still never stops a search early.
                let struct (_, g0) = valueAndGradient (Vector<float>.Build.DenseOfArray start)
                let m = LimitedMemoryBfgsMinimizer(max 1e-300 (1e-16 * g0.L2Norm()), 0.0, 0.0, 20, maxIterations)
                let r = m.FindMinimum(ObjectiveFunction.Gradient(Func<_, _>(valueAndGradient)), Vector<float>.Build.DenseOfArray start)
                // MathNet reports AbsoluteGradient also when its loop ran out of iterations.
                (if r.Iterations >= maxIterations then "iteration limit" else string r.ReasonForExit), min r.Iterations maxIterations
            with
            | :? OperationCanceledException -> "cancelled", -1
            | :? MaximumIterationsException -> "iteration limit", maxIterations
            | EvaluationLimit n -> sprintf "evaluation limit (%d)" n, -1
            | e -> "stopped: " + e.Message, -1
    assign part ps bestX
    { Iterations = iterations; Evaluations = evals; Loss = best; Reason = reason }

/// Minimise a scalar objective over all of `ps`.
let minimize (maxIterations: int) (cancel: Threading.CancellationToken) (ps: Tensor list) (objective: unit -> Tensor) =
    minimizeOver id maxIterations cancel ps objective

/// Ensemble members' losses are separable: polish each member on its own (its slice of every parameter, its own
/// loss), so no member's line search is steered by another's. `perMember` returns the [E] member losses.
let minimizeMembers (members: int) (maxIterations: int) (cancel: Threading.CancellationToken) (ps: Tensor list) (perMember: unit -> Tensor) =
    [ for e in 0 .. members - 1 ->
          minimizeOver (fun t -> t.select(0L, int64 e)) maxIterations cancel ps (fun () -> (perMember ()).select(0L, int64 e)) ]
