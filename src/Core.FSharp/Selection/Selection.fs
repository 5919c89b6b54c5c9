/// Model selection by cross-validation on the HF points, so that an emulator trained on a user's data is never
/// knowingly worse than its single-fidelity baseline. Candidates differ in block family and size, encoding,
/// exact or learned LF, learning rate and penalty λ, and include the single-fidelity network itself; the
/// Gaussian-process models (Gp/GpCandidates.fs) are cross-validated on the same folds. Each structure trains all
/// its (fold × learning rate × λ) members as one batched ensemble; the best candidate by CV error is refitted on
/// all HF data (a GP replaces the best network only by a margin, GpCandidates.replacesNetwork).
module Emulators.Core.Selection

open System.Diagnostics

/// What may vary. Empty lists mean "the budget's default".
type Space =
    { Families: Architecture list
      Sizes: (int * int) list
      Encodings: EncodingKind list
      LearningRates: float list
      Lambdas: float list
      /// Include the single-fidelity network among the candidates.
      SingleFidelity: bool
      /// Gaussian-process candidates (gp, ar1, nargp; each with the Matérn 5/2 and squared-exponential kernels),
      /// all three by default at every budget; empty: networks only.
      GaussianProcesses: string list }

let defaultSpace (budget: SelectionBudget) =
    match budget with
    | SelectionBudget.Small ->
        { Families = [ Architecture.Mlp ]; Sizes = [ 2, 16 ]; Encodings = [ EncodingKind.None ]
          LearningRates = [ 3e-3 ]; Lambdas = [ 1e-5; 1e-3; 1.0 ]; SingleFidelity = true
          GaussianProcesses = Gp.GpCandidates.kinds }
    | SelectionBudget.Medium ->
        { Families = [ Architecture.Mlp; Architecture.Kan ]; Sizes = [ 2, 16 ]; Encodings = [ EncodingKind.None; EncodingKind.Affine ]
          LearningRates = [ 3e-3; 1e-3 ]; Lambdas = [ 0.0; 1e-5; 1e-3; 1.0 ]; SingleFidelity = true
          GaussianProcesses = Gp.GpCandidates.kinds }
    | SelectionBudget.Large ->
        { Families = [ Architecture.Mlp; Architecture.Kan; Architecture.Siren ]; Sizes = [ 1, 16; 3, 16 ]
          Encodings = [ EncodingKind.None; EncodingKind.Affine ]
          LearningRates = [ 3e-3; 1e-3; 1e-4 ]; Lambdas = [ 0.0; 1e-5; 1e-3; 1.0 ]; SingleFidelity = true
          GaussianProcesses = Gp.GpCandidates.kinds }

/// CV training schedule per budget (Adam only: a per-member L-BFGS polish of every fold x hyperparameter member would
/// multiply the cost), and the refit's.
let private cvEpochs =
    function
    | SelectionBudget.Small -> 2000
    | SelectionBudget.Medium -> 3000
    | SelectionBudget.Large -> 5000

/// The options a user gave explicitly, which automatic selection respects: each narrows its axis of the candidates
/// instead of being ignored (a family, a structure, an encoding, a learning rate, a λ); `WithGaussianProcesses =
/// false` leaves the GP candidates out. The CLI's flags and the facade's set properties both arrive here.
type Given =
    { Architecture: Architecture option
      Depth: int option
      Width: int option
      Encoding: EncodingKind option
      LearningRate: float option
      Lambda: float option
      WithGaussianProcesses: bool }

/// Nothing given: the default space as it is.
let nothingGiven =
    { Architecture = None; Depth = None; Width = None; Encoding = None; LearningRate = None; Lambda = None
      WithGaussianProcesses = true }

/// The space narrowed by what was given. A depth without a width (or the reverse) takes the other from the
/// options' defaults, so `--depth 2` means a 2 × (default width) structure.
let narrow (given: Given) (s: Space) : Space =
    let one (v: 'a option) (all: 'a list) = match v with Some x -> [ x ] | None -> all
    { s with
        Families = one given.Architecture s.Families
        Sizes =
            (match given.Depth, given.Width with
             | None, None -> s.Sizes
             | depth, width -> [ defaultArg depth OptionSpec.depth.Default, defaultArg width OptionSpec.width.Default ])
        Encodings = one given.Encoding s.Encodings
        LearningRates = one given.LearningRate s.LearningRates
        Lambdas = one given.Lambda s.Lambdas
        GaussianProcesses = (if given.WithGaussianProcesses then s.GaussianProcesses else []) }

/// Fold index of each HF point: leave-one-out up to 10 points, else 5 folds, shuffled with the seed.
let folds (seed: int) (n: int) =
    let k = if n <= 10 then n else 5
    let rng = System.Random(seed)
    let order = Array.init n id |> Array.sortBy (fun _ -> rng.Next())
    let assignment = Array.zeroCreate n
    order |> Array.iteri (fun rank j -> assignment[j] <- rank % k)
    k, assignment

