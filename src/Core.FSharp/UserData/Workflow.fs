/// The user-data workflow shared by the CLI and the C# facade: typed options, sources from data or functions,
/// train, evaluate, save and load. Front ends only translate their types to these.
module Emulators.Core.Workflow

open Emulators.Core.Tensors

/// A source given as data, with optional column names and input space.
type DataSource =
    { Name: string
      X: float[][]
      Y: float[]
      Domain: Box option
      InputNames: string[] option }

type Source =
    | FromData of DataSource
    | FromFunction of SourceFunction

/// A black-box callable as an exact LF source (not differentiable: it cannot feed an encoder).
let functionSource (name: string) (domain: Box) (f: float[] -> float) : SourceFunction =
    { Name = name
      Domain = domain
      Differentiable = false
      Eval =
        fun x ->
            let rows = Tensors.toRows x
            let ys = rows |> Array.mapi (fun i r ->
                let y = f r
                if System.Double.IsNaN y || System.Double.IsInfinity y then
                    Errors.fail "LF function '%s' returned %g at point %d (%s)" name y i (r |> Array.map string |> String.concat ", ")
                y)
            let shape = x.shape[0 .. x.shape.Length - 2]
            (Tensors.create ys shape x.dtype) }

/// The hyperparameters of the options. Fit.fit checks them.
let trainConfig (o: ModelOptions) =
    let schedule = { AdamEpochs = o.AdamEpochs; LearningRate = o.LearningRate; LbfgsIterations = o.LbfgsIterations }
    { TrainConfig.defaults with
        Schedule = schedule
        SurrogateSchedule = schedule
        Lambda = o.Lambda
        EncoderLambda = o.EncoderLambda
        KanGridUpdate = o.KanGridUpdate
        Strategy = o.Strategy }

/// The HF input space: the union of the HF data's range and the ranges of LF data with the same inputs.
let inputBox (hf: HfData) (sources: Source list) =
    let d = if hf.X.Length = 0 then 0 else hf.X[0].Length
    sources
    |> List.choose (function
        | FromData s when s.X.Length > 0 && s.X[0].Length = d && s.X |> Array.forall (fun r -> r.Length = d) -> Some(Box.ofRows s.X)
        | _ -> None)
    |> List.fold Box.union (Box.ofRows hf.X)

type Trained =
    { Emulator: Emulator
      Fit: FitResult
      Metadata: ModelFile.Metadata
      /// The cross-validation report when the model was selected automatically.
      Report: SelectionReport option }

/// What a model file records besides the numbers: column names and the options the model was trained with.
let metadata (hfInputNames: string[] option) (hfOutputName: string option) (sources: Source list) (o: ModelOptions) =
    { ModelFile.emptyMetadata with
        InputNames = hfInputNames
        OutputName = hfOutputName
        SourceInputNames = sources |> List.map (function FromData s -> s.InputNames | FromFunction _ -> None)
        Options = Some o }

/// Train exactly the given options on HF data and LF sources. With no sources this is the single-fidelity network.
let trainFixed (o: ModelOptions) (hf: HfData) (hfInputNames: string[] option) (hfOutputName: string option) (sources: Source list)
          (report: (ProgressReport -> unit) option) (cancel: System.Threading.CancellationToken) : Trained =
    Validate.options o
    if hf.X.Length = 0 then Errors.fail "HF data: no points"
    let cfg = trainConfig o
    let sp = ModelOptions.spec o
    let specs =
        sources
        |> List.map (function
            | FromData s -> Learned(s.Name, s.Domain, s.X, s.Y)
            | FromFunction f -> Exact f)
    let box = inputBox hf sources
    let seeds = Array.init o.Members (fun e -> 1000 + 97 * o.Seed + 7 * e)
    let fit = Fit.fitWith (RunHooks.reporting report cancel) cfg sp box hf specs seeds
    { Emulator = fit.Emulator
      Fit = fit
      Metadata = metadata hfInputNames hfOutputName sources o
      Report = None }

/// Scores on held-out data; the normalized MSE divides by the mean square of the reference outputs
/// (the domain-averaged squared norm estimated on the test points, paper §7).
let score (m: Emulator) (x: float[][]) (y: float[]) : Metrics.Scores =
    if x.Length <> y.Length then Errors.fail "evaluate: %d input rows but %d outputs" x.Length y.Length
    if x.Length = 0 then Errors.fail "evaluate: no points"
    Errors.requireFinite "evaluate outputs" y
    Validate.magnitude "evaluate outputs" Float64 y
    let pred = (Emulator.predict m x).Value
    if pred |> Array.exists (fun v -> System.Double.IsNaN v || System.Double.IsInfinity v) then
        Errors.fail "evaluate: the predictions are not all finite; some inputs lie too far outside the training range"
    let ms = Metrics.meanSquare y
    Metrics.all (if ms > 0.0 then ms else 1.0) pred y

/// Points outside the training input space, as (row index, column index) pairs: extrapolation warnings.
let outsideDomain (m: Emulator) (x: float[][]) =
    [ for i, row in Array.indexed x do
          for j, v in Array.indexed row do
              if j < m.Domain.Dim then
                  let lo, hi = m.Domain.Lower[j], m.Domain.Upper[j]
                  let margin = 0.05 * (hi - lo)
                  if v < lo - margin || v > hi + margin then yield i, j ]
