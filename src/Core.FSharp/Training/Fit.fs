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
            |> List.tryFind (fun (_, t) -> not (Tensors.allFinite t))
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

let private sourceName = function Exact f -> f.Name | Learned(n, _, _, _) -> n

/// Members with their own data must agree on everything the shared network structure depends on.
let private validateMemberData (data: MemberData[]) =
    let d0 = data[0]
    let n = d0.Hf.X.Length
    let boxOf = function Learned(_, Some b, _, _) -> Some b | Learned(_, None, x, _) -> Some(Box.ofRows x) | Exact _ -> None
    data |> Array.iteri (fun e d ->
        if d.Hf.X.Length <> n then
            Errors.fail "member data: member %d has %d HF points but member 0 has %d (members must have as many)" e d.Hf.X.Length n
        if d.Sources.Length <> d0.Sources.Length then
            Errors.fail "member data: member %d has %d LF sources but member 0 has %d" e d.Sources.Length d0.Sources.Length
        for i, (a, b) in List.indexed (List.zip d0.Sources d.Sources) do
            match a, b with
            | Exact f, Exact g when f.Name = g.Name -> ()
            | Learned(na, _, xa, _), Learned(nb, _, xb, _) when na = nb ->
                if xa.Length <> xb.Length then
                    Errors.fail "member data: LF source '%s' has %d points in member %d but %d in member 0" na xb.Length e xa.Length
                if boxOf a <> boxOf b then
                    Errors.fail "member data: LF source '%s' has another input box in member %d than in member 0 (give the box)" na e
            | _ -> Errors.fail "member data: LF source %d of member %d ('%s') is not the same kind of source as member 0's ('%s')" i e (sourceName b) (sourceName a)
        match d.Surrogates with
        | Some ts ->
            let learnedNames = d.Sources |> List.choose (function Learned(n, _, _, _) -> Some n | Exact _ -> None)
            if (ts |> List.map (fun t -> t.Source)) <> learnedNames then
                Errors.fail "member data: member %d's pre-trained surrogates (%s) do not match its learned sources (%s)" e
                    (ts |> List.map (fun t -> t.Source) |> String.concat ", ") (String.concat ", " learnedNames)
        | None -> ())
    if data |> Array.exists (fun d -> d.Surrogates.IsSome <> d0.Surrogates.IsSome) then
        Errors.fail "member data: either every member or none brings pre-trained surrogates"

/// Everything a fit is given, checked before any tensor is made: options, data and sizes (Validate), the members'
/// agreement, and the sources' names and kinds.
let private validate (cfg: TrainConfig) (spec: EmulatorSpec) (hfBox: Box) (data: MemberData[]) (seeds: int[]) =
    if data.Length <> seeds.Length then Errors.fail "member data: %d data sets for %d ensemble members (one per seed)" data.Length seeds.Length
    if seeds.Length < 1 then Errors.fail "an emulator needs at least one member (seed)"
    let distinctData = data |> Array.fold (fun acc d -> if acc |> List.exists (fun o -> obj.ReferenceEquals(o, d)) then acc else d :: acc) []
    for d in distinctData do
        Validate.fit cfg spec hfBox d.Hf d.Sources seeds.Length
    validateMemberData data
    let sources = data[0].Sources
    for src in sources do
        match src with
        | Exact f when not f.Differentiable && spec.Encoding <> NoEncoding ->
            Errors.fail "LF source '%s' is a black-box function, which cannot pass gradients to an encoder: use encoding none, or learned LF information" f.Name
        | _ -> ()
    match sources |> List.countBy sourceName |> List.tryFind (fun (_, c) -> c > 1) with
    | Some(n, _) -> Errors.fail "two LF sources are named '%s'" n
    | None -> ()

/// A member trained on a subset (or its own data) standardizes its outputs with that data's statistics, as it would
/// alone.
let private withMemberScales (cfg: TrainConfig) (hfs: HfData[]) (m: Emulator) =
    let sharedHf = hfs |> Array.forall (fun h -> obj.ReferenceEquals(h, hfs[0]))
    match cfg.MemberHfMask with
    | Some mask ->
        let scales = Array.init m.Members (fun k -> Affine1.standardizeWeighted mask[k] hfs[k].Y)
        { m with OutputScale = scales[0]; MemberOutputScales = Some scales }
    | None when not sharedHf ->
        let scales = hfs |> Array.map (fun h -> Affine1.standardize h.Y)
        { m with OutputScale = scales[0]; MemberOutputScales = Some scales }
    | None -> m

