/// L-BFGS polish after Adam. Adam's step is bounded by its learning rate, so on K1 it stalls near 1e-3 while the
/// affine branch still has far to travel; a quasi-Newton method with a strong-Wolfe line search then reaches machine
/// precision.
///
/// Every member of an ensemble runs its own L-BFGS (its own curvature history, initial scaling, step length, line
/// search and stop), and all of them advance in lockstep: one batched forward and backward of the ensemble's loss per
/// evaluation serves every member (the loss is a sum of per-member losses, so one backward gives each member its own
/// gradient). An iteration ends when every running member's line search has found its step; a member whose search
/// is done is evaluated again at its accepted point while the others finish (the same numbers, so nothing changes).
/// Members that stop stay where they are while the others go on. The two-loop recursion runs on [E, n] tensors, row
/// by row, so member e follows the path a lone model with its data would follow, up to round-off.
module Emulators.Core.Lbfgs

open System
open TorchSharp
open Emulators.Core.Tensors

type Settings =
    { MaxIterations: int
      /// Loss evaluations a member may use in all (line searches included). Reaching it stops that member at its
      /// last accepted point.
      MaxEvaluations: int
      /// Curvature pairs kept.
      History: int }

/// The bounds for a polish of `iterations` iterations: up to 25 line-search evaluations for any one iteration, four
/// per iteration on average (strong-Wolfe searches with the quasi-Newton step usually accept its first trial).
let settings (iterations: int) =
    { MaxIterations = iterations; MaxEvaluations = 4 * max 0 iterations + LineSearch.maxEvaluations; History = 20 }

/// One member's polish: accepted steps, loss evaluations it asked for, its final loss and why it stopped.
type Outcome = { Iterations: int; Evaluations: int; Loss: float; Reason: string }

/// The polish of every member, and the batched evaluations it took (each one forward and backward of the ensemble).
type Result = { Members: Outcome[]; BatchEvaluations: int }

let private keep (t: Tensor) = t.DetachFromDisposeScope()

/// Rows of every parameter side by side: [E, n] with member e's entries in row e.
let private flatten (members: int) (ts: Tensor seq) =
    use _ = torch.NewDisposeScope()
    let rows = ts |> Seq.map (fun t -> t.detach().reshape(int64 members, -1L)) |> Array.ofSeq
    torch.cat(rows, 1L).contiguous().MoveToOuterDisposeScope()

let private assign (members: int) (ps: Tensor list) (x: Tensor) =
    use _ = torch.no_grad ()
    let mutable offset = 0L
    for p in ps do
        let n = p.numel() / int64 members
        use part = x.narrow(1L, offset, n)
        use shaped = part.reshape(p.shape)
        p.copy_(shaped) |> ignore
        offset <- offset + n

/// Per row of [E, n] tensors: Σ_j a_ej b_ej, [E].
let private rowDot (a: Tensor) (b: Tensor) = a.mul(b).sum(1L)

/// State of one member between evaluations.
type private Status =
    /// Running, between iterations.
    | Ready
    | Searching of LineSearch.Probe
    | Stopped of reason: string

