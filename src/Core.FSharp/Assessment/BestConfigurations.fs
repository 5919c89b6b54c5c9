/// The second table of the assessment: per problem (a corrupted-sources member counts as its own problem) and N_H,
/// the MF configuration with the lowest median normalized test MSE over the repetitions, its SF baseline (same
/// architecture, see Gain) and the gain. Pure functions.
module Emulators.Core.Assessment.BestConfigurations

open System.Text
open Emulators.Core.Assessment.Aggregate

type Row =
    { Problem: string
      Nh: int
      Best: Group
      /// The SF baseline of the best configuration and the gain over it, when there is one.
      Baseline: Gain.Point option }

/// One row per problem label and N_H that has MF results, in catalogue order, then by N_H.
let rows (records: RunRecord list) : Row list =
    let gains = Gain.points records |> List.map (fun p -> p.Mf.Key, p) |> Map.ofList
    groups records
    |> usable
    |> List.filter (fun g -> isMultiFidelity g.Key)
    |> List.groupBy (fun g -> problemLabel g.Key, g.Key.Nh)
    |> List.map (fun ((label, nh), gs) ->
        let top = (best gs).Value
        { Problem = label; Nh = nh; Best = top; Baseline = gains.TryFind top.Key })
    |> List.sortBy (fun r -> problemOrder r.Problem, r.Nh)

let private range (s: Stats) = sprintf "%s [%s, %s]" (sci s.Median) (sci s.Min) (sci s.Max)

let private repetitions (s: Stats) =
    if s.Failed > 0 then sprintf "%d (+%d failed)" s.Count s.Failed else string s.Count

let private collapseNote (r: Row) =
    [ if isCollapsed r.Best.Stats then "MF collapsed"
      match r.Baseline with
      | Some b when isCollapsed b.Sf.Stats -> "SF collapsed"
      | _ -> () ]
    |> String.concat ", "

let toMarkdown (rs: Row list) =
    let header =
        [ "problem"; "N_H"; "reps"; "best arch."; "best MF config"; "MF error: median [min, max]"; "SF error (same arch.)"
          "gain (SF/MF)"; "gain (orders)"; "note" ]
    let alignments = [ "---"; "---:"; "---:"; "---"; "---"; "---:"; "---:"; "---:"; "---:"; "---" ]
    let row (r: Row) =
        [ r.Problem; string r.Nh; repetitions r.Best.Stats; r.Best.Key.Architecture; configLabel true r.Best.Key
          range r.Best.Stats; TableText.orDash (fun (b: Gain.Point) -> range b.Sf.Stats) r.Baseline
          TableText.orDash (fun (b: Gain.Point) -> sci (10.0 ** b.Orders)) r.Baseline
          TableText.orDash (fun (b: Gain.Point) -> sprintf "%.1f" b.Orders) r.Baseline; collapseNote r ]
    let sb = StringBuilder()
    sb.Append(TableText.markdown header alignments (rs |> List.map row)) |> ignore
    sb.Append('\n') |> ignore
    sb.Append("Errors are normalized test MSE, median [min, max] over the repetitions; the gain is the ratio of the medians. ")
      .Append(sprintf "\"collapsed\": median error ≥ %g (see FIGURES.md)." CollapseThreshold)
      .Append(" A corrupted-sources member CORR-n (n corrupted LF sources) counts as its own problem.\n")
    |> ignore
    sb.ToString()

let private flag (b: bool) = if b then "true" else "false"

let toCsv (rs: Row list) =
    let header =
        [ "problem"; "nh"; "repetitions"; "failed"; "architecture"; "encoding"; "lf"; "strategy"; "mf_median"; "mf_min"; "mf_max"
          "sf_median"; "sf_min"; "sf_max"; "gain_orders"; "mf_collapsed"; "sf_collapsed" ]
    let row (r: Row) =
        let k, s = r.Best.Key, r.Best.Stats
        let sf (f: Stats -> float) = r.Baseline |> Option.map (fun b -> f b.Sf.Stats) |> TableText.optionalNumber
        [ r.Problem; string r.Nh; string s.Count; string s.Failed; k.Architecture; k.Encoding; k.Lf; k.Strategy
          TableText.number s.Median; TableText.number s.Min; TableText.number s.Max
          sf (fun s -> s.Median); sf (fun s -> s.Min); sf (fun s -> s.Max)
          r.Baseline |> Option.map (fun b -> b.Orders) |> TableText.optionalNumber
          flag (isCollapsed s)
          (match r.Baseline with
           | Some b -> flag (isCollapsed b.Sf.Stats)
           | None -> "") ]
    TableText.csv header (rs |> List.map row)