/// One structure to try: how sources enter (exactly, learned, or not at all: None, the single-fidelity network)
/// and the network.
type private Structure =
    { Label: string
      Family: Architecture
      Depth: int
      Width: int
      Encoding: EncodingKind
      Lf: Experiment.LfMode option
      Sources: SourceSpec list }

let private structures (space: Space) (sources: Workflow.Source list) (hfDim: int) =
    let anyOtherDim =
        sources |> List.exists (function
            | Workflow.FromData s -> s.X.Length > 0 && s.X[0].Length <> hfDim
            | Workflow.FromFunction f -> f.Domain.Dim <> hfDim)
    let anyFunction = sources |> List.exists (function Workflow.FromFunction _ -> true | _ -> false)
    // Function sources can enter exactly, or as surrogates learned from samples of them.
    let learnedOf (src: Workflow.Source) =
        match src with
        | Workflow.FromData s -> Learned(s.Name, s.Domain, s.X, s.Y)
        | Workflow.FromFunction f ->
            let x = Sampling.sobol f.Domain.Dim 1 256 |> Sampling.scaleTo f.Domain.Lower f.Domain.Upper
            Learned(f.Name, Some f.Domain, x, Experiment.evaluate f.Eval x)
    let exactOf (src: Workflow.Source) =
        match src with
        | Workflow.FromData s -> Learned(s.Name, s.Domain, s.X, s.Y)
        | Workflow.FromFunction f -> Exact f
    // An LF source with other inputs than the HF model is only usable through an encoder.
    let encodings =
        if anyOtherDim && space.Encodings |> List.forall ((=) EncodingKind.None) then space.Encodings @ [ EncodingKind.Affine ]
        else space.Encodings
    let lfModes =
        if sources.IsEmpty then []
        elif anyFunction then [ Experiment.ExactLf, List.map exactOf sources; Experiment.LearnedLf, List.map learnedOf sources ]
        else [ Experiment.LearnedLf, List.map learnedOf sources ]
    [ for arch in space.Families do
          let family = Names.name Architecture.names arch
          for depth, width in space.Sizes do
              if space.SingleFidelity then
                  yield { Label = sprintf "SF %s %dx%d" family depth width; Family = arch; Depth = depth; Width = width
                          Encoding = EncodingKind.None; Lf = None; Sources = [] }
              for lf, specs in lfModes do
                  for enc in encodings do
                      // Sources with other inputs than the HF model need an encoder; black-box functions cannot feed one.
                      let needsEncoder = anyOtherDim && enc = EncodingKind.None
                      let blocked = enc <> EncodingKind.None && specs |> List.exists (function Exact f -> not f.Differentiable | _ -> false)
                      if not needsEncoder && not blocked then
                          yield { Label = sprintf "MF %s %dx%d, %s LF, encoding %s" family depth width (Experiment.LfMode.name lf) (Names.name EncodingKind.names enc)
                                  Family = arch; Depth = depth; Width = width; Encoding = enc; Lf = Some lf; Sources = specs } ]
    |> fun l ->
        if l.IsEmpty then Errors.fail "model selection: no candidate fits these sources (an LF source with other inputs needs the affine or nonlinear encoding)"
        l

let private specOf (s: Structure) (blocks: BlockSettings) precision =
    ModelOptions.spec
        { ModelOptions.defaults with Architecture = s.Family; Depth = s.Depth; Width = s.Width; Blocks = blocks; Encoding = s.Encoding; Precision = precision }

