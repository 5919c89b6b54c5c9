/// `reproduce --jobs N` as N worker processes of this same executable, each with one libtorch thread: a run's
/// numbers never depend on what else shared its process. The parent holds the queue and is the only writer of the
/// results file; a worker reads one unit per line on stdin (a JSON array of run keys) and answers on stdout with
/// one `record <json>` line per run and a `done` line, and `progress <text>` lines on the way (pieces of a long
/// configuration). Anything else a worker prints goes to its stderr.
module Emulators.Cli.Workers

open System
open System.Collections.Concurrent
open System.Diagnostics
open System.IO
open System.Text
open System.Text.Json
open System.Threading
open Emulators.Core
open Emulators.Core.Assessment

/// How to start this executable again: the apphost (`emulators`, an installed tool, `dotnet run`) is started
/// directly; under `dotnet emulators.dll` the host is dotnet and the entry assembly is its first argument.
let selfCommand () =
    let exe = Environment.ProcessPath
    let entry = Reflection.Assembly.GetEntryAssembly().Location
    if Path.GetFileNameWithoutExtension(exe).Equals("dotnet", StringComparison.OrdinalIgnoreCase) then exe, [ entry ]
    else exe, []

/// Every run of the preset's experiments, by key: what a worker can be asked to train.
let private runsByKey (root: string) (preset: string) =
    Sweep.discover (Path.Combine(root, "experiments"))
    |> List.collect (fun f -> Sweep.expand (Sweep.load f preset))
    |> List.map (fun c -> c.Key, c)
    |> dict

/// The hidden `worker` command: train the units the parent sends until it closes stdin.
let serve (root: string) (preset: string) (threads: int option) (pieceSize: int option) =
    Native.useThreads threads
    let protocol = new StreamWriter(Console.OpenStandardOutput(), UTF8Encoding false)
    Console.SetOut Console.Error
    // Ctrl-C reaches the whole process group; the parent decides what stops, and stops its workers itself.
    Console.CancelKeyPress.Add(fun e -> e.Cancel <- true)
    let runs = runsByKey root preset
    SurrogateCache.persistTo SurrogateCache.shared (SurrogateCache.directoryFor root preset)
    let execution = { Runner.defaultExecution with Checkpoints = Some(PieceCheckpoint.directoryFor root preset); PieceSize = pieceSize }
    let lines = new BlockingCollection<string>()
    let mutable busy = false
    // Stdin closing mid-unit means the parent is gone: stop at once rather than train for nobody.
    let reader =
        Thread(
            (fun () ->
                let rec loop () =
                    match Console.In.ReadLine() with
                    | null ->
                        if Volatile.Read &busy then
                            eprintfn "worker: the parent closed the queue during a unit; stopping"
                            exit 3
                        lines.CompleteAdding()
                    | line ->
                        lines.Add line
                        loop ()
                loop ()),
            IsBackground = true)
    reader.Start()
    for line in lines.GetConsumingEnumerable() do
        Volatile.Write(&busy, true)
        let configs =
            JsonSerializer.Deserialize<string[]> line
            |> Array.map (fun k ->
                match runs.TryGetValue k with
                | true, c -> c
                | _ -> Errors.fail "worker: no run '%s' in the '%s' experiments of %s" k preset root)
            |> List.ofArray
        let label = ({ Configs = configs; Cost = 0.0 }: Schedule.WorkUnit).Label
        let progress (p: Runner.PieceReport) =
            Runner.pieceLine label p
            |> Option.iter (fun line ->
                protocol.WriteLine("progress " + line)
                protocol.Flush())
        let records = Runner.runGroupIn { execution with OnPiece = progress } configs
        Volatile.Write(&busy, false)
        for r in records do
            protocol.WriteLine("record " + RunRecord.toJson r)
        protocol.WriteLine "done"
        protocol.Flush()
    0

type private Worker =
    { Index: int
      Process: Process
      /// The last lines of its stderr, for the report when it dies.
      Tail: ConcurrentQueue<string> }

