/// `emulators optimize`: the minimum or maximum of the emulator in its box, with the uncertainty at x* and, for a
/// built-in problem, the true HF value there.
module Emulators.Cli.Outer.OptimizeCommand

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
    | Goal of min_or_max: string
    | Starts of int
    | Scan of points: int
    | Seed of int
    | Threads of int
    | Json
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Goal _ -> Emulators.Cli.Read.namedHelp "goal" Optimize.Goal.names Optimize.Minimize
            | Starts _ -> "L-BFGS-B runs from the best spread-out scan points (default 8)"
            | Scan _ -> "scrambled Sobol' points scanned for the starts (default 1024)"
            | _ -> sharedUsage a

let execute (a: ParseResults<Args>) =
    Native.init (a.GetResult(Threads, defaultValue = 1))
    let json = a.Contains Json
    let settings =
        { Optimize.defaults with
            Goal = Emulators.Cli.Read.named "goal" Optimize.Goal.names Optimize.Minimize (a.TryGetResult Goal)
            Starts = a.GetResult(Starts, defaultValue = Optimize.defaults.Starts)
            ScanPoints = a.GetResult(Scan, defaultValue = Optimize.defaults.ScanPoints)
            Seed = a.GetResult(Seed, defaultValue = 0) }
    Optimize.validate settings
    let r0 = resolve (choiceOf a) (not json)
    let r = Optimize.run settings None r0.Predictor
    let truth = r0.Problem |> Option.map (fun p -> (Experiment.evaluate p.Hf [| r.X |])[0])
    let xText = Array.map2 (fun n v -> sprintf "%s = %s" n (fmt v)) r0.InputNames r.X |> String.concat ", "
    printfn "%s of %s: %s" (Optimize.Goal.name r.Goal) r.Predictor xText
    printfn "  predicted %s = %s%s" r0.OutputName (fmt r.Value) (r.Std |> Option.map (fun s -> sprintf " ± %s (members' std)" (fmt s)) |> Option.defaultValue "")
    match truth with
    | Some t -> printfn "  true HF value there: %s (error %s)" (fmt t) (fmt (r.Value - t))
    | None -> ()
    printfn "  %d starts, %d model evaluations" r.Starts.Length r.Evaluations
    if json then
        printfn "%s"
            (Emulators.Cli.Json.line
                [ "goal", box (Optimize.Goal.name r.Goal)
                  "predictor", box r.Predictor
                  "inputNames", box r0.InputNames
                  "x", box r.X
                  "value", box r.Value
                  "std", (match r.Std with Some s -> box s | None -> null)
                  "members", (match r.MemberValues with Some v -> box v | None -> null)
                  "trueValue", (match truth with Some t -> box t | None -> null)
                  "evaluations", box r.Evaluations
                  "starts", box [| for s in r.Starts -> dict [ "from", box s.From; "x", box s.X; "value", box s.Value; "iterations", box s.Iterations; "exit", box s.Exit ] |] ])
    0
