/// The portable model file: a directory holding `model.json` (versioned metadata: architecture, scaling, sources
/// and their input spaces, the options it was trained with, column names, checksum) and `weights.bin` (raw little-endian
/// parameter values in the order the metadata lists them). Reloading reproduces predictions bit for bit.
module Emulators.Core.ModelFile

open System
open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open TorchSharp
open Emulators.Core.SpecJson

let formatName = "emulators-model"
/// 2: model.json carries its own checksum (metadataSha256). Version 1 files (without it) still load.
let formatVersion = 2
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
      /// The options the model was trained with (None: a file written before they were recorded).
      Options: ModelOptions option
      /// Free-form extra information (e.g. a model-selection report), stored as given.
      Extra: JsonNode option }

let emptyMetadata =
    { InputNames = None; OutputName = None; SourceInputNames = []; Options = None; Extra = None }

type Loaded = { Emulator: Emulator; Metadata: Metadata }

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

/// Refuse to save a model that holds a NaN or an infinity (a diverged fit): the file would load but predict NaN.
let private requireFiniteModel (m: Emulator) =
    for name, t in Emulator.parameters m do
        if not (Tensors.allFinite t) then
            Errors.fail "cannot save the model: parameter '%s' holds a non-finite number (the fit diverged); train again with a smaller learning rate or penalty" name

/// The directory holds an earlier model (model.json and weights.bin, nothing else of the user's).
let private holdsModel (dir: string) : Result<unit, string> =
    let names = Directory.EnumerateFileSystemEntries dir |> Seq.map Path.GetFileName |> List.ofSeq
    let ours = set [ metadataFile; weightsFile ]
    match names |> List.filter (fun n -> not (ours.Contains n)) with
    | [] when List.contains metadataFile names -> Ok()
    | [] -> Error(sprintf "holds %s but no %s, so it is not a model" weightsFile metadataFile)
    | other :: _ when List.contains metadataFile names -> Error(sprintf "holds a model and other files too (e.g. '%s'), which replacing it would delete" other)
    | other :: _ -> Error(sprintf "holds no model (e.g. it has '%s')" other)

/// Check before training that `dir` can receive a model (see `save`); true when an existing model will be replaced.
let checkTarget (dir: string) = snd (AtomicDirectory.check "model directory" dir holdsModel)

/// Write the model as the directory `dir`: the whole model goes into a temporary sibling directory, which then
/// replaces `dir` in one rename (AtomicDirectory), so a failed save leaves the previous model intact. An existing
/// model in `dir` is replaced; a non-empty directory holding anything else is refused. Returns what happened.
let save (dir: string) (meta: Metadata) (m: Emulator) : AtomicDirectory.Outcome =
    requireFiniteModel m
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
                      "kind", JsonValue.Create(Experiment.LfMode.name (if s.Exact.IsSome then Experiment.ExactLf else Experiment.LearnedLf))
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
              "weightsSha256", JsonValue.Create(MetadataSeal.sha256 weights) ]
    m.Gaussian |> Option.iter (fun g -> root["gaussian"] <- Gp.GpFile.json g)
    meta.InputNames |> Option.iter (fun n -> root["inputNames"] <- strings n)
    meta.OutputName |> Option.iter (fun n -> root["outputName"] <- JsonValue.Create n)
    meta.Options |> Option.iter (fun o -> root["options"] <- ofOptions o)
    meta.Extra |> Option.iter (fun e -> root["extra"] <- FiniteJson.dropNonFinite e)
    match FiniteJson.firstNonFinite "" root with
    | Some path -> Errors.fail "cannot save the model: field '%s' of %s is not a finite number (the fit diverged or the data are too large to scale)" path metadataFile
    | None -> ()
    AtomicDirectory.write "model directory" dir holdsModel [ weightsFile, weights; metadataFile, MetadataSeal.seal root ]

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

let private shapeText (shape: int64 seq) = "[" + String.Join(", ", shape) + "]"