/// Every member's HF inputs in network coordinates [E, N, d] and standardized targets [E, N, 1].
let private targets (m: Emulator) (hfs: HfData[]) =
    let p = m.Spec.Precision
    let e = m.Members
    let sharedHf = hfs |> Array.forall (fun h -> obj.ReferenceEquals(h, hfs[0]))
    let xs = Surrogates.inputTensorMembers p m.InputScale (hfs |> Array.map (fun h -> h.X))
    use _ = torch.no_grad ()
    match m.MemberOutputScales with
    | None ->
        // one target row per member, so the fused MSE needs no broadcast
        use ys = (Affine1.apply m.OutputScale ((Tensors.ofVector p hfs[0].Y).unsqueeze(-1))).unsqueeze(0)
        xs, ys.expand(int64 e, -1L, -1L).contiguous().DetachFromDisposeScope()
    | Some scales ->
        let column (f: Affine1 -> float) = Tensors.create (scales |> Array.map f) [| int64 e; 1L; 1L |] (scalarType p)
        use y =
            if sharedHf then (Tensors.ofVector p hfs[0].Y).unsqueeze(-1).unsqueeze(0)
            else Tensors.create (hfs |> Array.collect (fun h -> h.Y)) [| int64 e; int64 hfs[0].Y.Length; 1L |] (scalarType p)
        use shift = column (fun s -> s.Shift[0])
        use scale = column (fun s -> s.Scale[0])
        xs, ((y - shift) / scale).DetachFromDisposeScope()

/// Pre-trained surrogates in place of the fresh ones (which were still drawn, so every other parameter starts where
/// it would without them).
let private withPretrained (data: MemberData[]) (m: Emulator) =
    let perLearned = data |> Array.map (fun d -> Array.ofList d.Surrogates.Value)
    let links, _ =
        m.Sources
        |> List.mapFold (fun k link ->
            match link.Surrogate with
            | Some _ ->
                let mine = perLearned |> Array.map (fun ts -> ts[k])
                for _, t in link.Surrogate.Value do t.Dispose()
                { link with Surrogate = Some(Surrogates.stackTrained mine); OutputScale = mine[0].OutputScale }, k + 1
            | None -> link, k) 0
    { m with Sources = links }

/// F_nl's grid update on the HF features, once the surrogates it reads are trained (or at the start end to end).
let private regridCorrelation (cfg: TrainConfig) (xH: Tensor) (m: Emulator) =
    if not cfg.KanGridUpdate then m
    else
        use _ = torch.NewDisposeScope()
        let u = (use _ = torch.no_grad () in Emulator.features m xH)
        { m with Nonlinear = Block.updateGrid m.Spec.Correlation m.Nonlinear u }

/// The HF term. When nothing upstream of F_l and F_nl trains (no encoders; LF exact or frozen), the features
/// u = [x, y_L] are constants: computed once instead of at every step.
let private hfTerm (cfg: TrainConfig) (xH: Tensor) (yH: Tensor) (m: Emulator) (frozenSurrogates: bool) =
    let constant = m.Sources |> List.forall (fun s -> s.Encoder.IsNone && (s.Exact.IsSome || frozenSurrogates))
    let u =
        lazy
            (use _ = torch.no_grad ()
             (Emulator.features m xH).detach().DetachFromDisposeScope())
    let forward =
        if constant then fun () -> Emulator.forwardFeatures m (u.Force())
        else fun () -> Emulator.forwardScaled m xH
    let e, n, p = m.Members, xH.shape[1], m.Spec.Precision
    use _ = torch.no_grad ()
    match cfg.MemberHfMask with
    | None -> Loss.mse "hf" forward yH
    | Some mask ->
        let w = Tensors.create (Array.concat mask) [| int64 e; n; 1L |] (scalarType p)
        let sums = Tensors.create (mask |> Array.map Array.sum) [| int64 e |] (scalarType p)
        Loss.weightedMse "hf" forward yH (w.DetachFromDisposeScope()) (sums.DetachFromDisposeScope())

let private encoderParams (m: Emulator) = m.Sources |> List.collect (fun s -> match s.Encoder with Some ep -> Params.tensors ep | None -> [])

