/// The results file: one JSON record per line, appended as each run finishes. A line is written whole and flushed
/// to disk before the next run starts, so a crash loses at most the run in progress; a torn last line is ignored
/// on reading and overwritten by the next append.
module Emulators.Core.Assessment.Store

open System.IO
open System.Text

/// Every complete record in the file (none if it does not exist). Later duplicates of a key are dropped.
let read (path: string) : RunRecord list =
    if not (File.Exists path) then []
    else
        File.ReadAllLines path
        |> Array.choose RunRecord.tryParse
        |> Array.distinctBy (fun r -> r.Key)
        |> List.ofArray

/// Keys already finished.
let finishedKeys (path: string) = read path |> List.map (fun r -> r.Key) |> Set.ofList

/// Cut a torn (unterminated) last line left by a crash, so the next record starts on its own line.
let private repairTail (path: string) =
    if File.Exists path then
        let bytes = File.ReadAllBytes path
        if bytes.Length > 0 && bytes[bytes.Length - 1] <> byte '\n' then
            let lastNewline = System.Array.LastIndexOf(bytes, byte '\n')
            use fs = new FileStream(path, FileMode.Open, FileAccess.Write)
            fs.SetLength(int64 (lastNewline + 1))

let private gate = obj ()

/// Append one record as one line, flushed to the device before returning.
let append (path: string) (r: RunRecord) =
    lock gate (fun () ->
        match Path.GetDirectoryName path with
        | null | "" -> ()
        | dir -> Directory.CreateDirectory dir |> ignore
        repairTail path
        let line = Encoding.UTF8.GetBytes(RunRecord.toJson r + "\n")
        use fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)
        fs.Write(line, 0, line.Length)
        fs.Flush(true))

/// Move the results file aside (to `<file>.old-<UTC time>`, never deleted) for a run from scratch, and start a new
/// file with the records that `keep` accepts (the runs a rerun does not cover). None when there was no file.
let setAside (path: string) (keep: RunRecord -> bool) =
    if not (File.Exists path) then None
    else
        lock gate (fun () ->
            let aside = sprintf "%s.old-%s" path (System.DateTime.UtcNow.ToString "yyyyMMdd-HHmmss")
            let kept = read path |> List.filter keep
            File.Move(path, aside)
            if not kept.IsEmpty then File.WriteAllLines(path, kept |> List.map RunRecord.toJson)
            Some(aside, kept.Length))

/// The shard results files of a preset in a results folder (`<preset>.shard-k-of-n.jsonl`), sorted; not their
/// sittings logs (`….sittings.jsonl`), which match the same pattern but hold no records.
let shardFiles (dir: string) (preset: string) =
    if not (Directory.Exists dir) then []
    else
        Directory.GetFiles(dir, preset + ".shard-*.jsonl")
        |> Array.filter (fun f -> not (f.EndsWith(".sittings.jsonl", System.StringComparison.Ordinal)))
        |> Array.sort
        |> List.ofArray

/// Join shard files into one: every distinct key once, in a stable order.
let merge (inputs: string list) (output: string) =
    let all = inputs |> List.collect read |> List.distinctBy (fun r -> r.Key) |> List.sortBy (fun r -> r.Experiment, r.Key)
    let tmp = output + ".tmp"
    File.WriteAllLines(tmp, all |> List.map RunRecord.toJson)
    File.Move(tmp, output, true)
    all.Length

/// Which shard a key belongs to (k of n, 1-based): a stable hash, so every machine agrees.
let shardOf (n: int) (key: string) =
    let h = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes key)
    int (System.BitConverter.ToUInt32(h, 0) % uint32 n) + 1

let parseShard (s: string) =
    match s.Split('/') with
    | [| k; n |] ->
        match System.Int32.TryParse k, System.Int32.TryParse n with
        | (true, k), (true, n) when n >= 1 && k >= 1 && k <= n -> k, n
        | _ -> Emulators.Core.Errors.fail "--shard '%s': expected k/N with 1 <= k <= N" s
    | _ -> Emulators.Core.Errors.fail "--shard '%s': expected k/N, e.g. 2/8" s
