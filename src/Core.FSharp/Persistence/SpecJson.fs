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
    match b with
    | AffineBlock -> obj [ "family", JsonValue.Create "affine" ]
    | MlpBlock s -> obj [ "family", JsonValue.Create "mlp"; "depth", JsonValue.Create s.Depth; "width", JsonValue.Create s.Width ]
    | SirenBlock s ->
        obj [ "family", JsonValue.Create "siren"; "depth", JsonValue.Create s.Depth; "width", JsonValue.Create s.Width
              "omega0", JsonValue.Create s.Omega0 ]
    | KanBlock s ->
        obj [ "family", JsonValue.Create "kan"; "depth", JsonValue.Create s.Depth; "width", JsonValue.Create s.Width
              "gridSize", JsonValue.Create s.GridSize; "splineOrder", JsonValue.Create s.SplineOrder
              "gridMin", JsonValue.Create s.GridMin; "gridMax", JsonValue.Create s.GridMax ]

let toBlock (o: JsonObject) : BlockSpec =
    match str o "family" with
    | "affine" -> AffineBlock
    | "mlp" -> MlpBlock { Depth = int' o "depth"; Width = int' o "width" }
    | "siren" -> SirenBlock { Depth = int' o "depth"; Width = int' o "width"; Omega0 = num o "omega0" }
    | "kan" ->
        KanBlock
            { Depth = int' o "depth"; Width = int' o "width"; GridSize = int' o "gridSize"; SplineOrder = int' o "splineOrder"
              GridMin = num o "gridMin"; GridMax = num o "gridMax" }
    | other -> Errors.fail "model file: unknown block family '%s' (written by a newer version?)" other

let ofEncoding (e: Encoding) =
    match e with
    | NoEncoding -> obj [ "kind", JsonValue.Create "none" ]
    | AffineEncoding -> obj [ "kind", JsonValue.Create "affine" ]
    | NonlinearEncoding b -> obj [ "kind", JsonValue.Create "nonlinear"; "block", ofBlock b ]

let toEncoding (o: JsonObject) =
    match str o "kind" with
    | "none" -> NoEncoding
    | "affine" -> AffineEncoding
    | "nonlinear" -> NonlinearEncoding(toBlock (child o "block"))
    | other -> Errors.fail "model file: unknown encoding '%s'" other

let ofBox (b: Box) = obj [ "lower", floats b.Lower; "upper", floats b.Upper ]
let toBox (o: JsonObject) = Box.create (readFloats o "lower") (readFloats o "upper")
let ofAffine (a: Affine1) = obj [ "shift", floats a.Shift; "scale", floats a.Scale ]
let toAffine (o: JsonObject) = { Shift = readFloats o "shift"; Scale = readFloats o "scale" }

let ofSchedule (s: Schedule) =
    obj [ "adamEpochs", JsonValue.Create s.AdamEpochs
          "learningRate", JsonValue.Create s.LearningRate
          "lbfgsIterations", JsonValue.Create s.LbfgsIterations ]

let ofTrainConfig (c: TrainConfig) =
    obj [ "schedule", ofSchedule c.Schedule
          "surrogateSchedule", ofSchedule c.SurrogateSchedule
          "lambda", JsonValue.Create c.Lambda
          "encoderLambda", JsonValue.Create c.EncoderLambda
          "kanGridUpdate", JsonValue.Create c.KanGridUpdate
          "strategy", JsonValue.Create(Strategy.name c.Strategy) ]