/// F_nl's L2 penalty (one λ, or one per member) and the encoders' pull towards their start (`anchors`).
let private penalty (cfg: TrainConfig) (encoders: Tensor list) (anchors: Tensor list) (m: Emulator) =
    let weights = Block.weights m.Spec.Correlation m.Nonlinear
    let l2 =
        match cfg.MemberLambdas with
        | None -> Loss.l2 "penalty" cfg.Lambda weights
        | Some ls -> Loss.l2Members "penalty" ls weights
    l2 + Loss.anchoredTo "encoder-penalty" cfg.EncoderLambda encoders anchors

/// What the HF stage trains: the encoders, F_l and F_nl.
let private correlationParams (encoders: Tensor list) (m: Emulator) =
    [ yield! encoders
      match m.Linear with
      | Some lp -> yield! Params.tensors lp
      | None -> ()
      yield! Params.tensors m.Nonlinear ]

/// What both strategies are given: the model before its last grid update, the HF inputs and targets, each
/// member's sources, the learned sources with their data, and the per-member learning rates.
type private Prepared =
    { Model: Emulator
      XH: Tensor
      YH: Tensor
      MemberSources: SourceSpec list[]
      Learned: (Params * SourceLink * string * Surrogates.LfData[]) list
      LearningRates: float[]
      /// Members the L-BFGS batch keeps a multiple of as it drops stopped ones (rowMultiple).
      RowMultiple: int
      /// The stages of pre-trained surrogates (member 0's, for the record); empty when the fit trains them.
      Pretrained: (HistoryEntry list * StageSummary) list }

/// What a stage trains and the loss it minimises, made from the per-member options, each member's sources, the
/// model, the HF inputs and targets and the encoders' anchors: for the whole ensemble, or for some of its members.
type private StageBuilder = TrainConfig -> SourceSpec list[] -> Emulator -> Tensor -> Tensor -> Tensor list -> Tensor list * Loss

/// Rows `members` of a tensor with the member axis first, copied.
let private rowsOf (members: int[]) (t: Tensor) =
    use _ = torch.no_grad ()
    use idx = Tensors.indices members
    t.index_select(0L, idx).DetachFromDisposeScope()

/// The stage of `build` over members `members` alone, from copies of their rows (Stage.runWith's subset): what
/// lets L-BFGS drop members that have stopped.
let private subsetOf (build: StageBuilder) (cfg: TrainConfig) (pr: Prepared) (m: Emulator) (anchors: Tensor list) (members: int[]) =
    let ms = Emulator.selectMembers members m
    let xs, ys = rowsOf members pr.XH, rowsOf members pr.YH
    let anchorRows = anchors |> List.map (rowsOf members)
    let trainable, loss =
        build (TrainConfig.selectMembers members cfg) (members |> Array.map (fun e -> pr.MemberSources[e])) ms xs ys anchorRows
    let release () =
        for _, t in Emulator.parameters ms do t.Dispose()
        for t in xs :: ys :: anchorRows do t.Dispose()
    trainable, loss, release

/// Members a batch must come in multiples of for each member's numbers not to depend on its row in the batch; 1
/// without KAN blocks. A KAN's SiLU uses libtorch's sigmoid, whose vectorised and scalar kernels differ in the last
/// bit for about 3 % of inputs (tanh, sin, cos and exp do not; measured), and the last (count mod step) values of
/// a batch take the scalar kernel, step = two 64-byte vectors (16 float64 values). Per member the sigmoid sees
/// N × (a layer's inputs) values, N the points of a term (`pointCounts`: HF, and LF when the LF terms train), so a
/// batch of k members has no remainder when k · gcd(N…) is a multiple of the step. Batches of such multiples (two
/// or more) give every member the same bits; others can differ in a KAN member's last bits by its row.
let rowMultiple (spec: EmulatorSpec) (pointCounts: int list) =
    let isKan = function KanBlock _ -> true | _ -> false
    let kan =
        isKan spec.Correlation || isKan spec.Surrogate
        || (match spec.Encoding with NonlinearEncoding b -> isKan b | _ -> false)
    if not kan then 1
    else
        let step = 128 / (match spec.Precision with Tensors.Float64 -> 8 | Tensors.Float32 -> 4)
        let rec gcd a b = if b = 0 then a else gcd b (a % b)
        step / gcd step (pointCounts |> List.fold gcd 0)

