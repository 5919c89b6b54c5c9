/// Every option of an emulator trained on a user's data, declared once (SMT's `options.declare`): its command-line
/// flag, its property in the C# facade, what it does, its default and the values it accepts. The defaults of
/// `ModelOptions` and `TrainConfig`, the command line's help, the range checks (Validate) and the facade's defaults
/// all come from these declarations, and a test holds the facade's documentation to them.
namespace Emulators.Core

/// How the LF surrogates and the correlation network train.
type Strategy =
    /// Train each LF surrogate on its own data, freeze it, then train encoders and F_l + F_nl on the HF data.
    | PretrainFreeze
    /// Train everything at once on LF terms + HF term + penalty.
    | EndToEnd

module Strategy =
    let names =
        Names.table "strategy" [ "freeze", [ "pretrain-freeze"; "pretrain" ], PretrainFreeze; "end-to-end", [ "endtoend"; "e2e" ], EndToEnd ]

    let name (s: Strategy) = Names.name names s

/// Whether training chooses the model itself.
[<RequireQualifiedAccess>]
type SelectionMode =
    /// Cross-validate candidates on the HF points and refit the best (Selection).
    | Automatic
    /// Train exactly the options given.
    | Off

module SelectionMode =
    let names = Names.table "selection mode" [ "auto", [], SelectionMode.Automatic; "off", [ "none"; "fixed" ], SelectionMode.Off ]

/// How much work automatic model selection may do (Selection.defaultSpace).
[<RequireQualifiedAccess>]
type SelectionBudget =
    | Small
    | Medium
    | Large

module SelectionBudget =
    let names =
        Names.table "budget" [ "small", [], SelectionBudget.Small; "medium", [], SelectionBudget.Medium; "large", [], SelectionBudget.Large ]

    let name (b: SelectionBudget) = Names.name names b

/// The values an option accepts.
type Accepts =
    /// A finite number in [lo, hi], or in (lo, hi] when lowOpen.
    | Number of lo: float * lowOpen: bool * hi: float
    /// A whole number in [lo, hi].
    | Count of lo: int * hi: int
    /// One of the names of a table.
    | OneOf of names: string list
    /// On or off.
    | Switch