/// The parameters the architecture needs, with their shapes for `members` members: built by the blocks' own
/// `init` for one member (so no second description of the architectures can drift from the real one), then
/// released. KAN knots buffers are optional (present after a grid update) and listed separately.
let private expectedParameters (spec: EmulatorSpec) (dH: int) (sources: (int * bool) list) (members: int) =
    let ctx = InitContext.create spec.Precision [| 0 |]
    let shapesOf (prefix: string) (p: Params) =
        let r = p |> List.map (fun (n, t) -> prefix + "." + n, Array.append [| int64 members |] t.shape[1..])
        for _, t in p do t.Dispose()
        r
    let knots (prefix: string) (b: BlockSpec) (p: (string * int64[]) list) =
        match b with
        | KanBlock k ->
            [ for i in 0 .. k.Depth ->
                  let inputs = (p |> List.find (fun (n, _) -> n = sprintf "%s.base%d" prefix i) |> snd)[1]
                  sprintf "%s.%s" prefix (Kan.knotsName i), [| int64 members; inputs; int64 (k.GridSize + 2 * k.SplineOrder + 1) |] ]
        | _ -> []
    let group (prefix: string) (b: BlockSpec) (dIn: int) (dOut: int) =
        let p = shapesOf prefix (Block.init b ctx dIn dOut)
        p, knots prefix b p
    let dU = dH + sources.Length
    let parts =
        [ for i, (dL, learned) in List.indexed sources do
              if learned then yield group (sprintf "lf%d" i) spec.Surrogate dL 1
              match spec.Encoding with
              | NoEncoding -> ()
              | AffineEncoding -> yield shapesOf (sprintf "enc%d" i) (Affine.init ctx dH dL), []
              | NonlinearEncoding b -> yield group (sprintf "enc%d" i) b dH dL
          if not sources.IsEmpty then yield shapesOf "linear" (Affine.init ctx dU 1), []
          yield group "nonlinear" spec.Correlation dU 1 ]
    List.collect fst parts, List.collect snd parts

