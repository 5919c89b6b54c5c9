/// Grouping of assessment records into configurations and the statistics over their repetitions.
/// Pure functions: no plotting, no files.
module Emulators.Core.Assessment.Aggregate

open System
open Emulators.Core

/// Everything that identifies a configuration except the repetition.
type GroupKey =
    { Experiment: string
      Problem: string
      Architecture: string
      /// The record's spellings of its model (mf, sf, or the GP's gp, ar1, nargp), encoding, LF mode and strategy:
      /// the text of labels and tables. Decisions are taken on `Run`.
      Model: string
      Encoding: string
      Lf: string
      Strategy: string
      /// The typed model, parsed once from the record's strings (RecordModel.ofRecord).
      Run: RunModel
      Nh: int
      /// Number of corrupted LF sources, or -1 outside the corrupted-sources experiment.
      Corrupted: int
      /// HF design (records without one used the paper's "sobol" sets).
      Design: string }

/// Median, minimum and maximum of the normalized test MSE over the repetitions of one configuration.
/// Only finite values count; `Failed` is the number of repetitions whose error was NaN or infinite.
type Stats =
    { Median: float
      Min: float
      Max: float
      Count: int
      Failed: int }

type Group = { Key: GroupKey; Stats: Stats }

let private norm (s: string) =
    if String.IsNullOrWhiteSpace s then RunModel.NotApplicable else s.Trim().ToLowerInvariant()

/// The configuration of a record. Its model's names are grouped forgiving blanks and case ("MLP" pools with "mlp"),
/// so the typed model is parsed from the names as grouped.
let keyOf (r: RunRecord) : GroupKey =
    let named =
        { r with
            Architecture = norm r.Architecture
            Model = norm r.Model
            Encoding = norm r.Encoding
            Lf = norm r.Lf
            Strategy = norm r.Strategy }
    { Experiment = (if String.IsNullOrWhiteSpace r.Experiment then "" else r.Experiment.Trim())
      Problem = (if String.IsNullOrWhiteSpace r.Problem then "" else r.Problem.Trim())
      Architecture = named.Architecture
      Model = named.Model
      Encoding = named.Encoding
      Lf = named.Lf
      Strategy = named.Strategy
      Run = RecordModel.ofRecord named
      Nh = r.Nh
      Corrupted = r.Corrupted
      Design = (if String.IsNullOrWhiteSpace r.Design then "sobol" else r.Design.Trim().ToLowerInvariant()) }

/// Median of a non-empty array (mean of the two middle values for an even count); NaN when empty.
let median (xs: float[]) =
    if xs.Length = 0 then nan
    else
        let s = Array.sort xs
        let n = s.Length
        if n % 2 = 1 then s[n / 2] else 0.5 * (s[n / 2 - 1] + s[n / 2])

let isFiniteValue (x: float) = not (Double.IsNaN x || Double.IsInfinity x)

/// Scientific notation with a two-digit exponent, e.g. 3.73e-02 (F#'s %e gives three digits).
let sci (x: float) =
    if isFiniteValue x then x.ToString("0.00e+00", Globalization.CultureInfo.InvariantCulture) else string x

/// Statistics of a set of errors. With no finite value the statistics are NaN and Count = 0.
let stats (errors: float seq) : Stats =
    let all = Array.ofSeq errors
    let ok = all |> Array.filter isFiniteValue
    if ok.Length = 0 then
        { Median = nan; Min = nan; Max = nan; Count = 0; Failed = all.Length }
    else
        { Median = median ok
          Min = Array.min ok
          Max = Array.max ok
          Count = ok.Length
          Failed = all.Length - ok.Length }

/// Whether a configuration is the multi-fidelity emulator of a network.
let isMultiFidelity (k: GroupKey) =
    match k.Run with
    | RunModel.Network(_, NetworkModel.MultiFidelity _) -> true
    | _ -> false

/// Whether a configuration is the single-fidelity baseline of a network.
let isSingleFidelity (k: GroupKey) =
    match k.Run with
    | RunModel.Network(_, NetworkModel.SingleFidelity) -> true
    | _ -> false

/// Whether a configuration is a Gaussian-process baseline (its model names the GP: gp, ar1 or nargp).
let isGp (k: GroupKey) = RunModel.isGp k.Run

/// The encoder of an MF network configuration; None for the SF baselines and the GPs, which have none.
let encodingOf (k: GroupKey) =
    match k.Run with
    | RunModel.Network(_, NetworkModel.MultiFidelity mf) -> Some mf.Encoding
    | _ -> None

/// Whether an MF network configuration has an encoder (affine or nonlinear).
let isEncoded (k: GroupKey) =
    match encodingOf k with
    | Some EncodingKind.None
    | None -> false
    | Some _ -> true

/// The training strategy of an MF network with learned LF; None where no strategy applies.
let strategyOf (k: GroupKey) =
    match k.Run with
    | RunModel.Network(_, NetworkModel.MultiFidelity { Lf = NetworkLf.Learned s }) -> Some s
    | _ -> None

/// Whether the LF sources of a configuration are learned surrogates.
let isLearnedLf (k: GroupKey) = RunModel.lfMode k.Run = Some Experiment.LearnedLf

