/// The encoding ledger (paper Table 5 style): per problem, the best architecture and encoding, whether encoding
/// helped, and the MF gain over the single-fidelity baseline. Pure functions; Emulators.Figures writes the files.
///
/// Rules (all at the smallest N_H of the problem's MF records, outside the corrupted-sources experiment):
/// - best MF configuration = lowest median normalized test MSE over the repetitions; its architecture and encoding
///   are the "best architecture" and "best encoding";
/// - encoding effect: within the best architecture, the best encoded configuration (affine or nonlinear encoding)
///   against the best unencoded one. "helped" when the encoded median is lower by more than EncodingEffectFactor,
///   "hurt" when it is higher by more than EncodingEffectFactor, "no clear effect" otherwise, "n/a" when one side
///   is missing;
/// - best SF error = lowest SF median of the same architecture at the same N_H; gain = SF / MF, also as log10.
module Emulators.Core.Assessment.Ledger

open System
open System.Text
open Emulators.Core.Assessment.Aggregate

/// Encoding "helped" (or "hurt") when the best encoded median is lower (or higher) than the best unencoded median
/// by more than this factor.
[<Literal>]
let EncodingEffectFactor = 2.0

type EncodingEffect =
    | Helped
    | Hurt
    | NoClearEffect
    | NotAssessed

let effectName =
    function
    | Helped -> "helped"
    | Hurt -> "hurt"
    | NoClearEffect -> "no clear effect"
    | NotAssessed -> "n/a"

/// Compare the best encoded and the best unencoded median errors (lower is better).
let encodingEffect (encoded: float) (unencoded: float) =
    if not (isFiniteValue encoded && isFiniteValue unencoded) || encoded < 0.0 || unencoded < 0.0 then NotAssessed
    elif encoded * EncodingEffectFactor < unencoded then Helped
    elif encoded > unencoded * EncodingEffectFactor then Hurt
    else NoClearEffect

/// What the paper's Table 5 says about coordinate encoding for a problem ("—" when the paper gives nothing).
let paperClaim (problem: string) =
    match problem.Trim().ToUpperInvariant() with
    | "K3" | "K4" | "2DU" | "GJG9" -> "helped"
    | "K1" -> "hurt"
    | "K5" -> "unnecessary"
    | _ -> "—"

/// Whether our finding agrees with the paper's claim: "yes", "no", or "—" when either side is missing.
/// "unnecessary" agrees with "no clear effect" and with "hurt" (encoding brought no benefit).
let agrees (claim: string) (effect: EncodingEffect) =
    match claim, effect with
    | "—", _
    | _, NotAssessed -> "—"
    | "helped", Helped
    | "hurt", Hurt
    | "unnecessary", (NoClearEffect | Hurt) -> "yes"
    | _ -> "no"

type Row =
    { Problem: string
      Nh: int
      BestArchitecture: string
      /// The best MF configuration (encoding, LF mode, strategy).
      BestConfig: string
      BestEncoding: string
      Effect: EncodingEffect
      /// Best encoded and best unencoded MF medians of the best architecture.
      EncodedError: float option
      UnencodedError: float option
      BestMfError: float
      BestSfError: float option
      /// SF / MF error ratio, and its log10 (orders of magnitude).
      Gain: float option
      GainOrders: float option
      PaperClaim: string
      Agrees: string }

let private bestMedian (gs: Group seq) = best gs |> Option.map (fun g -> g.Stats.Median)

