/// `emulators train | predict | evaluate`: the user-data workflow on CSV files and model directories.
module Emulators.Cli.UserDataCommands

open System
open Argu
open Emulators.Core
open Emulators.Cli.Args

let private parseLf (spec: string) =
    match spec.IndexOf '=' with
    | i when i > 0 && i < spec.Length - 1 -> spec.Substring(0, i).Trim(), spec.Substring(i + 1).Trim()
    | _ -> Errors.fail "--lf '%s': expected NAME=file.csv" spec

let private fmt (v: float) = v.ToString("0.000e+00", Globalization.CultureInfo.InvariantCulture)

let train (args: ParseResults<TrainArgs>) =
    Native.init (args.GetResult(TrainArgs.Threads, defaultValue = 1))
    let hfTable = Csv.read (args.GetResult TrainArgs.Hf)
    let inputs = args.TryGetResult TrainArgs.Inputs |> Option.map (fun s -> s.Split(',') |> Array.map (fun c -> c.Trim()))
    let output = args.TryGetResult TrainArgs.Output
    let hfIn, hfX, outName, hfY = Csv.split hfTable inputs output
    let sources =
        args.GetResults TrainArgs.Lf
        |> List.map (fun spec ->
            let name, path = parseLf spec
            let t = Csv.read path
            // The LF output column: the HF output's name when the file has it, else its last column.
            let out = if Array.contains outName t.Columns then outName else t.Columns[t.Columns.Length - 1]
            // Same input columns as the HF file when it has them all, else every other column.
            let ins = if hfIn |> Array.forall (fun c -> Array.contains c t.Columns) then Some hfIn else None
            let names, x, _, y = Csv.split t ins (Some out)
            Workflow.FromData { Name = name; X = x; Y = y; Domain = None; InputNames = Some names })
    let d = Workflow.defaultOptions
    let o: Workflow.Options =
        { Architecture = args.GetResult(TrainArgs.Arch, defaultValue = d.Architecture)
          Depth = args.GetResult(TrainArgs.Depth, defaultValue = d.Depth)
          Width = args.GetResult(TrainArgs.Width, defaultValue = d.Width)
          Blocks =
            BlockOptions.settings (args.TryGetResult TrainArgs.Omega0) (args.TryGetResult TrainArgs.Kan_Grid)
                (args.TryGetResult TrainArgs.Kan_Order) (args.TryGetResult TrainArgs.Kan_Range)
          Encoding = args.GetResult(TrainArgs.Encoding, defaultValue = d.Encoding)
          Strategy = args.GetResult(TrainArgs.Strategy, defaultValue = d.Strategy)
          AdamEpochs = args.GetResult(TrainArgs.Epochs, defaultValue = d.AdamEpochs)
          LbfgsIterations = args.GetResult(TrainArgs.Lbfgs, defaultValue = d.LbfgsIterations)
          LearningRate = args.GetResult(TrainArgs.Lr, defaultValue = d.LearningRate)
          Lambda = args.GetResult(TrainArgs.Lambda, defaultValue = d.Lambda)
          EncoderLambda = args.GetResult(TrainArgs.Encoder_Lambda, defaultValue = d.EncoderLambda)
          KanGridUpdate = args.Contains TrainArgs.Kan_Grid_Update || d.KanGridUpdate
          Seed = args.GetResult(TrainArgs.Seed, defaultValue = d.Seed)
          Members = args.GetResult(TrainArgs.Members, defaultValue = d.Members)
          Precision = args.GetResult(TrainArgs.Precision, defaultValue = d.Precision)
          Selection = args.GetResult(TrainArgs.Select, defaultValue = d.Selection)
          Budget = args.GetResult(TrainArgs.Budget, defaultValue = d.Budget) }
    // Flags given with --select auto narrow the candidates instead of fixing the model.
    let restrict (s: Selection.Space) : Selection.Space =
        { s with
            Families = (match args.TryGetResult TrainArgs.Arch with Some a -> [ a ] | None -> s.Families)
            Sizes =
                (match args.TryGetResult TrainArgs.Depth, args.TryGetResult TrainArgs.Width with
                 | None, None -> s.Sizes
                 | depth, width -> [ defaultArg depth d.Depth, defaultArg width d.Width ])
            Encodings = (match args.TryGetResult TrainArgs.Encoding with Some e -> [ e ] | None -> s.Encodings)
            LearningRates = (match args.TryGetResult TrainArgs.Lr with Some v -> [ v ] | None -> s.LearningRates)
            Lambdas = (match args.TryGetResult TrainArgs.Lambda with Some v -> [ v ] | None -> s.Lambdas)
            GaussianProcesses = (if args.Contains TrainArgs.Gp then Gp.GpCandidates.kinds else s.GaussianProcesses) }
    let json = args.Contains TrainArgs.Json
    let dir = args.GetResult TrainArgs.Out
    let trained =
        UserModel.train o (Some restrict) { X = hfX; Y = hfY } (Some hfIn) (Some outName) sources (Progress.reporter (not json)) Threading.CancellationToken.None
    Progress.clear ()
    match trained.Report with
    | Some r -> SelectionTable.print r
    | None -> ()
    ModelFile.save dir trained.Metadata trained.Emulator
    let fitErr = Workflow.evaluate trained.Emulator hfX hfY
    let kind = if sources.IsEmpty then "single-fidelity" else sprintf "multi-fidelity, %d LF source(s)" sources.Length
    let kind = if trained.Emulator.Sources.IsEmpty then "single-fidelity" else kind
    let family =
        match trained.Emulator.Gaussian with
        | Some g -> Gp.GpEmulator.name g
        | None -> Block.name trained.Emulator.Spec.Correlation
    printfn "trained %s %s on %d HF points in %.1f s; saved to %s" kind family hfX.Length trained.Fit.Seconds dir
    printfn "training-set RMSE %s (normalized MSE %s)" (fmt fitErr.Rmse) (fmt fitErr.NormalizedMse)
    if json then
        let selection = trained.Report |> Option.map (fun r -> (UserModel.reportJson r).ToJsonString()) |> Option.defaultValue "null"
        let head = Json.line [ "model", box dir; "hfPoints", box hfX.Length; "sources", box sources.Length
                               "trainingRmse", box fitErr.Rmse; "trainingNormalizedMse", box fitErr.NormalizedMse
                               "seconds", box trained.Fit.Seconds ]
        printfn "%s,\"selection\":%s}" (head.TrimEnd('}')) selection
    0

