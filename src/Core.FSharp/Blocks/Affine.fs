/// The affine block F(u) = aᵀu + b: the paper's linear correlation branch F_l (§2.1), also the linear encoder.
module Emulators.Affine

open Emulators

let init (ctx: InitContext) (dIn: int) (dOut: int) : Params =
    [ "W", Params.xavierNormal ctx dIn dOut
      "b", Params.zeros ctx [ 1; dOut ] ]

/// Projection start: A[i, j] = 1 where i = j, else 0, and c = 0. For equal dimensions this is the identity
/// (the encoder starts as "no encoding"); for an LF source with fewer inputs it starts by passing the leading HF
/// inputs through (an LF model usually has a subset of the HF parameters, listed first); with more, the extra
/// LF inputs start at the centre of their range.
let initProjection (ctx: InitContext) (dIn: int) (dOut: int) : Params =
    let k = ref 0
    // member-major [E, dIn, dOut] data with ones where row = column
    let w =
        Params.draw ctx [ dIn; dOut ] (fun _ ->
            let within = k.Value % (dIn * dOut)
            k.Value <- k.Value + 1
            if within / dOut = within % dOut then 1.0 else 0.0)
    [ "W", w; "b", Params.zeros ctx [ 1; dOut ] ]

/// Identity start (A = I, c = 0), used for encoders whose input and output spaces agree.
let initIdentity (ctx: InitContext) (d: int) : Params = initProjection ctx d d

let apply (p: Params) (x: Tensors.Tensor) = Layers.dense (Params.get "W" p) (Params.get "b" p) x

/// The weights an L2 penalty acts on.
let weights (p: Params) = [ Params.get "W" p ]