/// One option, declared once.
type OptionSpec<'T> =
    { /// The command-line flag without its dashes ("lr").
      Flag: string
      /// The property of the C# facade's EmulatorOptions ("LearningRate").
      Property: string
      /// What the option does, for the help texts.
      Doc: string
      /// What messages call it ("the learning rate").
      Noun: string
      Default: 'T
      Accepts: Accepts
      /// The value as the help texts and messages write it.
      Show: 'T -> string }

module OptionSpec =
    /// A number as the help texts write it: 0.001, 1e-05, 30.
    let showNumber (v: float) = (sprintf "%g" v).Replace("e-0", "e-").Replace("e+0", "e+")

    let private number noun flag property doc (lo, lowOpen, hi) (dflt: float) : OptionSpec<float> =
        { Flag = flag; Property = property; Doc = doc; Noun = noun; Default = dflt; Accepts = Number(lo, lowOpen, hi); Show = showNumber }

    let private count noun flag property doc (lo, hi) (dflt: int) : OptionSpec<int> =
        { Flag = flag; Property = property; Doc = doc; Noun = noun; Default = dflt; Accepts = Count(lo, hi); Show = string }

    let private named noun flag property doc (table: Names.Table<'T>) (dflt: 'T) : OptionSpec<'T> =
        { Flag = flag; Property = property; Doc = doc; Noun = noun; Default = dflt; Accepts = OneOf(Names.names table); Show = Names.name table }

    let private switch noun flag property doc : OptionSpec<bool> =
        { Flag = flag; Property = property; Doc = doc; Noun = noun; Default = false; Accepts = Switch; Show = (fun b -> if b then "on" else "off") }

    /// "Adam learning rate (default 0.001)"; a named option lists its names: "... (mlp, siren or kan; default mlp)".
    let help (s: OptionSpec<'T>) =
        match s.Accepts with
        | OneOf names ->
            let listed =
                match List.rev names with
                | last :: (_ :: _ as rest) -> String.concat ", " (List.rev rest) + " or " + last
                | _ -> String.concat ", " names
            sprintf "%s: %s (default %s)" s.Doc listed (s.Show s.Default)
        | _ -> sprintf "%s (default %s)" s.Doc (s.Show s.Default)

    /// An EmulatorError unless `v` is accepted; `prefix` places the value ("LF-surrogate training: ").
    let check (prefix: string) (s: OptionSpec<'T>) (v: 'T) =
        match s.Accepts, box v with
        | Number(lo, lowOpen, hi), (:? float as x) ->
            let low = if lowOpen then x > lo else x >= lo
            if not (System.Double.IsFinite x && low && x <= hi) then
                Errors.fail "%s%s must be a finite number in %s%g, %g] (got %g)" prefix s.Noun (if lowOpen then "(" else "[") lo hi x
        | Count(lo, hi), (:? int as n) ->
            if n < lo || n > hi then
                if hi = System.Int32.MaxValue then Errors.fail "%s%s must be at least %d (got %d)" prefix s.Noun lo n
                else Errors.fail "%s%s must be between %d and %d (got %d)" prefix s.Noun lo hi n
        | _ -> ()

    // The limits of training. Beyond them, Adam steps jump over any minimum, a penalty forces every weight to zero (a
    // larger one changes nothing but can overflow), and an ensemble or a block no longer fits in memory.
    let maxLearningRate = 10.0
    let maxPenalty = 1e6
    let maxMembers = 1000
    let maxDepth = 64
    let maxWidth = 4096

    let private anyCount = System.Int32.MinValue, System.Int32.MaxValue
    let private atLeast n = n, System.Int32.MaxValue
    let private anyFinite = -System.Double.MaxValue, false, System.Double.MaxValue
    let private blocks = BlockSettings.defaults

    let architecture =
        named "the architecture" "arch" "Architecture" "block family of F_nl, the LF surrogates, the encoders and the SF baseline"
            Architecture.names Architecture.Mlp
    let depth = count "depth (hidden layers)" "depth" "Depth" "hidden layers per block" (1, maxDepth) 3
    let width = count "width (units per layer)" "width" "Width" "units per hidden layer" (1, maxWidth) 16
    let omega0 = number "SIREN omega0" "omega0" "SirenOmega0" "SIREN first-layer frequency ω0" (0.0, true, 1e4) blocks.Omega0
    let kanGridSize = count "KAN grid size" "kan-grid" "KanGridSize" "KAN grid intervals" (1, 1000) blocks.KanGridSize
    let kanSplineOrder = count "KAN spline order" "kan-order" "KanSplineOrder" "KAN B-spline order" (0, 10) blocks.KanSplineOrder
    let kanGridMin = number "the KAN grid's lower end" "kan-range" "KanGridMin" "lower end of the KAN grid range" anyFinite blocks.KanGridMin
    let kanGridMax = number "the KAN grid's upper end" "kan-range" "KanGridMax" "upper end of the KAN grid range" anyFinite blocks.KanGridMax
    let encoding =
        named "the encoding" "encoding" "Encoding" "coordinate encoding of each LF source" EncodingKind.names EncodingKind.None
    let strategy =
        named "the strategy" "strategy" "Strategy" "freeze (pre-train the LF surrogates, then freeze them) or train end to end"
            Strategy.names PretrainFreeze
    let epochs = count "epochs" "epochs" "Epochs" "Adam epochs per stage" (atLeast 0) 5000
    let lbfgsIterations = count "L-BFGS iterations" "lbfgs" "LbfgsIterations" "L-BFGS iterations after Adam (0: none)" (atLeast 0) 3000
    let learningRate = number "the learning rate" "lr" "LearningRate" "Adam learning rate" (0.0, true, maxLearningRate) 1e-3
    let lambda = number "the penalty lambda" "lambda" "Lambda" "L2 penalty λ on the weights of F_nl" (0.0, false, maxPenalty) 1e-3
    let encoderLambda =
        number "the encoder penalty" "encoder-lambda" "EncoderPenalty"
            "penalty on the encoders' distance from their identity or leading-inputs start" (0.0, false, maxPenalty) 0.0
    let kanGridUpdate =
        switch "the KAN grid update" "kan-grid-update" "KanGridUpdate"
            "KAN blocks move their spline grids to their training inputs before training (off: the fixed grid)"
    let seed = count "the seed" "seed" "Seed" "initialisation seed (and, with selection, the folds')" anyCount 0
    let members = count "ensemble members" "members" "Members" "deep-ensemble members trained at once" (1, maxMembers) 1
    let precision = named "the precision" "precision" "Precision" "floating-point precision" Tensors.Precision.names Tensors.Float64
    let selection =
        named "the selection mode" "select" "Selection"
            "auto chooses the model by cross-validation on the HF points (single-fidelity included), off trains exactly the options given"
            SelectionMode.names SelectionMode.Automatic
    let budget = named "the budget" "budget" "Budget" "cost bound of the automatic choice" SelectionBudget.names SelectionBudget.Small

    /// One declared option as the front ends document it.
    type Documented = { Flag: string; Property: string; Help: string; Default: string }

    /// Every declared option: what the command line and the facade document (a test holds both to this list).
    let all: Documented list =
        let e (s: OptionSpec<'T>) = { Flag = s.Flag; Property = s.Property; Help = help s; Default = s.Show s.Default }
        [ e architecture; e depth; e width; e omega0; e kanGridSize; e kanSplineOrder; e kanGridMin; e kanGridMax
          e encoding; e strategy; e epochs; e lbfgsIterations; e learningRate; e lambda; e encoderLambda; e kanGridUpdate
          e seed; e members; e precision; e selection; e budget ]

/// The options of an emulator trained on a user's data (the CLI's `train` flags, the facade's EmulatorOptions), as
/// typed values: names were parsed where they came in.
type ModelOptions =
    { Architecture: Architecture
      Depth: int
      Width: int
      /// SIREN ω0 and the KAN grid.
      Blocks: BlockSettings
      Encoding: EncodingKind
      Strategy: Strategy
      AdamEpochs: int
      LbfgsIterations: int
      LearningRate: float
      Lambda: float
      /// Penalty on the encoders' distance from their start (TrainConfig.EncoderLambda).
      EncoderLambda: float
      /// KAN grid update from the training data (TrainConfig.KanGridUpdate).
      KanGridUpdate: bool
      Seed: int
      Members: int
      Precision: Tensors.Precision
      Selection: SelectionMode
      /// Cost bound of the selection.
      Budget: SelectionBudget }

module ModelOptions =
    let defaults =
        { Architecture = OptionSpec.architecture.Default
          Depth = OptionSpec.depth.Default
          Width = OptionSpec.width.Default
          Blocks = BlockSettings.defaults
          Encoding = OptionSpec.encoding.Default
          Strategy = OptionSpec.strategy.Default
          AdamEpochs = OptionSpec.epochs.Default
          LbfgsIterations = OptionSpec.lbfgsIterations.Default
          LearningRate = OptionSpec.learningRate.Default
          Lambda = OptionSpec.lambda.Default
          EncoderLambda = OptionSpec.encoderLambda.Default
          KanGridUpdate = OptionSpec.kanGridUpdate.Default
          Seed = OptionSpec.seed.Default
          Members = OptionSpec.members.Default
          Precision = OptionSpec.precision.Default
          Selection = OptionSpec.selection.Default
          Budget = OptionSpec.budget.Default }

    /// The network F_nl (and the LF surrogates) the options describe.
    let block (o: ModelOptions) = Block.ofArchitecture o.Blocks o.Architecture o.Depth o.Width

    let spec (o: ModelOptions) : EmulatorSpec =
        let b = block o
        { Correlation = b
          Surrogate = b
          Encoding = Encoding.ofKind o.Blocks o.Architecture o.Encoding
          Precision = o.Precision }

    /// The options that describe a network emulator's spec: its architecture, size, family settings, encoding and
    /// precision replace those of `o` (which keeps them for a spec of no network family, a Gaussian process).
    let describing (spec: EmulatorSpec) (o: ModelOptions) =
        let settings =
            match spec.Correlation with
            | SirenBlock s -> { o.Blocks with Omega0 = s.Omega0 }
            | KanBlock k -> { o.Blocks with KanGridSize = k.GridSize; KanSplineOrder = k.SplineOrder; KanGridMin = k.GridMin; KanGridMax = k.GridMax }
            | _ -> o.Blocks
        match Block.architecture spec.Correlation, spec.Correlation with
        | Some arch, (MlpBlock { Depth = d; Width = w } | SirenBlock { Depth = d; Width = w } | KanBlock { Depth = d; Width = w }) ->
            { o with
                Architecture = arch
                Depth = d
                Width = w
                Blocks = settings
                Encoding = Encoding.kind spec.Encoding
                Precision = spec.Precision }
        | _ -> { o with Precision = spec.Precision }