/// Cross-validate every candidate, choose the best, refit it on all HF data (as `members` ensemble members).
/// `fixedOptions` carries the training options the search does not vary (encoder penalty, KAN grid update); its
/// schedules, penalties and member settings are replaced by the search's own. `blocks` sets SIREN's ω0 and the KAN
/// grid of every candidate of those families. `hooks` receive the progress of every task (the cross-validations,
/// then the refit) and may cancel.
let select (budget: SelectionBudget) (space: Space) (refit: Schedule) (fixedOptions: TrainConfig) (blocks: BlockSettings) (members: int) (seed: int) (precision: Tensors.Precision)
           (hfBox: Box) (hf: HfData) (sources: Workflow.Source list)
           (hooks: RunHooks) =
    let clock = Stopwatch.StartNew()
    let n = hf.X.Length
    if n < 3 then Errors.fail "model selection needs at least 3 HF points for cross-validation (got %d); choose a model yourself" n
    let k, foldOf = folds seed n
    let norm = max 1e-300 (Metrics.meanSquare hf.Y)
    let combos = [ for lr in space.LearningRates do for lam in space.Lambdas -> lr, lam ] |> Array.ofList
    let cvMembers = combos.Length * k
    let structs = structures space sources hfBox.Dim
    let gpPlan = Gp.GpCandidates.plan space.GaussianProcesses sources
    // Progress counts tasks (one per structure, one per GP candidate, then the refit) and names the candidates each
    // one cross-validates, so that its counts match the report's.
    let cvTasks = structs.Length + gpPlan.Length
    let tasks = cvTasks + 1
    let candidates = structs.Length * combos.Length + gpPlan.Length
    let results =
        structs
        |> List.mapi (fun si s ->
            hooks.Cancel.ThrowIfCancellationRequested()
            let mask = Array.init cvMembers (fun e -> let f = e % k in Array.init n (fun j -> if foldOf[j] = f then 0.0 else 1.0))
            let schedule = { AdamEpochs = cvEpochs budget; LearningRate = fst combos[0]; LbfgsIterations = 0 }
            let cfg =
                { fixedOptions with
                    Schedule = schedule
                    SurrogateSchedule = schedule
                    Lambda = 0.0
                    MemberLearningRates = Some(Array.init cvMembers (fun e -> fst combos[e / k]))
                    MemberLambdas = Some(Array.init cvMembers (fun e -> snd combos[e / k]))
                    MemberHfMask = Some mask }
            let cvHooks =
                { hooks with LogEvery = 500 }
                |> RunHooks.task
                    (sprintf "CV %d/%d: %s (%d of %d candidates, %d folds)" (si + 1) cvTasks s.Label combos.Length candidates k)
                    (si + 1) tasks
            let seeds = Array.init cvMembers (fun e -> seed * 7919 + 31 * (e / k) + 1)
            let fit = Fit.fitWith cvHooks cfg (specOf s blocks precision) hfBox hf s.Sources seeds
            let preds = Emulator.predictMembers fit.Emulator hf.X
            combos
            |> Array.mapi (fun c (lr, lam) ->
                let foldErrors =
                    Array.init k (fun f ->
                        let e = c * k + f
                        let held = [| for j in 0 .. n - 1 do if foldOf[j] = f then yield j |]
                        held |> Array.averageBy (fun j -> (preds[e].Value[j] - hf.Y[j]) ** 2.0) |> fun m -> m / norm)
                let mean = Array.average foldErrors
                let sd = sqrt (foldErrors |> Array.averageBy (fun v -> (v - mean) ** 2.0))
                { SelectionCandidate.Structure = s.Label; Family = Names.name Architecture.names s.Family; Depth = s.Depth; Width = s.Width
                  Encoding = Names.name EncodingKind.names s.Encoding
                  Lf = (match s.Lf with Some lf -> Experiment.LfMode.name lf | None -> SelectionCandidate.singleFidelity)
                  LearningRate = lr; Lambda = lam
                  CvError = (if System.Double.IsNaN mean then infinity else mean); CvSpread = sd }, s)
            |> List.ofArray)
        |> List.concat
    let neuralChosen, structure = results |> List.minBy (fun (c, _) -> c.CvError)
    // The GP candidates, on the same folds; the best replaces the best network only by a margin (replacesNetwork).
    let gpTask i label =
        let index = structs.Length + i + 1
        ProgressReport.task (sprintf "CV %d/%d: %s (1 of %d candidates, %d folds)" index cvTasks label candidates k) index tasks hooks.Report
    let gpResults =
        Gp.GpCandidates.crossValidate { Gp.FitSettings.defaults with Seed = seed } space.GaussianProcesses hfBox hf sources k foldOf norm gpTask hooks.Cancel
    let gpWinner =
        gpResults |> List.sortBy (fun (c, _) -> c.CvError) |> List.tryHead |> Option.filter (fun (c, _) -> Gp.GpCandidates.replacesNetwork k c neuralChosen)
    let chosen = match gpWinner with Some(c, _) -> c | None -> neuralChosen
    let cfg =
        { fixedOptions with
            Schedule = { refit with LearningRate = chosen.LearningRate }
            SurrogateSchedule = { refit with LearningRate = chosen.LearningRate }
            Lambda = chosen.Lambda
            MemberLearningRates = None
            MemberLambdas = None
            MemberHfMask = None }
    let refitHooks = RunHooks.task ("refit: " + chosen.Structure) tasks tasks hooks
    // The refit may be a deep ensemble of the chosen configuration (one seed per member).
    let fit =
        match gpWinner with
        | Some(_, refitGp) -> refitGp refitHooks.Report
        | None -> Fit.fitWith refitHooks cfg (specOf structure blocks precision) hfBox hf structure.Sources (Array.init (max 1 members) (fun e -> seed * 7919 + 13 * e))
    let rep: SelectionReport =
        { Method = (if k = n then "leave-one-out" else sprintf "%d-fold" k)
          Folds = k
          Budget = SelectionBudget.name budget
          Candidates = (List.map fst results @ List.map fst gpResults) |> List.sortBy (fun c -> c.CvError)
          Chosen = chosen
          EstimatedError = chosen.CvError
          Seconds = clock.Elapsed.TotalSeconds }
    fit, cfg, rep
