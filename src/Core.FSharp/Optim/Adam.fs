/// Adam over a list of parameter tensors with a leading member axis, one learning rate per member
/// (so an ensemble can train members with different step sizes in one batched update).
///
/// Tiny networks are bound by the cost per tensor operation, not by arithmetic. So `create` moves every parameter
/// into one flat buffer (each parameter becomes a view of its own contiguous chunk, same shape and layout as before)
/// and points each parameter's `.grad` at a chunk of a second flat buffer. Backward then accumulates straight into
/// the flat gradient, and one update is a fixed handful of operations on whole buffers, whatever the number of
/// parameter tensors. The update is elementwise, so member e of an ensemble gets exactly the numbers a lone model
/// with the same learning rate gets.
module Emulators.Core.Adam

open TorchSharp
open Emulators.Core.Tensors

type State =
    private
        { Params: Tensor list
          /// Every parameter's storage, concatenated (each parameter is a contiguous [E, ...] chunk).
          Flat: Tensor
          /// The gradients, laid out like Flat; each parameter's .grad is a view of it.
          Grad: Tensor
          M: Tensor
          V: Tensor
          /// Per element: the learning rate of the member the element belongs to.
          Lr: Tensor
          /// Per element: 2 λ_e for entries under an L2 penalty, 0 elsewhere (None: no penalty on these parameters).
          Decay: Tensor option
          Beta1: float
          Beta2: float
          Eps: float
          mutable Step: int }

let private keep (t: Tensor) = t.DetachFromDisposeScope()

/// Bind the parameters (each [E, ...]) to flat storage and set up the moments. `learningRates` has one entry per
/// member E. The parameters keep their values, shapes and identity (they stay the same leaf tensors).
/// `penalties` are L2 penalties whose gradient 2 λ_e w the update adds itself: the caller leaves them out of the
/// loss it differentiates. The sum is the one autograd would form (2 λ w is exact up to the one rounding autograd
/// makes too), so this changes the cost of a step, not its numbers.
let create (learningRates: float[]) (penalties: Penalty list) (ps: Tensor list) : State =
    use _ = torch.no_grad ()
    if ps.IsEmpty then Errors.fail "Adam: nothing to train"
    let members = learningRates.Length
    let dtype = (List.head ps).dtype
    let sizes = ps |> List.map (fun p -> p.numel())
    let total = List.sum sizes
    for p in ps do
        if p.dim() < 1L || p.shape[0] <> int64 members then
            Errors.fail "Adam: a parameter of shape %A does not have %d members on its first axis" p.shape members
    let flat = keep (torch.empty([| total |], dtype = dtype))
    let grad = keep (torch.zeros([| total |], dtype = dtype))
    let lr = Array.zeroCreate (int total)
    let decay = Array.zeroCreate (int total)
    for pen in penalties do
        if pen.Lambdas.Length <> 1 && pen.Lambdas.Length <> members then
            Errors.fail "Adam: a penalty has %d lambdas for %d members" pen.Lambdas.Length members
    let lambdaOf (pen: Penalty) e = if pen.Lambdas.Length = 1 then pen.Lambdas[0] else pen.Lambdas[e]
    let mutable offset = 0L
    for p, n in List.zip ps sizes do
        use part = flat.narrow(0L, offset, n)
        use chunk = part.view(p.shape)
        chunk.copy_(p) |> ignore
        p.set_(chunk) |> ignore
        use gpart = grad.narrow(0L, offset, n)
        use g = gpart.view(p.shape)
        p.grad <- g
        let per = int n / members
        for e in 0 .. members - 1 do
            Array.fill lr (int offset + e * per) per learningRates[e]
        for pen in penalties do
            if pen.Weights |> List.exists (fun w -> obj.ReferenceEquals(w, p) || w.Handle = p.Handle) then
                for e in 0 .. members - 1 do
                    let c = 2.0 * lambdaOf pen e
                    for k in int offset + e * per .. int offset + (e + 1) * per - 1 do
                        decay[k] <- decay[k] + c
        offset <- offset + n
    { Params = ps
      Flat = flat
      Grad = grad
      M = keep (torch.zeros_like flat)
      V = keep (torch.zeros_like flat)
      Lr = keep (Tensors.create lr [| total |] dtype)
      Decay = (if Array.forall (fun c -> c = 0.0) decay then None else Some(keep (Tensors.create decay [| total |] dtype)))
      Beta1 = 0.9
      Beta2 = 0.999
      Eps = 1e-8
      Step = 0 }

/// The parameters, in the order given to `create`.
let parameters (s: State) = s.Params

/// Clear the flat gradient before a backward pass (backward adds into it).
let zeroGrad (s: State) = s.Grad.zero_() |> ignore

/// One update from the gradients accumulated in the parameters' .grad (the flat gradient) plus the penalties'
/// gradients, in place.
let step (s: State) =
    use _ = torch.no_grad ()
    match s.Decay with
    | Some d ->
        use pg = s.Flat.mul(d)
        plusInPlace s.Grad pg |> ignore
    | None -> ()
    s.Step <- s.Step + 1
    let c1 = 1.0 - pown s.Beta1 s.Step
    let c2 = 1.0 - pown s.Beta2 s.Step
    use b1 = scalar s.Beta1
    use b1c = scalar (1.0 - s.Beta1)
    use b2 = scalar s.Beta2
    use b2c = scalar (1.0 - s.Beta2)
    use c1s = scalar c1
    use c2s = scalar c2
    let g = s.Grad
    s.M.mul_(b1).add_(g, alpha = b1c) |> ignore
    s.V.mul_(b2).addcmul_(g, g, value = b2c) |> ignore
    use denom = addInPlace s.Eps (s.V.div(c2s).sqrt_())
    use update = s.M.div(denom).mul_(s.Lr).div_(c1s)
    s.Flat.sub_(update) |> ignore

/// Detach the .grad views from the parameters and free the optimiser's buffers. The parameters keep their values
/// (they still live in the flat storage, which stays alive as long as they do).
let release (s: State) =
    for p in s.Params do
        p.grad <- null
    for t in [ s.Grad; s.M; s.V; s.Lr; s.Flat ] @ Option.toList s.Decay do
        t.Dispose()