let private loadModel (dir: string) =
    ModelFile.load dir (fun name -> Errors.fail "the model uses the exact LF function '%s', which only the library API can supply" name)

/// The model's input columns from a CSV table, in the model's order.
let private modelInputs (loaded: ModelFile.Loaded) (t: Csv.Table) =
    match loaded.Metadata.InputNames with
    | Some names -> Csv.columns t names
    | None ->
        let d = loaded.Emulator.Domain.Dim
        if t.Columns.Length < d then Errors.fail "%s: the model has %d inputs but the file has %d columns" t.File d t.Columns.Length
        t.Rows |> Array.map (fun r -> r[0 .. d - 1])

let private warnOutside (loaded: ModelFile.Loaded) (t: Csv.Table) (x: float[][]) =
    let outside = Workflow.outsideDomain loaded.Emulator x
    if not outside.IsEmpty then
        let i, j = outside.Head
        let col = loaded.Metadata.InputNames |> Option.map (fun n -> n[j]) |> Option.defaultValue (string j)
        eprintfn "warning: %d input value(s) lie outside the training range (first: %s, line %d, column '%s' = %g); predictions there are extrapolations"
            outside.Length t.File (t.Lines[i]) col (x[i][j])

let predict (args: ParseResults<PredictArgs>) =
    Native.init 1
    let loaded = loadModel (args.GetResult PredictArgs.Model)
    let t = Csv.read (args.GetResult PredictArgs.Input)
    let x = modelInputs loaded t
    warnOutside loaded t x
    let names = loaded.Metadata.InputNames |> Option.defaultValue (Array.init x[0].Length (sprintf "x%d"))
    let out = loaded.Metadata.OutputName |> Option.defaultValue "y"
    let path = args.GetResult PredictArgs.Out
    if loaded.Emulator.Members > 1 || loaded.Emulator.Gaussian.IsSome then
        // A deep ensemble: the members' mean and spread; a Gaussian process: its mean and predictive std.
        let u = Uncertainty.predict loaded.Emulator x
        let rows = Array.init x.Length (fun i -> Array.append x[i] [| u.Mean[i]; u.Std[i] |])
        Csv.write path (Array.append names [| out; out + "_std" |]) rows
    else
        let p = Emulator.predict loaded.Emulator x
        let rows = Array.init x.Length (fun i -> Array.append x[i] [| p.Value[i]; p.Linear[i]; p.Nonlinear[i] |])
        Csv.write path (Array.append names [| out; out + "_linear"; out + "_nonlinear" |]) rows
    printfn "wrote %d predictions to %s" x.Length path
    0

let evaluate (args: ParseResults<EvaluateArgs>) =
    Native.init 1
    let loaded = loadModel (args.GetResult EvaluateArgs.Model)
    let t = Csv.read (args.GetResult EvaluateArgs.Data)
    let x = modelInputs loaded t
    let out = loaded.Metadata.OutputName |> Option.defaultValue t.Columns[t.Columns.Length - 1]
    let y = Csv.columns t [| out |] |> Array.map (fun r -> r[0])
    warnOutside loaded t x
    let e = Workflow.evaluate loaded.Emulator x y
    printfn "%d points of %s" x.Length t.File
    printfn "normalized MSE %s   RMSE %s   max error %s" (fmt e.NormalizedMse) (fmt e.Rmse) (fmt e.MaxError)
    if args.Contains EvaluateArgs.Json then
        printfn "%s" (Json.line [ "points", box x.Length; "normalizedMse", box e.NormalizedMse; "rmse", box e.Rmse; "maxError", box e.MaxError ])
    0
