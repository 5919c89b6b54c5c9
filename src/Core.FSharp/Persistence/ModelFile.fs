/// The portable model file: a directory holding `model.json` (versioned metadata: architecture, scaling, sources
/// and their input spaces, training configuration, column names, checksum) and `weights.bin` (raw little-endian
/// parameter values in the order the metadata lists them). Reloading reproduces predictions bit for bit.
module Emulators.Core.ModelFile

open System
open System.IO
open System.Security.Cryptography
open System.Text.Json
open System.Text.Json.Nodes
open TorchSharp
open Emulators.Core.SpecJson

let formatName = "emulators-model"
let formatVersion = 1
let metadataFile = "model.json"
let weightsFile = "weights.bin"

let libraryVersion =
    let v = typeof<Box>.Assembly.GetName().Version
    sprintf "%d.%d.%d" v.Major v.Minor v.Build

/// Names and context that a model carries besides its numbers.
type Metadata =
    { InputNames: string[] option
      OutputName: string option
      /// Input column names per source, in source order (CSV workflows).
      SourceInputNames: string[] option list
      Training: TrainConfig option
      /// Free-form extra information (e.g. a model-selection report), stored as given.
      Extra: JsonNode option }

let emptyMetadata =
    { InputNames = None; OutputName = None; SourceInputNames = []; Training = None; Extra = None }

type Loaded = { Emulator: Emulator; Metadata: Metadata }

let private sha256 (bytes: byte[]) = Convert.ToHexString(SHA256.HashData bytes).ToLowerInvariant()

let private tensorBytes (t: Tensors.Tensor) =
    use c = t.detach().contiguous()
    if c.dtype = torch.ScalarType.Float32 then
        let a = c.data<float32>().ToArray()
        let b = Array.zeroCreate<byte> (a.Length * 4)
        Buffer.BlockCopy(a, 0, b, 0, b.Length)
        b
    else
        let a = c.data<float>().ToArray()
        let b = Array.zeroCreate<byte> (a.Length * 8)
        Buffer.BlockCopy(a, 0, b, 0, b.Length)
        b

/// Write the model into `dir` (created if needed). Files are written to temporaries and moved into place, so a
/// crash never leaves a half-written model behind a valid name.
let save (dir: string) (meta: Metadata) (m: Emulator) =
    Directory.CreateDirectory dir |> ignore
    let ps = Emulator.parameters m @ (match m.Gaussian with Some g -> Gp.GpFile.tensors g | None -> [])
    let chunks = ps |> List.map (fun (_, t) -> tensorBytes t)
    let weights = Array.concat chunks
    let mutable offset = 0L
    let entries =
        List.map2 (fun (name: string, t: Tensors.Tensor) (bytes: byte[]) ->
            let e =
                obj [ "name", JsonValue.Create name
                      "shape", JsonArray(t.shape |> Array.map (fun d -> JsonValue.Create d :> JsonNode))
                      "offset", JsonValue.Create offset
                      "bytes", JsonValue.Create bytes.Length ]
            offset <- offset + int64 bytes.Length
            e :> JsonNode) ps chunks
    let sources =
        m.Sources
        |> List.mapi (fun i s ->
            let o =
                obj [ "name", JsonValue.Create s.Name
                      "kind", JsonValue.Create(if s.Exact.IsSome then "exact" else "learned")
                      "domain", ofBox s.Domain
                      "inputScale", ofAffine s.InputScale
                      "outputScale", ofAffine s.OutputScale ]
            match List.tryItem i meta.SourceInputNames |> Option.flatten with
            | Some names -> o["inputNames"] <- strings names
            | None -> ()
            o :> JsonNode)
    let root =
        obj [ "format", JsonValue.Create formatName
              "formatVersion", JsonValue.Create formatVersion
              "libraryVersion", JsonValue.Create libraryVersion
              "precision", JsonValue.Create(Tensors.precisionName m.Spec.Precision)
              "members", JsonValue.Create m.Members
              "correlation", ofBlock m.Spec.Correlation
              "surrogate", ofBlock m.Spec.Surrogate
              "encoding", ofEncoding m.Spec.Encoding
              "linearBranch", JsonValue.Create m.Linear.IsSome
              "domain", ofBox m.Domain
              "inputScale", ofAffine m.InputScale
              "outputScale", ofAffine m.OutputScale
              "sources", JsonArray(Array.ofList sources)
              "memberOutputScales",
              (match m.MemberOutputScales with
               | Some scales -> JsonArray(scales |> Array.map (fun a -> ofAffine a :> JsonNode)) :> JsonNode
               | None -> null)
              "parameters", JsonArray(Array.ofList entries)
              "weightsFile", JsonValue.Create weightsFile
              "weightsSha256", JsonValue.Create(sha256 weights) ]
    m.Gaussian |> Option.iter (fun g -> root["gaussian"] <- Gp.GpFile.json g)
    meta.InputNames |> Option.iter (fun n -> root["inputNames"] <- strings n)
    meta.OutputName |> Option.iter (fun n -> root["outputName"] <- JsonValue.Create n)
    meta.Training |> Option.iter (fun t -> root["training"] <- ofTrainConfig t)
    meta.Extra |> Option.iter (fun e -> root["extra"] <- e.DeepClone())
    let write (name: string) (bytes: byte[]) =
        let path = Path.Combine(dir, name)
        let tmp = path + ".tmp"
        File.WriteAllBytes(tmp, bytes)
        File.Move(tmp, path, true)
    write weightsFile weights
    write metadataFile (Text.Encoding.UTF8.GetBytes(root.ToJsonString(JsonSerializerOptions(WriteIndented = true))))

