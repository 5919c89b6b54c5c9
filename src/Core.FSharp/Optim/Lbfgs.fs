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
///
/// Members stop at very different iterations (in a search round, 19 to over a thousand), and a batch costs about
/// its size per evaluation. Given a way to build the same minimisation over a subset of the members (`Subset`), the
/// batch is cut down to its running members as members stop, so the late iterations cost what the few members left
/// need. Compaction changes no number as long as every member's rows are computed alike in any batch: a lone member
/// runs on other kernels, so a batch never shrinks below two members; and where the loss uses an elementwise kernel
/// whose vectorised and scalar paths round differently (libtorch's sigmoid), the batch keeps a multiple of
/// `RowMultiple` rows, so that no member's values ever fall in the scalar remainder of the vectorised loop.
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

/// The polish of every member, the batched evaluations it took (each one forward and backward of the batch) and
/// the rows those evaluations carried in all (BatchEvaluations × members without compaction).
type Result = { Members: Outcome[]; BatchEvaluations: int; RowEvaluations: int }

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

/// The minimisation restricted to some members (indices into the original batch, ascending): fresh leaf tensors for
/// their parameters (in the order of the full list, [E', ...]), their per-member losses [E'], and what frees the
/// tensors made for it.
type Subset = { Params: Tensor list; PerMember: unit -> Tensor; Release: unit -> unit }

/// How a batch may shrink: `Subset` builds the minimisation over some members; batches keep a multiple of
/// `RowMultiple` rows (1: any number, two or more), and a batch that is not such a multiple to begin with never shrinks.
type Compaction = { Subset: int[] -> Subset; RowMultiple: int }

/// State of one member between evaluations.
type private Status =
    /// Running, between iterations.
    | Ready
    | Searching of LineSearch.Probe
    | Stopped of reason: string

