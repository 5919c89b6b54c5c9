/// The third table of the assessment: per problem and N_H, the best multi-fidelity network (lowest median
/// normalized test MSE over every MF configuration of the neural experiments) against the best GP baseline of the
/// gp-baselines experiment (AR1 or NARGP, exact or learned LF) and the SF GP, and which family wins by how much.
/// Pure functions.
module Emulators.Core.Assessment.GpComparison

open System.Text
open Emulators.Core
open Emulators.Core.Assessment.Aggregate

type Row =
    { Problem: string
      Nh: int
      Network: Group
      /// The best MF GP (ar1, nargp), when there is one.
      Gp: Group option
      /// The SF GP, when there is one.
      SfGp: Group option }

/// log10(network median / best GP median): positive where the GP is better, in orders of magnitude.
let gpAdvantage (r: Row) =
    r.Gp
    |> Option.filter (fun g -> g.Stats.Median > 0.0 && r.Network.Stats.Median > 0.0)
    |> Option.map (fun g -> log10 (r.Network.Stats.Median / g.Stats.Median))

/// One row per problem and N_H that has both MF network results and GP results, in catalogue order, then N_H.
let rows (gs: Group list) : Row list =
    let gs = gs |> usable |> List.filter (fun g -> g.Key.Corrupted < 0)
    let at (problem, nh) (pick: GroupKey -> bool) =
        gs |> List.filter (fun g -> g.Key.Problem = problem && g.Key.Nh = nh && pick g.Key) |> best
    gs
    |> List.filter (fun g -> isGp g.Key)
    |> List.map (fun g -> g.Key.Problem, g.Key.Nh)
    |> List.distinct
    |> List.choose (fun key ->
        at key isMultiFidelity
        |> Option.map (fun net ->
            { Problem = fst key; Nh = snd key; Network = net
              Gp = at key (fun k -> isGp k && gpKind k <> Some Gp.SingleFidelity)
              SfGp = at key (fun k -> gpKind k = Some Gp.SingleFidelity) }))
    |> List.sortBy (fun r -> problemOrder r.Problem, r.Nh)

let private range (s: Stats) = sprintf "%s [%s, %s]" (sci s.Median) (sci s.Min) (sci s.Max)

let private winner (r: Row) =
    match gpAdvantage r with
    | Some o when o > 0.0 -> sprintf "GP by %.1f orders" o
    | Some o when o < 0.0 -> sprintf "network by %.1f orders" (-o)
    | Some _ -> "tie"
    | None -> "—"

let toMarkdown (rs: Row list) =
    let header =
        [ "problem"; "N_H"; "best MF network"; "network error"; "best MF GP"; "GP error"; "SF GP error"; "better" ]
    let alignments = [ "---"; "---:"; "---"; "---:"; "---"; "---:"; "---:"; "---" ]
    let row (r: Row) =
        [ r.Problem; string r.Nh
          sprintf "%s, %s" (r.Network.Key.Architecture.ToUpperInvariant()) (configLabel true r.Network.Key)
          range r.Network.Stats
          TableText.orDash (fun (g: Group) -> gpLabel g.Key) r.Gp
          TableText.orDash (fun (g: Group) -> range g.Stats) r.Gp
          TableText.orDash (fun (g: Group) -> range g.Stats) r.SfGp
          winner r ]
    let sb = StringBuilder()
    sb.Append(TableText.markdown header alignments (rs |> List.map row)) |> ignore
    sb.Append('\n') |> ignore
    sb.Append("Errors are normalized test MSE, median [min, max] over the repetitions; \"better\" compares the medians of ")
      .Append("the best MF network and the best MF GP (orders of magnitude = log10 of their ratio). The network is the best ")
      .Append("of every architecture and configuration the neural experiments ran; each GP's kernel is the one of higher ")
      .Append("marginal likelihood, its hyperparameters are not searched on validation data.\n")
    |> ignore
    sb.ToString()

let toCsv (rs: Row list) =
    let header =
        [ "problem"; "nh"; "network_architecture"; "network_encoding"; "network_lf"; "network_strategy"; "network_median"
          "gp_model"; "gp_lf"; "gp_median"; "sf_gp_median"; "gp_advantage_orders" ]
    let median (g: Group option) = g |> Option.map (fun g -> g.Stats.Median) |> TableText.optionalNumber
    let row (r: Row) =
        let k = r.Network.Key
        [ r.Problem; string r.Nh; k.Architecture; k.Encoding; k.Lf; k.Strategy; TableText.number r.Network.Stats.Median
          r.Gp |> Option.map (fun g -> g.Key.Model) |> Option.defaultValue ""
          r.Gp |> Option.map (fun g -> g.Key.Lf) |> Option.defaultValue ""
          median r.Gp; median r.SfGp; TableText.optionalNumber (gpAdvantage r) ]
    TableText.csv header (rs |> List.map row)
