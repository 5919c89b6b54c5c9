/// A Gaussian-process emulator in the model file: its structure as a "gaussian" section of model.json, its numbers
/// (feature rows, standardized targets, hyperparameters, jitter) as float64 tensors named gp.* in weights.bin.
/// Predictions are recomputed from exactly these numbers, so a reloaded model predicts bit for bit the same.
module Emulators.Core.Gp.GpFile

open System.Text.Json.Nodes
open Emulators.Core
open Emulators.Core.SpecJson

let private matrix (rows: float[][]) (width: int) =
    Tensors.create (Array.concat rows) [| int64 rows.Length; int64 width |] TorchSharp.torch.ScalarType.Float64

let private vector (v: float[]) = Tensors.ofVector Tensors.Float64 v

let private coreTensors (prefix: string) (c: GpCore) : (string * Tensors.Tensor) list =
    let width = if c.Inputs.Length = 0 then 0 else c.Inputs[0].Length
    [ prefix + ".inputs", matrix c.Inputs width
      prefix + ".targets", vector c.Targets
      prefix + ".theta", vector c.Theta
      prefix + ".jitter", vector [| c.Jitter; c.NegLogLikelihood |] ]

let private ofLayout (l: Layout) =
    obj [ "kind", JsonValue.Create(GpKind.name l.Kind)
          "kernel", JsonValue.Create(Kernel.name l.Kernel)
          "inputs", JsonValue.Create l.Dx
          "sources", JsonValue.Create l.Sources ]

let private toLayout (o: JsonObject) =
    let get (k: string) =
        match o[k] with
        | null -> Errors.fail "model file: GP field '%s' is missing" k
        | n -> n
    Layout.create (GpKind.parse (get("kind").GetValue<string>())) (Kernel.parse (get("kernel").GetValue<string>()))
        (int (get("inputs").GetValue<float>())) (int (get("sources").GetValue<float>()))

/// The tensors to store, in order.
let tensors (m: GpEmulator) : (string * Tensors.Tensor) list =
    [ yield! coreTensors "gp.hf" m.Hf
      for i, s in List.indexed m.Sources do
          match s.Gp with
          | Some g -> yield! coreTensors (sprintf "gp.lf%d" i) g
          | None -> () ]

/// The "gaussian" section of model.json.
let json (m: GpEmulator) : JsonNode =
    let source (s: GpSource) =
        obj [ "name", JsonValue.Create s.Name
              "kind", JsonValue.Create(if s.Exact.IsSome then "exact" else "learned")
              "domain", ofBox s.Domain
              "inputScale", ofAffine s.InputScale
              "outputScale", ofAffine s.OutputScale
              "points", JsonValue.Create s.Points
              "gp", (match s.Gp with Some g -> ofLayout g.Layout :> JsonNode | None -> null) ] :> JsonNode
    obj [ "model", JsonValue.Create(GpKind.name m.Kind)
          "kernel", JsonValue.Create(Kernel.name m.Kernel)
          "domain", ofBox m.Domain
          "inputScale", ofAffine m.InputScale
          "outputScale", ofAffine m.OutputScale
          "hf", ofLayout m.Hf.Layout
          "sources", JsonArray(m.Sources |> List.map source |> Array.ofList) ] :> JsonNode

/// The tensors a "gaussian" section needs, with their shapes: per GP, inputs [N, inputs + sources], targets [N],
/// hyperparameters [Layout.size] and jitter [2] (jitter and negative log-likelihood). N is the GP's number of
/// training rows, taken from its stored targets (`rows` gives a tensor's first dimension by name).
let expectedTensors (o: JsonObject) (rows: string -> int64 option) : (string * int64[]) list =
    let core (prefix: string) (l: Layout) =
        let n =
            match rows (prefix + ".targets") with
            | Some n -> n
            | None -> Errors.fail "parameter '%s' is missing" (prefix + ".targets")
        [ prefix + ".inputs", [| n; (if n = 0L then 0L else int64 (l.Dx + l.Sources)) |]
          prefix + ".targets", [| n |]
          prefix + ".theta", [| int64 (Layout.size l) |]
          prefix + ".jitter", [| 2L |] ]
    [ yield! core "gp.hf" (toLayout (child o "hf"))
      match o["sources"] with
      | :? JsonArray as a ->
          for i, n in Seq.indexed a do
              match n with
              | :? JsonObject as s ->
                  match s["gp"] with
                  | :? JsonObject as g -> yield! core (sprintf "gp.lf%d" i) (toLayout g)
                  | _ -> ()
              | _ -> Errors.fail "field 'gaussian.sources[%d]' is not an object" i
      | _ -> Errors.fail "field 'gaussian.sources' is missing" ]

/// Rebuild from the "gaussian" section, the stored tensors by name, and the exact LF functions by name.
let read (o: JsonObject) (tensor: string -> Tensors.Tensor option) (resolve: string -> SourceFunction option) : GpEmulator =
    let need (name: string) =
        match tensor name with
        | Some t -> t
        | None -> Errors.fail "model file: GP tensor '%s' is missing" name
    let core (prefix: string) (l: Layout) : GpCore =
        let inputs = need (prefix + ".inputs")
        let extra = Tensors.toArray (need (prefix + ".jitter"))
        { Layout = l
          Inputs = (if inputs.shape[0] = 0L then [||] else Tensors.toRows inputs)
          Targets = Tensors.toArray (need (prefix + ".targets"))
          Theta = Tensors.toArray (need (prefix + ".theta"))
          Jitter = extra[0]
          NegLogLikelihood = extra[1] }
    let sources =
        match o["sources"] with
        | :? JsonArray as a ->
            a
            |> Seq.mapi (fun i n ->
                let s = n :?> JsonObject
                let name = s["name"].GetValue<string>()
                let exact =
                    if s["kind"].GetValue<string>() = "exact" then
                        match resolve name with
                        | Some f -> Some f.Eval
                        | None -> Errors.fail "the model uses the exact LF function '%s'; supply it when loading" name
                    else None
                { Name = name
                  Domain = toBox (child s "domain")
                  InputScale = toAffine (child s "inputScale")
                  OutputScale = toAffine (child s "outputScale")
                  Exact = exact
                  Gp = (match s["gp"] with :? JsonObject as g -> Some(core (sprintf "gp.lf%d" i) (toLayout g)) | _ -> None)
                  Points = int (s["points"].GetValue<float>()) })
            |> List.ofSeq
        | _ -> Errors.fail "model file: the GP section has no 'sources' list"
    let hfLayout = toLayout (child o "hf")
    { Kind = hfLayout.Kind
      Kernel = hfLayout.Kernel
      Domain = toBox (child o "domain")
      InputScale = toAffine (child o "inputScale")
      OutputScale = toAffine (child o "outputScale")
      Sources = sources
      Hf = core "gp.hf" hfLayout }
