/// The paper's claims (paper-spec §8–9), each checked against the records cell by cell: a cell is a problem at one
/// N_H, with what was measured there and whether it agrees. Pure functions over records; the rules are in each
/// claim's text, so claims.md says how its verdicts were reached. Errors are medians over the repetitions of the
/// normalized test MSE; the best configuration of a kind is the one with the lowest median (Aggregate.best).
module Emulators.Core.Assessment.Claims

open System
open System.Text
open Emulators.Core
open Emulators.Core.Assessment.Aggregate

type Verdict =
    | Agrees
    | Disagrees
    /// The two sides compared are within `TieFactor` of each other: neither is better.
    | Tie
    | NotAssessed

let verdictName =
    function
    | Agrees -> "yes"
    | Disagrees -> "no"
    | Tie -> "tie"
    | NotAssessed -> "—"

/// Two medians within this factor of each other are a tie (the factor the encoding ledger uses for "no clear effect").
let TieFactor = Ledger.EncodingEffectFactor

/// `better` beats `worse` (lower is better): Agrees, Disagrees, or Tie within TieFactor.
let private lowerThan (better: float) (worse: float) =
    if better * TieFactor < worse then Agrees
    elif better > worse * TieFactor then Disagrees
    else Tie

/// One problem at one N_H: what was measured and whether it agrees with the claim.
type Cell = { Problem: string; Nh: int; Measured: string; Verdict: Verdict }

type Claim =
    { Statement: string
      /// Where the paper says it (paper-spec section).
      Source: string
      /// How a cell's verdict is decided.
      Rule: string
      Cells: Cell list }

/// Cells that agree, cells assessed (agreeing or not) and ties (not counted as assessed).
let tally (c: Claim) =
    let count v = c.Cells |> List.filter (fun x -> x.Verdict = v) |> List.length
    count Agrees, count Agrees + count Disagrees, count Tie

/// "k of n cells (t tied)", or that no cell could be assessed.
let tallyText (c: Claim) =
    let yes, n, t = tally c
    if n = 0 && t = 0 then "no cell assessed"
    else sprintf "%d of %d cells%s" yes n (if t > 0 then sprintf " (%d tied)" t else "")

/// The K1 error the paper reports for exact LF (about 1e-26); a cell agrees at or below 100 times that.
[<Literal>]
let PaperK1Error = 1e-26

/// Problems in the scope of "KAN is strongest on complex and high-dimensional tasks": all but K1, whose
/// correlation is linear and where every architecture reaches round-off with exact LF.
let inKanScope (problem: string) = not (problem.Equals("K1", StringComparison.OrdinalIgnoreCase))

let private archOrder (gs: Group list) = gs |> List.sortBy (fun g -> archRank g.Key.Architecture, g.Key.Architecture)

/// The MF network groups outside the corrupted-sources experiment, per (problem, N_H), in catalogue order.
let private mfCells (gs: Group list) =
    gs
    |> usable
    |> List.filter (fun g -> isMultiFidelity g.Key && g.Key.Corrupted < 0)
    |> List.groupBy (fun g -> g.Key.Problem, g.Key.Nh)
    |> List.sortBy (fun ((p, nh), _) -> problemOrder p, nh)

/// The best MF group of each architecture, in the paper's architecture order.
let private bestPerArch (gs: Group list) =
    gs |> List.groupBy (fun g -> g.Key.Architecture) |> List.choose (snd >> best) |> archOrder

let private archList (bests: Group list) =
    bests |> List.map (fun g -> sprintf "%s %s" g.Key.Architecture (sci g.Stats.Median)) |> String.concat ", "

/// A cell comparing one architecture's best MF error with the best of the other architectures' (`verdict` gets
/// the two medians, that architecture's first); not assessed when either side is missing.
let private architectureCell problem nh (cell: Group list) (arch: string) (verdict: float -> float -> Verdict) =
    let bests = bestPerArch cell
    let mine = bests |> List.tryFind (fun g -> g.Key.Architecture = arch)
    let others = bests |> List.filter (fun g -> g.Key.Architecture <> arch)
    { Problem = problem
      Nh = nh
      Measured = archList bests
      Verdict =
        match mine, best others with
        | Some m, Some o -> verdict m.Stats.Median o.Stats.Median
        | _ -> NotAssessed }

