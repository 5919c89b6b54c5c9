/// The affine block F(u) = aᵀu + b: the paper's linear correlation branch F_l (§2.1), also the linear encoder.
module Emulators.Core.Affine

open Emulators.Core

let init (ctx: InitContext) (dIn: int) (dOut: int) : Params =
    [ "W", Params.xavierNormal ctx dIn dOut
      "b", Params.zeros ctx [ 1; dOut ] ]

/// Diagonal start: A[i, i] = scale[i], c[i] = shift[i] for the dOut outputs (A zero off the diagonal and in rows
/// beyond dIn). An affine encoder starts here, at the pass-through of the leading inputs in physical units
/// (Emulator.passThrough): the identity when the HF and LF input spaces agree; for an LF source with fewer inputs
/// the leading HF inputs (an LF model usually has a subset of the HF parameters, listed first); with more, the extra
/// LF inputs start at the centre of their range.
let initDiagonal (ctx: InitContext) (dIn: int) (scale: float[]) (shift: float[]) : Params =
    let dOut = scale.Length
    let k = ref 0
    let w =
        Params.draw ctx [ dIn; dOut ] (fun _ ->
            let within = k.Value % (dIn * dOut)
            k.Value <- k.Value + 1
            let row, col = within / dOut, within % dOut
            if row = col then scale[col] else 0.0)
    let j = ref 0
    let b =
        Params.draw ctx [ 1; dOut ] (fun _ ->
            let col = j.Value % dOut
            j.Value <- j.Value + 1
            shift[col])
    [ "W", w; "b", b ]

let apply (p: Params) (x: Tensors.Tensor) = Layers.dense (Params.get "W" p) (Params.get "b" p) x

/// The weights an L2 penalty acts on.
let weights (p: Params) = [ Params.get "W" p ]
