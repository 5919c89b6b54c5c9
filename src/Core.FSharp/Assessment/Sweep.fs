/// Declarative experiments: a JSON file per figure or table names the problems and the axes
/// (architecture × encoding × LF mode × strategy × N_H × repetitions) and the budgets of each preset.
/// Expanding an experiment gives one configuration per training run, each with a stable key.
module Emulators.Core.Assessment.Sweep

open System.IO
open System.Text.Json.Nodes
open Emulators.Core

/// Training and search budgets of one preset.
type Budget =
    { AdamEpochs: int
      LbfgsIterations: int
      /// Hyperparameter candidates per search round, and rounds.
      SearchCandidates: int
      SearchRounds: int
      Depth: int
      Width: int }

/// An experiment file read for one preset, its names parsed.
type ExperimentSpec =
    { Name: string
      /// What the experiment checks, shown in paper-figures/README.md.
      Claim: string
      /// Canonical problem names; "CORR" stands for the corrupted-sources family.
      Problems: string list
      /// For the corrupted-sources family: numbers of corrupted sources (problem names become CORR-n).
      Corrupted: int list
      Architectures: Architecture list
      Encodings: EncodingKind list
      LfModes: Experiment.LfMode list
      Strategies: Strategy list
      Nh: int list
      Repetitions: int
      SingleFidelity: bool
      /// HF design: the paper's offset sets (default) or scrambled sets.
      Design: Experiment.HfDesign
      Budget: Budget
      /// Gaussian-process baselines (gp, ar1, nargp): when given, the experiment's runs are these GPs (on every
      /// problem, N_H, repetition and, for ar1 and nargp, LF mode) instead of networks. Empty: networks.
      GpModels: Gp.GpKind list }

/// One training run to do.
type RunConfig =
    { Experiment: string
      Problem: string
      Corrupted: int
      Model: RunModel
      Nh: int
      Rep: int
      Design: Experiment.HfDesign
      Budget: Budget }
    /// Stable key of the run, its model spelled with the tables' canonical names (RunModel); the paper's HF design
    /// adds nothing to it, so keys of existing results stay valid.
    member c.Key =
        sprintf "%s|%s|%d|%s|%dx%d|%s|%s|%s|%s|%d|%d|e%d-l%d-c%dx%d%s"
            c.Experiment c.Problem c.Corrupted (RunModel.architectureName c.Model) c.Budget.Depth c.Budget.Width
            (RunModel.modelName c.Model) (RunModel.encodingName c.Model) (RunModel.lfName c.Model) (RunModel.strategyName c.Model) c.Nh c.Rep c.Budget.AdamEpochs c.Budget.LbfgsIterations c.Budget.SearchCandidates c.Budget.SearchRounds
            (match c.Design with
             | Experiment.SobolOffset -> ""
             | d -> "|" + Experiment.HfDesign.name d)

let defaultBudget =
    { AdamEpochs = OptionSpec.epochs.Default
      LbfgsIterations = OptionSpec.lbfgsIterations.Default
      SearchCandidates = 16
      SearchRounds = 2
      Depth = OptionSpec.depth.Default
      Width = OptionSpec.width.Default }

/// The keys an experiment file may hold at its top level and in a preset.
let private budgetKeys = [ "epochs"; "lbfgs"; "searchCandidates"; "searchRounds"; "depth"; "width" ]
let private axisKeys =
    [ "problems"; "corrupted"; "architectures"; "encodings"; "lf"; "strategies"; "nh"; "repetitions"; "singleFidelity"; "design"
      "gpModels" ]
/// What a GP experiment must not set: the networks' axes and budgets (a GP has no architecture, encoder, strategy or
/// training budget; its hyperparameters come from its marginal likelihood).
let private networkOnlyKeys = [ "architectures"; "encodings"; "strategies"; "singleFidelity" ] @ budgetKeys
let private topKeys = [ "name"; "claim"; "presets" ] @ axisKeys @ budgetKeys
let private presetKeys = axisKeys @ budgetKeys

