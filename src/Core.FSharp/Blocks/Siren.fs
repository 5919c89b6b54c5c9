/// SIREN (Sitzmann et al. 2020) as in lucidrains' `siren-pytorch`, which the paper used (§4.2):
/// φ_0(x) = sin(ω0 (W_0 x + b_0)), φ_l(h) = sin(W_l h + b_l) for the hidden layers, and a linear read-out.
///
/// Initialisation (weights and biases alike, as `siren-pytorch` does):
///   first layer              U(±1/n_in)
///   hidden layers, read-out  U(±sqrt(6/n_in) / w0) with w0 = 1, i.e. U(±sqrt(6/n_in))
/// The paper prints the hidden-layer bound as sqrt(6/(ω0² n_in)) while applying sin(W h + b) without ω0. That pairing
/// is not variance-preserving: with ω0 = 30 the hidden pre-activations have std ≈ 0.036 in the first hidden layer
/// and ≈ 0.0018 in the next, so the hidden stack is nearly linear. The bound sqrt(6/(ω0² n)) only makes sense
/// together with sin(ω0 (W h + b)); the library the paper says it used applies sin(W h + b) with U(±sqrt(6/n)),
/// which keeps the pre-activation std near 1 through depth. We follow the library.
module Emulators.Core.Siren

open TorchSharp
open Emulators.Core

/// `Depth` sine layers of `Width` units (the first one scaled by `Omega0`), then a linear read-out.
type SirenSpec = { Depth: int; Width: int; Omega0: float }

/// ω0 = 30, as in the paper and `siren-pytorch`'s `w0_initial`.
let defaults (depth: int) (width: int) = { Depth = depth; Width = width; Omega0 = 30.0 }

let validate (s: SirenSpec) =
    if s.Depth < 1 then Errors.fail "siren: depth must be at least 1 (got %d)" s.Depth
    if s.Width < 1 then Errors.fail "siren: width must be at least 1 (got %d)" s.Width
    if not (s.Omega0 > 0.0) || System.Double.IsInfinity s.Omega0 then
        Errors.fail "siren: omega0 must be a positive finite number (got %g)" s.Omega0

let init (s: SirenSpec) (ctx: InitContext) (dIn: int) (dOut: int) : Params =
    validate s
    Layers.sizes s.Depth s.Width dIn dOut
    |> List.pairwise
    |> List.mapi (fun i (a, b) ->
        let bound = if i = 0 then 1.0 / float a else sqrt (6.0 / float a)
        [ sprintf "W%d" i, Params.uniform ctx [ a; b ] bound
          sprintf "b%d" i, Params.uniform ctx [ 1; b ] bound ])
    |> List.concat

/// The pre-activations of every sine layer (the first one including the ω0 factor) and the output.
let private forward (s: SirenSpec) (p: Params) (x: Tensors.Tensor) =
    let layer i h = Layers.dense (Params.get (sprintf "W%d" i) p) (Params.get (sprintf "b%d" i) p) h
    let pre, hidden =
        List.fold
            (fun (pres, h) i ->
                let z = if i = 0 then Tensors.mulBy s.Omega0 (layer i h) else layer i h
                z :: pres, torch.sin z)
            ([], x)
            [ 0 .. s.Depth - 1 ]
    List.rev pre, layer s.Depth hidden

/// x [E, N, dIn] -> [E, N, dOut].
let apply (s: SirenSpec) (p: Params) (x: Tensors.Tensor) = snd (forward s p x)

/// The arguments of each sine layer's sin(·), first layer first (for diagnostics and tests).
let preActivations (s: SirenSpec) (p: Params) (x: Tensors.Tensor) = fst (forward s p x)

/// The weight matrices (not biases) an L2 penalty acts on.
let weights (s: SirenSpec) (p: Params) = [ for i in 0 .. s.Depth -> Params.get (sprintf "W%d" i) p ]
