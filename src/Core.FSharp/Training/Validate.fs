/// Every number a fit receives, checked where it enters: the training hyperparameters (schedules, penalties,
/// members, block sizes and family settings) and the data (finite, and small enough that scaling them stays
/// finite). `Fit.fit` calls `fit` first, so every path to a trained model (CLI, facade, selection, assessment)
/// goes through the same checks and messages.
module Emulators.Core.Validate

open System

/// The largest data magnitude a fit accepts. The networks see standardized outputs and inputs mapped to [-1, 1];
/// standardizing takes squares of deviations, so values beyond ~1e154 overflow float64, and float32 tensors hold
/// at most ~3.4e38. The bounds leave room for the arithmetic around them.
let maxMagnitude (p: Tensors.Precision) =
    match p with
    | Tensors.Float64 -> 1e150
    | Tensors.Float32 -> 1e30

let maxMembers = OptionSpec.maxMembers
/// Values of all members' parameters together (float64: 8 bytes each, times ~4 with Adam's state and gradients).
let maxParameterValues = 5e7

let private finite (v: float) = not (Double.IsNaN v || Double.IsInfinity v)

/// A block's values per member for dIn inputs and dOut outputs (a bound for the memory check, not exact).
let private blockValues (b: BlockSpec) (dIn: int) (dOut: int) =
    let dense depth width = float (max 0 (depth - 1)) * float width * float width + float (dIn + dOut + depth) * float width
    match b with
    | AffineBlock -> float ((dIn + 1) * dOut)
    | MlpBlock s -> dense s.Depth s.Width
    | SirenBlock s -> dense s.Depth s.Width
    | KanBlock s -> dense s.Depth s.Width * float (s.GridSize + s.SplineOrder + 1)

/// A block's size and family settings.
let block (what: string) (b: BlockSpec) =
    let pre = what + ": "
    let size depth width =
        OptionSpec.check pre OptionSpec.depth depth
        OptionSpec.check pre OptionSpec.width width
    match b with
    | AffineBlock -> ()
    | MlpBlock s -> size s.Depth s.Width
    | SirenBlock s ->
        size s.Depth s.Width
        OptionSpec.check pre OptionSpec.omega0 s.Omega0
    | KanBlock s ->
        size s.Depth s.Width
        OptionSpec.check pre OptionSpec.kanGridSize s.GridSize
        OptionSpec.check pre OptionSpec.kanSplineOrder s.SplineOrder
        if not (finite s.GridMin && finite s.GridMax && s.GridMax > s.GridMin && finite (s.GridMax - s.GridMin)) then
            Errors.fail "%s: the KAN grid range [%g, %g] must be finite and non-empty" what s.GridMin s.GridMax

/// `pre` prefixes the messages ("" for the main schedule).
let private schedule (pre: string) (s: Schedule) =
    OptionSpec.check pre OptionSpec.epochs s.AdamEpochs
    OptionSpec.check pre OptionSpec.lbfgsIterations s.LbfgsIterations
    OptionSpec.check pre OptionSpec.learningRate s.LearningRate

