/// The affine block F(u) = aᵀu + b: the paper's linear correlation branch F_l (§2.1), also the linear encoder.
module Emulators.Affine

open Emulators

let init (ctx: InitContext) (dIn: int) (dOut: int) : Params =
    [ "W", Params.xavierNormal ctx dIn dOut
      "b", Params.zeros ctx [ 1; dOut ] ]

/// Identity start (A = I, c = 0), used for encoders whose input and output spaces agree.
let initIdentity (ctx: InitContext) (d: int) : Params =
    let k = ref 0
    // member-major [E, d, d] data with ones on each member's diagonal
    let eye =
        Params.draw ctx [ d; d ] (fun _ ->
            let v = if (k.Value % (d * d)) % (d + 1) = 0 then 1.0 else 0.0
            k.Value <- k.Value + 1
            v)
    [ "W", eye; "b", Params.zeros ctx [ 1; d ] ]

let apply (p: Params) (x: Tensors.Tensor) = Layers.dense (Params.get "W" p) (Params.get "b" p) x

/// `apply` that also returns its input, for `backward`.
let forwardTape (p: Params) (x: Tensors.Tensor) = apply p x, [ x ]

/// Reverse pass: adds W's and b's gradients for the output gradient d, returns the input gradient when asked.
let backward (p: Params) (inputs: Tensors.Tensor list) (d: Tensors.Tensor) (wantInput: bool) =
    Layers.denseBackward (Params.get "W" p) (Params.get "b" p) (List.head inputs) d wantInput

/// The weights an L2 penalty acts on.
let weights (p: Params) = [ Params.get "W" p ]
