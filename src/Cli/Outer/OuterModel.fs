/// What the outer-loop commands run on: a saved model (`--model`), an emulator trained here on a built-in problem
/// (`--problem`, with `--nh`, `--members`, ...), or a built-in problem's exact HF function (`--problem --exact`).
module Emulators.Cli.Outer.OuterModel

open System
open Emulators.Core
open Emulators.Core.Outer

/// The model options shared by propagate, sensitivity, optimize and suggest.
type Choice =
    { Model: string option
      Problem: string option
      Exact: bool
      Nh: int option
      Members: int
      Arch: Architecture
      Lf: Experiment.LfMode
      Epochs: int
      Lbfgs: int
      Seed: int }

/// The outer-loop commands' own defaults for an emulator they train (a small ensemble, a shorter schedule).
let private defaultMembers = 4
let private defaultEpochs = 2000
let private defaultLbfgs = 1000

/// The choice from the options the user gave.
let choose model problem exact nh (members: int option) (arch: string option) (lf: string option)
           (epochs: int option) (lbfgs: int option) (seed: int option) : Choice =
    { Model = model
      Problem = problem
      Exact = exact
      Nh = nh
      Members = defaultArg members defaultMembers
      Arch = Emulators.Cli.Read.option OptionSpec.architecture Architecture.names arch
      Lf = Emulators.Cli.Read.named "lf" Experiment.LfMode.names Experiment.ExactLf lf
      Epochs = defaultArg epochs defaultEpochs
      Lbfgs = defaultArg lbfgs defaultLbfgs
      Seed = defaultArg seed OptionSpec.seed.Default }

type Resolved =
    { Predictor: Predictor
      InputNames: string[]
      OutputName: string
      /// The built-in problem, when there is one: its HF function gives true values.
      Problem: Problem option
      /// The HF points the emulator was trained on, when known (built-in problems).
      HfPoints: (float[][] * float[]) option }

let private names d = Array.init d (fun j -> sprintf "x%d" (j + 1))

/// The usage line of every option in `Choice`, for the commands' help texts.
module Usage =
    let model = "model directory written by `emulators train` (or give --problem)"
    let problem = "a built-in problem (see `emulators problems`, plus ISHIGAMI): train an emulator on it here, or with --exact use its HF function; with --model, its exact LF functions and true HF values"
    let exact = "with --problem: run on the problem's exact HF function instead of an emulator (the reference answer)"
    let nh = "with --problem: HF Sobol' points to train on (default: the problem's smallest)"
    let members = sprintf "with --problem: ensemble members (default %d); their spread is the emulator's uncertainty" defaultMembers
    let arch = "with --problem: " + OptionSpec.help OptionSpec.architecture
    let lf = "with --problem: " + Emulators.Cli.Read.namedHelp "LF information" Experiment.LfMode.names Experiment.ExactLf
    let epochs = sprintf "with --problem: Adam epochs (default %d)" defaultEpochs
    let lbfgs = sprintf "with --problem: L-BFGS iterations (default %d)" defaultLbfgs
    let seed = sprintf "seed of the sampling and, with --problem, of the training (default %d)" OptionSpec.seed.Default
    let threads = "libtorch threads (default 1)"
    let json = "print one JSON object on the last line"

/// An Argu case's name and fields (every outer command's `Args` names the options of `Choice` alike: Argu unions cannot
/// share cases, so each command declares them and takes their help and their reading from here, by name).
let private caseOf (case: obj) =
    let info, fields = Reflection.FSharpValue.GetUnionFields(case, case.GetType())
    info.Name, fields

/// The usage line of an option the outer commands share, by its Argu case.
let sharedUsage (case: obj) =
    match fst (caseOf case) with
    | "Model" -> Usage.model
    | "Problem" -> Usage.problem
    | "Exact" -> Usage.exact
    | "Nh" -> Usage.nh
    | "Members" -> Usage.members
    | "Arch" -> Usage.arch
    | "Lf" -> Usage.lf
    | "Epochs" -> Usage.epochs
    | "Lbfgs" -> Usage.lbfgs
    | "Seed" -> Usage.seed
    | "Threads" -> Usage.threads
    | "Json" -> Usage.json
    | other -> failwithf "the option case %s has no usage line" other

