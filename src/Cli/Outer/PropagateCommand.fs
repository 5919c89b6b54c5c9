/// `emulators propagate`: the output distribution under input distributions, with Monte Carlo and emulator
/// intervals, and a histogram.
module Emulators.Cli.Outer.PropagateCommand

open System
open Argu
open Emulators.Core
open Emulators.Core.Outer
open Emulators.Cli.Outer.OuterModel

type Args =
    | [<AltCommandLine("-m")>] Model of model_dir: string
    | Problem of name: string
    | Exact
    | Nh of int
    | Members of int
    | Arch of name: string
    | Lf of mode: string
    | Epochs of int
    | Lbfgs of iterations: int
    | Dist of name_eq_distribution: string
    | Spec of json: string
    | Samples of int
    | Replicates of int
    | Design of name: string
    | Quantiles of list: string
    | Seed of int
    | Plot of png: string
    | Threads of int
    | Json
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Dist _ -> "an input's distribution as NAME=uniform(lo,hi), normal(mean,sd), truncnormal(mean,sd,lo,hi) or lognormal(mu,sigma) (repeatable; inputs not named stay uniform over the training box)"
            | Spec _ -> "JSON file of input distributions: {\"x1\": {\"type\": \"normal\", \"mean\": 0.5, \"sd\": 0.1}, \"x2\": \"uniform(0,2)\"}"
            | Samples _ -> "Monte Carlo points in total (default 16384)"
            | Replicates _ -> "independently randomized replicates, whose spread is the Monte Carlo error (default 16)"
            | Design _ -> Emulators.Cli.Read.namedHelp "Monte Carlo design (Owen-scrambled Sobol' or Latin hypercube)" McDesign.names SobolMc
            | Quantiles _ -> "comma-separated output quantiles (default 0.05,0.5,0.95)"
            | Plot _ -> "write a histogram of the output to this PNG (and an SVG next to it)"
            | _ -> sharedUsage a

let private parseQuantiles (s: string) =
    s.Split(',')
    |> Array.map (fun t ->
        match Double.TryParse(t.Trim(), Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture) with
        | true, v -> v
        | _ -> Errors.fail "--quantiles: '%s' is not a number" (t.Trim()))
    |> List.ofArray

let private estimateJson (e: Propagation.Estimate) =
    dict [ "value", box e.Value
           "monteCarlo", box (interval e.MonteCarlo)
           "emulator", (match e.Emulator with Some i -> box (interval i) | None -> null)
           "combined", box (interval e.Combined) ]

let execute (a: ParseResults<Args>) =
    Native.init (a.GetResult(Threads, defaultValue = 1))
    let json = a.Contains Json
    let settings =
        { Propagation.defaults with
            Samples = a.GetResult(Samples, defaultValue = Propagation.defaults.Samples)
            Replicates = a.GetResult(Replicates, defaultValue = Propagation.defaults.Replicates)
            Design = Emulators.Cli.Read.named "design" McDesign.names SobolMc (a.TryGetResult Design)
            Quantiles = (match a.TryGetResult Quantiles with Some q -> parseQuantiles q | None -> Propagation.defaults.Quantiles)
            Seed = a.GetResult(Seed, defaultValue = 0) }
    Propagation.validate settings
    let r0 = resolve (choiceOf a) (not json)
    let space = inputSpace r0 (a.GetResults Dist) (a.TryGetResult Spec)
    let r = Propagation.run settings space r0.Predictor
    printfn "%s, %d %s samples in %d replicates" r.Predictor r.Samples (McDesign.name r.Design) r.Replicates
    for j, d in Array.indexed r.Inputs do
        printfn "  %s ~ %s" r0.InputNames[j] (InputDistribution.name d)
    if r.OutsideDomain > 0.0 then
        eprintfn "warning: %.1f %% of the input samples lie outside the training box; predictions there are extrapolations" (100.0 * r.OutsideDomain)
    let pct = sprintf "%g %%" (100.0 * r.Level)
    printfn "%-10s %14s %28s %28s %28s" "statistic" "value" ("Monte Carlo " + pct) ("emulator " + pct) ("combined " + pct)
    let row (name: string) (e: Propagation.Estimate) =
        printfn "%-10s %14s %28s %28s %28s" name (fmt e.Value) (intervalText e.MonteCarlo)
            (e.Emulator |> Option.map intervalText |> Option.defaultValue "-") (intervalText e.Combined)
    row "mean" r.Mean
    row "std" r.Std
    for q, e in r.Quantiles do row (sprintf "q%g" q) e
    match a.TryGetResult Plot with
    | Some path ->
        let files = savePlot path 900 600 (Emulators.Figures.PropagationFigure.histogram r r0.OutputName)
        printfn "wrote %s" (String.concat ", " files)
    | None -> ()
    if json then
        printfn "%s"
            (Emulators.Cli.Json.line
                [ "predictor", box r.Predictor
                  "inputs", box [| for j, d in Array.indexed r.Inputs -> dict [ "name", box r0.InputNames[j]; "distribution", box (InputDistribution.name d) ] |]
                  "design", box (McDesign.name r.Design)
                  "samples", box r.Samples
                  "replicates", box r.Replicates
                  "level", box r.Level
                  "mean", box (estimateJson r.Mean)
                  "std", box (estimateJson r.Std)
                  "quantiles", box [| for q, e in r.Quantiles -> dict [ "p", box q; "estimate", box (estimateJson e) ] |]
                  "outsideDomain", box r.OutsideDomain ])
    0
