/// Training is a function from configuration and data to a result record.
module Emulators.Core.Fit

open System.Diagnostics
open TorchSharp
open Emulators.Core.Tensors

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

/// Check the per-member options of the configuration against the number of members and HF points.
let private validateMembers (cfg: TrainConfig) (members: int) (nHf: int) =
    let perMember (what: string) (n: int) =
        if n <> members then Errors.fail "%s: %d values for %d ensemble members (one per seed)" what n members
    match cfg.MemberLearningRates with
    | Some lrs ->
        perMember "member learning rates" lrs.Length
        lrs |> Array.iteri (fun i v ->
            if not (v > 0.0) || System.Double.IsInfinity v then Errors.fail "member learning rates: value %g of member %d is not a positive number" v i)
    | None -> ()
    match cfg.MemberLambdas with
    | Some ls ->
        perMember "member lambdas" ls.Length
        ls |> Array.iteri (fun i v ->
            if not (v >= 0.0) || System.Double.IsInfinity v then Errors.fail "member lambdas: the penalty lambda of member %d must be non-negative (got %g)" i v)
    | None -> ()
    match cfg.MemberHfMask with
    | Some mask ->
        perMember "member HF mask" mask.Length
        mask |> Array.iteri (fun e row ->
            if row.Length <> nHf then Errors.fail "member HF mask: row %d has %d weights but there are %d HF points" e row.Length nHf
            row |> Array.iteri (fun j w ->
                if not (w >= 0.0) || System.Double.IsInfinity w then
                    Errors.fail "member HF mask: weight %g of member %d at HF point %d is not a non-negative number" w e j)
            let used = row |> Array.filter (fun w -> w > 0.0) |> Array.length
            if used < 2 then Errors.fail "member HF mask: member %d uses %d HF points; at least 2 are needed" e used)
    | None -> ()

/// Train a multi-fidelity emulator (or, with no sources, the single-fidelity network) on HF data and LF sources.
/// `seeds` holds one seed per ensemble member; members train as one batched computation. Members may differ in
/// learning rate, penalty and HF subset (TrainConfig.MemberLearningRates, MemberLambdas, MemberHfMask); with
/// Adam alone, member e then ends where a lone model with its seed, learning rate, λ and subset ends, up to
/// round-off. The L-BFGS polish runs member by member (see Stage.runWith).
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
    if not (cfg.EncoderLambda >= 0.0) || System.Double.IsInfinity cfg.EncoderLambda then
        Errors.fail "the encoder penalty must be a non-negative number (got %g)" cfg.EncoderLambda
    validateMembers cfg seeds.Length hf.X.Length
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
            // Progress names each stage for the user: LF surrogate k of n, then the correlation stage.
            let stages = learnedSources.Length + 1
            let named name index = { cfg with Report = ProgressReport.stage name index stages cfg.Report }
            let pre =
                learnedSources
                |> List.mapi (fun i src ->
                    Surrogates.pretrain (named (sprintf "LF surrogate %d of %d" (i + 1) learnedSources.Length) (i + 1)) spec.Surrogate p seeds i src)
            // Frozen surrogates: no gradient is asked of them any more.
            for t in surrogateParams do t.requires_grad_(false) |> ignore
            let m = regridCorrelation m
            let main = Stage.runWith (named "correlation" stages) "correlation" cfg.Schedule learningRates (correlationParams m) (hfTerm m true + penalty m)
            for t in surrogateParams do t.requires_grad_(true) |> ignore
            m, pre @ [ main ]
        | EndToEnd ->
            let m = regridCorrelation m
            let lfLoss =
                learnedSources
                |> List.map (fun (sp, link, name, x, y) -> Surrogates.lfTerm spec.Surrogate p e sp link name x y)
                |> List.fold (+) Loss.Zero
            m, [ Stage.runWith cfg "end-to-end" cfg.Schedule learningRates (surrogateParams @ correlationParams m) (lfLoss + hfTerm m false + penalty m) ]
    { Emulator = m
      History = stages |> List.collect fst
      Stages = stages |> List.map snd
      Seconds = clock.Elapsed.TotalSeconds }