/// Read a model from `dir`, verifying it first: the checksums of model.json and weights.bin, every field's
/// presence and range (finite non-zero scales, finite bounds, sizes within the limits of training), every
/// parameter's name and shape against the architecture, and every value's finiteness. Anything wrong is an
/// EmulatorError naming the field. Exact LF sources are functions and cannot be stored: `resolve` supplies them by
/// name (return None to get a clear error naming the missing source).
let load (dir: string) (resolve: string -> SourceFunction option) : Loaded =
    Native.ensure ()
    if String.IsNullOrWhiteSpace dir then Errors.fail "no model directory given (an empty name)"
    let metaPath = Path.Combine(dir, metadataFile)
    if File.Exists dir then Errors.fail "'%s' is a file; a model is a directory holding %s and %s" dir metadataFile weightsFile
    if not (Directory.Exists dir) then Errors.fail "model directory '%s' does not exist" dir
    if not (File.Exists metaPath) then Errors.fail "model directory '%s' has no %s" dir metadataFile
    let metaBytes = Errors.io (sprintf "cannot read '%s'" metaPath) (fun () -> File.ReadAllBytes metaPath)
    let root =
        try
            match JsonNode.Parse(ReadOnlySpan<byte>(metaBytes)) with
            | :? JsonObject as o -> o
            | _ -> Errors.fail "%s is not a JSON object" metaPath
        with :? JsonException as e -> Errors.fail "%s is corrupted (not valid JSON: %s)" metaPath e.Message
    let corrupt fmt = Printf.ksprintf (fun s -> Errors.fail "%s is corrupted or was edited: %s" metaPath s) fmt
    try
        match root["format"] with
        | null -> Errors.fail "%s is not an Emulators model file (no 'format' field)" metaPath
        | f when (try f.GetValue<string>() with _ -> "") <> formatName -> Errors.fail "%s is not an Emulators model file" metaPath
        | _ -> ()
        let version = int (root["formatVersion"].GetValue<float>())
        if version > formatVersion then
            Errors.fail "%s has format version %d, newer than this library's %d: upgrade Emulators (the file says it was written by version %s)"
                metaPath version formatVersion (root["libraryVersion"].GetValue<string>())
        if version < 1 then corrupt "field 'formatVersion' is %d" version
        match MetadataSeal.intact metaBytes root with
        | Some true -> ()
        | Some false -> Errors.fail "%s is corrupted or was edited: its checksum (%s) does not match its content; write the model again" metaPath MetadataSeal.field
        | None when version >= 2 -> Errors.fail "%s is corrupted or was edited: the field '%s' is missing" metaPath MetadataSeal.field
        | None -> () // version 1 files predate the metadata checksum; the checks below still apply
        let weightsPath = Path.Combine(dir, weightsFile)
        if not (File.Exists weightsPath) then Errors.fail "model directory '%s' has no %s" dir weightsFile
        let weights = Errors.io (sprintf "cannot read '%s'" weightsPath) (fun () -> File.ReadAllBytes weightsPath)
        if MetadataSeal.sha256 weights <> root["weightsSha256"].GetValue<string>() then
            Errors.fail "%s is corrupted: its checksum does not match the one in %s" weightsPath metadataFile
        let precision = Names.parse Tensors.Precision.names (root["precision"].GetValue<string>())
        // A Gaussian-process model: its numbers are GP tensors (float64) laid out as GpFile writes them, and no networks.
        let gaussian =
            match root["gaussian"] with
            | :? JsonObject as g -> Some g
            | null -> None
            | _ -> corrupt "field 'gaussian' is not an object"
        if gaussian.IsSome && precision <> Tensors.Float64 then
            corrupt "field 'precision' is %s but a Gaussian-process model is stored in float64" (Tensors.precisionName precision)
        let members = int (root["members"].GetValue<float>())
        if members < 1 || members > Validate.maxMembers then corrupt "field 'members' is %d (expected 1 to %d)" members Validate.maxMembers
        let spec =
            { Correlation = toBlock (child root "correlation")
              Surrogate = toBlock (child root "surrogate")
              Encoding = toEncoding (child root "encoding")
              Precision = precision }
        let blockOk (field: string) (b: BlockSpec) =
            try Validate.block field b with EmulatorError msg -> corrupt "%s" msg
        blockOk "field 'correlation'" spec.Correlation
        blockOk "field 'surrogate'" spec.Surrogate
        match spec.Encoding with
        | NonlinearEncoding b -> blockOk "field 'encoding.block'" b
        | _ -> ()
        // Scalings divide by their scales: each must be finite and non-zero, with one entry per input.
        let affine (field: string) (o: JsonObject) (dim: int) =
            let a = (try toAffine o with EmulatorError msg -> corrupt "%s: %s" field msg)
            if a.Shift.Length <> dim || a.Scale.Length <> dim then
                corrupt "field '%s' has %d shifts and %d scales, expected %d" field a.Shift.Length a.Scale.Length dim
            a.Shift |> Array.iteri (fun i v -> if not (FiniteJson.isFinite v) then corrupt "field '%s.shift[%d]' is %g (must be finite)" field i v)
            a.Scale |> Array.iteri (fun i v ->
                if not (FiniteJson.isFinite v) || v = 0.0 then corrupt "field '%s.scale[%d]' is %g (must be finite and non-zero)" field i v)
            a
        let domain (field: string) (o: JsonObject) =
            let b = (try toBox o with EmulatorError msg -> corrupt "field '%s': %s" field msg)
            (try Validate.inputSpace (sprintf "field '%s'" field) precision b with EmulatorError msg -> corrupt "%s" msg)
            b
        let hfDomain = domain "domain" (child root "domain")
        let dH = hfDomain.Dim
        // a field that must be a list of objects
        let objects (field: string) =
            match root[field] with
            | :? JsonArray as a -> a |> Seq.map (function :? JsonObject as o -> o | _ -> corrupt "field '%s' holds a non-object" field) |> List.ofSeq
            | _ -> corrupt "field '%s' is missing" field
        let sourceNodes = objects "sources"
        let sourceInfo =
            sourceNodes
            |> List.mapi (fun i o ->
                let name = (try o["name"].GetValue<string>() with _ -> corrupt "field 'sources[%d].name' is missing" i)
                let learned =
                    let kind = (try o["kind"].GetValue<string>() with _ -> "")
                    match Names.tryParse Experiment.LfMode.names kind with
                    | Some mode -> mode = Experiment.LearnedLf
                    | None -> corrupt "field 'sources[%d].kind' is '%s' (%s)" i kind (Names.expected Experiment.LfMode.names)
                let d = domain (sprintf "sources[%d].domain" i) (child o "domain")
                if gaussian.IsNone && spec.Encoding = NoEncoding && d.Dim <> dH then
                    corrupt "source '%s' has %d inputs but the model has %d and no encoding" name d.Dim dH
                name, learned, d,
                affine (sprintf "sources[%d].inputScale" i) (child o "inputScale") d.Dim,
                affine (sprintf "sources[%d].outputScale" i) (child o "outputScale") 1)
        let hasLinear = (try root["linearBranch"].GetValue<bool>() with _ -> corrupt "field 'linearBranch' is missing")
        if gaussian.IsNone && hasLinear <> not sourceInfo.IsEmpty then
            corrupt "field 'linearBranch' is %b but the model has %d LF source(s)" hasLinear sourceInfo.Length
        let inputScale = affine "inputScale" (child root "inputScale") dH
        let outputScale = affine "outputScale" (child root "outputScale") 1
        let memberScales =
            match root["memberOutputScales"] with
            | :? JsonArray as a ->
                if a.Count <> members then corrupt "field 'memberOutputScales' has %d entries for %d members" a.Count members
                Some(a |> Seq.mapi (fun e n -> match n with
                                               | :? JsonObject as o -> affine (sprintf "memberOutputScales[%d]" e) o 1
                                               | _ -> corrupt "field 'memberOutputScales[%d]' is not an object" e) |> Array.ofSeq)
            | null -> None
            | _ -> corrupt "field 'memberOutputScales' is not a list"
        // The parameters: names and shapes against the architecture, sizes against weights.bin, values finite.
        let perMember = sourceInfo |> List.map (fun (_, learned, d, _, _) -> d.Dim, learned)
        let elementSize = match precision with Tensors.Float32 -> 4L | Tensors.Float64 -> 8L
        let entries = objects "parameters"
        let listed =
            entries
            |> List.mapi (fun k o ->
                let name = (try o["name"].GetValue<string>() with _ -> corrupt "field 'parameters[%d].name' is missing" k)
                let shape =
                    match o["shape"] with
                    | :? JsonArray as a -> a |> Seq.map (fun d -> d.GetValue<int64>()) |> Array.ofSeq
                    | _ -> corrupt "parameter '%s': field 'shape' is missing" name
                let offset = o["offset"].GetValue<int64>()
                let count = o["bytes"].GetValue<int64>()
                name, shape, offset, count)
        match listed |> List.countBy (fun (n, _, _, _) -> n) |> List.tryFind (fun (_, c) -> c > 1) with
        | Some(n, _) -> corrupt "parameter '%s' is listed twice" n
        | None -> ()
        (try Validate.size spec dH perMember members with EmulatorError msg -> corrupt "%s" msg)
        let required, optional =
            match gaussian with
            | Some g ->
                let rows (name: string) =
                    listed |> List.tryPick (fun (n, shape, _, _) -> if n = name && shape.Length >= 1 then Some shape[0] else None)
                (try Gp.GpFile.expectedTensors g rows with EmulatorError msg -> corrupt "%s" msg), []
            | None -> expectedParameters spec dH perMember members
        let architecture = match gaussian with Some _ -> "Gaussian process" | None -> Block.name spec.Correlation
        let expected = dict (required @ optional)
        for name, shape, offset, count in listed do
            match expected.TryGetValue name with
            | false, _ -> corrupt "parameter '%s' does not belong to this architecture (%s)" name architecture
            | true, want when want <> shape ->
                corrupt "parameter '%s' has shape %s but the architecture (%s, %d member(s)) needs %s" name (shapeText shape) architecture members (shapeText want)
            | true, _ ->
                let need = (shape |> Array.fold (*) 1L) * elementSize
                if count <> need then corrupt "parameter '%s' has %d bytes but its shape %s needs %d" name count (shapeText shape) need
                if offset < 0L || offset + count > int64 weights.Length then
                    corrupt "parameter '%s' lies outside %s" name weightsFile
        let present = listed |> List.map (fun (n, _, _, _) -> n) |> Set.ofList
        match required |> List.tryFind (fun (n, _) -> not (present.Contains n)) with
        | Some(n, _) -> corrupt "parameter '%s' is missing" n
        | None -> ()
        if (listed |> List.sumBy (fun (_, _, _, c) -> c)) <> int64 weights.Length then
            corrupt "%s has %d bytes but the parameters account for %d" weightsFile weights.Length (listed |> List.sumBy (fun (_, _, _, c) -> c))
        let tensors =
            listed
            |> List.map (fun (name, shape, offset, count) ->
                let t = bytesToTensor precision shape weights[int offset .. int (offset + count) - 1]
                if not (Tensors.allFinite t) then corrupt "parameter '%s' holds a non-finite number" name
                name, t.requires_grad_(gaussian.IsNone && not (Params.isBuffer name)).DetachFromDisposeScope())
        let group (prefix: string) : Params =
            tensors
            |> List.filter (fun (n, _) -> n.StartsWith(prefix + "."))
            |> List.map (fun (n, t) -> n.Substring(prefix.Length + 1), t)
        let sources =
            sourceInfo
            |> List.mapi (fun i (name, learned, d, inScale, outScale) ->
                let exact =
                    if not learned then
                        match resolve name with
                        | Some f -> Some f.Eval
                        | None -> Errors.fail "the model uses the exact LF function '%s'; supply it when loading" name
                    else None
                let nonEmpty (p: Params) = if p.IsEmpty then None else Some p
                { Name = name
                  Domain = d
                  InputScale = inScale
                  OutputScale = outScale
                  Exact = exact
                  Surrogate = (if exact.IsSome then None else nonEmpty (group (sprintf "lf%d" i)))
                  Encoder = nonEmpty (group (sprintf "enc%d" i)) })
        let emulator =
            { Spec = spec
              Domain = hfDomain
              InputScale = inputScale
              OutputScale = outputScale
              Sources = sources
              Linear = (if hasLinear then Some(group "linear") else None)
              Nonlinear = group "nonlinear"
              Members = members
              MemberOutputScales = memberScales
              Gaussian =
                gaussian
                |> Option.map (fun g -> Gp.GpFile.read g (fun name -> tensors |> List.tryFind (fst >> (=) name) |> Option.map snd) resolve) }
        { Emulator = emulator
          Metadata =
            { InputNames = readStrings root "inputNames"
              OutputName = (match root["outputName"] with null -> None | n -> Some(n.GetValue<string>()))
              SourceInputNames = sourceNodes |> List.map (fun o -> readStrings o "inputNames")
              Options =
                match root["options"] with
                | null -> None
                | :? JsonObject as o -> Some(try toOptions o with EmulatorError msg -> corrupt "%s" msg)
                | _ -> corrupt "field 'options' is not an object"
              Extra = (match root["extra"] with null -> None | n -> Some(n.DeepClone())) } }
    with
    | EmulatorError _ -> reraise ()
    | EnvironmentError _ -> reraise ()
    | :? InvalidOperationException
    | :? FormatException
    | :? OverflowException
    | :? InvalidCastException
    | :? ArgumentException
    | :? IndexOutOfRangeException
    | :? Collections.Generic.KeyNotFoundException
    | :? NullReferenceException as e -> Errors.fail "%s is corrupted or incomplete (%s)" metaPath e.Message