/// Minimise the [E] per-member losses of `perMember` (a function of `ps`, each [E, ...]) over each member's slice of
/// the parameters. Each member ends at its last accepted point (the lowest loss it accepted).
let minimizeMembers (s: Settings) (cancel: Threading.CancellationToken) (ps: Tensor list) (perMember: unit -> Tensor) : Result =
    if ps.IsEmpty then Errors.fail "L-BFGS: nothing to train"
    let members = int (List.head ps).shape[0]
    for p in ps do
        if p.dim() < 1L || p.shape[0] <> int64 members then
            Errors.fail "L-BFGS: a parameter of shape %A does not have %d members on its first axis" p.shape members
    let skipped () =
        let f =
            use _ = torch.NewDisposeScope()
            use _ = torch.no_grad ()
            Tensors.toArray (perMember ())
        { Members = Array.init members (fun e -> { Iterations = 0; Evaluations = 0; Loss = f[e]; Reason = "skipped" })
          BatchEvaluations = 0 }
    if s.MaxIterations <= 0 then skipped () else
    let dtype = (List.head ps).dtype
    // a copy: with one parameter, cat may return a view of it, and x must not move with the trial points
    let x = keep ((flatten members ps).clone())
    let n = x.shape[1]
    let zeros () = keep (torch.zeros([| int64 members; n |], dtype = dtype))
    let g = zeros ()      // gradient at x
    let gLast = zeros ()  // gradient at the last evaluated point
    let d = zeros ()      // search direction
    let gamma = keep (torch.ones([| int64 members |], dtype = dtype))
    let history = max 1 s.History
    let sHist = Array.init history (fun _ -> zeros ())
    let yHist = Array.init history (fun _ -> zeros ())
    let rho = Array.init history (fun _ -> keep (torch.zeros([| int64 members |], dtype = dtype)))
    let mutable filled = 0
    let mutable slot = 0
    let evaluations = Array.zeroCreate members
    let iterations = Array.zeroCreate members
    let loss = Array.create members nan
    let mutable batches = 0
    use zero = scalar 0.0
    use minusOne = scalar -1.0
    use one = scalar 1.0

    /// Evaluate every member at x + t_e·d (t_e = 0: at x): the losses [E] and slopes g·d [E]; the gradients go to gLast.
    let evaluate (t: float[]) =
        cancel.ThrowIfCancellationRequested()
        use _ = torch.NewDisposeScope()
        use tt = Tensors.create t [| int64 members; 1L |] dtype
        let trial = x.addcmul(tt, d, one)
        assign members ps trial
        let l = perMember ()
        let grads = torch.autograd.grad([| l.sum() |], Array.ofList ps)
        use _ = torch.no_grad ()
        gLast.copy_(flatten members grads) |> ignore
        batches <- batches + 1
        Tensors.toArray l, Tensors.toArray (rowDot gLast d)

    // Gradient tolerance per member, relative to its own starting gradient: 1e-16·|g0|, float64's round-off level, so
    // it never stops a search early.
    let f0, _ = evaluate (Array.zeroCreate members)
    g.copy_(gLast) |> ignore
    let g0Norm = using (g.norm(1)) Tensors.toArray
    let tolerance = g0Norm |> Array.map (fun v -> max 1e-300 (1e-16 * v))
    Array.blit f0 0 loss 0 members
    let status =
        Array.init members (fun e ->
            if Double.IsNaN f0[e] || Double.IsInfinity f0[e] || Double.IsNaN g0Norm[e] || Double.IsInfinity g0Norm[e] then
                Stopped "non-finite loss or gradient at the start"
            elif g0Norm[e] <= tolerance[e] then Stopped "gradient tolerance"
            else Ready)
    let running e = match status[e] with Ready | Searching _ -> true | Stopped _ -> false
    let stop e reason = status[e] <- Stopped reason

    /// d = −H g by the two-loop recursion, each row with its own history (a pair of weight ρ = 0 adds nothing) and
    /// initial scaling γ = s·y / y·y of its latest accepted pair.
    let direction () =
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad ()
        let q = g.clone()
        let order = [| for k in 1 .. filled -> (slot - k + history) % history |]  // newest first
        let alphas = Array.zeroCreate history
        for i in order do
            let a = rho[i].mul(rowDot sHist[i] q)
            alphas[i] <- a
            q.addcmul_(yHist[i], a.unsqueeze(1L), minusOne) |> ignore
        let r = q.mul_(gamma.unsqueeze(1L))
        for i in Array.rev order do
            let b = rho[i].mul(rowDot yHist[i] r)
            r.addcmul_(sHist[i], alphas[i].sub(b).unsqueeze(1L), one) |> ignore
        d.copy_(r.neg()) |> ignore

    let mutable reasonAll = None
    try
        try
            let mutable first = true
            while Array.exists id (Array.init members running) do
                if first then
                    d.copy_(g.neg()) |> ignore
                else direction ()
                let gtd, dInf, xInf =
                    use _ = torch.NewDisposeScope()
                    Tensors.toArray (rowDot g d), Tensors.toArray (d.abs().amax([| 1L |])), Tensors.toArray (x.abs().amax([| 1L |]))
                let gAbs = if first then using (g.abs().sum(1L)) Tensors.toArray else [||]
                for e in 0 .. members - 1 do
                    if running e then
                        if not (gtd[e] < 0.0) then stop e "not a descent direction"
                        else
                            // first step: at most a unit step along −g in the parameters' 1-norm (as PyTorch)
                            let t0 = if first then min 1.0 (1.0 / gAbs[e]) else 1.0
                            let minWidth = 2.2e-16 * max xInf[e] 1e-300 / max dInf[e] 1e-300
                            status[e] <- Searching(LineSearch.strongWolfe loss[e] gtd[e] t0 minWidth)
                // Line-search phase: evaluate until no member asks for more.
                let asks () = status |> Array.exists (function Searching(LineSearch.Evaluate _) -> true | _ -> false)
                while asks () do
                    for e in 0 .. members - 1 do
                        match status[e] with
                        | Searching(LineSearch.Evaluate _) when evaluations[e] >= s.MaxEvaluations ->
                            stop e (sprintf "evaluation limit (%d)" s.MaxEvaluations)
                        | _ -> ()
                    if asks () then
                        let t =
                            status |> Array.map (function
                                | Searching(LineSearch.Evaluate(t, _)) | Searching(LineSearch.Found(t, _)) -> t
                                | _ -> 0.0)
                        let f, slope = evaluate t
                        for e in 0 .. members - 1 do
                            match status[e] with
                            | Searching(LineSearch.Evaluate(_, next)) ->
                                evaluations[e] <- evaluations[e] + 1
                                status[e] <- Searching(next f[e] slope[e])
                            | _ -> ()
                // Accept the found steps: gLast holds each finder's gradient at its step (its last evaluation).
                let accepted = Array.zeroCreate<float> members
                let steps = Array.zeroCreate<float> members
                for e in 0 .. members - 1 do
                    match status[e] with
                    | Searching(LineSearch.Found(t, f)) ->
                        accepted[e] <- 1.0
                        steps[e] <- t
                        loss[e] <- f
                        iterations[e] <- iterations[e] + 1
                        status[e] <- Ready
                    | Searching LineSearch.NoDecrease -> stop e "no decrease"
                    | Searching(LineSearch.Evaluate _) -> stop e "evaluation limit"
                    | _ -> ()
                if Array.exists (fun a -> a > 0.0) accepted then
                    use _ = torch.NewDisposeScope()
                    use _ = torch.no_grad ()
                    use mask = Tensors.create accepted [| int64 members; 1L |] dtype
                    use on = mask.gt(zero)
                    use tt = Tensors.create steps [| int64 members; 1L |] dtype
                    // the same expression as the evaluated trial point, so x is exactly where gLast was taken
                    let xNew = x.addcmul(tt, d, one)
                    let sNew = (let v = xNew.sub(x) in torch.where(on, v, torch.zeros_like(v)))
                    let yNew = (let v = gLast.sub(g) in torch.where(on, v, torch.zeros_like(v)))
                    let ys = rowDot yNew sNew
                    let yy = rowDot yNew yNew
                    let r = ys.reciprocal()
                    let valid = ys.gt(zero).logical_and(r.isfinite()).logical_and(yy.gt(zero))
                    sHist[slot].copy_(sNew) |> ignore
                    yHist[slot].copy_(yNew) |> ignore
                    rho[slot].copy_(torch.where(valid, r, torch.zeros_like(r))) |> ignore
                    gamma.copy_(torch.where(valid, ys.div(yy), gamma)) |> ignore
                    slot <- (slot + 1) % history
                    filled <- min (filled + 1) history
                    x.copy_(torch.where(on, xNew, x)) |> ignore
                    g.copy_(torch.where(on, gLast, g)) |> ignore
                    let gNorm = Tensors.toArray (g.norm(1))
                    for e in 0 .. members - 1 do
                        if accepted[e] > 0.0 then
                            if gNorm[e] <= tolerance[e] then stop e "gradient tolerance"
                            elif iterations[e] >= s.MaxIterations then stop e "iteration limit"
                first <- false
        with :? OperationCanceledException -> reasonAll <- Some "cancelled"
    finally
        assign members ps x
        for t in [ x; g; gLast; d; gamma ] @ List.ofArray sHist @ List.ofArray yHist @ List.ofArray rho do
            t.Dispose()
    { Members =
        Array.init members (fun e ->
            { Iterations = iterations[e]
              Evaluations = evaluations[e]
              Loss = loss[e]
              Reason =
                match reasonAll, status[e] with
                | Some r, _ -> r
                | None, Stopped r -> r
                | None, _ -> "stopped" })
      BatchEvaluations = batches }
