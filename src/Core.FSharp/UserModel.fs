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

/// Train on HF data and LF sources. `restrict` narrows the selection's candidates (None: the budget's defaults).
let train (o: Workflow.Options) (restrict: (Selection.Space -> Selection.Space) option) (hf: HfData)
          (hfInputNames: string[] option) (hfOutputName: string option) (sources: Workflow.Source list)
          (report: (ProgressReport -> unit) option) (cancel: System.Threading.CancellationToken) : Workflow.Trained =
    // options a model does not use (the budget of a fixed model, another family's settings) are still checked:
    // a bad value is a mistake even where it has no effect
    Selection.Budget.parse o.Budget |> ignore
    for family in [ "siren"; "kan" ] do Validate.block (sprintf "the %s settings" family) (Block.ofNameWith o.Blocks family 1 1)
    match o.Selection.Trim().ToLowerInvariant() with
    | "off" | "none" | "fixed" -> Workflow.trainFixed o hf hfInputNames hfOutputName sources report cancel
    | "auto" ->
        if hf.X.Length = 0 then Errors.fail "HF data: no points"
        let budget = Selection.Budget.parse o.Budget
        let space = (defaultArg restrict id) (Selection.defaultSpace budget)
        // option checks (epochs, learning rate, names) before any cross-validation work
        Workflow.trainConfig o None cancel |> ignore
        Block.ofNameWith o.Blocks o.Architecture o.Depth o.Width |> ignore
        for f in space.Families do Block.ofNameWith o.Blocks f 1 1 |> ignore
        for e in space.Encodings do Workflow.encodingOf e o |> ignore
        let refit = { AdamEpochs = o.AdamEpochs; LearningRate = o.LearningRate; LbfgsIterations = o.LbfgsIterations }
        let box = Workflow.inputBox hf sources
        let fit, cfg, rep =
            Selection.select budget space refit { TrainConfig.defaults with EncoderLambda = o.EncoderLambda; KanGridUpdate = o.KanGridUpdate } o.Blocks o.Members o.Seed (Tensors.parsePrecision o.Precision) box hf sources report cancel
        { Emulator = fit.Emulator
          Fit = fit
          Metadata = { Workflow.metadata hfInputNames hfOutputName sources cfg with Extra = Some(obj [ "selection", reportJson rep ]) }
          Report = Some rep }
    | other -> Errors.fail "unknown selection mode '%s' (expected auto or off)" other