/// One row per problem that has MF results outside the corrupted-sources experiment.
let rows (gs: Group list) : Row list =
    let gs = gs |> usable |> List.filter (fun g -> g.Key.Corrupted < 0)
    gs
    |> List.map (fun g -> g.Key.Problem)
    |> List.distinct
    |> List.sort
    |> List.choose (fun problem ->
        let mine = gs |> List.filter (fun g -> g.Key.Problem = problem)
        let mf = mine |> List.filter (fun g -> isMultiFidelity g.Key)
        if mf.IsEmpty then None
        else
            let nh = mf |> List.map (fun g -> g.Key.Nh) |> List.min
            let atNh = mf |> List.filter (fun g -> g.Key.Nh = nh)
            let top = (best atNh).Value
            let arch = top.Key.Architecture
            let sameArch = atNh |> List.filter (fun g -> g.Key.Architecture = arch)
            let encoded = sameArch |> List.filter (fun g -> isEncoded g.Key) |> bestMedian
            let unencoded = sameArch |> List.filter (fun g -> not (isEncoded g.Key)) |> bestMedian
            let effect =
                match encoded, unencoded with
                | Some e, Some u -> encodingEffect e u
                | _ -> NotAssessed
            let sf =
                mine
                |> List.filter (fun g -> isSingleFidelity g.Key && g.Key.Nh = nh && g.Key.Architecture = arch)
                |> bestMedian
            let mfErr = top.Stats.Median
            let gain = sf |> Option.bind (fun s -> if mfErr > 0.0 then Some(s / mfErr) else None)
            let claim = paperClaim problem
            Some
                { Problem = problem
                  Nh = nh
                  BestArchitecture = arch
                  BestConfig = configLabel true top.Key
                  BestEncoding = top.Key.Encoding
                  Effect = effect
                  EncodedError = encoded
                  UnencodedError = unencoded
                  BestMfError = mfErr
                  BestSfError = sf
                  Gain = gain
                  GainOrders = gain |> Option.map log10
                  PaperClaim = claim
                  Agrees = agrees claim effect })

/// The table as Markdown, with the rules under it.
let toMarkdown (rs: Row list) =
    let header =
        [ "problem"; "N_H"; "best arch."; "best MF config"; "best encoding"; "encoding effect"; "best encoded"
          "best unencoded"; "best MF error"; "best SF error (same arch.)"; "MF gain (SF/MF)"; "gain (orders)"; "paper"; "agrees" ]
    let alignments = [ "---"; "---:"; "---"; "---"; "---"; "---"; "---:"; "---:"; "---:"; "---:"; "---:"; "---:"; "---"; "---" ]
    let row (r: Row) =
        [ r.Problem; string r.Nh; r.BestArchitecture; r.BestConfig; r.BestEncoding; effectName r.Effect
          TableText.orDash sci r.EncodedError; TableText.orDash sci r.UnencodedError; sci r.BestMfError
          TableText.orDash sci r.BestSfError; TableText.orDash sci r.Gain; TableText.orDash (sprintf "%.1f") r.GainOrders
          r.PaperClaim; r.Agrees ]
    let sb = StringBuilder()
    let line (s: string) = sb.Append(s).Append('\n') |> ignore
    sb.Append(TableText.markdown header alignments (rs |> List.map row)) |> ignore
    line ""
    line "Errors are medians of the normalized test MSE over the repetitions, at the smallest N_H of each problem"
    line "(records of the corrupted-sources experiment excluded)."
    line ""
    line "- **best arch. / best MF config / best encoding**: the MF configuration with the lowest median error."
    line (
        sprintf
            "- **encoding effect**: within the best architecture, best encoded (affine or nonlinear) vs best unencoded MF median: \"helped\" if the encoded error is lower by more than a factor %g, \"hurt\" if higher by more than %g, otherwise \"no clear effect\"; \"n/a\" if either is missing."
            EncodingEffectFactor EncodingEffectFactor
    )
    line "- **best SF error**: the lowest single-fidelity median of the same architecture and N_H; **MF gain** = SF / MF (orders = log10)."
    line "- **paper**: Table 5 of the paper (helped for K3, K4, 2DU, GJG9; hurt for K1; unnecessary for K5); \"unnecessary\" agrees with \"no clear effect\" or \"hurt\"."
    sb.ToString()

let toCsv (rs: Row list) =
    let header =
        [ "problem"; "nh"; "best_architecture"; "best_config"; "best_encoding"; "encoding_effect"; "best_encoded_error"
          "best_unencoded_error"; "best_mf_error"; "best_sf_error"; "gain_sf_over_mf"; "gain_orders"; "paper_claim"; "agrees" ]
    let blankDash (s: string) = if s = "—" then "" else s
    let row (r: Row) =
        [ r.Problem; string r.Nh; r.BestArchitecture; r.BestConfig; r.BestEncoding; effectName r.Effect
          TableText.optionalNumber r.EncodedError; TableText.optionalNumber r.UnencodedError; TableText.number r.BestMfError
          TableText.optionalNumber r.BestSfError; TableText.optionalNumber r.Gain; TableText.optionalNumber r.GainOrders
          blankDash r.PaperClaim; blankDash r.Agrees ]
    TableText.csv header (rs |> List.map row)
