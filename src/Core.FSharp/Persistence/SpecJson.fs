/// Model specifications to and from JSON, for the model file.
module Emulators.Core.SpecJson

open System.Text.Json.Nodes
open Emulators.Core.Mlp

let private num (o: JsonObject) (key: string) =
    match o[key] with
    | null -> Errors.fail "model file: field '%s' is missing" key
    | n -> n.GetValue<float>()

let private int' o key = int (num o key)

let private str (o: JsonObject) (key: string) =
    match o[key] with
    | null -> Errors.fail "model file: field '%s' is missing" key
    | n -> n.GetValue<string>()

let floats (v: float[]) = JsonArray(v |> Array.map (fun x -> JsonValue.Create x :> JsonNode))

let readFloats (o: JsonObject) (key: string) : float[] =
    match o[key] with
    | :? JsonArray as a -> a |> Seq.map (fun n -> n.GetValue<float>()) |> Array.ofSeq
    | _ -> Errors.fail "model file: field '%s' is missing or not a list of numbers" key

let strings (v: string[]) = JsonArray(v |> Array.map (fun x -> JsonValue.Create x :> JsonNode))

let readStrings (o: JsonObject) (key: string) : string[] option =
    match o[key] with
    | :? JsonArray as a -> Some(a |> Seq.map (fun n -> n.GetValue<string>()) |> Array.ofSeq)
    | _ -> None

let obj (fields: (string * JsonNode) list) =
    let o = JsonObject()
    for k, v in fields do
        o[k] <- v
    o

let child (o: JsonObject) (key: string) : JsonObject =
    match o[key] with
    | :? JsonObject as c -> c
    | _ -> Errors.fail "model file: section '%s' is missing" key

let ofBlock (b: BlockSpec) : JsonObject =
    let family = "family", (JsonValue.Create(Block.family b) :> JsonNode)
    match b with
    | AffineBlock -> obj [ family ]
    | MlpBlock s -> obj [ family; "depth", JsonValue.Create s.Depth; "width", JsonValue.Create s.Width ]
    | SirenBlock s -> obj [ family; "depth", JsonValue.Create s.Depth; "width", JsonValue.Create s.Width; "omega0", JsonValue.Create s.Omega0 ]
    | KanBlock s ->
        obj [ family; "depth", JsonValue.Create s.Depth; "width", JsonValue.Create s.Width
              "gridSize", JsonValue.Create s.GridSize; "splineOrder", JsonValue.Create s.SplineOrder
              "gridMin", JsonValue.Create s.GridMin; "gridMax", JsonValue.Create s.GridMax ]

let toBlock (o: JsonObject) : BlockSpec =
    match str o "family" with
    | name when name = Block.family AffineBlock -> AffineBlock
    | name ->
        match Names.tryParse Architecture.names name with
        | Some Architecture.Mlp -> MlpBlock { Depth = int' o "depth"; Width = int' o "width" }
        | Some Architecture.Siren -> SirenBlock { Depth = int' o "depth"; Width = int' o "width"; Omega0 = num o "omega0" }
        | Some Architecture.Kan ->
            KanBlock
                { Depth = int' o "depth"; Width = int' o "width"; GridSize = int' o "gridSize"; SplineOrder = int' o "splineOrder"
                  GridMin = num o "gridMin"; GridMax = num o "gridMax" }
        | None -> Errors.fail "model file: unknown block family '%s' (written by a newer version?)" name

let ofEncoding (e: Encoding) =
    let kind = "kind", (JsonValue.Create(Names.name EncodingKind.names (Encoding.kind e)) :> JsonNode)
    match e with
    | NonlinearEncoding b -> obj [ kind; "block", ofBlock b ]
    | _ -> obj [ kind ]

let toEncoding (o: JsonObject) =
    match Names.tryParse EncodingKind.names (str o "kind") with
    | Some EncodingKind.None -> NoEncoding
    | Some EncodingKind.Affine -> AffineEncoding
    | Some EncodingKind.Nonlinear -> NonlinearEncoding(toBlock (child o "block"))
    | None -> Errors.fail "model file: unknown encoding '%s' (%s)" (str o "kind") (Names.expected EncodingKind.names)

