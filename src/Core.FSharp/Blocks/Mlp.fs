/// Fully connected tanh network with Xavier-normal weights, zero biases and a linear read-out (paper §4.1).
module Emulators.Mlp

open TorchSharp
open Emulators

/// depth hidden layers of `width` units each.
type MlpSpec = { Depth: int; Width: int }

let private sizes (s: MlpSpec) dIn dOut = [ dIn ] @ List.replicate s.Depth s.Width @ [ dOut ]

let init (s: MlpSpec) (ctx: InitContext) (dIn: int) (dOut: int) : Params =
    sizes s dIn dOut
    |> List.pairwise
    |> List.mapi (fun i (a, b) -> [ sprintf "W%d" i, Params.xavierNormal ctx a b; sprintf "b%d" i, Params.zeros ctx [ 1; b ] ])
    |> List.concat

let apply (s: MlpSpec) (p: Params) (x: Tensors.Tensor) =
    let layer i h = Layers.dense (Params.get (sprintf "W%d" i) p) (Params.get (sprintf "b%d" i) p) h
    let hidden = List.fold (fun h i -> torch.tanh (layer i h)) x [ 0 .. s.Depth - 1 ]
    layer s.Depth hidden

let weights (s: MlpSpec) (p: Params) = [ for i in 0 .. s.Depth -> Params.get (sprintf "W%d" i) p ]
