/// The LF side of training: data tensors, LF loss terms, surrogate pre-training (shared between members with the
/// same seed) and the KAN grid update of surrogates and encoders.
module Emulators.Core.Surrogates

open TorchSharp
open Emulators.Core.Tensors

/// Inputs of one data set in a link's scaled coordinates, repeated for every member: [E, N, d].
let inputTensor (p: Precision) (members: int) (inScale: Affine1) (x: float[][]) =
    use _ = torch.no_grad ()
    (Affine1.apply inScale (Tensors.ofRows p x)).unsqueeze(0).expand(int64 members, -1L, -1L).contiguous().DetachFromDisposeScope()

/// Tensors of one data set in a link's scaled coordinates: x [E, N, d] and standardized y [1, N, 1].
let dataTensors (p: Precision) (members: int) (inScale: Affine1) (outScale: Affine1) (x: float[][]) (y: float[]) =
    use _ = torch.no_grad ()
    let ys = (Affine1.apply outScale ((Tensors.ofVector p y).unsqueeze(-1))).unsqueeze(0)
    inputTensor p members inScale x, ys.DetachFromDisposeScope()

/// The learned sources of an emulator with their data: surrogate parameters, link, name, LF inputs and outputs.
let learned (sources: SourceSpec list) (m: Emulator) =
    List.zip sources m.Sources
    |> List.choose (fun (src, link) ->
        match src, link.Surrogate with
        | Learned(name, _, x, y), Some sp -> Some(sp, link, name, x, y)
        | _ -> None)

/// The LF data term of one learned source over `members` members of its surrogate parameters sp.
let lfTerm (block: BlockSpec) (p: Precision) (members: int) (sp: Params) (link: SourceLink) (name: string) (x: float[][]) (y: float[]) =
    let xL, yL = dataTensors p members link.InputScale link.OutputScale x y
    Loss.mse ("lf:" + name) (fun () -> Block.apply block sp xL) yL

/// Pre-train surrogate i on its LF data. Pre-training depends only on a member's seed (same start, same LF data,
/// one learning rate for all members), so members that share a seed, like the folds of one candidate in model
/// selection, share one training run: one member per distinct seed trains, and its result is copied to the others.
let pretrain (cfg: TrainConfig) (block: BlockSpec) (p: Precision) (seeds: int[]) (i: int)
             (sp: Params, link: SourceLink, name: string, x: float[][], y: float[]) =
    let stage = sprintf "surrogate %d" i
    let distinct = Array.distinct seeds
    if distinct.Length = seeds.Length then
        Stage.run cfg stage cfg.SurrogateSchedule seeds.Length (Params.tensors sp) (lfTerm block p seeds.Length sp link name x y)
    else
        let firsts = distinct |> Array.map (fun s -> int64 (Array.findIndex ((=) s) seeds))
        let groups = seeds |> Array.map (fun s -> int64 (Array.findIndex ((=) s) distinct))
        let reduced: Params =
            use _ = torch.no_grad ()
            use idx = torch.tensor firsts
            sp |> List.map (fun (n, t) ->
                let r = t.index_select(0L, idx).clone()
                n, (if Params.isBuffer n then r else r.requires_grad_(true)).DetachFromDisposeScope())
        let result = Stage.run cfg stage cfg.SurrogateSchedule distinct.Length (Params.tensors reduced) (lfTerm block p distinct.Length reduced link name x y)
        use _ = torch.no_grad ()
        use idx = torch.tensor groups
        for (_, t), (_, r) in List.zip sp reduced do
            t.copy_(r.index_select(0L, idx)) |> ignore
            r.Dispose()
        result

/// KAN grid update (TrainConfig.KanGridUpdate) of every surrogate on its LF points and every nonlinear encoder on
/// the scaled HF points xH [E, N, d_H]; other block families are returned unchanged.
let regridSources (spec: EmulatorSpec) (sources: SourceSpec list) (m: Emulator) (xH: Tensor) =
    let e = m.Members
    let encoderBlock = match spec.Encoding with NonlinearEncoding b -> Some b | _ -> None
    let links =
        List.zip sources m.Sources
        |> List.map (fun (src, link) ->
            let surrogate =
                match src, link.Surrogate with
                | Learned(_, _, x, _), Some sp -> Some(Block.updateGrid spec.Surrogate sp (inputTensor spec.Precision e link.InputScale x))
                | _ -> link.Surrogate
            let encoder =
                match encoderBlock, link.Encoder with
                | Some b, Some ep -> Some(Block.updateGrid b ep xH)
                | _ -> link.Encoder
            { link with Surrogate = surrogate; Encoder = encoder })
    { m with Sources = links }
