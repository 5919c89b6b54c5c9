/// Training is a function from configuration and data to a result record.
module Emulators.Core.Fit

open System.Diagnostics
open TorchSharp
open Emulators.Core.Tensors

/// Stop a fit whose loss or parameters became NaN or infinite, naming the stage and the first bad parameter, so
/// that no non-finite model is ever returned (and saved). A batch of differently configured members (their own
/// learning rates, penalties or HF subsets: a cross-validation or search batch) is exempt: there a diverged member
/// is a result, scored as infinitely bad by the caller, not a failure of the whole batch.
let private requireConverged (cfg: TrainConfig) (m: Emulator) (stages: StageSummary list) =
    let search = cfg.MemberLearningRates.IsSome || cfg.MemberLambdas.IsSome || cfg.MemberHfMask.IsSome
    if not search then
        let badStage = stages |> List.tryFind (fun s -> System.Double.IsNaN s.FinalLoss || System.Double.IsInfinity s.FinalLoss)
        let badParam =
            Emulator.parameters m
            |> List.tryFind (fun (_, t) ->
                use _ = torch.no_grad ()
                use ok = torch.isfinite(t).all()
                not (ok.ToBoolean()))
        match badStage, badParam with
        | None, None -> ()
        | stage, param ->
            let where =
                match stage with
                | Some s -> sprintf "the loss of stage '%s' became %g" s.Stage s.FinalLoss
                | None -> "the loss stayed finite"
            let what = match param with Some(n, _) -> sprintf ", parameter '%s' is not finite" n | None -> ""
            Errors.fail "training diverged: %s%s. Lower the learning rate (%g) or the penalty lambda (%g), or rescale the data"
                where what cfg.Schedule.LearningRate cfg.Lambda