/// Minimise the [E] per-member losses of `perMember` (a function of `ps`, each [E, ...]) over each member's slice of
/// the parameters. Each member ends at its last accepted point (the lowest loss it accepted). With `subset`, the
/// batch drops members that have stopped (see the module's comment); the numbers are the same without it.
let minimizeMembersWith (s: Settings) (cancel: Threading.CancellationToken) (ps: Tensor list) (perMember: unit -> Tensor)
                        (compaction: Compaction option) : Result =
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
          BatchEvaluations = 0
          RowEvaluations = 0 }
    if s.MaxIterations <= 0 then skipped () else
    let dtype = (List.head ps).dtype
    // The batch: row r of every [rows, ...] tensor below belongs to member active[r]; all members at the start.
    let mutable active = Array.init members id
    let mutable batchParams = ps
    let mutable batchLoss = perMember
    let mutable releaseBatch = ignore
    // a copy: with one parameter, cat may return a view of it, and x must not move with the trial points
    let mutable x = keep ((flatten members ps).clone())
    let n = x.shape[1]
    let zeros () = keep (torch.zeros([| int64 members; n |], dtype = dtype))
    let mutable g = zeros ()      // gradient at x
    let mutable gLast = zeros ()  // gradient at the last evaluated point
    let mutable d = zeros ()      // search direction
    let mutable gamma = keep (torch.ones([| int64 members |], dtype = dtype))
    let history = max 1 s.History
    let sHist = Array.init history (fun _ -> zeros ())
    let yHist = Array.init history (fun _ -> zeros ())
    let rho = Array.init history (fun _ -> keep (torch.zeros([| int64 members |], dtype = dtype)))
    // Every member's final point, [E, n]: the rows of members dropped from the batch land here.
    let mutable xAll: Tensor option = None
    let mutable filled = 0
    let mutable slot = 0
    let evaluations = Array.zeroCreate members
    let iterations = Array.zeroCreate members
    let loss = Array.create members nan
    let mutable batches = 0
    let mutable rowEvaluations = 0
    use zero = scalar 0.0
    use minusOne = scalar -1.0
    use one = scalar 1.0

    /// Evaluate every row at x + t_r·d (t_r = 0: at x): the losses and slopes g·d per row; the gradients go to gLast.
    let evaluate (t: float[]) =
        cancel.ThrowIfCancellationRequested()
        use _ = torch.NewDisposeScope()
        use tt = Tensors.create t [| int64 active.Length; 1L |] dtype
        let trial = x.addcmul(tt, d, one)
        assign active.Length batchParams trial
        let l = batchLoss ()
        let grads = torch.autograd.grad([| l.sum() |], Array.ofList batchParams)
        use _ = torch.no_grad ()
        gLast.copy_(flatten active.Length grads) |> ignore
        batches <- batches + 1
        rowEvaluations <- rowEvaluations + active.Length
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

    /// Keep only the rows `rows` (ascending, two or more) of the batch: the others' points go to xAll, every
    /// per-row tensor keeps those rows, and the minimisation continues on the subset's own parameters and loss.
    let compactTo (make: int[] -> Subset) (rows: int[]) =
        use _ = torch.no_grad ()
        use all = Tensors.indices active
        match xAll with
        | None -> xAll <- Some(keep (x.clone()))
        | Some xa -> xa.index_copy_(0L, all, x) |> ignore
        use idx = Tensors.indices rows
        let select (t: Tensor) =
            let r = keep (t.index_select(0L, idx))
            t.Dispose()
            r
        x <- select x
        g <- select g
        gLast <- select gLast
        d <- select d
        gamma <- select gamma
        for i in 0 .. history - 1 do
            sHist[i] <- select sHist[i]
            yHist[i] <- select yHist[i]
            rho[i] <- select rho[i]
        active <- rows |> Array.map (fun r -> active[r])
        let next = make active
        releaseBatch ()
        batchParams <- next.Params
        batchLoss <- next.PerMember
        releaseBatch <- next.Release

    /// Between iterations: drop the stopped members from the batch, down to the running ones padded with stopped
    /// ones to at least two rows and a multiple of the row multiple.
    let compact () =
        match compaction with
        | Some c when members % max 1 c.RowMultiple = 0 ->
            let multiple = max 1 c.RowMultiple  // members is a multiple of it, so every batch below is too
            let runningRows = [| for r in 0 .. active.Length - 1 do if running active[r] then r |]
            let wanted = max 2 ((runningRows.Length + multiple - 1) / multiple * multiple)
            if runningRows.Length > 0 && wanted < active.Length then
                let padding = [| for r in 0 .. active.Length - 1 do if not (running active[r]) then r |] |> Array.truncate (wanted - runningRows.Length)
                compactTo c.Subset (Array.append runningRows padding |> Array.sort)
        | _ -> ()

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
                compact ()
                let rows = active.Length
                if first then
                    d.copy_(g.neg()) |> ignore
                else direction ()
                let gtd, dInf, xInf =
                    use _ = torch.NewDisposeScope()
                    Tensors.toArray (rowDot g d), Tensors.toArray (d.abs().amax([| 1L |])), Tensors.toArray (x.abs().amax([| 1L |]))
                let gAbs = if first then using (g.abs().sum(1L)) Tensors.toArray else [||]
                for r in 0 .. rows - 1 do
                    let e = active[r]
                    if running e then
                        if not (gtd[r] < 0.0) then stop e "not a descent direction"
                        else
                            // first step: at most a unit step along −g in the parameters' 1-norm (as PyTorch)
                            let t0 = if first then min 1.0 (1.0 / gAbs[r]) else 1.0
                            let minWidth = 2.2e-16 * max xInf[r] 1e-300 / max dInf[r] 1e-300
                            status[e] <- Searching(LineSearch.strongWolfe loss[e] gtd[r] t0 minWidth)
                // Line-search phase: evaluate until no member asks for more.
                let asks () = active |> Array.exists (fun e -> match status[e] with Searching(LineSearch.Evaluate _) -> true | _ -> false)
                while asks () do
                    for e in active do
                        match status[e] with
                        | Searching(LineSearch.Evaluate _) when evaluations[e] >= s.MaxEvaluations ->
                            stop e (sprintf "evaluation limit (%d)" s.MaxEvaluations)
                        | _ -> ()
                    if asks () then
                        let t =
                            active |> Array.map (fun e ->
                                match status[e] with
                                | Searching(LineSearch.Evaluate(t, _)) | Searching(LineSearch.Found(t, _)) -> t
                                | _ -> 0.0)
                        let f, slope = evaluate t
                        for r in 0 .. rows - 1 do
                            let e = active[r]
                            match status[e] with
                            | Searching(LineSearch.Evaluate(_, next)) ->
                                evaluations[e] <- evaluations[e] + 1
                                status[e] <- Searching(next f[r] slope[r])
                            | _ -> ()
                // Accept the found steps: gLast holds each finder's gradient at its step (its last evaluation).
                let accepted = Array.zeroCreate<float> rows
                let steps = Array.zeroCreate<float> rows
                for r in 0 .. rows - 1 do
                    let e = active[r]
                    match status[e] with
                    | Searching(LineSearch.Found(t, f)) ->
                        accepted[r] <- 1.0
                        steps[r] <- t
                        loss[e] <- f
                        iterations[e] <- iterations[e] + 1
                        status[e] <- Ready
                    | Searching LineSearch.NoDecrease -> stop e "no decrease"
                    | Searching(LineSearch.Evaluate _) -> stop e "evaluation limit"
                    | _ -> ()
                if Array.exists (fun a -> a > 0.0) accepted then
                    use _ = torch.NewDisposeScope()
                    use _ = torch.no_grad ()
                    use mask = Tensors.create accepted [| int64 rows; 1L |] dtype
                    use on = mask.gt(zero)
                    use tt = Tensors.create steps [| int64 rows; 1L |] dtype
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
                    for r in 0 .. rows - 1 do
                        let e = active[r]
                        if accepted[r] > 0.0 then
                            if gNorm[r] <= tolerance[e] then stop e "gradient tolerance"
                            elif iterations[e] >= s.MaxIterations then stop e "iteration limit"
                first <- false
        with :? OperationCanceledException -> reasonAll <- Some "cancelled"
    finally
        match xAll with
        | None -> assign members ps x
        | Some xa ->
            (use _ = torch.no_grad ()
             use all = Tensors.indices active
             xa.index_copy_(0L, all, x) |> ignore)
            assign members ps xa
            xa.Dispose()
        releaseBatch ()
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
      BatchEvaluations = batches
      RowEvaluations = rowEvaluations }

/// `minimizeMembersWith` over the whole batch throughout (no subset to compact to).
let minimizeMembers (s: Settings) (cancel: Threading.CancellationToken) (ps: Tensor list) (perMember: unit -> Tensor) : Result =
    minimizeMembersWith s cancel ps perMember None
