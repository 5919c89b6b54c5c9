/// The LF side of training: data tensors, LF loss terms, surrogate pre-training (shared between members with the
/// same seed and LF data, or done once alone and reused) and the KAN grid update of surrogates and encoders.
module Emulators.Core.Surrogates

open TorchSharp
open Emulators.Core.Tensors

/// Inputs of one data set in a link's scaled coordinates, repeated for every member: [E, N, d].
let inputTensor (p: Precision) (members: int) (inScale: Affine1) (x: float[][]) =
    use _ = torch.no_grad ()
    (Affine1.apply inScale (Tensors.ofRows p x)).unsqueeze(0).expand(int64 members, -1L, -1L).contiguous().DetachFromDisposeScope()

let private allSame (xs: 'a[]) = xs |> Array.forall (fun x -> obj.ReferenceEquals(x, xs[0]))

/// Inputs of each member's own data set (all of one size) in scaled coordinates: [E, N, d]. Member e's rows are
/// the numbers `inputTensor` gives for its data alone; when every member has the same array, it is that tensor.
let inputTensorMembers (p: Precision) (inScale: Affine1) (xs: float[][][]) =
    if allSame xs then inputTensor p xs.Length inScale xs[0]
    else
        use _ = torch.no_grad ()
        let n = xs[0].Length
        (Affine1.apply inScale (Tensors.ofRows p (Array.concat xs))).reshape(int64 xs.Length, int64 n, -1L).DetachFromDisposeScope()

/// One member's data of one learned source: LF inputs and outputs, and the standardization of the outputs.
type LfData = { X: float[][]; Y: float[]; OutputScale: Affine1 }

/// Tensors of each member's LF data in scaled coordinates: x [E, N, d] and standardized y, [1, N, 1] when all
/// members share one data set (broadcast over members), else [E, N, 1] (the same numbers per member).
let dataTensors (p: Precision) (inScale: Affine1) (data: LfData[]) =
    use _ = torch.no_grad ()
    let target (d: LfData) = Affine1.apply d.OutputScale ((Tensors.ofVector p d.Y).unsqueeze(-1))
    let ys =
        if allSame data then (target data[0]).unsqueeze(0)
        else torch.stack(data |> Array.map target, 0L)
    inputTensorMembers p inScale (data |> Array.map (fun d -> d.X)), ys.DetachFromDisposeScope()

/// The learned sources of an emulator, with each member's LF data: surrogate parameters, link, name, data [E].
/// `sources` holds each member's sources (one list per member).
let learned (sources: SourceSpec list[]) (m: Emulator) =
    m.Sources
    |> List.mapi (fun i link -> i, link)
    |> List.choose (fun (i, link) ->
        match sources[0][i], link.Surrogate with
        | Learned(name, _, _, _), Some sp ->
            let data =
                sources
                |> Array.map (fun s ->
                    match s[i] with
                    | Learned(_, _, x, y) -> { X = x; Y = y; OutputScale = Affine1.standardize y }
                    | Exact _ -> Errors.fail "LF source '%s' is learned for one member and exact for another" name)
            // members with the same data set share one record, so the data tensors are shared too
            let data = data |> Array.map (fun d -> data |> Array.find (fun o -> obj.ReferenceEquals(o.X, d.X) && obj.ReferenceEquals(o.Y, d.Y)))
            Some(sp, link, name, data)
        | _ -> None)

/// The LF data term of one learned source over the members of its surrogate parameters sp, each on its own data.
let lfTerm (block: BlockSpec) (p: Precision) (sp: Params) (inScale: Affine1) (name: string) (data: LfData[]) =
    let xL, yL = dataTensors p inScale data
    Loss.mse ("lf:" + name) (fun () -> Block.apply block sp xL) yL

/// Pre-train surrogate i on its LF data. Pre-training depends only on a member's seed and LF data (same start,
/// same data, one learning rate for all members), so members that share both, like the folds of one candidate in
/// model selection, share one training run: one member per distinct (seed, data) trains, and its result is
/// copied to the others.
let pretrain (hooks: RunHooks) (cfg: TrainConfig) (block: BlockSpec) (p: Precision) (seeds: int[]) (i: int)
             (sp: Params, link: SourceLink, name: string, data: LfData[]) =
    let stage = sprintf "surrogate %d" i
    let keys = Array.init seeds.Length (fun e -> seeds[e], data |> Array.findIndex (fun d -> obj.ReferenceEquals(d, data[e]) || d = data[e]))
    let distinct = Array.distinct keys
    if distinct.Length = seeds.Length then
        Stage.run hooks stage cfg.SurrogateSchedule seeds.Length (Params.tensors sp) (lfTerm block p sp link.InputScale name data)
    else
        let firsts = distinct |> Array.map (fun k -> Array.findIndex ((=) k) keys)
        let groups = keys |> Array.map (fun k -> int64 (Array.findIndex ((=) k) distinct))
        let reduced: Params =
            use _ = torch.no_grad ()
            use idx = Tensors.indices firsts
            sp |> List.map (fun (n, t) ->
                let r = t.index_select(0L, idx).clone()
                n, (if Params.isBuffer n then r else r.requires_grad_(true)).DetachFromDisposeScope())
        let term = lfTerm block p reduced link.InputScale name (firsts |> Array.map (fun e -> data[e]))
        let result = Stage.run hooks stage cfg.SurrogateSchedule distinct.Length (Params.tensors reduced) term
        use _ = torch.no_grad ()
        use idx = torch.tensor groups
        for (_, t), (_, r) in List.zip sp reduced do
            t.copy_(r.index_select(0L, idx)) |> ignore
            r.Dispose()
        result

/// Seed of the surrogate of learned source `index` when it is pre-trained alone from a member seed: source 0 uses
/// the seed itself, so it starts where the surrogate of a one-source emulator with that seed starts.
let seedOf (seed: int) (index: int) = seed + 7919 * index

/// Pre-train the surrogate of one learned source alone, as one member with the given seed, on the source's own
/// LF data with cfg.SurrogateSchedule (and the KAN grid update if cfg asks for it). The result depends on nothing
/// else, so it can be computed once and used by every fit that needs this surrogate (MemberData.Surrogates).
/// `hooks` report its progress and may cancel it.
let pretrainAloneWith (hooks: RunHooks) (cfg: TrainConfig) (block: BlockSpec) (p: Precision) (seed: int) (source: SourceSpec) : TrainedSurrogate =
    match source with
    | Exact f -> Errors.fail "LF source '%s' is exact: only learned sources have a surrogate to pre-train" f.Name
    | Learned(name, box, x, y) ->
        if x.Length <> y.Length then Errors.fail "LF source '%s': %d input rows but %d outputs" name x.Length y.Length
        if x.Length < 2 then Errors.fail "LF source '%s': at least 2 points are needed (got %d)" name x.Length
        Errors.requireFinite (sprintf "LF source '%s' outputs" name) y
        Native.ensure ()
        let b = defaultArg box (Box.ofRows x)
        Errors.requireMatrix (sprintf "LF source '%s' inputs" name) b.Dim x
        let inScale = Affine1.ofBox b
        let data = [| { X = x; Y = y; OutputScale = Affine1.standardize y } |]
        let sp0 = Block.init block (InitContext.create p [| seed |]) b.Dim 1
        let sp = if cfg.KanGridUpdate then Block.updateGrid block sp0 (inputTensor p 1 inScale x) else sp0
        let history, stage = Stage.run hooks "surrogate" cfg.SurrogateSchedule 1 (Params.tensors sp) (lfTerm block p sp inScale name data)
        for _, t in sp do t.requires_grad_(false) |> ignore
        { Source = name; Params = sp; OutputScale = data[0].OutputScale; History = history; Stage = stage }

/// `pretrainAloneWith` with the default hooks (RunHooks.defaults: no progress, no cancellation).
let pretrainAlone (cfg: TrainConfig) (block: BlockSpec) (p: Precision) (seed: int) (source: SourceSpec) : TrainedSurrogate =
    pretrainAloneWith RunHooks.defaults cfg block p seed source

/// The surrogate parameters of an ensemble whose member e starts from trained[e] (the same record for members
/// that share a surrogate): fresh leaf tensors, [E, ...], copies of the trained values.
let stackTrained (trained: TrainedSurrogate[]) : Params =
    use _ = torch.no_grad ()
    trained[0].Params
    |> List.map (fun (n, _) ->
        let t = torch.cat(trained |> Array.map (fun s -> Params.get n s.Params), 0L)
        n, (if Params.isBuffer n then t else t.requires_grad_(true)).DetachFromDisposeScope())

/// KAN grid update (TrainConfig.KanGridUpdate) of every surrogate on its LF points (each member's, `sources` one
/// list per member) and every nonlinear encoder on the scaled HF points xH [E, N, d_H]; other block families are
/// returned unchanged. `trainedSurrogates`: the surrogates came pre-trained (their grids were updated then).
let regridSources (spec: EmulatorSpec) (sources: SourceSpec list[]) (trainedSurrogates: bool) (m: Emulator) (xH: Tensor) =
    let encoderBlock = match spec.Encoding with NonlinearEncoding b -> Some b | _ -> None
    let links =
        m.Sources
        |> List.mapi (fun i link ->
            let surrogate =
                match sources[0][i], link.Surrogate with
                | Learned _, Some sp when not trainedSurrogates ->
                    let xs = sources |> Array.map (fun s -> match s[i] with Learned(_, _, x, _) -> x | Exact _ -> [||])
                    Some(Block.updateGrid spec.Surrogate sp (inputTensorMembers spec.Precision link.InputScale xs))
                | _ -> link.Surrogate
            let encoder =
                match encoderBlock, link.Encoder with
                | Some b, Some ep -> Some(Block.updateGrid b ep xH)
                | _ -> link.Encoder
            { link with Surrogate = surrogate; Encoder = encoder })
    { m with Sources = links }