/// `rowMultiple` of a fit with `cfg` on members with the data of `data`: its HF points, and end to end the
/// learned sources' LF points.
let rowMultipleFor (cfg: TrainConfig) (spec: EmulatorSpec) (data: MemberData) =
    let lf =
        match cfg.Strategy with
        | EndToEnd -> data.Sources |> List.choose (function Learned(_, _, x, _) -> Some x.Length | Exact _ -> None)
        | PretrainFreeze -> []
    rowMultiple spec (data.Hf.X.Length :: lf)

/// The stage of `build` over the whole ensemble, run as `Stage.runWith` (with its subsets for L-BFGS, in batches of
/// a multiple of pr.RowMultiple members).
let private runStage (hooks: RunHooks) (name: string) (build: StageBuilder) (cfg: TrainConfig) (pr: Prepared) (m: Emulator) =
    let anchors = Loss.anchorsOf (encoderParams m)
    let trainable, loss = build cfg pr.MemberSources m pr.XH pr.YH anchors
    let result = Stage.runWith hooks name cfg.Schedule pr.LearningRates trainable loss (Some(subsetOf build cfg pr m anchors)) pr.RowMultiple
    for t in anchors do t.Dispose()
    result

/// The correlation stage with frozen surrogates: the encoders, F_l and F_nl on the HF term and penalty.
let private correlationStage: StageBuilder =
    fun cfg _ m xH yH anchors ->
        let encoders = encoderParams m
        correlationParams encoders m, hfTerm cfg xH yH m true + penalty cfg encoders anchors m

/// Pre-train each LF surrogate, freeze it, then train the encoders, F_l and F_nl on the HF term and penalty.
let private pretrainAndFreeze (hooks: RunHooks) (cfg: TrainConfig) (spec: EmulatorSpec) (seeds: int[]) (pr: Prepared) =
    // Progress names each stage for the user: LF surrogate k of n, then the correlation stage.
    let stages = pr.Learned.Length + 1
    let named name index = RunHooks.stage name index stages hooks
    let pre =
        if not pr.Pretrained.IsEmpty then pr.Pretrained
        else
            pr.Learned
            |> List.mapi (fun i src ->
                Surrogates.pretrain (named (sprintf "LF surrogate %d of %d" (i + 1) pr.Learned.Length) (i + 1)) cfg spec.Surrogate spec.Precision seeds i src)
    let surrogateParams = pr.Learned |> List.collect (fun (sp, _, _, _) -> Params.tensors sp)
    // Frozen surrogates: no gradient is asked of them any more.
    for t in surrogateParams do t.requires_grad_(false) |> ignore
    let m = regridCorrelation cfg pr.XH pr.Model
    let main = runStage (named "correlation" stages) "correlation" correlationStage cfg pr m
    for t in surrogateParams do t.requires_grad_(true) |> ignore
    m, pre @ [ main ]

/// Everything at once: the surrogates on their LF terms, the encoders, F_l and F_nl on the HF term and penalty.
let private endToEndStage (spec: EmulatorSpec) : StageBuilder =
    fun cfg sources m xH yH anchors ->
        let learned = Surrogates.learned sources m
        let lfLoss =
            learned
            |> List.map (fun (sp, link, name, lf) -> Surrogates.lfTerm spec.Surrogate spec.Precision sp link.InputScale name lf)
            |> List.fold (+) Loss.Zero
        let surrogateParams = learned |> List.collect (fun (sp, _, _, _) -> Params.tensors sp)
        let encoders = encoderParams m
        surrogateParams @ correlationParams encoders m, lfLoss + hfTerm cfg xH yH m false + penalty cfg encoders anchors m

/// Train everything at once on the LF terms, the HF term and the penalty.
let private endToEnd (hooks: RunHooks) (cfg: TrainConfig) (spec: EmulatorSpec) (pr: Prepared) =
    let m = regridCorrelation cfg pr.XH pr.Model
    m, pr.Pretrained @ [ runStage hooks "end-to-end" (endToEndStage spec) cfg pr m ]