/// The fields of one JSON object of an experiment file, read with messages that name the file, the key and, for a
/// preset's entry, the preset.
type private Section(path: string, where: string, o: JsonObject) =
    let fail (key: string) fmt = Printf.ksprintf (fun msg -> Errors.fail "%s: \"%s\"%s: %s" path key where msg) fmt
    let text (n: JsonNode) = match n with :? JsonValue as v -> (match v.TryGetValue<string>() with true, t -> Some t | _ -> None) | _ -> None
    let int (n: JsonNode) = match n with :? JsonValue as v -> (match v.TryGetValue<int>() with true, i -> Some i | _ -> None) | _ -> None
    let bool (n: JsonNode) = match n with :? JsonValue as v -> (match v.TryGetValue<bool>() with true, b -> Some b | _ -> None) | _ -> None
    let parse (key: string) (table: Names.Table<'T>) (t: string) =
        match Names.tryParse table t with
        | Some v -> v
        | None -> fail key "unknown %s '%s' (%s)" (Names.what table) t (Names.expected table)
    let list (key: string) (read: JsonNode -> 'T option) (kind: string) =
        match o[key] with
        | null -> None
        | :? JsonArray as a ->
            a |> Seq.map (fun n -> match (if isNull n then None else read n) with Some v -> v | None -> fail key "must be a list of %s" kind) |> List.ofSeq |> Some
        | _ -> fail key "must be a list of %s" kind
    let value (key: string) (read: JsonNode -> 'T option) (kind: string) =
        match o[key] with
        | null -> None
        | n -> (match read n with Some x -> Some x | None -> fail key "must be %s" kind)
    member _.Has(key: string) = o.ContainsKey key
    member _.Fail (key: string) (msg: string) : 'T = fail key "%s" msg
    member _.Keys(known: string list) =
        for kv in o do
            if not (List.contains kv.Key known) then
                Errors.fail "%s: unknown key \"%s\"%s (expected one of: %s)" path kv.Key where (String.concat ", " known)
    member _.Strings(key: string) = list key text "names"
    member _.Names(key: string, table: Names.Table<'T>) = list key text "names" |> Option.map (List.map (parse key table))
    member _.Name(key: string, table: Names.Table<'T>) = value key text "a name" |> Option.map (parse key table)
    member _.Ints(key: string) = list key int "whole numbers"
    member _.Int(key: string) = value key int "a whole number"
    member _.Bool(key: string) = value key bool "true or false"
    member _.Text(key: string) = value key text "a string"

/// Read an experiment file for a preset: the preset's entries override the top-level ones. Every name (problem,
/// architecture, encoding, LF mode, strategy, design) and every key is checked here, spelled exactly, so that a
/// typo stops the sweep before anything trains instead of falling back to a default.
let load (path: string) (preset: string) : ExperimentSpec =
    let root =
        try
            match JsonNode.Parse(File.ReadAllText path) with
            | :? JsonObject as o -> o
            | _ -> Errors.fail "%s: expected a JSON object" path
        with
        | :? System.Text.Json.JsonException as e -> Errors.fail "%s: not valid JSON (%s)" path e.Message
        | :? FileNotFoundException -> Errors.fail "%s: file not found" path
        | :? DirectoryNotFoundException -> Errors.fail "%s: file not found" path
    let top = Section(path, "", root)
    top.Keys topKeys
    let presets =
        match root["presets"] with
        | :? JsonObject as p -> p
        | null -> JsonObject()
        | _ -> top.Fail "presets" "must be an object of presets"
    let over =
        match presets[preset] with
        | :? JsonObject as p -> Section(path, sprintf " (preset '%s')" preset, p)
        | _ -> Errors.fail "%s: no preset '%s' (have: %s)" path preset (presets |> Seq.map (fun kv -> kv.Key) |> String.concat ", ")
    for kv in presets do
        match kv.Value with
        | :? JsonObject as p -> Section(path, sprintf " (preset '%s')" kv.Key, p).Keys presetKeys
        | _ -> top.Fail "presets" (sprintf "preset '%s' must be an object" kv.Key)
    // the preset's value when it has one, else the top level's, else the fallback
    let pick (read: Section -> string -> 'T option) (key: string) (fallback: 'T) =
        match read over key with
        | Some v -> v
        | None -> read top key |> Option.defaultValue fallback
    let section key = if over.Has key then over else top
    let names key table fallback = pick (fun s k -> s.Names(k, table)) key fallback
    let budget =
        let b = defaultBudget
        let count key (fallback: int) =
            let v = pick (fun s k -> s.Int k) key fallback
            if v < 0 then (section key).Fail key (sprintf "must not be negative (got %d)" v)
            v
        { AdamEpochs = count "epochs" b.AdamEpochs
          LbfgsIterations = count "lbfgs" b.LbfgsIterations
          SearchCandidates = count "searchCandidates" b.SearchCandidates
          SearchRounds = count "searchRounds" b.SearchRounds
          Depth = count "depth" b.Depth
          Width = count "width" b.Width }
    let corrupted = pick (fun s k -> s.Ints k) "corrupted" []
    let problems =
        pick (fun s k -> s.Strings k) "problems" []
        |> List.map (fun p ->
            if p = "CORR" then
                for n in corrupted do
                    try Problems.Catalogue.find (sprintf "CORR-%d" n) |> ignore
                    with EmulatorError msg -> (section "corrupted").Fail "corrupted" msg
                p
            else
                try (Problems.Catalogue.find p).Name
                with EmulatorError msg -> (section "problems").Fail "problems" msg)
    let nh = pick (fun s k -> s.Ints k) "nh" []
    match nh |> List.tryFind (fun n -> n < 1) with
    | Some n -> (section "nh").Fail "nh" (sprintf "the numbers of HF points must be positive (got %d)" n)
    | None -> ()
    let repetitions = pick (fun s k -> s.Int k) "repetitions" 4
    if repetitions < 1 then (section "repetitions").Fail "repetitions" (sprintf "must be at least 1 (got %d)" repetitions)
    let exp =
        { Name =
            (match top.Text "name" with
             | Some n -> n
             | None -> Errors.fail "%s: no \"name\"" path)
          Claim = top.Text "claim" |> Option.defaultValue ""
          Problems = problems
          Corrupted = corrupted
          Architectures = names "architectures" Architecture.names [ Architecture.Mlp ]
          Encodings = names "encodings" EncodingKind.names [ EncodingKind.None ]
          LfModes = names "lf" Experiment.LfMode.names [ Experiment.ExactLf ]
          Strategies = names "strategies" Strategy.names [ PretrainFreeze ]
          Nh = nh
          Repetitions = repetitions
          SingleFidelity = pick (fun s k -> s.Bool k) "singleFidelity" true
          Design = pick (fun s k -> s.Name(k, Experiment.HfDesign.names)) "design" Experiment.SobolOffset
          Budget = budget
          GpModels = names "gpModels" Gp.GpKind.names [] |> List.distinct }
    if exp.Problems.IsEmpty then Errors.fail "%s: no problems listed" path
    if not exp.GpModels.IsEmpty then
        for s in [ top; over ] do
            match networkOnlyKeys |> List.tryFind s.Has with
            | Some key -> s.Fail key "a GP experiment (\"gpModels\") trains no network: leave out architectures, encodings, strategies, singleFidelity and the training budgets"
            | None -> ()
    exp

/// The budget fields of a GP run's key: a GP trains by its marginal likelihood, with no epochs, search or layers.
let gpBudget = { AdamEpochs = 0; LbfgsIterations = 0; SearchCandidates = 0; SearchRounds = 0; Depth = 0; Width = 0 }

/// Whether a run is a Gaussian-process baseline.
let isGp (c: RunConfig) = RunModel.isGp c.Model

/// The runs of an experiment, cell by cell: per problem, family (a GP model or an architecture), N_H and
/// repetition, `runsOf family run` gives the cell's runs, where `run model budget` is the cell's configuration.
let private cells (e: ExperimentSpec) (problems: (string * int) list) (families: 'f list)
                  (runsOf: 'f -> (RunModel -> Budget -> RunConfig) -> RunConfig list) : RunConfig list =
    [ for problem, corrupted in problems do
          let nhs = if e.Nh.IsEmpty then (Problems.Catalogue.find problem).HfSizes else e.Nh
          for family in families do
              for nh in nhs do
                  for rep in 0 .. e.Repetitions - 1 do
                      let run model budget =
                          { Experiment = e.Name; Problem = problem; Corrupted = corrupted; Model = model; Nh = nh; Rep = rep
                            Design = e.Design; Budget = budget }
                      yield! runsOf family run ]

/// The GP runs of a GP experiment: per problem, N_H, repetition, model and (for the MF models) LF mode.
let private expandGp (e: ExperimentSpec) (problems: (string * int) list) : RunConfig list =
    cells e problems e.GpModels (fun model run ->
        if model = Gp.SingleFidelity then [ run (RunModel.GaussianProcess(model, None)) gpBudget ]
        else [ for lf in e.LfModes -> run (RunModel.GaussianProcess(model, Some lf)) gpBudget ])

/// The network runs of an experiment. Strategy only matters for learned LF; the SF baseline has no encoder and no LF.
let private expandNetworks (e: ExperimentSpec) (problems: (string * int) list) : RunConfig list =
    cells e problems e.Architectures (fun arch run ->
        let network model = run (RunModel.Network(arch, model)) e.Budget
        [ for enc in e.Encodings do
              for lf in e.LfModes do
                  let lfs =
                      match lf with
                      | Experiment.LearnedLf -> e.Strategies |> List.map NetworkLf.Learned
                      | Experiment.ExactLf -> [ NetworkLf.Exact ]
                  for l in lfs do
                      yield network (NetworkModel.MultiFidelity { Encoding = enc; Lf = l })
          if e.SingleFidelity then yield network NetworkModel.SingleFidelity ])

/// Every run of an experiment (one per key).
let expand (e: ExperimentSpec) : RunConfig list =
    let problems =
        e.Problems
        |> List.collect (fun p -> if p = "CORR" then e.Corrupted |> List.map (fun n -> sprintf "CORR-%d" n, n) else [ p, -1 ])
    (if e.GpModels.IsEmpty then expandNetworks e problems else expandGp e problems) |> List.distinctBy (fun c -> c.Key)

/// Experiment files of a directory, by name.
let discover (dir: string) =
    if not (Directory.Exists dir) then Errors.fail "experiment directory '%s' does not exist" dir
    Directory.GetFiles(dir, "*.json") |> Array.sort |> List.ofArray
