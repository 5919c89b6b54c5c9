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

type Experiment =
    { Name: string
      /// What the experiment checks, shown in paper-figures/README.md.
      Claim: string
      Problems: string list
      /// For the corrupted-sources family: numbers of corrupted sources (problem names become CORR-n).
      Corrupted: int list
      Architectures: string list
      Encodings: string list
      LfModes: string list
      Strategies: string list
      Nh: int list
      Repetitions: int
      SingleFidelity: bool
      /// HF design: the paper's offset sets (default) or scrambled sets.
      Design: Experiment.HfDesign
      Budget: Budget }

/// One training run to do.
type RunConfig =
    { Experiment: string
      Problem: string
      Corrupted: int
      Architecture: string
      Model: string
      Encoding: string
      Lf: string
      Strategy: string
      Nh: int
      Rep: int
      Design: Experiment.HfDesign
      Budget: Budget }
    /// Stable key of the run; the paper's HF design adds nothing to it, so keys of existing results stay valid.
    member c.Key =
        sprintf "%s|%s|%d|%s|%dx%d|%s|%s|%s|%s|%d|%d|e%d-l%d-c%dx%d%s"
            c.Experiment c.Problem c.Corrupted c.Architecture c.Budget.Depth c.Budget.Width c.Model c.Encoding c.Lf
            c.Strategy c.Nh c.Rep c.Budget.AdamEpochs c.Budget.LbfgsIterations c.Budget.SearchCandidates c.Budget.SearchRounds
            (match c.Design with
             | Experiment.SobolOffset -> ""
             | d -> "|" + Experiment.HfDesign.name d)

let private strings (o: JsonObject) (key: string) (fallback: string list) =
    match o[key] with
    | :? JsonArray as a -> a |> Seq.map (fun n -> n.GetValue<string>()) |> List.ofSeq
    | null -> fallback
    | _ -> Errors.fail "experiment: '%s' must be a list of names" key

let private ints (o: JsonObject) (key: string) (fallback: int list) =
    match o[key] with
    | :? JsonArray as a -> a |> Seq.map (fun n -> n.GetValue<int>()) |> List.ofSeq
    | null -> fallback
    | _ -> Errors.fail "experiment: '%s' must be a list of integers" key

let private int' (o: JsonObject) (key: string) (fallback: int) =
    match o[key] with
    | null -> fallback
    | n -> n.GetValue<int>()

let private bool' (o: JsonObject) (key: string) (fallback: bool) =
    match o[key] with
    | null -> fallback
    | n -> n.GetValue<bool>()

let private budgetOf (o: JsonObject) (b: Budget) =
    { AdamEpochs = int' o "epochs" b.AdamEpochs
      LbfgsIterations = int' o "lbfgs" b.LbfgsIterations
      SearchCandidates = int' o "searchCandidates" b.SearchCandidates
      SearchRounds = int' o "searchRounds" b.SearchRounds
      Depth = int' o "depth" b.Depth
      Width = int' o "width" b.Width }

let defaultBudget =
    { AdamEpochs = 5000; LbfgsIterations = 3000; SearchCandidates = 16; SearchRounds = 2; Depth = 3; Width = 16 }

/// Read an experiment file for a preset: the preset's entries override the top-level ones.
let load (path: string) (preset: string) : Experiment =
    let root =
        try
            match JsonNode.Parse(File.ReadAllText path) with
            | :? JsonObject as o -> o
            | _ -> Errors.fail "%s: expected a JSON object" path
        with
        | :? System.Text.Json.JsonException as e -> Errors.fail "%s: not valid JSON (%s)" path e.Message
        | :? FileNotFoundException -> Errors.fail "%s: file not found" path
    let presets =
        match root["presets"] with
        | :? JsonObject as p -> p
        | _ -> JsonObject()
    let over =
        match presets[preset] with
        | :? JsonObject as p -> p
        | _ -> Errors.fail "%s: no preset '%s' (have: %s)" path preset (presets |> Seq.map (fun kv -> kv.Key) |> String.concat ", ")
    let pick f key fallback = f over key (f root key fallback)
    try
        let exp =
            { Name = root["name"].GetValue<string>()
              Claim = (match root["claim"] with null -> "" | n -> n.GetValue<string>())
              Problems = pick strings "problems" []
              Corrupted = pick ints "corrupted" []
              Architectures = pick strings "architectures" [ "mlp" ]
              Encodings = pick strings "encodings" [ "none" ]
              LfModes = pick strings "lf" [ "exact" ]
              Strategies = pick strings "strategies" [ "freeze" ]
              Nh = pick ints "nh" []
              Repetitions = pick int' "repetitions" 4
              SingleFidelity = pick bool' "singleFidelity" true
              Design =
                (match over["design"], root["design"] with
                 | null, null -> Experiment.SobolOffset
                 | null, n
                 | n, _ ->
                     try Experiment.HfDesign.parse (n.GetValue<string>())
                     with EmulatorError msg -> Errors.fail "%s: %s" path msg)
              Budget = budgetOf over (budgetOf root defaultBudget) }
        if exp.Problems.IsEmpty then Errors.fail "%s: no problems listed" path
        exp
    with
    | EmulatorError _ -> reraise ()
    | e -> Errors.fail "%s: %s" path e.Message

/// Every run of an experiment. Strategy only matters for learned LF; the SF baseline ignores encoding and LF.
let expand (e: Experiment) : RunConfig list =
    let problems =
        e.Problems
        |> List.collect (fun p ->
            if p.Equals("CORR", System.StringComparison.OrdinalIgnoreCase) then
                e.Corrupted |> List.map (fun n -> sprintf "CORR-%d" n, n)
            else [ p, -1 ])
    [ for problem, corrupted in problems do
          let nhs = if e.Nh.IsEmpty then (Problems.Catalogue.find problem).HfSizes else e.Nh
          for arch in e.Architectures do
              for nh in nhs do
                  for rep in 0 .. e.Repetitions - 1 do
                      let basis =
                          { Experiment = e.Name; Problem = problem; Corrupted = corrupted; Architecture = arch
                            Model = "mf"; Encoding = "none"; Lf = "none"; Strategy = "none"; Nh = nh; Rep = rep; Design = e.Design; Budget = e.Budget }
                      for enc in e.Encodings do
                          for lf in e.LfModes do
                              let strategies = if lf = "learned" then e.Strategies else [ "none" ]
                              for s in strategies do
                                  yield { basis with Encoding = enc; Lf = lf; Strategy = s }
                      if e.SingleFidelity then yield { basis with Model = "sf" } ]
    |> List.distinctBy (fun c -> c.Key)

/// Experiment files of a directory, by name.
let discover (dir: string) =
    if not (Directory.Exists dir) then Errors.fail "experiment directory '%s' does not exist" dir
    Directory.GetFiles(dir, "*.json") |> Array.sort |> List.ofArray
