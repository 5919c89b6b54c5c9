/// Finished pieces of a configuration's training, kept on disk while the configuration is unfinished. The largest
/// configurations of the paper preset (K5 KAN with learned LF at N_H = 1024) train for longer than a sitting of the
/// run lasts; their search rounds are cut into pieces (Pieces.piecesOf), and each finished piece is written here, so
/// an interrupted configuration resumes from its last finished piece instead of from its start. A piece read back
/// is the piece trained, bit for bit (its members are saved as model files, which reload bit for bit), so a record
/// does not depend on whether its configuration was interrupted (tested).
module Emulators.Core.Assessment.PieceCheckpoint

open System
open System.IO
open System.Security.Cryptography
open System.Text
open System.Text.Json.Nodes
open Emulators.Core

/// A finished piece: the validation error of each member, and the single-member emulators worth keeping (the
/// search needs only each piece's best member; the other repetitions need all of theirs), by member index.
type Piece =
    { Errors: float[]
      Kept: Map<int, Emulator>
      /// Wall seconds the piece took to train (added to its configuration's time when it is read back).
      Seconds: float }

let private hashOf (text: string) =
    Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes text)).Substring(0, 24).ToLowerInvariant()

let private pieceFile = "piece.json"

/// Where the pieces of a configuration (its group key) are kept in `dir`.
let directoryOf (dir: string) (groupKey: string) = Path.Combine(dir, hashOf groupKey)

/// Where a preset's unfinished pieces are kept: <paper figures>/results/checkpoints/<preset>/.
let directoryFor (root: string) (preset: string) = Path.Combine(root, "results", "checkpoints", preset)

let private roundTrip (v: float) = v.ToString("R", Globalization.CultureInfo.InvariantCulture)

/// Write a finished piece. `identity` spells out everything the piece was trained for (configuration, round,
/// members and their candidates). The piece is written whole into a temporary sibling directory, which then takes
/// its place in one rename: a run killed while saving leaves at most a temporary directory (never read; removed
/// with its configuration's pieces), and a piece's directory, once there, is complete.
let save (groupDir: string) (identity: string) (piece: Piece) =
    let dir = Path.Combine(groupDir, hashOf identity)
    let temp = sprintf "%s.%s.tmp" dir (Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory temp |> ignore
    for KeyValue(i, m) in piece.Kept do
        ModelFile.save (Path.Combine(temp, sprintf "member-%d" i)) ModelFile.emptyMetadata m |> ignore
    let o = JsonObject()
    o["identity"] <- JsonValue.Create identity
    o["errors"] <- JsonArray(piece.Errors |> Array.map (fun e -> JsonValue.Create(roundTrip e) :> JsonNode))
    o["seconds"] <- JsonValue.Create(roundTrip piece.Seconds)
    o["kept"] <- JsonArray(piece.Kept |> Map.keys |> Seq.map (fun i -> JsonValue.Create i :> JsonNode) |> Array.ofSeq)
    File.WriteAllText(Path.Combine(temp, pieceFile), o.ToJsonString())
    // an earlier copy of the same piece (trained again because it did not read back) gives way to this one
    if Directory.Exists dir then Directory.Delete(dir, true)
    Directory.Move(temp, dir)

/// The piece trained for `identity`, if it is complete and reads back; None otherwise (absent, torn, tampered,
/// or trained for something else), and the piece is trained again.
let tryLoad (groupDir: string) (identity: string) (resolve: string -> SourceFunction option) : Piece option =
    let dir = Path.Combine(groupDir, hashOf identity)
    let path = Path.Combine(dir, pieceFile)
    if not (File.Exists path) then None
    else
        try
            let o = JsonNode.Parse(File.ReadAllText path).AsObject()
            if o["identity"].GetValue<string>() <> identity then None
            else
                let errors =
                    o["errors"].AsArray()
                    |> Seq.map (fun n -> Double.Parse(n.GetValue<string>(), Globalization.CultureInfo.InvariantCulture))
                    |> Array.ofSeq
                let kept =
                    o["kept"].AsArray()
                    |> Seq.map (fun n ->
                        let i = n.GetValue<int>()
                        i, (ModelFile.load (Path.Combine(dir, sprintf "member-%d" i)) resolve).Emulator)
                    |> Map.ofSeq
                let seconds = Double.Parse(o["seconds"].GetValue<string>(), Globalization.CultureInfo.InvariantCulture)
                Some { Errors = errors; Kept = kept; Seconds = seconds }
        with
        | EmulatorError _
        | :? IOException
        | :? Text.Json.JsonException
        | :? FormatException
        | :? InvalidOperationException
        | :? NullReferenceException -> None

/// Forget a configuration's pieces once its records are written.
let clear (groupDir: string) =
    try if Directory.Exists groupDir then Directory.Delete(groupDir, true) with :? IOException | :? UnauthorizedAccessException -> ()
