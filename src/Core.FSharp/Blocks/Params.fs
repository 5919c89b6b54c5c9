/// Parameters are values: an ordered list of named tensors. Every tensor carries a leading member axis E, so one
/// parameter set can hold a whole ensemble of independently initialised models (E = 1 for a single model).
namespace Emulators.Core

open TorchSharp
open Emulators.Core.Tensors

type Params = (string * Tensor) list

/// What a block needs to initialise itself: the precision and one random stream per ensemble member.
/// Each member draws from its own stream, so member e of an ensemble starts exactly where a lone model with the
/// same seed starts.
type InitContext =
    { Precision: Precision
      Rngs: System.Random[] }
    member c.Members = c.Rngs.Length

module InitContext =
    let create precision (seeds: int[]) =
        { Precision = precision; Rngs = seeds |> Array.map (fun s -> System.Random s) }

module Params =
    /// A trainable leaf tensor of shape [E; shape] whose entries member e draws from `draw rngs[e]`.
    let draw (ctx: InitContext) (shape: int list) (sample: System.Random -> float) : Tensor =
        let per = List.fold (*) 1 shape
        let data = Array.zeroCreate (ctx.Members * per)
        for e in 0 .. ctx.Members - 1 do
            let rng = ctx.Rngs[e]
            for k in 0 .. per - 1 do
                data[e * per + k] <- sample rng
        let dims = Array.ofList (ctx.Members :: shape) |> Array.map int64
        // parameters outlive every per-step dispose scope
        (Tensors.create data dims (scalarType ctx.Precision)).requires_grad_(true).DetachFromDisposeScope()

    let zeros (ctx: InitContext) (shape: int list) = draw ctx shape (fun _ -> 0.0)

    let uniform (ctx: InitContext) (shape: int list) (bound: float) =
        draw ctx shape (fun r -> (2.0 * r.NextDouble() - 1.0) * bound)

    /// Xavier/Glorot normal: std = sqrt(2 / (fan_in + fan_out)), as in Meng & Karniadakis.
    let xavierNormal (ctx: InitContext) (fanIn: int) (fanOut: int) =
        let std = sqrt (2.0 / float (fanIn + fanOut))
        draw ctx [ fanIn; fanOut ] (fun r -> MathNet.Numerics.Distributions.Normal.Sample(r, 0.0, std))


    /// The entry `name`, if present.
    let tryGet (name: string) (p: Params) = p |> List.tryFind (fun (n, _) -> n = name) |> Option.map snd

    let get (name: string) (p: Params) =
        match tryGet name p with
        | Some t -> t
        | None -> failwithf "parameter '%s' not found (have: %s)" name (p |> List.map fst |> String.concat ", ")

    /// Buffers are entries that travel with the parameters (saved, sliced per member) but are not trained: a
    /// KAN's data-adapted knots. Their last name segment starts with '@' ("@knots0", "nonlinear.@knots0").
    let isBuffer (name: string) = name.Substring(name.LastIndexOf '.' + 1).StartsWith "@"

    let private trainable (p: Params) = p |> List.filter (fun (n, _) -> not (isBuffer n))

    /// The trainable tensors: what optimizers, penalties and gradient checks act on (buffers excluded).
    let tensors (p: Params) = trainable p |> List.map snd

    let prefix (pre: string) (p: Params) : Params = p |> List.map (fun (n, t) -> pre + "." + n, t)

    /// Number of trainable values (buffers excluded).
    let count (p: Params) = trainable p |> List.sumBy (fun (_, t) -> int (t.numel()))