/// Order architectures as the paper does (mlp, siren, kan: the order of their names table), then any others
/// (the GP baselines' architecture, the blank one of a curve drawn in every panel) alphabetically.
let archRank (a: string) =
    match Names.values Architecture.names |> List.tryFindIndex (fun v -> Names.name Architecture.names v = a) with
    | Some i -> i
    | None -> 3

let private encodingRank (k: GroupKey) =
    match encodingOf k with
    | None
    | Some EncodingKind.None -> 0
    | Some EncodingKind.Affine -> 1
    | Some EncodingKind.Nonlinear -> 2

let private lfRank (k: GroupKey) =
    match RunModel.lfMode k.Run with
    | Some Experiment.ExactLf -> 0
    | Some Experiment.LearnedLf -> 1
    | None -> 2

let private strategyRank (k: GroupKey) =
    match strategyOf k with
    | None -> 0
    | Some PretrainFreeze -> 1
    | Some EndToEnd -> 2

/// A stable sort key for configurations (used for colours and legend order).
let configSortKey (k: GroupKey) =
    (k.Experiment, (if isMultiFidelity k then 0 else 1), archRank k.Architecture, k.Architecture, encodingRank k, k.Encoding,
     lfRank k, k.Lf, strategyRank k, k.Strategy)

/// The key of the same configuration with another model, spelled through the names tables as records are.
let withRun (run: RunModel) (k: GroupKey) =
    { k with
        Architecture = RunModel.architectureName run
        Model = RunModel.modelName run
        Encoding = RunModel.encodingName run
        Lf = RunModel.lfName run
        Strategy = RunModel.strategyName run
        Run = run }

/// Group records by configuration (see GroupKey) and compute the statistics of normalizedMse over repetitions.
/// Groups come sorted by problem, configuration, corrupted count and N_H.
let groups (records: RunRecord seq) : Group list =
    records
    |> Seq.groupBy keyOf
    |> Seq.map (fun (k, rs) -> { Key = k; Stats = stats (rs |> Seq.map (fun r -> r.NormalizedMse)) })
    |> Seq.sortBy (fun g -> g.Key.Problem, configSortKey g.Key, g.Key.Corrupted, g.Key.Nh)
    |> List.ofSeq

/// Groups with at least one finite error.
let usable (gs: Group list) = gs |> List.filter (fun g -> g.Stats.Count > 0)

/// A fit whose median normalized test MSE is at least this has collapsed: it misses at least half of the HF
/// function's mean square, where the trivial prediction ŷ = 0 misses all of it (e = 1) and a constant at the mean of
/// the HF values (what a fit with its weights penalized to zero predicts) misses 1 − mean²/mean square of it.
[<Literal>]
let CollapseThreshold = 0.5

let isCollapsed (s: Stats) = s.Count > 0 && s.Median >= CollapseThreshold

/// The problem as the figures and tables name it: a member of the corrupted-sources family by its count (CORR-3).
let problemLabel (k: GroupKey) =
    if k.Corrupted >= 0 then sprintf "%s-%d" k.Problem k.Corrupted else k.Problem

/// Position of a problem label in the catalogue's order (K1 … K5, 2DU, GJG9, PDE, CORR-n by n), for tables and
/// figures; unknown problems come last, alphabetically.
let problemOrder (label: string) =
    let names = Emulators.Core.Problems.Catalogue.names ()
    let family (n: string) = if n.StartsWith("CORR", StringComparison.OrdinalIgnoreCase) then "CORR" else n
    let corrupted =
        match label.LastIndexOf '-' with
        | i when i > 0 && family label = "CORR" ->
            (match Int32.TryParse(label.Substring(i + 1)) with
             | true, n -> n
             | _ -> 0)
        | _ -> -1
    match names |> List.tryFindIndex (fun n -> (family n).Equals(family label, StringComparison.OrdinalIgnoreCase)) with
    | Some i -> (i, corrupted, "")
    | None -> (names.Length, corrupted, label)

/// The GP model of a GP baseline; None for the networks.
let gpKind (k: GroupKey) =
    match k.Run with
    | RunModel.GaussianProcess(kind, _) -> Some kind
    | RunModel.Network _ -> None

/// Label of a GP baseline: "SF GP", "AR1 (GP), exact LF", "NARGP (GP), learned LF".
let gpLabel (k: GroupKey) =
    if gpKind k = Some Gp.SingleFidelity then "SF GP" else sprintf "%s (GP), %s LF" (k.Model.ToUpperInvariant()) k.Lf

/// Label of an MF configuration: "encoding, LF mode" plus the strategy when `withStrategy`.
let configLabel (withStrategy: bool) (k: GroupKey) =
    if isGp k then gpLabel k
    elif isSingleFidelity k then sprintf "SF %s" k.Architecture
    else
        let enc = if isEncoded k then k.Encoding + " enc." else "no enc."
        let baseLabel = sprintf "%s, %s LF" enc k.Lf
        if withStrategy && (strategyOf k).IsSome then sprintf "%s, %s" baseLabel k.Strategy else baseLabel

/// The identity of a configuration without N_H, repetition and corruption: what one curve of a figure shows.
let curveKey (k: GroupKey) = { k with Nh = 0; Corrupted = 0 }

/// The group with the lowest median among those given, if any.
let best (gs: Group seq) =
    let gs = gs |> Seq.filter (fun g -> g.Stats.Count > 0) |> List.ofSeq
    if gs.IsEmpty then None else Some(gs |> List.minBy (fun g -> g.Stats.Median, configSortKey g.Key))