/// Train a multi-fidelity emulator (or, with no sources, the single-fidelity network), member e of the ensemble on
/// its own data data[e] (HF points, LF sources, optionally pre-trained surrogates), with seeds[e]. Members train as
/// one batched computation; each member's numbers are those it gets when the other members have the same data as
/// it, up to batched kernels (with MKL's strict reproducibility, bit for bit; a KAN's in batches of a multiple of
/// rowMultiple members). Members may also differ in learning
/// rate, penalty and HF subset (TrainConfig.MemberLearningRates, MemberLambdas, MemberHfMask). The emulator's
/// source links carry member 0's LF standardization (learned sources: the standardization member 0's surrogate was
/// trained in; a member's surrogate output enters F_nl in its own standardized units, so predictions do not use it).
/// `hooks` report the progress, log the loss terms and may cancel; the numbers do not depend on them.
let fitMembersWith (hooks: RunHooks) (cfg: TrainConfig) (spec: EmulatorSpec) (hfBox: Box) (data: MemberData[]) (seeds: int[]) : FitResult =
    validate cfg spec hfBox data seeds
    let d0 = data[0]
    let clock = Stopwatch.StartNew()
    let hfs = data |> Array.map (fun d -> d.Hf)
    let m = Emulator.create spec hfBox d0.Hf.Y d0.Sources seeds |> withMemberScales cfg hfs
    let xH, yH = targets m hfs
    let memberSources = data |> Array.map (fun d -> d.Sources)
    let trained = d0.Surrogates.IsSome
    let m = if trained then withPretrained data m else m
    // KAN grid update of the LF surrogates (on their LF points) and encoders (on the HF points), before they train.
    let m = if cfg.KanGridUpdate then Surrogates.regridSources spec memberSources trained m xH else m
    let prepared =
        { Model = m
          XH = xH
          YH = yH
          MemberSources = memberSources
          Learned = Surrogates.learned memberSources m
          LearningRates = cfg.MemberLearningRates |> Option.defaultValue (Array.create m.Members cfg.Schedule.LearningRate)
          RowMultiple = rowMultipleFor cfg spec d0
          Pretrained =
            match d0.Surrogates with
            | Some ts -> ts |> List.mapi (fun i t -> t.History, { t.Stage with Stage = sprintf "surrogate %d (pre-trained)" i })
            | None -> [] }
    let m, stages =
        match cfg.Strategy with
        | PretrainFreeze -> pretrainAndFreeze hooks cfg spec seeds prepared
        | EndToEnd -> endToEnd hooks cfg spec prepared
    requireConverged cfg m (List.map snd stages)
    { Emulator = m
      History = stages |> List.collect fst
      Stages = stages |> List.map snd
      Seconds = clock.Elapsed.TotalSeconds }

/// `fitMembersWith` with the default hooks (RunHooks.defaults: no progress, no cancellation).
let fitMembers (cfg: TrainConfig) (spec: EmulatorSpec) (hfBox: Box) (data: MemberData[]) (seeds: int[]) : FitResult =
    fitMembersWith RunHooks.defaults cfg spec hfBox data seeds

/// Train a multi-fidelity emulator (or, with no sources, the single-fidelity network) on HF data and LF sources.
/// `seeds` holds one seed per ensemble member; members train as one batched computation. Members may differ in
/// learning rate, penalty and HF subset (TrainConfig.MemberLearningRates, MemberLambdas, MemberHfMask); with
/// Adam alone, member e then ends where a lone model with its seed, learning rate, λ and subset ends, up to
/// round-off; the L-BFGS polish runs all members in lockstep, each with its own line search (see Optim/Lbfgs.fs).
/// `hooks` report the progress, log the loss terms and may cancel; the numbers do not depend on them.
let fitWith (hooks: RunHooks) (cfg: TrainConfig) (spec: EmulatorSpec) (hfBox: Box) (hf: HfData) (sources: SourceSpec list) (seeds: int[]) : FitResult =
    let shared = { Hf = hf; Sources = sources; Surrogates = None }
    fitMembersWith hooks cfg spec hfBox (Array.create seeds.Length shared) seeds

/// `fitWith` with the default hooks (RunHooks.defaults: no progress, no cancellation).
let fit (cfg: TrainConfig) (spec: EmulatorSpec) (hfBox: Box) (hf: HfData) (sources: SourceSpec list) (seeds: int[]) : FitResult =
    fitWith RunHooks.defaults cfg spec hfBox hf sources seeds