/// The choice from a command's parse results: the options of `Choice` it was given, read by case name (the last
/// occurrence wins, as Argu's TryGetResult does); a command without a case (suggest has no --exact) reads it as absent.
let choiceOf (a: Argu.ParseResults<'T>) : Choice =
    let given = a.GetAllResults() |> List.map (box >> caseOf)
    let value (name: string) : 'v option =
        given |> List.tryFindBack (fun (n, _) -> n = name) |> Option.map (fun (_, fields) -> unbox<'v> fields[0])
    let flag (name: string) = given |> List.exists (fun (n, _) -> n = name)
    choose (value "Model") (value "Problem") (flag "Exact") (value "Nh") (value "Members") (value "Arch") (value "Lf")
        (value "Epochs") (value "Lbfgs") (value "Seed")

let private train (c: Choice) (p: Problem) (progress: bool) =
    // Fit checks the schedule; the members are counted out here first
    if c.Members < 1 then Errors.fail "--members must be at least 1 (got %d)" c.Members
    let nh = defaultArg c.Nh (List.head p.HfSizes)
    let x = Experiment.hfPoints p nh c.Seed
    let hf = { X = x; Y = Experiment.evaluate p.Hf x }
    let spec = ModelOptions.spec { ModelOptions.defaults with Architecture = c.Arch }
    let schedule = { TrainConfig.defaults.Schedule with AdamEpochs = c.Epochs; LbfgsIterations = c.Lbfgs }
    let cfg =
        { TrainConfig.defaults with
            Schedule = schedule
            SurrogateSchedule = schedule }
    let sources = Experiment.sources p c.Lf c.Seed
    // Encoding none needs sources on the HF inputs; otherwise the affine encoder maps between the spaces.
    let spec = if p.Sources |> List.exists (fun s -> s.Domain.Dim <> p.Domain.Dim) then { spec with Encoding = AffineEncoding } else spec
    let seeds = Array.init c.Members (fun e -> 1000 + 97 * c.Seed + 7 * e)
    let fit = Emulators.Cli.LiveProgress.run progress (fun report -> Fit.fitWith { RunHooks.defaults with Report = report } cfg spec p.Domain hf sources seeds)
    fit.Emulator, hf

/// Resolve the choice; `progress` shows training progress (off under --json).
let resolve (c: Choice) (progress: bool) : Resolved =
    let problem = c.Problem |> Option.map Ishigami.findProblem
    match c.Model, problem with
    | Some _, Some _ when c.Exact -> Errors.fail "--exact runs on the problem's HF function: give --problem without --model"
    | Some dir, _ ->
        let resolveLf (name: string) =
            problem |> Option.bind (fun p -> p.Sources |> List.tryFind (fun s -> s.Name = name))
        let loaded =
            ModelFile.load dir (fun name ->
                match resolveLf name with
                | Some f -> Some f
                | None -> Errors.fail "the model uses the exact LF function '%s': give the built-in problem it belongs to with --problem" name)
        let d = loaded.Emulator.Domain.Dim
        { Predictor = Predictor.ofEmulator loaded.Emulator
          InputNames = loaded.Metadata.InputNames |> Option.defaultValue (names d)
          OutputName = loaded.Metadata.OutputName |> Option.defaultValue "y"
          Problem = problem
          HfPoints = None }
    | None, Some p when c.Exact ->
        { Predictor = Predictor.ofModel (sprintf "exact HF of %s" p.Name) p.Domain p.Hf
          InputNames = names p.Domain.Dim
          OutputName = "y"
          Problem = Some p
          HfPoints = None }
    | None, Some p ->
        let m, hf = train c p progress
        let pr = Predictor.ofEmulator m
        { Predictor = { pr with Name = sprintf "%s on %s (N_H = %d)" pr.Name p.Name hf.X.Length }
          InputNames = names p.Domain.Dim
          OutputName = "y"
          Problem = Some p
          HfPoints = Some(hf.X, hf.Y) }
    | None, None -> Errors.fail "give a saved model (--model DIR) or a built-in problem (--problem NAME)"

/// The input space: uniform over the model's box, with the inputs named in `--dist` items and a `--spec` JSON file
/// replaced by their distributions.
let inputSpace (r: Resolved) (items: string list) (specFile: string option) : InputSpace =
    let fromFile =
        match specFile with
        | Some path ->
            if not (IO.File.Exists path) then Errors.fail "distribution spec file '%s' does not exist" path
            InputSpace.parseJson path (IO.File.ReadAllText path)
        | None -> []
    let fromItems = items |> List.map InputSpace.parseItem
    InputSpace.withOverrides r.Predictor.Domain r.InputNames (fromFile @ fromItems)

let fmt (v: float) = v.ToString("G6", Globalization.CultureInfo.InvariantCulture)

let interval (i: Interval) = [| i.Lower; i.Upper |]

let intervalText (i: Interval) = sprintf "[%s, %s]" (fmt i.Lower) (fmt i.Upper)

/// A figure path FILE.png: writes FILE.png and FILE.svg.
let savePlot (path: string) (width: int) (height: int) (m: OxyPlot.PlotModel) =
    let full = IO.Path.GetFullPath path
    let dir = IO.Path.GetDirectoryName full
    let name = IO.Path.GetFileNameWithoutExtension full
    Emulators.Figures.Export.save dir name width height m