let private bytesToTensor (precision: Tensors.Precision) (shape: int64[]) (bytes: byte[]) =
    match precision with
    | Tensors.Float32 ->
        let a = Array.zeroCreate<float32> (bytes.Length / 4)
        Buffer.BlockCopy(bytes, 0, a, 0, bytes.Length)
        torch.tensor(a: float32[]).reshape(shape)
    | Tensors.Float64 ->
        let a = Array.zeroCreate<float> (bytes.Length / 8)
        Buffer.BlockCopy(bytes, 0, a, 0, bytes.Length)
        torch.tensor(a: float[]).reshape(shape)

/// Read a model from `dir`. Exact LF sources are functions and cannot be stored: `resolve` supplies them by name
/// (return None to get a clear error naming the missing source).
let load (dir: string) (resolve: string -> SourceFunction option) : Loaded =
    Native.ensure ()
    let metaPath = Path.Combine(dir, metadataFile)
    if not (Directory.Exists dir) then Errors.fail "model directory '%s' does not exist" dir
    if not (File.Exists metaPath) then Errors.fail "model directory '%s' has no %s" dir metadataFile
    let root =
        try
            match JsonNode.Parse(File.ReadAllText metaPath) with
            | :? JsonObject as o -> o
            | _ -> Errors.fail "%s is not a JSON object" metaPath
        with :? JsonException as e -> Errors.fail "%s is corrupted (not valid JSON: %s)" metaPath e.Message
    try
        match root["format"] with
        | null -> Errors.fail "%s is not an Emulators model file (no 'format' field)" metaPath
        | f when f.GetValue<string>() <> formatName -> Errors.fail "%s is not an Emulators model file" metaPath
        | _ -> ()
        let version = int (root["formatVersion"].GetValue<float>())
        if version > formatVersion then
            Errors.fail "%s has format version %d, newer than this library's %d: upgrade Emulators (the file says it was written by version %s)"
                metaPath version formatVersion (root["libraryVersion"].GetValue<string>())
        let weightsPath = Path.Combine(dir, weightsFile)
        if not (File.Exists weightsPath) then Errors.fail "model directory '%s' has no %s" dir weightsFile
        let weights = File.ReadAllBytes weightsPath
        if sha256 weights <> root["weightsSha256"].GetValue<string>() then
            Errors.fail "%s is corrupted: its checksum does not match the one in %s" weightsPath metadataFile
        let precision = Tensors.parsePrecision (root["precision"].GetValue<string>())
        let tensors =
            (root["parameters"] :?> JsonArray)
            |> Seq.map (fun n ->
                let o = n :?> JsonObject
                let shape = (o["shape"] :?> JsonArray) |> Seq.map (fun d -> d.GetValue<int64>()) |> Array.ofSeq
                let offset = o["offset"].GetValue<int64>()
                let count = o["bytes"].GetValue<int>()
                if offset < 0L || offset + int64 count > int64 weights.Length then
                    Errors.fail "%s is corrupted: parameter '%s' lies outside %s" metaPath (o["name"].GetValue<string>()) weightsFile
                let t = bytesToTensor precision shape weights[int offset .. int offset + count - 1]
                let name = o["name"].GetValue<string>()
                name, t.requires_grad_(not (Params.isBuffer name)).DetachFromDisposeScope())
            |> List.ofSeq
        let group (prefix: string) : Params =
            tensors
            |> List.filter (fun (n, _) -> n.StartsWith(prefix + "."))
            |> List.map (fun (n, t) -> n.Substring(prefix.Length + 1), t)
        let spec =
            { Correlation = toBlock (child root "correlation")
              Surrogate = toBlock (child root "surrogate")
              Encoding = toEncoding (child root "encoding")
              Precision = precision }
        let sourceNodes = (root["sources"] :?> JsonArray) |> Seq.map (fun n -> n :?> JsonObject) |> List.ofSeq
        let sources =
            sourceNodes
            |> List.mapi (fun i o ->
                let name = o["name"].GetValue<string>()
                let exact =
                    if o["kind"].GetValue<string>() = "exact" then
                        match resolve name with
                        | Some f -> Some f.Eval
                        | None -> Errors.fail "the model uses the exact LF function '%s'; supply it when loading" name
                    else None
                let nonEmpty (p: Params) = if p.IsEmpty then None else Some p
                { Name = name
                  Domain = toBox (child o "domain")
                  InputScale = toAffine (child o "inputScale")
                  OutputScale = toAffine (child o "outputScale")
                  Exact = exact
                  Surrogate = (if exact.IsSome then None else nonEmpty (group (sprintf "lf%d" i)))
                  Encoder = nonEmpty (group (sprintf "enc%d" i)) })
        let linear = if root["linearBranch"].GetValue<bool>() then Some(group "linear") else None
        let emulator =
            { Spec = spec
              Domain = toBox (child root "domain")
              InputScale = toAffine (child root "inputScale")
              OutputScale = toAffine (child root "outputScale")
              Sources = sources
              Linear = linear
              Nonlinear = group "nonlinear"
              Members = int (root["members"].GetValue<float>())
              MemberOutputScales =
                match root["memberOutputScales"] with
                | :? JsonArray as a -> Some(a |> Seq.map (fun n -> toAffine (n :?> JsonObject)) |> Array.ofSeq)
                | _ -> None
              Gaussian =
                match root["gaussian"] with
                | :? JsonObject as g -> Some(Gp.GpFile.read g (fun name -> tensors |> List.tryFind (fst >> (=) name) |> Option.map snd) resolve)
                | _ -> None }
        { Emulator = emulator
          Metadata =
            { InputNames = readStrings root "inputNames"
              OutputName = (match root["outputName"] with null -> None | n -> Some(n.GetValue<string>()))
              SourceInputNames = sourceNodes |> List.map (fun o -> readStrings o "inputNames")
              Training = None
              Extra = (match root["extra"] with null -> None | n -> Some(n.DeepClone())) } }
    with
    | EmulatorError _ -> reraise ()
    | :? InvalidOperationException
    | :? FormatException
    | :? InvalidCastException
    | :? NullReferenceException as e -> Errors.fail "%s is corrupted or incomplete (%s)" metaPath e.Message
