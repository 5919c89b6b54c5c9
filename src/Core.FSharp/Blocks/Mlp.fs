/// Fully connected tanh network with Xavier-normal weights, zero biases and a linear read-out (paper §4.1).
module Emulators.Core.Mlp

open TorchSharp
open Emulators.Core

/// depth hidden layers of `width` units each.
type MlpSpec = { Depth: int; Width: int }

let init (s: MlpSpec) (ctx: InitContext) (dIn: int) (dOut: int) : Params =
    Layers.sizes s.Depth s.Width dIn dOut
    |> List.pairwise
    |> List.mapi (fun i (a, b) -> [ sprintf "W%d" i, Params.xavierNormal ctx a b; sprintf "b%d" i, Params.zeros ctx [ 1; b ] ])
    |> List.concat

// Parameter names by layer, formatted once (apply runs every training step).
let private names = Array.init 64 (fun i -> sprintf "W%d" i, sprintf "b%d" i)
let private name i = if i < names.Length then names[i] else (sprintf "W%d" i, sprintf "b%d" i)

let private layer (p: Params) i h =
    let w, b = name i
    Layers.dense (Params.get w p) (Params.get b p) h

let apply (s: MlpSpec) (p: Params) (x: Tensors.Tensor) =
    let hidden = List.fold (fun h i -> torch.tanh (layer p i h)) x [ 0 .. s.Depth - 1 ]
    layer p s.Depth hidden

let weights (s: MlpSpec) (p: Params) = [ for i in 0 .. s.Depth -> Params.get (fst (name i)) p ]
