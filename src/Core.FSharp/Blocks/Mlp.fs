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

// Parameter names by layer, formatted once (apply runs every training step).
let private names = Array.init 64 (fun i -> sprintf "W%d" i, sprintf "b%d" i)
let private name i = if i < names.Length then names[i] else (sprintf "W%d" i, sprintf "b%d" i)

let private layer (p: Params) i h =
    let w, b = name i
    Layers.dense (Params.get w p) (Params.get b p) h

let apply (s: MlpSpec) (p: Params) (x: Tensors.Tensor) =
    let hidden = List.fold (fun h i -> torch.tanh (layer p i h)) x [ 0 .. s.Depth - 1 ]
    layer p s.Depth hidden

/// `apply` that also returns the input of every layer (x, then each hidden activation), for `backward`.
/// Records no graph: call under no_grad.
let forwardTape (s: MlpSpec) (p: Params) (x: Tensors.Tensor) : Tensors.Tensor * Tensors.Tensor list =
    let inputs = List.scan (fun h i -> torch.tanh (layer p i h)) x [ 0 .. s.Depth - 1 ]
    layer p s.Depth (List.last inputs), inputs

/// Reverse pass from the output gradient dOut [E, N, dOut]: adds every weight's and bias's gradient to the
/// parameters' .grad and returns the input gradient when asked. `inputs` comes from `forwardTape`.
let backward (s: MlpSpec) (p: Params) (inputs: Tensors.Tensor list) (dOut: Tensors.Tensor) (wantInput: bool) =
    let layerInputs = Array.ofList inputs
    let rec back i (d: Tensors.Tensor) =
        let w, b = name i
        let dIn = Layers.denseBackward (Params.get w p) (Params.get b p) layerInputs[i] d (i > 0 || wantInput)
        if i = 0 then dIn
        else
            // through tanh: d tanh(z) = (1 - tanh(z)²) dz, and layer i's input is layer i-1's tanh output
            let h = layerInputs[i]
            use slope = h.square().neg_().add_(Tensors.scalar 1.0)
            back (i - 1) (dIn.Value.mul_(slope))
    back s.Depth dOut

let weights (s: MlpSpec) (p: Params) = [ for i in 0 .. s.Depth -> Params.get (fst (name i)) p ]
