/// The sittings log beside a results file (`<preset>.sittings.jsonl`): when each `reproduce` sitting started, how
/// far it got and with how many workers, so that the wall time of a preset run spread over several sittings is a
/// measured number, not one pieced together from the records. A sitting appends a line when it starts, each
/// time it reports progress (a unit started or finished) and every 5 minutes in between; a sitting cut off
/// without warning loses at most the time since its last line.
module Emulators.Core.Assessment.Sittings

open System
open System.IO
open System.Text.Json.Nodes

/// One line: the sitting it belongs to (its start), when it was written, the runs the sitting has trained so far
/// and its worker processes.
type Mark =
    { Started: DateTime
      At: DateTime
      Runs: int
      Jobs: int }

/// The sittings log of a results file: `paper.jsonl` → `paper.sittings.jsonl`.
let pathFor (resultsPath: string) =
    Path.Combine(Path.GetDirectoryName(Path.GetFullPath resultsPath), Path.GetFileNameWithoutExtension resultsPath + ".sittings.jsonl")

let private iso (t: DateTime) = t.ToUniversalTime().ToString("o")

let private toJson (m: Mark) =
    let o = JsonObject()
    o["started"] <- JsonValue.Create(iso m.Started)
    o["at"] <- JsonValue.Create(iso m.At)
    o["runs"] <- JsonValue.Create(m.Runs)
    o["jobs"] <- JsonValue.Create(m.Jobs)
    o.ToJsonString()

let private tryParse (line: string) =
    try
        match JsonNode.Parse line with
        | :? JsonObject as o ->
            let time (name: string) = DateTime.Parse(o[name].GetValue<string>(), null, Globalization.DateTimeStyles.RoundtripKind)
            Some { Started = time "started"; At = time "at"; Runs = o["runs"].GetValue<int>(); Jobs = o["jobs"].GetValue<int>() }
        | _ -> None
    with _ -> None

/// Every readable line of the log (none if there is no log; a torn or foreign line is skipped).
let read (path: string) : Mark list =
    if not (File.Exists path) then [] else File.ReadAllLines path |> Array.choose tryParse |> List.ofArray

/// Append one line. The log is bookkeeping: failing to write it (a full disk, a read-only folder) must not stop a
/// sitting whose results file is fine, so an I/O error here is reported and otherwise ignored.
let append (path: string) (m: Mark) (warn: string -> unit) =
    try
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath path)) |> ignore
        File.AppendAllText(path, toJson m + "\n")
    with :? IOException | :? UnauthorizedAccessException as e -> warn (sprintf "could not write the sittings log %s: %s" path e.Message)

/// One sitting as the log saw it: its start, its last line, the runs it trained and its workers.
type Sitting =
    { Start: DateTime
      LastSeen: DateTime
      Runs: int
      Jobs: int }
    member s.WallSeconds = (s.LastSeen - s.Start).TotalSeconds

/// The sittings of a log, oldest first.
let sittings (marks: Mark list) : Sitting list =
    marks
    |> List.groupBy (fun m -> m.Started)
    |> List.map (fun (start, ms) ->
        { Start = start
          LastSeen = ms |> List.map (fun m -> m.At) |> List.max
          Runs = ms |> List.map (fun m -> m.Runs) |> List.max
          Jobs = (List.head ms).Jobs })
    |> List.sortBy (fun s -> s.Start)

/// Wall time of every sitting together, in seconds.
let totalWallSeconds (ss: Sitting list) = ss |> List.sumBy (fun s -> s.WallSeconds)
