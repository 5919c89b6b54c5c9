/// Adam over a list of parameter tensors with a leading member axis, one learning rate per member
/// (so an ensemble can train members with different step sizes in one batched update).
module Emulators.Adam

open TorchSharp
open Emulators.Tensors

type State =
    private
        { Params: Tensor list
          M: Tensor list
          V: Tensor list
          Lr: Tensor list // per parameter: [E, 1, ...] broadcastable learning rates
          Beta1: float
          Beta2: float
          Eps: float
          mutable Step: int }

let create (learningRates: float[]) (ps: Tensor list) =
    use _ = torch.no_grad ()
    let lrFor (p: Tensor) =
        let shape = Array.init (int (p.dim())) (fun i -> if i = 0 then int64 learningRates.Length else 1L)
        (Tensors.create learningRates shape p.dtype).DetachFromDisposeScope()
    { Params = ps
      M = ps |> List.map (fun p -> torch.zeros_like(p).DetachFromDisposeScope())
      V = ps |> List.map (fun p -> torch.zeros_like(p).DetachFromDisposeScope())
      Lr = ps |> List.map lrFor
      Beta1 = 0.9
      Beta2 = 0.999
      Eps = 1e-8
      Step = 0 }

/// One update from the given gradients (same order as the parameters), in place.
let step (s: State) (grads: Tensor list) =
    use _ = torch.no_grad ()
    s.Step <- s.Step + 1
    let c1 = 1.0 - pown s.Beta1 s.Step
    let c2 = 1.0 - pown s.Beta2 s.Step
    for (((p, g), (m, v)), lr) in List.zip (List.zip (List.zip s.Params grads) (List.zip s.M s.V)) s.Lr do
        m.mul_(scalar s.Beta1).add_(g, alpha = scalar (1.0 - s.Beta1)) |> ignore
        v.mul_(scalar s.Beta2).addcmul_(g, g, value = scalar (1.0 - s.Beta2)) |> ignore
        let denom = (v / c2).sqrt_().add_(scalar s.Eps)
        p.sub_((m / denom) * lr / c1) |> ignore
