/// Every figure and table of the assessment, rendered from all the records of a results file into a directory:
/// functions-, error-vs-nh- (or error-), gain- and prediction-<problem>, corrupted-sources, summary-gain (each PNG
/// + SVG with its caption), the ledger (ledger.md: the encoding ledger and the best configuration per problem and
/// N_H, and the GP baselines against the best network; ledger.csv, best-configurations.csv, gp-comparison.csv), the
/// paper's claims checked cell by cell (claims.md, claims.csv) and FIGURES.md, the index of figures and captions.
module Emulators.Figures.Render

open System
open System.IO
open Emulators.Core
open Emulators.Core.Assessment
open Emulators.Core.Assessment.Aggregate
open Emulators.Figures.Export

/// The problem whose functions a results problem name shows; the corrupted-sources family records "CORR" and its
/// n: its most corrupted member.
let private catalogueProblem (records: RunRecord list) (problem: string) =
    if problem.Equals("CORR", StringComparison.OrdinalIgnoreCase) then
        records |> List.filter (fun r -> r.Problem = problem) |> List.map (fun r -> r.Corrupted) |> List.max
        |> sprintf "CORR-%d" |> Problems.Catalogue.find |> Some
    else Problems.Catalogue.all |> List.tryFind (fun p -> p.Name.Equals(problem, StringComparison.OrdinalIgnoreCase))

/// claims.md and claims.csv: each of the paper's claims checked against the records, cell by cell.
let private writeClaims (outDir: string) (records: RunRecord list) (claims: Claims.Claim list) =
    let md = Path.Combine(outDir, "claims.md")
    let csv = Path.Combine(outDir, "claims.csv")
    let text =
        String.concat "\n" [
            "# The paper's claims, checked"
            ""
            sprintf "From all %d run records of this preset. Each claim of the paper (paper-spec §8–9) is checked in every cell (problem × N_H) the records cover, by the rule given under it; errors are medians over the repetitions of the normalized test MSE. `claims.csv` holds the same cells." records.Length
            ""
            Claims.toMarkdown claims ]
    File.WriteAllText(md, text)
    File.WriteAllText(csv, Claims.toCsv claims)
    [ md; csv ]

/// ledger.md (its tables), ledger.csv, best-configurations.csv, claims.md and claims.csv and, with GP records,
/// gp-comparison.csv; with the files, the claims as checked.
let private writeTables (outDir: string) (records: RunRecord list) (gs: Group list) : Result<string list * Claims.Claim list, string> =
    match Ledger.rows gs, BestConfigurations.rows records with
    | [], [] -> Error "ledger: no MF results"
    | ledger, bestRows ->
        let md = Path.Combine(outDir, "ledger.md")
        let csv = Path.Combine(outDir, "ledger.csv")
        let bestCsv = Path.Combine(outDir, "best-configurations.csv")
        let gpRows = GpComparison.rows gs
        let gpCsv = Path.Combine(outDir, "gp-comparison.csv")
        let text =
            String.concat "\n" [
                "# Assessment ledger"
                ""
                sprintf "From all %d run records of this preset." records.Length
                ""
                "## Encoding ledger (Table 5 style)"
                ""
                Ledger.toMarkdown ledger
                "## Best configuration per problem and N_H"
                ""
                BestConfigurations.toMarkdown bestRows
                if not gpRows.IsEmpty then
                    "## Gaussian-process baselines against the best network"
                    ""
                    GpComparison.toMarkdown gpRows ]
        File.WriteAllText(md, text)
        File.WriteAllText(csv, Ledger.toCsv ledger)
        File.WriteAllText(bestCsv, BestConfigurations.toCsv bestRows)
        let claims = Claims.ofTables gs bestRows
        let claimFiles = writeClaims outDir records claims
        if gpRows.IsEmpty then Ok([ md; csv; bestCsv ] @ claimFiles, claims)
        else
            File.WriteAllText(gpCsv, GpComparison.toCsv gpRows)
            Ok([ md; csv; bestCsv; gpCsv ] @ claimFiles, claims)

/// Render every figure the records support. Returns the files written, one note per figure that was skipped
/// (missing data, unknown problem, or an error while rendering it; a failing figure never stops the others) and
/// the paper's claims as claims.md shows them (none when the tables were not written).
let private renderEverything (records: RunRecord list) (outDir: string) : string list * string list * Claims.Claim list =
    Directory.CreateDirectory outDir |> ignore
    let gs = groups records
    let gains = Gain.points records
    let attempt (what: string) (f: unit -> Result<Figure, string> list) =
        try f () with e -> [ Error(sprintf "%s: not rendered (%s)" what e.Message) ]
    let problems =
        records |> List.map (fun r -> r.Problem) |> List.filter (String.IsNullOrWhiteSpace >> not) |> List.distinct
        |> List.sortBy (fun p -> problemOrder p, p)
    let isCorruptedOnly (p: string) = records |> List.forall (fun r -> r.Problem <> p || r.Corrupted >= 0)
    let outcomes =
        [ yield! attempt "summary-gain" (fun () -> [ SummaryFigure.render outDir gains ])
          for problem in problems do
              yield!
                  attempt ("functions-" + problem) (fun () ->
                      match catalogueProblem records problem with
                      | Some p -> FunctionsFigure.render outDir p |> List.map Ok
                      | None -> [ Error(sprintf "functions-%s: problem not in the catalogue" problem) ])
              if not (isCorruptedOnly problem) then
                  yield! attempt ("error-vs-nh-" + problem) (fun () -> [ ErrorFigure.render outDir problem gs ])
                  yield! attempt ("gain-" + problem) (fun () -> [ GainFigure.render outDir problem gains ])
                  yield! attempt ("prediction-" + problem) (fun () -> [ PredictionFigure.render outDir problem records gs ])
          yield! attempt "corrupted-sources" (fun () -> CorruptedFigure.render outDir records gs) ]
    let figures = outcomes |> List.choose (function Ok f -> Some f | Error _ -> None)
    let notes = outcomes |> List.choose (function Error n -> Some n | Ok _ -> None)
    let tables, claims, tableNotes =
        match (try writeTables outDir records gs with e -> Error(sprintf "ledger: not written (%s)" e.Message)) with
        | Ok(files, claims) -> files, claims, []
        | Error n -> [], [], [ n ]
    let index =
        if figures.IsEmpty && tables.IsEmpty then []
        else [ Index.write outDir records.Length figures (tables |> List.map Path.GetFileName) ]
    (figures |> List.collect (fun f -> f.Files)) @ tables @ index, notes @ tableNotes, claims

/// Render every figure the records support. Returns the files written and one note per figure that was skipped
/// (missing data, unknown problem, or an error while rendering it); a failing figure never stops the others.
let renderAllWithNotes (records: RunRecord list) (outDir: string) : string list * string list =
    let files, notes, _ = renderEverything records outDir
    files, notes

/// Render every figure the records support into `outDir` and return the files written and the paper's claims
/// as checked for claims.md. Figures without data are skipped with a one-line note on stderr.
let renderAll (records: RunRecord list) (outDir: string) : string list * Claims.Claim list =
    let files, notes, claims = renderEverything records outDir
    for n in notes do
        eprintfn "figures: skipped %s" n
    files, claims
