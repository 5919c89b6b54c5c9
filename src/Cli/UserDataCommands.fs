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

/// Warn about rows that repeat the inputs of an earlier row: they weigh twice, and with another output they are
/// noise or a mistake.
let private warnRepeated (what: string) (t: Csv.Table) (inputs: string[]) (output: string) =
    match Csv.repeatedInputs t inputs output with
    | [] -> ()
    | repeats ->
        let line, first, same = repeats.Head
        let conflicting = repeats |> List.filter (fun (_, _, s) -> not s) |> List.length
        eprintfn "warning: %s (%s): %d row(s) repeat the inputs of an earlier row (first: line %d repeats line %d%s); a repeated point weighs twice%s"
            what t.File repeats.Length line first (if same then "" else " with another output")
            (if conflicting > 0 then sprintf ", and %d repeat(s) have another output (noisy or inconsistent data)" conflicting else "")

/// The input columns of an LF file, given the HF inputs. With --inputs, the named columns (when the file has them
/// all). Otherwise every column but the output, the HF inputs first: a column the HF file lacks is a further input
/// of the LF source (which then needs an encoding), never dropped; inputs of other names are paired with the HF
/// inputs by position, and the user is told.
let private lfInputs (name: string) (t: Csv.Table) (hfIn: string[]) (out: string) (inputsGiven: bool) =
    let others = t.Columns |> Array.filter ((<>) out)
    let has c = Array.contains c others
    if inputsGiven && hfIn |> Array.forall has then hfIn
    elif hfIn |> Array.forall has then
        let extra = others |> Array.filter (fun c -> not (Array.contains c hfIn))
        if extra.Length > 0 then
            eprintfn "note: LF source '%s' (%s): column(s) %s are not HF inputs; they are taken as further inputs of the source, which then needs an encoding (affine or nonlinear)"
                name t.File (String.Join(", ", extra |> Array.map (sprintf "'%s'")))
        Array.append hfIn extra
    else
        if others.Length = hfIn.Length then
            let pairs = Array.map2 (fun h l -> sprintf "'%s' = '%s'" h l) hfIn others
            eprintfn "warning: LF source '%s' (%s): its input column(s) have other names than the HF inputs; they are paired by position (%s). Name them alike if they are the same inputs"
                name t.File (String.Join(", ", pairs))
        others

