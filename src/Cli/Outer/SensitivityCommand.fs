/// `emulators sensitivity`: first-order and total Sobol' indices with bootstrap and across-member intervals,
/// and a bar chart.
module Emulators.Cli.Outer.SensitivityCommand

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
    | Bootstrap of int
    | Seed of int
    | Plot of png: string
    | Threads of int
    | Json
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Dist _ -> "an input's distribution as NAME=uniform(lo,hi), normal(mean,sd), truncnormal(mean,sd,lo,hi) or lognormal(mu,sigma) (repeatable; inputs not named stay uniform over the training box)"
            | Spec _ -> "JSON file of input distributions (as for `emulators propagate`)"
            | Samples _ -> "Saltelli base samples n; the model runs at n (d + 2) points (default 16384)"
            | Bootstrap _ -> "bootstrap resamples of the base rows (default 300)"
            | Plot _ -> "write a bar chart of the indices to this PNG (and an SVG next to it)"
            | _ -> sharedUsage a

let private indexJson (i: Sensitivity.Index) =
    dict [ "value", box i.Value
           "bootstrap", box (interval i.Bootstrap)
           "emulator", (match i.Emulator with Some e -> box (interval e) | None -> null)
           "members", (match i.MemberValues with Some v -> box v | None -> null) ]

let execute (a: ParseResults<Args>) =
    Native.init (a.GetResult(Threads, defaultValue = 1))
    let json = a.Contains Json
    let settings =
        { Sensitivity.defaults with
            BaseSamples = a.GetResult(Samples, defaultValue = Sensitivity.defaults.BaseSamples)
            Bootstrap = a.GetResult(Bootstrap, defaultValue = Sensitivity.defaults.Bootstrap)
            Seed = a.GetResult(Seed, defaultValue = 0) }
    Sensitivity.validate settings
    let r0 = resolve (choiceOf a) (not json)
    let space = inputSpace r0 (a.GetResults Dist) (a.TryGetResult Spec)
    let r = Sensitivity.run settings space r0.Predictor
    printfn "%s: Sobol' indices from %d model runs (n = %d), output variance %s" r.Predictor r.Evaluations r.BaseSamples (fmt r.Variance)
    let pct = sprintf "%g %%" (100.0 * r.Level)
    printfn "%-10s %9s %24s %24s %9s %24s %24s" "input" "S_i" ("bootstrap " + pct) ("members " + pct) "S_Ti" ("bootstrap " + pct) ("members " + pct)
    for j in 0 .. space.Length - 1 do
        let f, t = r.FirstOrder[j], r.Total[j]
        let emu (i: Sensitivity.Index) = i.Emulator |> Option.map intervalText |> Option.defaultValue "-"
        printfn "%-10s %9.4f %24s %24s %9.4f %24s %24s" r0.InputNames[j] f.Value (intervalText f.Bootstrap) (emu f) t.Value (intervalText t.Bootstrap) (emu t)
    match a.TryGetResult Plot with
    | Some path ->
        let files = savePlot path 900 600 (Emulators.Figures.SobolFigure.barChart r r0.InputNames)
        printfn "wrote %s" (String.concat ", " files)
    | None -> ()
    if json then
        printfn "%s"
            (Emulators.Cli.Json.line
                [ "predictor", box r.Predictor
                  "evaluations", box r.Evaluations
                  "baseSamples", box r.BaseSamples
                  "level", box r.Level
                  "variance", box r.Variance
                  "inputs", box [| for j in 0 .. space.Length - 1 ->
                                   dict [ "name", box r0.InputNames[j]
                                          "distribution", box (InputDistribution.name space[j])
                                          "firstOrder", box (indexJson r.FirstOrder[j])
                                          "total", box (indexJson r.Total[j]) ] |] ])
    0