/// The best configuration of a row against its SF baseline; `agrees` decides on the gain in orders.
let private gainCell (agrees: float -> bool) (r: BestConfigurations.Row) =
    match r.Baseline with
    | None -> { Problem = r.Problem; Nh = r.Nh; Measured = sprintf "MF %s (%s); no SF baseline" (sci r.Best.Stats.Median) r.Best.Key.Architecture; Verdict = NotAssessed }
    | Some b ->
        let collapsed = if isCollapsed b.Sf.Stats then ", SF collapsed" else ""
        { Problem = r.Problem
          Nh = r.Nh
          Measured = sprintf "%.1f orders: MF %s (%s, %s) vs SF %s%s" b.Orders (sci r.Best.Stats.Median) r.Best.Key.Architecture
                         (configLabel true r.Best.Key) (sci b.Sf.Stats.Median) collapsed
          Verdict = if agrees b.Orders then Agrees else Disagrees }

let private mfBeatsSf (rows: BestConfigurations.Row list) =
    { Statement = "MF beats SF: SF errors are 1–4 orders of magnitude higher"
      Source = "§8 results (global), §9.1"
      Rule = "best MF configuration of the problem and N_H against the SF baseline of its architecture; agrees at a gain of at least 1 order (a larger gain agrees too)"
      Cells = rows |> List.filter (fun r -> r.Best.Key.Corrupted < 0) |> List.map (gainCell (fun orders -> orders >= 1.0)) }

let private gainLargestWhenScarce (rows: BestConfigurations.Row list) =
    let perProblem =
        rows
        |> List.filter (fun r -> r.Best.Key.Corrupted < 0 && r.Baseline.IsSome)
        |> List.groupBy (fun r -> r.Problem)
        |> List.sortBy (fun (p, _) -> problemOrder p)
    { Statement = "the MF gain is largest in the data-scarce regime"
      Source = "§9.1"
      Rule = "per problem, the gains (orders) of the best configurations at each N_H; agrees when the gain at the smallest N_H is the largest (one N_H only: not assessed)"
      Cells =
        [ for problem, rs in perProblem ->
              let rs = rs |> List.sortBy (fun r -> r.Nh)
              let orders = rs |> List.map (fun r -> r.Baseline.Value.Orders)
              let listed = List.zip rs orders |> List.map (fun (r, o) -> sprintf "%.1f at %d" o r.Nh) |> String.concat ", "
              { Problem = problem
                Nh = rs.Head.Nh
                Measured = sprintf "orders: %s" listed
                Verdict =
                  if rs.Length < 2 then NotAssessed
                  elif orders.Head >= List.max orders then Agrees
                  else Disagrees } ] }

let private kanStrongest (gs: Group list) =
    { Statement = "KAN is the strongest architecture on complex and high-dimensional tasks"
      Source = "§9.2"
      Rule =
        sprintf "best MF error per architecture at each problem and N_H; agrees where KAN's is lower than every other architecture's by more than a factor %g, disagrees where another's is lower than KAN's by more than that, tie otherwise; in scope every problem but K1 (linear correlation, round-off for every architecture with exact LF)"
            TieFactor
      Cells =
        [ for (problem, nh), cell in mfCells gs do
              if inKanScope problem then
                  yield architectureCell problem nh cell "kan" (fun kan others -> lowerThan kan others) ] }

let private sirenUnderperforms (gs: Group list) =
    { Statement = "SIREN generally underperforms relative to KAN and MLP"
      Source = "§9.3"
      Rule =
        sprintf "best MF error per architecture at each problem and N_H; agrees where SIREN's is above the better of MLP and KAN by more than a factor %g, disagrees where it is below by more than that, tie otherwise"
            TieFactor
      Cells =
        [ for (problem, nh), cell in mfCells gs ->
              architectureCell problem nh cell "siren" (fun siren others -> lowerThan others siren) ] }

let private describe (g: Group) = sprintf "%s (%s, %s)" (sci g.Stats.Median) g.Key.Architecture (configLabel true g.Key)

let private encodingHelps (gs: Group list) =
    { Statement = "coordinate encoding helps K3, K4, 2DU and GJG9, hurts K1 and is unnecessary for K5"
      Source = "§8 Table 5, §9.4"
      Rule =
        sprintf "best encoded (affine or nonlinear) against best unencoded MF configuration, any architecture, at each N_H: helped / hurt beyond a factor %g, else no clear effect; \"unnecessary\" agrees with no clear effect and with hurt (as in the ledger)"
            Ledger.EncodingEffectFactor
      Cells =
        [ for (problem, nh), cell in mfCells gs do
              let claim = Ledger.paperClaim problem
              if claim <> "—" then
                  let encoded = cell |> List.filter (fun g -> isEncoded g.Key) |> best
                  let unencoded = cell |> List.filter (fun g -> not (isEncoded g.Key)) |> best
                  match encoded, unencoded with
                  | Some e, Some u ->
                      let effect = Ledger.encodingEffect e.Stats.Median u.Stats.Median
                      { Problem = problem
                        Nh = nh
                        Measured = sprintf "%s: encoded %s vs unencoded %s (paper: %s)" (Ledger.effectName effect) (describe e) (describe u) claim
                        Verdict = (if Ledger.agrees claim effect = "yes" then Agrees else Disagrees) }
                  | _ ->
                      let only = if encoded.IsSome then "only encoded configurations" else "only unencoded configurations"
                      { Problem = problem; Nh = nh; Measured = sprintf "%s (paper: %s)" only claim; Verdict = NotAssessed } ] }