/// Train a multi-fidelity emulator (or, with no sources, the single-fidelity network) on HF data and LF sources.
/// `seeds` holds one seed per ensemble member; members train as one batched computation. Members may differ in
/// learning rate, penalty and HF subset (TrainConfig.MemberLearningRates, MemberLambdas, MemberHfMask); with
/// Adam alone, member e then ends where a lone model with its seed, learning rate, λ and subset ends, up to
/// round-off. The L-BFGS polish runs member by member (see Stage.runWith).
let fit (cfg: TrainConfig) (spec: EmulatorSpec) (hfBox: Box) (hf: HfData) (sources: SourceSpec list) (seeds: int[]) : FitResult =
    Validate.fit cfg spec hfBox hf sources seeds.Length
    for src in sources do
        match src with
        | Exact f when not f.Differentiable && spec.Encoding <> NoEncoding ->
            Errors.fail "LF source '%s' is a black-box function, which cannot pass gradients to an encoder: use encoding none, or learned LF information" f.Name
        | _ -> ()
    match sources |> List.countBy (function Exact f -> f.Name | Learned(n, _, _, _) -> n) |> List.tryFind (fun (_, c) -> c > 1) with
    | Some(n, _) -> Errors.fail "two LF sources are named '%s'" n
    | None -> ()
    let clock = Stopwatch.StartNew()
    let m0 = Emulator.create spec hfBox hf.Y sources seeds
    let e = m0.Members
    let p = spec.Precision
    // A member trained on a subset standardizes its outputs with that subset's statistics, as it would alone.
    let m =
        match cfg.MemberHfMask with
        | Some mask ->
            let scales = mask |> Array.map (fun w -> Affine1.standardizeWeighted w hf.Y)
            { m0 with OutputScale = scales[0]; MemberOutputScales = Some scales }
        | None -> m0
    let xH, yH =
        let xs = Surrogates.inputTensor p e m.InputScale hf.X
        use _ = torch.no_grad ()
        match m.MemberOutputScales with
        | None ->
            // one target row per member, so the fused MSE needs no broadcast
            use ys = (Affine1.apply m.OutputScale ((Tensors.ofVector p hf.Y).unsqueeze(-1))).unsqueeze(0)
            xs, ys.expand(int64 e, -1L, -1L).contiguous().DetachFromDisposeScope()
        | Some scales ->
            let column (f: Affine1 -> float) = Tensors.create (scales |> Array.map f) [| int64 e; 1L; 1L |] (scalarType p)
            use y = (Tensors.ofVector p hf.Y).unsqueeze(-1).unsqueeze(0)
            use shift = column (fun s -> s.Shift[0])
            use scale = column (fun s -> s.Scale[0])
            xs, ((y - shift) / scale).DetachFromDisposeScope()
    // KAN grid update of the LF surrogates (on their LF points) and encoders (on the HF points), before they train.
    let m = if cfg.KanGridUpdate then Surrogates.regridSources spec sources m xH else m
    // F_nl's grid update on the HF features, once the surrogates it reads are trained (or at the start end to end).
    let regridCorrelation (m: Emulator) =
        if not cfg.KanGridUpdate then m
        else
            use _ = torch.NewDisposeScope()
            let u = (use _ = torch.no_grad () in Emulator.features m xH)
            { m with Nonlinear = Block.updateGrid spec.Correlation m.Nonlinear u }
    // HF term. When nothing upstream of F_l and F_nl trains (no encoders; LF exact or frozen), the features
    // u = [x, y_L] are constants: compute them once instead of at every step.
    let hfTerm (m: Emulator) (frozenSurrogates: bool) =
        let constant = m.Sources |> List.forall (fun s -> s.Encoder.IsNone && (s.Exact.IsSome || frozenSurrogates))
        let u =
            lazy
                (use _ = torch.no_grad ()
                 (Emulator.features m xH).detach().DetachFromDisposeScope())
        let forward =
            if constant then fun () -> Emulator.forwardFeatures m (u.Force())
            else fun () -> Emulator.forwardScaled m xH
        let n = hf.X.Length
        use _ = torch.no_grad ()
        match cfg.MemberHfMask with
        | None -> Loss.mse "hf" forward yH
        | Some mask ->
            let w = Tensors.create (Array.concat mask) [| int64 e; int64 n; 1L |] (scalarType p)
            let sums = Tensors.create (mask |> Array.map Array.sum) [| int64 e |] (scalarType p)
            Loss.weightedMse "hf" forward yH (w.DetachFromDisposeScope()) (sums.DetachFromDisposeScope())
    let encoderParams = m.Sources |> List.collect (fun s -> match s.Encoder with Some ep -> Params.tensors ep | None -> [])
    let penalty (m: Emulator) =
        let weights = Block.weights spec.Correlation m.Nonlinear
        let l2 =
            match cfg.MemberLambdas with
            | None -> Loss.l2 "penalty" cfg.Lambda weights
            | Some ls -> Loss.l2Members "penalty" ls weights
        l2 + Loss.anchored "encoder-penalty" cfg.EncoderLambda encoderParams
    let learningRates = cfg.MemberLearningRates |> Option.defaultValue (Array.create e cfg.Schedule.LearningRate)
    let learnedSources = Surrogates.learned sources m
    let surrogateParams = learnedSources |> List.collect (fun (sp, _, _, _, _) -> Params.tensors sp)
    let correlationParams (m: Emulator) =
        [ yield! encoderParams
          match m.Linear with
          | Some lp -> yield! Params.tensors lp
          | None -> ()
          yield! Params.tensors m.Nonlinear ]
    let m, stages =
        match cfg.Strategy with
        | PretrainFreeze ->
            let pre = learnedSources |> List.mapi (Surrogates.pretrain cfg spec.Surrogate p seeds)
            // Frozen surrogates: no gradient is asked of them any more.
            for t in surrogateParams do t.requires_grad_(false) |> ignore
            let m = regridCorrelation m
            let main = Stage.runWith cfg "correlation" cfg.Schedule learningRates (correlationParams m) (hfTerm m true + penalty m)
            for t in surrogateParams do t.requires_grad_(true) |> ignore
            m, pre @ [ main ]
        | EndToEnd ->
            let m = regridCorrelation m
            let lfLoss =
                learnedSources
                |> List.map (fun (sp, link, name, x, y) -> Surrogates.lfTerm spec.Surrogate p e sp link name x y)
                |> List.fold (+) Loss.Zero
            m, [ Stage.runWith cfg "end-to-end" cfg.Schedule learningRates (surrogateParams @ correlationParams m) (lfLoss + hfTerm m false + penalty m) ]
    requireConverged cfg m (List.map snd stages)
    { Emulator = m
      History = stages |> List.collect fst
      Stages = stages |> List.map snd
      Seconds = clock.Elapsed.TotalSeconds }
