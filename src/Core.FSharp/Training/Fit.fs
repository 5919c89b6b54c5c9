/// Training is a function from configuration and data to a result record.
module Emulators.Fit

open System.Diagnostics
open TorchSharp
open Emulators.Tensors

let private validateHf (box: Box) (hf: HfData) =
    if hf.X.Length <> hf.Y.Length then
        Errors.fail "HF data: %d input rows but %d outputs" hf.X.Length hf.Y.Length
    if hf.X.Length < 2 then Errors.fail "HF data: at least 2 points are needed (got %d)" hf.X.Length
    Errors.requireMatrix "HF inputs" box.Dim hf.X
    Errors.requireFinite "HF outputs" hf.Y

let private validateSource (src: SourceSpec) =
    match src with
    | Exact f -> if System.String.IsNullOrWhiteSpace f.Name then Errors.fail "an LF source needs a name"
    | Learned(name, box, x, y) ->
        if x.Length <> y.Length then Errors.fail "LF source '%s': %d input rows but %d outputs" name x.Length y.Length
        if x.Length < 2 then Errors.fail "LF source '%s': at least 2 points are needed (got %d)" name x.Length
        let d = match box with Some b -> b.Dim | None -> x[0].Length
        Errors.requireMatrix (sprintf "LF source '%s' inputs" name) d x
        Errors.requireFinite (sprintf "LF source '%s' outputs" name) y

/// Tensors of one data set in a link's scaled coordinates: x [E, N, d] and standardized y [1, N, 1].
let private dataTensors (p: Precision) (members: int) (inScale: Affine1) (outScale: Affine1) (x: float[][]) (y: float[]) =
    use _ = torch.no_grad ()
    let xs = (Affine1.apply inScale (Tensors.ofRows p x)).unsqueeze(0).expand(int64 members, -1L, -1L).contiguous()
    let ys = (Affine1.apply outScale ((Tensors.ofVector p y).unsqueeze(-1))).unsqueeze(0)
    xs.DetachFromDisposeScope(), ys.DetachFromDisposeScope()

/// Train a multi-fidelity emulator (or, with no sources, the single-fidelity network) on HF data and LF sources.
/// `seeds` holds one seed per ensemble member; members train as one batched computation.
let fit (cfg: TrainConfig) (spec: EmulatorSpec) (hfBox: Box) (hf: HfData) (sources: SourceSpec list) (seeds: int[]) : FitResult =
    validateHf hfBox hf
    sources |> List.iter validateSource
    for src in sources do
        match src with
        | Exact f when not f.Differentiable && spec.Encoding <> NoEncoding ->
            Errors.fail "LF source '%s' is a black-box function, which cannot pass gradients to an encoder: use encoding none, or learned LF information" f.Name
        | _ -> ()
    match sources |> List.countBy (function Exact f -> f.Name | Learned(n, _, _, _) -> n) |> List.tryFind (fun (_, c) -> c > 1) with
    | Some(n, _) -> Errors.fail "two LF sources are named '%s'" n
    | None -> ()
    if cfg.Lambda < 0.0 then Errors.fail "the penalty lambda must be non-negative (got %g)" cfg.Lambda
    let clock = Stopwatch.StartNew()
    let m = Emulator.create spec hfBox hf.Y sources seeds
    let e = m.Members
    let p = spec.Precision
    let xH, yH = dataTensors p e m.InputScale m.OutputScale hf.X hf.Y
    let hfTerm = Loss.mse "hf" (fun () -> Emulator.forwardScaled m xH) yH
    let penalty = Loss.l2 "penalty" cfg.Lambda (Block.weights spec.Correlation m.Nonlinear)
    // LF data terms, one per learned source.
    let lfTerms =
        List.zip sources m.Sources
        |> List.choose (fun (src, link) ->
            match src, link.Surrogate with
            | Learned(name, _, x, y), Some sp ->
                let xL, yL = dataTensors p e link.InputScale link.OutputScale x y
                Some(sp, Loss.mse ("lf:" + name) (fun () -> Block.apply spec.Surrogate sp xL) yL)
            | _ -> None)
    let surrogateParams = lfTerms |> List.collect (fun (sp, _) -> Params.tensors sp)
    let correlationParams =
        [ for s in m.Sources do
              match s.Encoder with
              | Some ep -> yield! Params.tensors ep
              | None -> ()
          match m.Linear with
          | Some lp -> yield! Params.tensors lp
          | None -> ()
          yield! Params.tensors m.Nonlinear ]
    let stages =
        match cfg.Strategy with
        | PretrainFreeze ->
            let pre =
                lfTerms
                |> List.mapi (fun i (sp, term) -> Stage.run cfg (sprintf "surrogate %d" i) cfg.SurrogateSchedule e (Params.tensors sp) term)
            // Frozen surrogates: no gradient is asked of them any more.
            for t in surrogateParams do t.requires_grad_(false) |> ignore
            let main = Stage.run cfg "correlation" cfg.Schedule e correlationParams (hfTerm + penalty)
            for t in surrogateParams do t.requires_grad_(true) |> ignore
            pre @ [ main ]
        | EndToEnd ->
            let lfLoss = lfTerms |> List.map snd |> List.fold (+) Loss.Zero
            [ Stage.run cfg "end-to-end" cfg.Schedule e (surrogateParams @ correlationParams) (lfLoss + hfTerm + penalty) ]
    { Emulator = m
      History = stages |> List.collect fst
      Stages = stages |> List.map snd
      Seconds = clock.Elapsed.TotalSeconds }