/// The training hyperparameters: schedules, penalties, members and the per-member settings, and the blocks of
/// the spec. `members` is the number of seeds, `nHf` the number of HF points.
let training (cfg: TrainConfig) (spec: EmulatorSpec) (members: int) (nHf: int) =
    OptionSpec.check "" OptionSpec.members members
    schedule "" cfg.Schedule
    schedule "LF-surrogate training: " cfg.SurrogateSchedule
    OptionSpec.check "" OptionSpec.lambda cfg.Lambda
    OptionSpec.check "" OptionSpec.encoderLambda cfg.EncoderLambda
    block "the correlation network" spec.Correlation
    block "the LF surrogates" spec.Surrogate
    match spec.Encoding with
    | NonlinearEncoding b -> block "the encoders" b
    | _ -> ()
    let perMember (what: string) (n: int) =
        if n <> members then Errors.fail "%s: %d values for %d ensemble members (one per seed)" what n members
    match cfg.MemberLearningRates with
    | Some lrs ->
        perMember "member learning rates" lrs.Length
        lrs |> Array.iteri (fun i v -> OptionSpec.check (sprintf "member learning rates: member %d: " i) OptionSpec.learningRate v)
    | None -> ()
    match cfg.MemberLambdas with
    | Some ls ->
        perMember "member lambdas" ls.Length
        ls |> Array.iteri (fun i v -> OptionSpec.check (sprintf "member lambdas: member %d: " i) OptionSpec.lambda v)
    | None -> ()
    match cfg.MemberHfMask with
    | Some mask ->
        perMember "member HF mask" mask.Length
        mask |> Array.iteri (fun e row ->
            if isNull row || row.Length <> nHf then
                Errors.fail "member HF mask: row %d has %d weights but there are %d HF points" e (if isNull row then 0 else row.Length) nHf
            row |> Array.iteri (fun j w ->
                if not (w >= 0.0) || Double.IsInfinity w then
                    Errors.fail "member HF mask: weight %g of member %d at HF point %d is not a non-negative number" w e j)
            let used = row |> Array.filter (fun w -> w > 0.0) |> Array.length
            if used < 2 then Errors.fail "member HF mask: member %d uses %d HF points; at least 2 are needed" e used)
    | None -> ()

/// Every option of a user's emulator, before any work: the values through their declarations, and the family
/// settings of SIREN and KAN even when another family is chosen (a bad value is a mistake even where it has no
/// effect).
let options (o: ModelOptions) =
    OptionSpec.check "" OptionSpec.depth o.Depth
    OptionSpec.check "" OptionSpec.width o.Width
    OptionSpec.check "" OptionSpec.epochs o.AdamEpochs
    OptionSpec.check "" OptionSpec.lbfgsIterations o.LbfgsIterations
    OptionSpec.check "" OptionSpec.learningRate o.LearningRate
    OptionSpec.check "" OptionSpec.lambda o.Lambda
    OptionSpec.check "" OptionSpec.encoderLambda o.EncoderLambda
    OptionSpec.check "" OptionSpec.members o.Members
    for arch in [ Architecture.Siren; Architecture.Kan ] do
        let what = sprintf "the %s settings" (Names.name Architecture.names arch)
        block what (Block.ofArchitecture o.Blocks arch 1 1)

/// An input space: finite bounds within the precision's range, lower below upper, a finite extent.
let inputSpace (what: string) (p: Tensors.Precision) (b: Box) =
    let limit = maxMagnitude p
    if b.Lower.Length <> b.Upper.Length then
        Errors.fail "%s: %d lower but %d upper bounds" what b.Lower.Length b.Upper.Length
    for i in 0 .. b.Dim - 1 do
        let lo, hi = b.Lower[i], b.Upper[i]
        if not (finite lo && finite hi) then Errors.fail "%s: the bounds [%g, %g] of input %d are not finite" what lo hi i
        if not (lo < hi) then Errors.fail "%s: the lower bound %g of input %d is not below its upper bound %g" what lo i hi
        if abs lo > limit || abs hi > limit then
            Errors.fail "%s: the bounds [%g, %g] of input %d are too large to scale (at most %g in magnitude with %s); rescale the inputs"
                what lo hi i limit (Tensors.precisionName p)

/// Data values small enough to scale: |v| within the precision's bound (finiteness is checked with the rows).
let magnitude (what: string) (p: Tensors.Precision) (values: float[]) =
    let limit = maxMagnitude p
    match values |> Array.tryFindIndex (fun v -> abs v > limit) with
    | Some i ->
        Errors.fail "%s: value %g (index %d) is too large to scale (at most %g in magnitude with %s); rescale the data, e.g. divide by a power of ten"
            what values[i] i limit (Tensors.precisionName p)
    | None -> ()