let ofBox (b: Box) = obj [ "lower", floats b.Lower; "upper", floats b.Upper ]
let toBox (o: JsonObject) = Box.create (readFloats o "lower") (readFloats o "upper")
let ofAffine (a: Affine1) = obj [ "shift", floats a.Shift; "scale", floats a.Scale ]
let toAffine (o: JsonObject) = { Shift = readFloats o "shift"; Scale = readFloats o "scale" }

/// An option's key in the model file: its facade property in camel case ("learningRate").
let private key (s: OptionSpec<'T>) = string (System.Char.ToLowerInvariant s.Property[0]) + s.Property.Substring 1

/// The options a model was trained with, each under its key, names through their tables.
let ofOptions (o: ModelOptions) =
    let name (s: OptionSpec<'T>) (v: 'T) = key s, (JsonValue.Create(s.Show v) :> JsonNode)
    let value (s: OptionSpec<'T>) (v: 'T) = key s, (JsonValue.Create v :> JsonNode)
    let b = o.Blocks
    obj [ name OptionSpec.architecture o.Architecture
          value OptionSpec.depth o.Depth
          value OptionSpec.width o.Width
          value OptionSpec.omega0 b.Omega0
          value OptionSpec.kanGridSize b.KanGridSize
          value OptionSpec.kanSplineOrder b.KanSplineOrder
          value OptionSpec.kanGridMin b.KanGridMin
          value OptionSpec.kanGridMax b.KanGridMax
          name OptionSpec.encoding o.Encoding
          name OptionSpec.strategy o.Strategy
          value OptionSpec.epochs o.AdamEpochs
          value OptionSpec.lbfgsIterations o.LbfgsIterations
          value OptionSpec.learningRate o.LearningRate
          value OptionSpec.lambda o.Lambda
          value OptionSpec.encoderLambda o.EncoderLambda
          value OptionSpec.kanGridUpdate o.KanGridUpdate
          value OptionSpec.seed o.Seed
          value OptionSpec.members o.Members
          name OptionSpec.precision o.Precision
          name OptionSpec.selection o.Selection
          name OptionSpec.budget o.Budget ]

/// The options of `ofOptions`, read back (an option the file lacks, written before the option existed, takes its
/// default); names go through their tables, and every value must be one the option accepts.
let toOptions (o: JsonObject) : ModelOptions =
    let read (s: OptionSpec<'T>) (parse: JsonNode -> 'T) : 'T =
        match o[key s] with
        | null -> s.Default
        | n ->
            let v =
                try parse n with
                | :? System.InvalidOperationException
                | :? System.FormatException -> Errors.fail "field 'options.%s' is not a %s" (key s) (typeof<'T>.Name)
                | EmulatorError msg -> Errors.fail "field 'options.%s': %s" (key s) msg
            OptionSpec.check (sprintf "field 'options.%s': " (key s)) s v
            v
    let named (table: Names.Table<'T>) (n: JsonNode) = Names.parse table (n.GetValue<string>())
    let number (n: JsonNode) = n.GetValue<float>()
    let whole (n: JsonNode) = n.GetValue<int>()
    { Architecture = read OptionSpec.architecture (named Architecture.names)
      Depth = read OptionSpec.depth whole
      Width = read OptionSpec.width whole
      Blocks =
        { Omega0 = read OptionSpec.omega0 number
          KanGridSize = read OptionSpec.kanGridSize whole
          KanSplineOrder = read OptionSpec.kanSplineOrder whole
          KanGridMin = read OptionSpec.kanGridMin number
          KanGridMax = read OptionSpec.kanGridMax number }
      Encoding = read OptionSpec.encoding (named EncodingKind.names)
      Strategy = read OptionSpec.strategy (named Strategy.names)
      AdamEpochs = read OptionSpec.epochs whole
      LbfgsIterations = read OptionSpec.lbfgsIterations whole
      LearningRate = read OptionSpec.learningRate number
      Lambda = read OptionSpec.lambda number
      EncoderLambda = read OptionSpec.encoderLambda number
      KanGridUpdate = read OptionSpec.kanGridUpdate (fun n -> n.GetValue<bool>())
      Seed = read OptionSpec.seed whole
      Members = read OptionSpec.members whole
      Precision = read OptionSpec.precision (named Tensors.Precision.names)
      Selection = read OptionSpec.selection (named SelectionMode.names)
      Budget = read OptionSpec.budget (named SelectionBudget.names) }
