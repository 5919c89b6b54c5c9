/// The model-selection report as a console table.
module Emulators.Cli.SelectionTable

open Emulators.Core

let private e (v: float) =
    if System.Double.IsFinite v then v.ToString("0.00e+00", System.Globalization.CultureInfo.InvariantCulture) else "failed"

let print (r: SelectionReport) =
    printfn "model selection: %s cross-validation on the HF points, budget %s, %d candidates, %.1f s" r.Method r.Budget r.Candidates.Length r.Seconds
    printfn "  %-46s %8s %8s %12s %10s" "candidate" "lr" "lambda" "CV nMSE" "spread"
    for c in r.Candidates do
        let mark = if c = r.Chosen then "*" else " "
        printfn "%s %-46s %8s %8s %12s %10s" mark c.Structure (e c.LearningRate) (e c.Lambda) (e c.CvError) (e c.CvSpread)
    printfn "chosen: %s (lr %s, lambda %s); estimated generalization error (CV normalized MSE) %s" r.Chosen.Structure (e r.Chosen.LearningRate) (e r.Chosen.Lambda) (e r.EstimatedError)
