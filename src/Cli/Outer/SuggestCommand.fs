/// `emulators suggest`: where to run the next K HF simulations, as a CSV of inputs.
module Emulators.Cli.Outer.SuggestCommand

open Argu
open Emulators.Core
open Emulators.Core.Outer
open Emulators.Cli.Outer.OuterModel

type Args =
    | [<AltCommandLine("-m")>] Model of model_dir: string
    | Problem of name: string
    | Nh of int
    | Members of int
    | Arch of name: string
    | Lf of mode: string
    | Epochs of int
    | Lbfgs of iterations: int
    | [<AltCommandLine("-n")>] Count of int
    | Criterion of name: string
    | Goal of min_or_max: string
    | Data of csv: string
    | Candidates of int
    | Seed of int
    | [<AltCommandLine("-o")>] Out of csv: string
    | Threads of int
    | Json
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Count _ -> "number of points K (default 4)"
            | Criterion _ ->
                Emulators.Cli.Read.namedHelp "largest predictive spread (for accuracy) or largest expected improvement (for optimization)"
                    Suggest.Criterion.names Suggest.CriterionKind.Spread
            | Goal _ -> Emulators.Cli.Read.namedHelp "with ei, the goal" Optimize.Goal.names Optimize.Minimize
            | Data _ -> "CSV of the HF runs done so far (the model's input columns, and its output for ei): new points keep away from them"
            | Candidates _ -> "scrambled Sobol' candidate points (default 4096)"
            | Out _ -> "CSV to write the suggested inputs to (with the predicted mean and std)"
            | _ -> sharedUsage a

let execute (a: ParseResults<Args>) =
    Native.init (a.GetResult(Threads, defaultValue = 1))
    let json = a.Contains Json
    let goal = Emulators.Cli.Read.named "goal" Optimize.Goal.names Optimize.Minimize (a.TryGetResult Goal)
    let settings =
        { Suggest.defaults with
            Count = a.GetResult(Count, defaultValue = Suggest.defaults.Count)
            Criterion = Suggest.Criterion.ofKind (Emulators.Cli.Read.named "criterion" Suggest.Criterion.names Suggest.CriterionKind.Spread (a.TryGetResult Criterion)) goal
            Candidates = a.GetResult(Candidates, defaultValue = Suggest.defaults.Candidates)
            Seed = a.GetResult(Seed, defaultValue = 0) }
    Suggest.validate settings
    let r0 = resolve (choiceOf a) (not json)
    let existing, existingY =
        match a.TryGetResult Data with
        | Some path ->
            let t = Csv.read path
            let x = Csv.columns t r0.InputNames
            let y =
                if Array.contains r0.OutputName t.Columns then Some(Csv.columns t [| r0.OutputName |] |> Array.map (fun r -> r[0]))
                else None
            x, y
        | None ->
            match r0.HfPoints with
            | Some(x, y) -> x, Some y
            | None -> [||], None
    let pts = Suggest.run settings existing existingY r0.Predictor
    let rows = pts |> List.map (fun p -> Array.append p.X [| p.Mean; p.Std |]) |> Array.ofList
    let header = Array.append r0.InputNames [| r0.OutputName + "_mean"; r0.OutputName + "_std" |]
    match a.TryGetResult Out with
    | Some path ->
        Csv.write path header rows
        printfn "wrote %d suggested points (%s, %d existing points kept apart) to %s" pts.Length (Suggest.Criterion.name settings.Criterion) existing.Length path
    | None ->
        printfn "%s" (String.concat "," header)
        for r in rows do
            printfn "%s" (r |> Array.map fmt |> String.concat ",")
    if json then
        printfn "%s"
            (Emulators.Cli.Json.line
                [ "criterion", box (Suggest.Criterion.name settings.Criterion)
                  "predictor", box r0.Predictor.Name
                  "inputNames", box r0.InputNames
                  "existing", box existing.Length
                  "points", box [| for p in pts -> dict [ "x", box p.X; "mean", box p.Mean; "std", box p.Std; "acquisition", box p.Acquisition ] |] ])
    0
