/// `reproduce --jobs N` in worker processes: the same records as in one process, a killed worker reported with the
/// unit it held and nothing finished lost, resume after it; units of work and shards keep repetitions together.
module WorkerTests

open System
open System.Collections.Concurrent
open System.Diagnostics
open System.IO
open Expecto
open Emulators.Core
open Emulators.Core.Assessment

/// Six units (N_H 8/16/32 × MF/SF) of two repetitions each, a few seconds in all.
let private tinyExperiment () =
    let root = Path.Combine(Path.GetTempPath(), "emulators-workers-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory(Path.Combine(root, "experiments")) |> ignore
    File.WriteAllText(
        Path.Combine(root, "experiments", "tiny.json"),
        """{ "name": "tiny", "problems": ["K1"], "architectures": ["mlp"], "encodings": ["none"], "lf": ["exact"],
             "nh": [8, 16, 32], "repetitions": 2, "depth": 1, "width": 4,
             "presets": { "quick": { "epochs": 300, "lbfgs": 20, "searchCandidates": 2, "searchRounds": 1 } } }""")
    root

let private cli = Path.Combine(AppContext.BaseDirectory, "emulators.dll")

type private Run = { Process: Process; Stderr: ConcurrentQueue<string>; Stdout: ConcurrentQueue<string> }

let private start (root: string) (extra: string list) =
    let psi = ProcessStartInfo("dotnet", RedirectStandardOutput = true, RedirectStandardError = true)
    for a in [ cli; "reproduce"; "--preset"; "quick"; "--root"; root ] @ extra do
        psi.ArgumentList.Add a
    let p = Process.Start psi
    let err, out = ConcurrentQueue<string>(), ConcurrentQueue<string>()
    p.ErrorDataReceived.Add(fun e -> if not (isNull e.Data) then err.Enqueue e.Data)
    p.OutputDataReceived.Add(fun e -> if not (isNull e.Data) then out.Enqueue e.Data)
    p.BeginErrorReadLine()
    p.BeginOutputReadLine()
    { Process = p; Stderr = err; Stdout = out }

let private finish (r: Run) =
    Expect.isTrue (r.Process.WaitForExit(TimeSpan.FromMinutes 5.0)) "the sweep ends"
    r.Process.WaitForExit()
    String.concat "\n" (Seq.append r.Stderr r.Stdout)

let private results root = Path.Combine(root, "results", "quick.jsonl")

/// A record without its timing fields, as text: equal text means every other field is bitwise equal.
let private untimed (r: RunRecord) = RunRecord.toJson { r with Seconds = 0.0; FinishedUtc = "" }

let private byKey (records: RunRecord list) = records |> List.map (fun r -> r.Key, untimed r) |> Map.ofList

let private config rep nh arch lf : Sweep.RunConfig =
    { Experiment = "e"; Problem = "K1"; Corrupted = -1; Model = RunModels.mf arch EncodingKind.None lf; Nh = nh; Rep = rep
      Design = Emulators.Core.Experiment.SobolOffset; Budget = Sweep.defaultBudget }

[<Tests>]
let tests =
    testList "Workers" [
        test "jobs 2 gives the records of jobs 1; a killed worker is reported with its unit, loses nothing, and the rerun resumes" {
            let single = tinyExperiment ()
            let out1 = finish (start single [ "--jobs"; "1" ])
            let reference = Store.read (results single)
            Expect.equal reference.Length 12 ("3 N_H x 2 reps x (MF + SF)\n" + out1)
            Expect.isFalse (out1.Contains "worker 1: pid") "--jobs 1 trains in its own process"

            let root = tinyExperiment ()
            let run = start root [ "--jobs"; "2" ]
            let count () = if File.Exists(results root) then (Store.read (results root)).Length else 0
            let clock = Stopwatch.StartNew()
            while count () < 2 && not run.Process.HasExited && clock.Elapsed < TimeSpan.FromMinutes 3.0 do
                Threading.Thread.Sleep 10
            let pidOf (line: string) = int (line.Substring(line.LastIndexOf ' ' + 1))
            let workerPids = run.Stderr |> Seq.filter (fun l -> l.StartsWith "worker ") |> Seq.map pidOf |> List.ofSeq
            Expect.equal workerPids.Length 2 "two worker processes, announced with their pids"
            Expect.isFalse run.Process.HasExited "the sweep was still running when its worker was killed"
            let victim = Process.GetProcessById workerPids.Head
            victim.Kill()
            let text = finish run
            Expect.notEqual run.Process.ExitCode 0 "a dead worker fails the sweep"
            Expect.stringContains text (sprintf "worker 1 (pid %d) stopped" workerPids.Head) "the error names the worker"
            Expect.stringContains text "while training tiny K1 mlp" "and the unit it was training"
            for pid in workerPids do
                let gone = try Process.GetProcessById(pid).HasExited with :? ArgumentException -> true
                Expect.isTrue gone (sprintf "worker %d stopped with the sweep" pid)
            let kept = Store.read (results root)
            let lines = File.ReadAllLines(results root) |> Array.filter (fun l -> l.Trim() <> "")
            Expect.isGreaterThanOrEqual kept.Length 2 "records finished before the death are kept"
            Expect.isLessThan kept.Length 12 "the death came mid-sweep"
            Expect.equal lines.Length kept.Length "whole lines only, no duplicates"
            Expect.equal (kept.Length % 2) 0 "units (both repetitions of a configuration) are written whole"

            let again = start root [ "--jobs"; "2" ]
            let text2 = finish again
            Expect.equal again.Process.ExitCode 0 text2
            Expect.stringContains text2 (sprintf "resuming: %d runs already finished" kept.Length) "the rerun skips finished runs"
            let all = Store.read (results root)
            Expect.equal (File.ReadAllLines(results root) |> Array.filter (fun l -> l.Trim() <> "")).Length 12 "one line per run"
            for r in kept do
                Expect.equal (all |> List.find (fun a -> a.Key = r.Key)).FinishedUtc r.FinishedUtc (sprintf "%s was not redone" r.Key)
            let a, b = byKey reference, byKey all
            Expect.equal (Set.ofSeq b.Keys) (Set.ofSeq a.Keys) "the same runs"
            for KeyValue(k, v) in a do
                Expect.equal b[k] v (sprintf "%s: jobs 2 (killed and resumed) equals jobs 1, timing aside" k)
            for d in [ single; root ] do
                Directory.Delete(d, true)
        }

        test "units hold every repetition of a configuration, shards never split a unit, and shards cover every run once" {
            let configs =
                [ for arch in [ Architecture.Mlp; Architecture.Kan ] do
                      for lf in [ NetworkLf.Exact; NetworkLf.Learned PretrainFreeze ] do
                          for nh in [ 8; 16; 32 ] do
                              for rep in 0 .. 3 do
                                  yield config rep nh arch lf ]
            let none = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".jsonl")
            let _, all = Schedule.pendingUnits configs none None
            Expect.equal all.Length 12 "one unit per configuration"
            for u in all do
                Expect.equal (u.Configs |> List.map (fun c -> c.Rep)) [ 0; 1; 2; 3 ] "all repetitions, in order"
                Expect.equal (u.Configs |> List.map Runner.groupKey |> List.distinct).Length 1 "one configuration"
            Expect.equal (all |> Array.map (fun u -> u.Cost) |> Array.sortDescending) (all |> Array.map (fun u -> u.Cost)) "longest first"
            let _, cheapest = Schedule.pendingUnitsIn Schedule.CheapestFirst configs none None
            Expect.equal (cheapest |> Array.map (fun u -> u.Cost)) (all |> Array.map (fun u -> u.Cost) |> Array.sort) "cheapest first, on request"
            let shards = [ for k in 1 .. 5 -> snd (Schedule.pendingUnits configs none (Some(k, 5))) ]
            let keys = shards |> List.collect (fun us -> us |> Seq.collect (fun u -> u.Configs) |> Seq.map (fun c -> c.Key) |> List.ofSeq)
            Expect.equal (List.sort keys) (configs |> List.map (fun c -> c.Key) |> List.sort) "every run in exactly one shard"
            Expect.equal (shards |> List.sumBy (fun us -> us.Length)) 12 "no unit split between shards"
        }

        test "expected cost grows with the work a run does" {
            let c = config 0 8 Architecture.Mlp NetworkLf.Exact
            let cost = RunCost.expectedCost
            Expect.isGreaterThan (cost (config 0 8 Architecture.Kan NetworkLf.Exact)) (cost c) "KAN costs more than MLP"
            Expect.isGreaterThan (cost (config 0 8 Architecture.Mlp (NetworkLf.Learned EndToEnd))) (cost c)
                "learned LF end to end trains on the LF points every step"
            Expect.isGreaterThan (cost { c with Model = RunModels.mf Architecture.Mlp EncodingKind.Affine NetworkLf.Exact }) (cost c)
                "an affine encoder"
            Expect.equal (cost (config 0 8 Architecture.Mlp (NetworkLf.Learned PretrainFreeze))) (cost c)
                "learned LF frozen: the surrogates come pre-trained from the cache (measured: as exact LF)"
            Expect.isGreaterThan (cost { c with Nh = 32 }) (cost c) "more HF points"
            Expect.isGreaterThan (cost { c with Budget = { c.Budget with AdamEpochs = 2 * c.Budget.AdamEpochs } }) (cost c) "more epochs"
            Expect.isGreaterThan (cost { c with Problem = "K5" }) (cost c) "more input dimensions"
        }

        test "--fresh's setAside keeps the old file whole and carries over only the records it is told to keep" {
            let dir = Path.Combine(Path.GetTempPath(), "emulators-aside-" + Guid.NewGuid().ToString("N"))
            let path = Path.Combine(dir, "quick.jsonl")
            let record key : RunRecord =
                { Key = key; Experiment = "e"; Problem = "K1"; Architecture = "mlp"; Depth = 1; Width = 4; Model = "mf"
                  Encoding = "none"; Lf = "exact"; Strategy = "none"; Nh = 8; NhTotal = 10; Rep = 0; Corrupted = -1
                  Design = "sobol"; NormalizedMse = 1e-3; Rmse = 0.1; MaxError = 0.2; LearningRate = 1e-3; Lambda = 1e-4
                  SearchCandidates = 1; ValidationNormalizedMse = 1e-3; Seconds = 1.0; LibraryVersion = "x"
                  FinishedUtc = "t"; Example = None }
            Expect.isNone (Store.setAside path (fun _ -> true)) "nothing to move without a file"
            for k in [ "a"; "b"; "c" ] do
                Store.append path (record k)
            match Store.setAside path (fun r -> r.Key = "b") with
            | None -> failtest "the file was there"
            | Some(aside, kept) ->
                Expect.equal kept 1 "one record kept"
                Expect.equal (Store.read aside |> List.map (fun r -> r.Key)) [ "a"; "b"; "c" ] "the old file, whole"
                Expect.equal (Store.read path |> List.map (fun r -> r.Key)) [ "b" ] "the new file keeps what it was told"
            Directory.Delete(dir, true)
        }
    ]
