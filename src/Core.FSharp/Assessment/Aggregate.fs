/// Grouping of assessment records into configurations and the statistics over their repetitions.
/// Pure functions: no plotting, no files.
module Emulators.Core.Assessment.Aggregate

open System

/// Everything that identifies a configuration except the repetition.
type GroupKey =
    { Experiment: string
      Problem: string
      Architecture: string
      /// "mf" or "sf".
      Model: string
      Encoding: string
      Lf: string
      Strategy: string
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
    if String.IsNullOrWhiteSpace s then "none" else s.Trim().ToLowerInvariant()

let keyOf (r: RunRecord) : GroupKey =
    { Experiment = (if String.IsNullOrWhiteSpace r.Experiment then "" else r.Experiment.Trim())
      Problem = (if String.IsNullOrWhiteSpace r.Problem then "" else r.Problem.Trim())
      Architecture = norm r.Architecture
      Model = norm r.Model
      Encoding = norm r.Encoding
      Lf = norm r.Lf
      Strategy = norm r.Strategy
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

/// Order architectures as the paper does (mlp, siren, kan), then any others alphabetically.
let archRank (a: string) =
    match a with
    | "mlp" -> 0
    | "siren" -> 1
    | "kan" -> 2
    | _ -> 3

let private encodingRank (e: string) =
    match e with
    | "none" -> 0
    | "affine" | "linear" -> 1
    | "nonlinear" -> 2
    | _ -> 3

let private lfRank (l: string) =
    match l with
    | "exact" -> 0
    | "learned" | "learnable" -> 1
    | _ -> 2

let private strategyRank (s: string) =
    match s with
    | "none" -> 0
    | "freeze" -> 1
    | "end-to-end" -> 2
    | _ -> 3

/// A stable sort key for configurations (used for colours and legend order).
let configSortKey (k: GroupKey) =
    (k.Experiment, (if k.Model = "mf" then 0 else 1), archRank k.Architecture, k.Architecture, encodingRank k.Encoding, k.Encoding,
     lfRank k.Lf, k.Lf, strategyRank k.Strategy, k.Strategy)

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

/// Whether a configuration is a Gaussian-process baseline (its model names the GP: gp, ar1 or nargp).
let isGp (k: GroupKey) = k.Architecture = "gp"

/// Label of a GP baseline: "SF GP", "AR1 (GP), exact LF", "NARGP (GP), learned LF".
let gpLabel (k: GroupKey) =
    if k.Model = "gp" then "SF GP" else sprintf "%s (GP), %s LF" (k.Model.ToUpperInvariant()) k.Lf

/// Label of an MF configuration: "encoding, LF mode" plus the strategy when `withStrategy`.
let configLabel (withStrategy: bool) (k: GroupKey) =
    if isGp k then gpLabel k
    elif k.Model = "sf" then sprintf "SF %s" k.Architecture
    else
        let enc = if k.Encoding = "none" then "no enc." else k.Encoding + " enc."
        let baseLabel = sprintf "%s, %s LF" enc k.Lf
        if withStrategy && k.Strategy <> "none" then sprintf "%s, %s" baseLabel k.Strategy else baseLabel

/// The identity of a configuration without N_H, repetition and corruption: what one curve of a figure shows.
let curveKey (k: GroupKey) = { k with Nh = 0; Corrupted = 0 }

/// The group with the lowest median among those given, if any.
let best (gs: Group seq) =
    let gs = gs |> Seq.filter (fun g -> g.Stats.Count > 0) |> List.ofSeq
    if gs.IsEmpty then None else Some(gs |> List.minBy (fun g -> g.Stats.Median, configSortKey g.Key))
