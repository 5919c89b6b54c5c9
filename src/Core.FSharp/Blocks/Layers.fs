/// The one dense layer every block is made of, batched over ensemble members.
module Emulators.Layers

open TorchSharp
open Emulators.Tensors

/// x [E, N, in] times W [E, in, out] plus b [E, 1, out]. (torch.bmm then add: TorchSharp's baddbmm maps its
/// arguments differently from PyTorch's, so it is avoided on purpose.)
let dense (w: Tensor) (b: Tensor) (x: Tensor) : Tensor = torch.bmm(x, w).add(b)

/// Add g to the gradient of p when p has one (a parameter being trained); others are left alone.
let accumulate (p: Tensor) (g: Tensor) =
    use grad = p.grad
    if not (isNull grad) then grad.add_(g) |> ignore

/// Reverse of `dense` for the output gradient d [E, N, out]: adds xᵀd to W's gradient and Σ_N d to b's (the
/// products autograd forms), and returns the input gradient d Wᵀ when asked. Call under no_grad.
let denseBackward (w: Tensor) (b: Tensor) (x: Tensor) (d: Tensor) (wantInput: bool) : Tensor option =
    use xt = x.transpose(1L, 2L)
    use gw = torch.bmm(xt, d)
    accumulate w gw
    use gb = d.sum([| 1L |], true)
    accumulate b gb
    if wantInput then
        use wt = w.transpose(1L, 2L)
        Some(torch.bmm(d, wt))
    else None
