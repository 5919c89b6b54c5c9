/// Training on a user's data: automatic model selection by cross-validation (the default), or exactly the given
/// options. The CLI's `train` and the C# facade's `Fit` both come here.
module Emulators.Core.UserModel

open System.Text.Json.Nodes
open Emulators.Core.SpecJson

/// The selection report as JSON (stored in the model file and printed by `train --json`).
let reportJson (r: SelectionReport) : JsonNode =
    let cand (c: SelectionCandidate) =
        obj [ "structure", JsonValue.Create c.Structure
              "family", JsonValue.Create c.Family
              "depth", JsonValue.Create c.Depth
              "width", JsonValue.Create c.Width
              "encoding", JsonValue.Create c.Encoding
              "lf", JsonValue.Create c.Lf
              "learningRate", JsonValue.Create c.LearningRate
              "lambda", JsonValue.Create c.Lambda
              "cvError", JsonValue.Create(if System.Double.IsFinite c.CvError then c.CvError else -1.0)
              "cvSpread", JsonValue.Create(if System.Double.IsFinite c.CvSpread then c.CvSpread else -1.0) ] :> JsonNode
    obj [ "method", JsonValue.Create r.Method
          "folds", JsonValue.Create r.Folds
          "budget", JsonValue.Create r.Budget
          "chosen", cand r.Chosen
          "estimatedNormalizedMse", JsonValue.Create r.EstimatedError
          "seconds", JsonValue.Create r.Seconds
          "candidates", JsonArray(r.Candidates |> List.map cand |> Array.ofList) ] :> JsonNode

/// The options a trained emulator stands for: those given, with what automatic selection chose in place of the
/// structure (architecture, size, encoding) and of the learning rate and penalty (a Gaussian process keeps the options
/// given: no network option describes it).
let private chosenOptions (o: ModelOptions) (fit: FitResult) (cfg: TrainConfig) =
    match fit.Emulator.Gaussian with
    | Some _ -> o
    | None -> ModelOptions.describing fit.Emulator.Spec { o with LearningRate = cfg.Schedule.LearningRate; Lambda = cfg.Lambda }

/// Train on HF data and LF sources. `restrict` narrows the selection's candidates (None: the budget's defaults).
let train (o: ModelOptions) (restrict: (Selection.Space -> Selection.Space) option) (hf: HfData)
          (hfInputNames: string[] option) (hfOutputName: string option) (sources: Workflow.Source list)
          (report: (ProgressReport -> unit) option) (cancel: System.Threading.CancellationToken) : Workflow.Trained =
    match o.Selection with
    | SelectionMode.Off -> Workflow.trainFixed o hf hfInputNames hfOutputName sources report cancel
    | SelectionMode.Automatic ->
        // every option is checked before any cross-validation work, also those the search replaces
        Validate.options o
        if hf.X.Length = 0 then Errors.fail "HF data: no points"
        let space = (defaultArg restrict id) (Selection.defaultSpace o.Budget)
        let refit = { AdamEpochs = o.AdamEpochs; LearningRate = o.LearningRate; LbfgsIterations = o.LbfgsIterations }
        let box = Workflow.inputBox hf sources
        let fixedOptions = { TrainConfig.defaults with EncoderLambda = o.EncoderLambda; KanGridUpdate = o.KanGridUpdate }
        let fit, cfg, rep =
            Selection.select o.Budget space refit fixedOptions o.Blocks o.Members o.Seed o.Precision box hf sources
                (RunHooks.reporting report cancel)
        { Emulator = fit.Emulator
          Fit = fit
          Metadata =
            { Workflow.metadata hfInputNames hfOutputName sources (chosenOptions o fit cfg) with
                Extra = Some(obj [ "selection", reportJson rep ]) }
          Report = Some rep }

/// The options of a loaded model: those its file records, or for a file written before they were recorded, what its
/// architecture shows (the training options then take their defaults).
let optionsOf (loaded: ModelFile.Loaded) : ModelOptions =
    match loaded.Metadata.Options with
    | Some o -> o
    | None ->
        { ModelOptions.describing loaded.Emulator.Spec ModelOptions.defaults with
            Members = loaded.Emulator.Members
            Selection = (if loaded.Metadata.Extra.IsSome then SelectionMode.Automatic else SelectionMode.Off) }