/// HF data against the HF input space: as many outputs as rows, at least 2 points, finite values of scalable size.
let hf (p: Tensors.Precision) (hfBox: Box) (hf: HfData) =
    if isNull hf.X || isNull hf.Y then Errors.fail "HF data: no points"
    if hf.X.Length <> hf.Y.Length then
        Errors.fail "HF data: %d input rows but %d outputs" hf.X.Length hf.Y.Length
    if hf.X.Length < 2 then Errors.fail "HF data: at least 2 points are needed (got %d)" hf.X.Length
    inputSpace "the HF input space" p hfBox
    Errors.requireMatrix "HF inputs" hfBox.Dim hf.X
    Errors.requireFinite "HF outputs" hf.Y
    for row in hf.X do magnitude "HF inputs" p row
    magnitude "HF outputs" p hf.Y

/// An LF source: a named function on a valid box, or finite data of scalable size.
let source (p: Tensors.Precision) (src: SourceSpec) =
    match src with
    | Exact f ->
        if String.IsNullOrWhiteSpace f.Name then Errors.fail "an LF source needs a name"
        inputSpace (sprintf "LF source '%s' input space" f.Name) p f.Domain
    | Learned(name, domain, x, y) ->
        if String.IsNullOrWhiteSpace name then Errors.fail "an LF source needs a name"
        if isNull x || isNull y then Errors.fail "LF source '%s': no data" name
        if x.Length <> y.Length then Errors.fail "LF source '%s': %d input rows but %d outputs" name x.Length y.Length
        if x.Length < 2 then Errors.fail "LF source '%s': at least 2 points are needed (got %d)" name x.Length
        let d = match domain with Some b -> b.Dim | None -> (if isNull x[0] then 0 else x[0].Length)
        Errors.requireMatrix (sprintf "LF source '%s' inputs" name) d x
        Errors.requireFinite (sprintf "LF source '%s' outputs" name) y
        domain |> Option.iter (inputSpace (sprintf "LF source '%s' input space" name) p)
        for row in x do magnitude (sprintf "LF source '%s' inputs" name) p row
        magnitude (sprintf "LF source '%s' outputs" name) p y

/// Parameter values of one member (a bound, not exact) of a model with dH inputs and LF sources of the given
/// input dimensions (true: learned, with a surrogate).
let modelValues (spec: EmulatorSpec) (dH: int) (sources: (int * bool) list) =
    blockValues spec.Correlation (dH + sources.Length) 1
    + (sources |> List.sumBy (fun (dL, learned) ->
        (if learned then blockValues spec.Surrogate dL 1 else 0.0)
        + (match spec.Encoding with
           | NoEncoding -> 0.0
           | AffineEncoding -> blockValues AffineBlock dH dL
           | NonlinearEncoding b -> blockValues b dH dL)))

/// The whole model's size within `maxParameterValues`.
let size (spec: EmulatorSpec) (dH: int) (sources: (int * bool) list) (members: int) =
    let perMember = modelValues spec dH sources
    let total = perMember * float members
    if total > maxParameterValues then
        Errors.fail "the model would have about %.3g parameter values (%d member(s) of %.3g); at most %g are allowed: use fewer members or smaller blocks"
            total members perMember maxParameterValues

/// Everything `Fit.fit` is given, before any tensor is made: options, data, sources, and the model's size.
let fit (cfg: TrainConfig) (spec: EmulatorSpec) (hfBox: Box) (hfData: HfData) (sources: SourceSpec list) (members: int) =
    training cfg spec members (if isNull hfData.X then 0 else hfData.X.Length)
    hf spec.Precision hfBox hfData
    sources |> List.iter (source spec.Precision)
    // The model's size, before any allocation: a tampered or mistyped width must not exhaust memory.
    let lfDim =
        function
        | Exact f -> f.Domain.Dim
        | Learned(_, Some b, _, _) -> b.Dim
        | Learned(_, None, x, _) -> x[0].Length
    size spec hfBox.Dim (sources |> List.map (fun s -> lfDim s, (match s with Learned _ -> true | Exact _ -> false))) members