let private lfMode (mode: Experiment.LfMode) (g: Group) = RunModel.lfMode g.Key.Run = Some mode

let private exactUpperBound (gs: Group list) =
    { Statement = "exact LF information is the upper bound (the best case)"
      Source = "§9.5"
      Rule =
        sprintf "best MF configuration with exact LF against the best with learned LF, at each problem and N_H; agrees where exact is lower by more than a factor %g, disagrees where learned is, tie otherwise"
            TieFactor
      Cells =
        [ for (problem, nh), cell in mfCells gs do
              match cell |> List.filter (lfMode Experiment.ExactLf) |> best, cell |> List.filter (lfMode Experiment.LearnedLf) |> best with
              | Some e, Some l ->
                  { Problem = problem
                    Nh = nh
                    Measured = sprintf "exact %s vs learned %s" (describe e) (describe l)
                    Verdict = lowerThan e.Stats.Median l.Stats.Median }
              | _ -> () ] }

let private k1RoundOff (gs: Group list) =
    { Statement = "K1 with exact LF and no encoding reaches about 1e-26"
      Source = "§8 results (K1), §9.5"
      Rule = sprintf "best unencoded exact-LF MF error on K1 at each N_H; agrees at or below %g (as low as the paper's, within two orders)" (100.0 * PaperK1Error)
      Cells =
        [ for (problem, nh), cell in mfCells gs do
              if problem.Equals("K1", StringComparison.OrdinalIgnoreCase) then
                  match cell |> List.filter (fun g -> lfMode Experiment.ExactLf g && not (isEncoded g.Key)) |> best with
                  | Some g ->
                      { Problem = problem
                        Nh = nh
                        Measured = describe g
                        Verdict = if g.Stats.Median <= 100.0 * PaperK1Error then Agrees else Disagrees }
                  | None -> () ] }

let private corruptedSources (rows: BestConfigurations.Row list) =
    { Statement = "MF emulators cope with many, potentially corrupted LF sources"
      Source = "abstract"
      Rule = "CORR-n (n of the LF sources corrupted): best MF configuration against the SF baseline of its architecture; agrees where MF is still better (gain above 0 orders)"
      Cells = rows |> List.filter (fun r -> r.Best.Key.Corrupted >= 0) |> List.map (gainCell (fun orders -> orders > 0.0)) }

/// Every claim, checked from the groups of all the records and their best configurations (BestConfigurations.rows
/// of the same records), as the ledger's tables already hold them.
let ofTables (gs: Group list) (rows: BestConfigurations.Row list) : Claim list =
    [ mfBeatsSf rows
      gainLargestWhenScarce rows
      kanStrongest gs
      sirenUnderperforms gs
      encodingHelps gs
      exactUpperBound gs
      k1RoundOff gs
      corruptedSources rows ]

/// Every claim, checked against all the records given.
let check (records: RunRecord list) : Claim list = ofTables (groups records) (BestConfigurations.rows records)

let toMarkdown (claims: Claim list) =
    let sb = StringBuilder()
    let line (s: string) = sb.Append(s).Append('\n') |> ignore
    line "| # | claim | source | agrees in |"
    line "|---:|---|---|---|"
    claims |> List.iteri (fun i c -> line (sprintf "| %d | %s | %s | %s |" (i + 1) c.Statement c.Source (tallyText c)))
    claims |> List.iteri (fun i c ->
        line ""
        line (sprintf "### %d. %s" (i + 1) c.Statement)
        line ""
        line (sprintf "Rule: %s. Agrees in: %s." c.Rule (tallyText c))
        line ""
        sb.Append(TableText.markdown [ "problem"; "N_H"; "measured"; "agrees" ] [ "---"; "---:"; "---"; "---" ]
                      (c.Cells |> List.map (fun x -> [ x.Problem; string x.Nh; x.Measured; verdictName x.Verdict ])))
        |> ignore)
    sb.ToString()

let toCsv (claims: Claim list) =
    TableText.csv [ "claim"; "problem"; "nh"; "measured"; "agrees" ]
        [ for c in claims do
              for x in c.Cells -> [ c.Statement; x.Problem; string x.Nh; x.Measured; verdictName x.Verdict ] ]
