/// One pre-trained LF surrogate in a file, bit for bit: its parameters' raw bytes, its output standardization and
/// its training summary, with the text of the key it was trained for and a SHA-256 over everything before it.
/// A file that is cut short, altered or made for another key reads as absent (the surrogate is then trained again),
/// never as a different surrogate.
module Emulators.Core.Assessment.SurrogateFile

open System
open System.IO
open System.Security.Cryptography
open TorchSharp
open Emulators.Core

let private magic = "emulators-surrogate/1"

let private writeFloats (w: BinaryWriter) (v: float[]) =
    w.Write v.Length
    for x in v do w.Write x

let private readFloats (r: BinaryReader) = Array.init (r.ReadInt32()) (fun _ -> r.ReadDouble())

let private payload (keyText: string) (s: TrainedSurrogate) =
    use ms = new MemoryStream()
    use w = new BinaryWriter(ms)
    w.Write magic
    w.Write keyText
    w.Write s.Source
    writeFloats w s.OutputScale.Shift
    writeFloats w s.OutputScale.Scale
    let st = s.Stage
    w.Write st.Stage; w.Write st.AdamEpochs; w.Write st.LbfgsIterations; w.Write st.LbfgsStop; w.Write st.FinalLoss; w.Write st.Seconds
    w.Write s.History.Length
    for h in s.History do
        w.Write h.Stage; w.Write h.Step; w.Write h.Terms.Length
        for name, v in h.Terms do
            w.Write name; w.Write v
    w.Write s.Params.Length
    for name, t in s.Params do
        use c = t.detach().contiguous()
        w.Write name
        let shape = c.shape
        w.Write shape.Length
        for d in shape do w.Write d
        if c.dtype = torch.ScalarType.Float32 then
            w.Write 32uy
            for x in c.data<float32>().ToArray() do w.Write x
        else
            w.Write 64uy
            for x in c.data<float>().ToArray() do w.Write x
    w.Flush()
    ms.ToArray()

/// Write the surrogate trained for `keyText` to `path`, atomically (a temporary file renamed over it), so that a
/// reader, or a second writer of the same surrogate in another process, never sees half a file.
let save (path: string) (keyText: string) (s: TrainedSurrogate) =
    let body = payload keyText s
    let bytes = Array.append body (SHA256.HashData body)
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath path)) |> ignore
    let temp = sprintf "%s.%s.tmp" path (Guid.NewGuid().ToString("N"))
    File.WriteAllBytes(temp, bytes)
    File.Move(temp, path, true)

let private read (keyText: string) (body: byte[]) : TrainedSurrogate option =
    use r = new BinaryReader(new MemoryStream(body))
    if r.ReadString() <> magic || r.ReadString() <> keyText then None
    else
        let source = r.ReadString()
        let shift = readFloats r
        let scale = readFloats r
        let stage =
            { Stage = r.ReadString(); AdamEpochs = r.ReadInt32(); LbfgsIterations = r.ReadInt32(); LbfgsStop = r.ReadString()
              FinalLoss = r.ReadDouble(); Seconds = r.ReadDouble() }
        let history =
            List.init (r.ReadInt32()) (fun _ ->
                let st = r.ReadString()
                let step = r.ReadInt32()
                { Stage = st; Step = step; Terms = List.init (r.ReadInt32()) (fun _ -> let n = r.ReadString() in n, r.ReadDouble()) })
        let parameters =
            List.init (r.ReadInt32()) (fun _ ->
                let name = r.ReadString()
                let shape = Array.init (r.ReadInt32()) (fun _ -> r.ReadInt64())
                let n = shape |> Array.fold (fun a d -> a * int d) 1
                let t =
                    match r.ReadByte() with
                    | 32uy -> torch.tensor(Array.init n (fun _ -> r.ReadSingle())).reshape(shape)
                    | _ -> torch.tensor(Array.init n (fun _ -> r.ReadDouble())).reshape(shape)
                name, t.DetachFromDisposeScope())
        Some { Source = source; Params = parameters; OutputScale = { Shift = shift; Scale = scale }; History = history; Stage = stage }

/// The surrogate in `path` if it is intact and was trained for `keyText`; None otherwise (also when absent).
let tryLoad (path: string) (keyText: string) : TrainedSurrogate option =
    if not (File.Exists path) then None
    else
        try
            let bytes = File.ReadAllBytes path
            if bytes.Length < 32 then None
            else
                let body = bytes[.. bytes.Length - 33]
                if SHA256.HashData body <> bytes[bytes.Length - 32 ..] then None else read keyText body
        with
        | :? IOException
        | :? EndOfStreamException
        | :? UnauthorizedAccessException -> None
