/// The model-selection report as a console table.
module Emulators.Cli.SelectionTable

open Emulators.Core

let private e (v: float) =
    if System.Double.IsFinite v then v.ToString("0.00e+00", System.Globalization.CultureInfo.InvariantCulture) else "failed"

/// Gaussian-process candidates have no learning rate or penalty.
let private isGp (c: SelectionCandidate) = List.contains c.Family Gp.GpCandidates.kinds

let print (r: SelectionReport) =
    printfn "model selection: %s cross-validation on the HF points, budget %s, %d candidates, %.1f s" r.Method r.Budget r.Candidates.Length r.Seconds
    printfn "  %-46s %8s %8s %12s %10s" "candidate" "lr" "lambda" "CV nMSE" "spread"
    let hyper (c: SelectionCandidate) (v: float) = if isGp c then "-" else e v
    for c in r.Candidates do
        let mark = if c = r.Chosen then "*" else " "
        printfn "%s %-46s %8s %8s %12s %10s" mark c.Structure (hyper c c.LearningRate) (hyper c c.Lambda) (e c.CvError) (e c.CvSpread)
    match r.Candidates |> List.tryHead with
    | Some best when best <> r.Chosen && isGp best && not (isGp r.Chosen) ->
        printfn "note: %s has the lowest CV error, but not by more than one standard error of the difference: the network is kept" best.Structure
    | _ -> ()
    let settings = if isGp r.Chosen then "" else sprintf " (lr %s, lambda %s)" (e r.Chosen.LearningRate) (e r.Chosen.Lambda)
    printfn "chosen: %s%s; estimated generalization error (CV normalized MSE) %s" r.Chosen.Structure settings (e r.EstimatedError)