let train (args: ParseResults<TrainArgs>) =
    Native.useThreads (args.TryGetResult TrainArgs.Threads)
    let dir = args.GetResult TrainArgs.Out
    // the model directory is checked before any work is done
    let replacing = ModelFile.checkTarget dir
    let hfTable = Csv.read (args.GetResult TrainArgs.Hf)
    let inputs = args.TryGetResult TrainArgs.Inputs |> Option.map (fun s -> s.Split(',') |> Array.map (fun c -> c.Trim()))
    let output = args.TryGetResult TrainArgs.Output
    let hfIn, hfX, outName, hfY = Csv.split hfTable inputs output
    warnRepeated "HF data" hfTable hfIn outName
    let sources =
        args.GetResults TrainArgs.Lf
        |> List.map (fun spec ->
            let name, path = parseLf spec
            let t = Csv.read path
            // The LF output column: the HF output's name when the file has it, else its last column.
            let out = if Array.contains outName t.Columns then outName else t.Columns[t.Columns.Length - 1]
            let ins = lfInputs name t hfIn out inputs.IsSome
            let names, x, _, y = Csv.split t (Some ins) (Some out)
            warnRepeated (sprintf "LF source '%s'" name) t names out
            Workflow.FromData { Name = name; X = x; Y = y; Domain = None; InputNames = Some names })
    let d = ModelOptions.defaults
    let arch = Read.option OptionSpec.architecture Architecture.names (args.TryGetResult TrainArgs.Arch)
    let encoding = Read.option OptionSpec.encoding EncodingKind.names (args.TryGetResult TrainArgs.Encoding)
    let o: ModelOptions =
        { Architecture = arch
          Depth = args.GetResult(TrainArgs.Depth, defaultValue = d.Depth)
          Width = args.GetResult(TrainArgs.Width, defaultValue = d.Width)
          Blocks =
            BlockOptions.settings (args.TryGetResult TrainArgs.Omega0) (args.TryGetResult TrainArgs.Kan_Grid)
                (args.TryGetResult TrainArgs.Kan_Order) (args.TryGetResult TrainArgs.Kan_Range)
          Encoding = encoding
          Strategy = Read.option OptionSpec.strategy Strategy.names (args.TryGetResult TrainArgs.Strategy)
          AdamEpochs = args.GetResult(TrainArgs.Epochs, defaultValue = d.AdamEpochs)
          LbfgsIterations = args.GetResult(TrainArgs.Lbfgs, defaultValue = d.LbfgsIterations)
          LearningRate = args.GetResult(TrainArgs.Lr, defaultValue = d.LearningRate)
          Lambda = args.GetResult(TrainArgs.Lambda, defaultValue = d.Lambda)
          EncoderLambda = args.GetResult(TrainArgs.Encoder_Lambda, defaultValue = d.EncoderLambda)
          KanGridUpdate = args.Contains TrainArgs.Kan_Grid_Update || d.KanGridUpdate
          Seed = args.GetResult(TrainArgs.Seed, defaultValue = d.Seed)
          Members = args.GetResult(TrainArgs.Members, defaultValue = d.Members)
          Precision = Read.option OptionSpec.precision Tensors.Precision.names (args.TryGetResult TrainArgs.Precision)
          Selection = Read.option OptionSpec.selection SelectionMode.names (args.TryGetResult TrainArgs.Select)
          Budget = Read.option OptionSpec.budget SelectionBudget.names (args.TryGetResult TrainArgs.Budget) }
    // Flags given with --select auto narrow the candidates instead of fixing the model.
    let given : Selection.Given =
        { Architecture = (if args.Contains TrainArgs.Arch then Some arch else None)
          Depth = args.TryGetResult TrainArgs.Depth
          Width = args.TryGetResult TrainArgs.Width
          Encoding = (if args.Contains TrainArgs.Encoding then Some encoding else None)
          LearningRate = args.TryGetResult TrainArgs.Lr
          Lambda = args.TryGetResult TrainArgs.Lambda
          WithGaussianProcesses = not (args.Contains TrainArgs.No_Gp) }
    let restrict = Selection.narrow given
    let json = args.Contains TrainArgs.Json
    let trained =
        LiveProgress.run (not json) (fun report ->
            UserModel.train o (Some restrict) { X = hfX; Y = hfY } (Some hfIn) (Some outName) sources report Threading.CancellationToken.None)
    match trained.Report with
    | Some r -> SelectionTable.print r
    | None -> ()
    let outcome = ModelFile.save dir trained.Metadata trained.Emulator
    let fitErr = Workflow.score trained.Emulator hfX hfY
    let kind = if sources.IsEmpty then "single-fidelity" else sprintf "multi-fidelity, %d LF source(s)" sources.Length
    let kind = if trained.Emulator.Sources.IsEmpty then "single-fidelity" else kind
    let family =
        match trained.Emulator.Gaussian with
        | Some g -> Gp.GpEmulator.name g
        | None -> Block.name trained.Emulator.Spec.Correlation
    printfn "trained %s %s on %d HF points in %.1f s; saved to %s" kind family hfX.Length trained.Fit.Seconds dir
    printfn "training-set RMSE %s (normalized MSE %s)" (fmt fitErr.Rmse) (fmt fitErr.NormalizedMse)
    if replacing || outcome = AtomicDirectory.Replaced then
        eprintfn "note: %s held a model, which the new one replaced (as a whole: the old one was kept until the new one was complete)" dir
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
    // With --gradient: d(out)/d(input) columns after the prediction's (of the members' mean for an ensemble).
    let gradNames, grads =
        if args.Contains PredictArgs.Gradient then
            names |> Array.map (fun n -> sprintf "d%s/d%s" out n),
            Emulators.Core.Outer.Gradients.ofMembers loaded.Emulator x |> Emulators.Core.Outer.Gradients.meanOf
        else [||], Array.create x.Length [||]
    // A prediction that overflows (an input far outside the training range) is refused rather than written.
    let requireFinite (values: float[]) =
        match values |> Array.tryFindIndex (fun v -> Double.IsNaN v || Double.IsInfinity v) with
        | Some i ->
            Errors.fail "%s, line %d: the prediction there is not a finite number (%g); the input lies too far outside the training range"
                t.File t.Lines[i] values[i]
        | None -> ()
    let header, rows =
        if loaded.Emulator.Members > 1 || loaded.Emulator.Gaussian.IsSome then
            // A deep ensemble: the members' mean and spread; a Gaussian process: its mean and predictive std.
            let u = Uncertainty.predict loaded.Emulator x
            requireFinite u.Mean
            requireFinite u.Std
            Array.concat [ names; [| out; out + "_std" |]; gradNames ],
            Array.init x.Length (fun i -> Array.concat [ x[i]; [| u.Mean[i]; u.Std[i] |]; grads[i] ])
        else
            let p = Emulator.predict loaded.Emulator x
            requireFinite p.Value
            Array.concat [ names; [| out; out + "_linear"; out + "_nonlinear" |]; gradNames ],
            Array.init x.Length (fun i -> Array.concat [ x[i]; [| p.Value[i]; p.Linear[i]; p.Nonlinear[i] |]; grads[i] ])
    Csv.write path header rows
    // with -o - the predictions are standard output: the summary goes to standard error
    if path = "-" then eprintfn "wrote %d predictions to standard output" x.Length
    else printfn "wrote %d predictions to %s" x.Length path
    0

let evaluate (args: ParseResults<EvaluateArgs>) =
    Native.init 1
    let loaded = loadModel (args.GetResult EvaluateArgs.Model)
    let t = Csv.read (args.GetResult EvaluateArgs.Data)
    let x = modelInputs loaded t
    let out = loaded.Metadata.OutputName |> Option.defaultValue t.Columns[t.Columns.Length - 1]
    let y = Csv.columns t [| out |] |> Array.map (fun r -> r[0])
    warnOutside loaded t x
    let e = Workflow.score loaded.Emulator x y
    if not (Metrics.meanSquare y > 0.0) then
        eprintfn "note: the test outputs of %s are all zero (or too small to square), so the MSE cannot be normalized by their mean square: 'normalized MSE' below is the plain MSE" t.File
    printfn "%d points of %s" x.Length t.File
    printfn "normalized MSE %s   RMSE %s   max error %s" (fmt e.NormalizedMse) (fmt e.Rmse) (fmt e.MaxError)
    if args.Contains EvaluateArgs.Json then
        printfn "%s" (Json.line [ "points", box x.Length; "normalizedMse", box e.NormalizedMse; "rmse", box e.Rmse; "maxError", box e.MaxError ])
    0