let private startWorker (index: int) (root: string) (preset: string) (threads: int) (pieceSize: int option) =
    let exe, prefix = selfCommand ()
    let psi =
        ProcessStartInfo(exe, UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true,
                         RedirectStandardError = true)
    let piece = match pieceSize with Some n -> [ "--piece-size"; string n ] | None -> []
    for a in prefix @ [ "worker"; "--root"; root; "--preset"; preset; "--threads"; string threads ] @ piece do
        psi.ArgumentList.Add a
    let p = Process.Start psi
    let tail = ConcurrentQueue<string>()
    p.ErrorDataReceived.Add(fun e ->
        if not (isNull e.Data) then
            tail.Enqueue e.Data
            while tail.Count > 60 do
                tail.TryDequeue() |> ignore)
    p.BeginErrorReadLine()
    p.StandardInput.AutoFlush <- true
    { Index = index; Process = p; Tail = tail }

let private kill (w: Worker) =
    try
        if not w.Process.HasExited then w.Process.Kill()
    with _ -> ()

/// An executor with `jobs` worker processes. Each worker takes the next unit of the queue (longest first) when it
/// is free. A worker that dies stops the whole run: the others are stopped, the records already received stay in
/// the results file, and the error names the unit and shows the worker's stderr. Cancelling stops the workers.
let pool (jobs: int) (threads: int) (pieceSize: int option) (root: string) (preset: string) (announce: string -> unit) : Schedule.Executor =
    fun units events cancel ->
        let gate = obj ()
        let taken = Array.zeroCreate<bool> units.Length
        let mutable closed = false
        let mutable failure: exn option = None
        let workers = ResizeArray<Worker>()
        let stopAll (why: exn option) =
            lock gate (fun () ->
                if failure.IsNone then failure <- why
                closed <- true
                for w in workers do
                    kill w)
        // the first unit in order not yet taken that may start now (one that may not stays for a later sitting)
        let take () =
            lock gate (fun () ->
                if closed then None
                else
                    match Array.indexed units |> Array.tryFind (fun (i, u) -> not taken[i] && events.MayStart u) with
                    | Some(i, u) ->
                        taken[i] <- true
                        Some u
                    | None -> None)
        let stopping () = lock gate (fun () -> failure.IsSome || cancel.IsCancellationRequested)
        let died (w: Worker) (u: Schedule.WorkUnit) =
            w.Process.WaitForExit()
            if not (stopping ()) then
                let stderr = w.Tail.ToArray() |> String.concat "\n"
                EmulatorError(
                    sprintf "worker %d (pid %d) stopped with exit code %d while training %s (%s); the records finished before are kept in the results file, rerun to resume. Its stderr:\n%s"
                        w.Index w.Process.Id w.Process.ExitCode u.Label
                        (u.Configs |> List.map (fun c -> c.Key) |> String.concat ", ") stderr)
                |> Some
                |> stopAll
        let send (w: Worker) (u: Schedule.WorkUnit) =
            try
                w.Process.StandardInput.WriteLine(JsonSerializer.Serialize(u.Configs |> List.map (fun c -> c.Key)))
                true
            with :? IOException -> false
        let rec answers (w: Worker) acc =
            match w.Process.StandardOutput.ReadLine() with
            | null -> None
            | "done" -> Some(List.rev acc)
            | line when line.StartsWith "progress " ->
                announce (sprintf "worker %d: %s" w.Index (line.Substring 9))
                answers w acc
            | line when line.StartsWith "record " ->
                match RunRecord.tryParse (line.Substring 7) with
                | Some r -> answers w (r :: acc)
                | None -> Errors.fail "worker %d sent a record that does not parse: %s" w.Index line
            | _ -> answers w acc
        let work (w: Worker) =
            let rec loop () =
                match take () with
                | None -> (try w.Process.StandardInput.Close() with :? IOException -> ())
                | Some u ->
                    events.Started u
                    match (if send w u then answers w [] else None) with
                    | Some records ->
                        events.Finished u records
                        loop ()
                    | None -> died w u
            try loop ()
            with e -> if not (stopping ()) then stopAll (Some e)
        use _registration = cancel.Register(fun () -> stopAll None)
        let threads =
            [ for i in 1 .. min jobs units.Length do
                  let w = startWorker i root preset threads pieceSize
                  lock gate (fun () -> workers.Add w)
                  announce (sprintf "worker %d: pid %d" i w.Process.Id)
                  let t = Thread((fun () -> work w), IsBackground = true)
                  t.Start()
                  yield t ]
        // A cancellation that came while workers were starting must reach them too.
        if cancel.IsCancellationRequested then stopAll None
        for t in threads do
            t.Join()
        for w in workers do
            w.Process.WaitForExit()
            w.Process.Dispose()
        match failure with
        | Some e -> raise e
        | None -> cancel.ThrowIfCancellationRequested()
