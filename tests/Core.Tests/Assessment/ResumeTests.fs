/// A sweep killed mid-run and rerun: no record lost or duplicated, finished runs not redone.
module ResumeTests

open System
open System.Diagnostics
open System.IO
open Expecto
open Emulators.Core.Assessment

let private tinyExperiment (root: string) =
    Directory.CreateDirectory(Path.Combine(root, "experiments")) |> ignore
    File.WriteAllText(
        Path.Combine(root, "experiments", "tiny.json"),
        """{ "name": "tiny", "problems": ["K1"], "architectures": ["mlp"], "encodings": ["none"], "lf": ["exact"],
             "nh": [8, 12, 16, 20, 24, 28], "repetitions": 2, "depth": 1, "width": 4,
             "presets": { "quick": { "epochs": 150, "lbfgs": 20, "searchCandidates": 1, "searchRounds": 1 } } }""")

let private cli = Path.Combine(AppContext.BaseDirectory, "emulators.dll")

let private startWith (extra: string list) (root: string) =
    let psi = ProcessStartInfo("dotnet", RedirectStandardOutput = true, RedirectStandardError = true)
    for a in [ cli; "reproduce"; "--preset"; "quick"; "--root"; root ] @ extra do
        psi.ArgumentList.Add a
    Process.Start psi

let private start = startWith []

/// One configuration whose search rounds, cut into pieces of two, make eight pieces and a last stage.
let private piecedExperiment (root: string) =
    Directory.CreateDirectory(Path.Combine(root, "experiments")) |> ignore
    File.WriteAllText(
        Path.Combine(root, "experiments", "pieced.json"),
        """{ "name": "pieced", "problems": ["K1"], "architectures": ["mlp"], "encodings": ["none"], "lf": ["exact"],
             "nh": [8], "repetitions": 2, "depth": 1, "width": 6, "singleFidelity": false,
             "presets": { "quick": { "epochs": 600, "lbfgs": 20, "searchCandidates": 8, "searchRounds": 2 } } }""")

/// Run to the end; returns stderr.
let private finish (p: Process) =
    let stdout = p.StandardOutput.ReadToEndAsync()
    let stderr = p.StandardError.ReadToEnd()
    p.WaitForExit()
    Expect.equal p.ExitCode 0 (stderr + stdout.Result)
    stderr

let private withoutClock (r: Emulators.Core.Assessment.RunRecord) = { r with Seconds = 0.0; FinishedUtc = "" }

[<Tests>]
let tests =
    testList "Resume" [
        test "killing a sweep mid-run loses and duplicates nothing, and the rerun does only what is left" {
            let root = Path.Combine(Path.GetTempPath(), "emulators-resume-" + Guid.NewGuid().ToString("N"))
            tinyExperiment root
            let results = Path.Combine(root, "results", "quick.jsonl")
            let count () = if File.Exists results then (Store.read results).Length else 0
            use p = start root
            let clock = Stopwatch.StartNew()
            while count () < 3 && not p.HasExited && clock.Elapsed < TimeSpan.FromMinutes 3.0 do
                Threading.Thread.Sleep 20
            Expect.isFalse p.HasExited "the sweep was still running when killed"
            p.Kill true
            p.WaitForExit()
            let before = Store.read results
            Expect.isGreaterThanOrEqual before.Length 3 "some runs finished before the kill"
            Expect.isLessThan before.Length 24 "the kill came mid-run"
            // rerun to completion
            use again = start root
            let stdout = again.StandardOutput.ReadToEndAsync()
            let stderr = again.StandardError.ReadToEnd()
            again.WaitForExit()
            Expect.equal again.ExitCode 0 (stderr + stdout.Result)
            Expect.stringContains stderr (sprintf "resuming: %d runs already finished" before.Length) "rerun skips finished runs"
            let after = Store.read results
            let lines = File.ReadAllLines results |> Array.filter (fun l -> l.Trim() <> "")
            Expect.equal after.Length 24 "6 N_H x 2 repetitions x (MF + SF)"
            Expect.equal lines.Length 24 "one line per record: nothing duplicated, no torn line left"
            for r in before do
                let same = after |> List.find (fun a -> a.Key = r.Key)
                Expect.equal same.FinishedUtc r.FinishedUtc (sprintf "%s was not redone" r.Key)
            Expect.isTrue (File.Exists(Path.Combine(root, "quick", "ledger.md"))) "figures and ledger rendered at the end"
            // The sittings log measured both sittings: the killed one up to its last line, the rerun to its end.
            let sittings = Sittings.sittings (Sittings.read (Sittings.pathFor results))
            Expect.equal sittings.Length 2 "one sitting killed, one run to the end"
            Expect.equal (List.last sittings).Runs (24 - before.Length) "the rerun trained what was left"
            for s in sittings do
                Expect.isGreaterThanOrEqual s.WallSeconds 0.0 "a sitting's last line is not before its start"
            Expect.stringContains stdout.Result "2 sittings on quick.jsonl so far" "the rerun reports the time of every sitting"
        }
        test "a configuration killed mid-search resumes from its finished pieces: the same records as a run never killed" {
            let root = Path.Combine(Path.GetTempPath(), "emulators-pieces-" + Guid.NewGuid().ToString("N"))
            let reference = Path.Combine(Path.GetTempPath(), "emulators-pieces-ref-" + Guid.NewGuid().ToString("N"))
            piecedExperiment root
            piecedExperiment reference
            let pieces = Path.Combine(root, "results", "checkpoints", "quick")
            let finished () =
                Directory.Exists pieces && Directory.GetFiles(pieces, "piece.json", SearchOption.AllDirectories).Length > 0
            use p = startWith [ "--piece-size"; "2"; "--jobs"; "1" ] root
            let clock = Stopwatch.StartNew()
            while not (finished ()) && not p.HasExited && clock.Elapsed < TimeSpan.FromMinutes 3.0 do
                Threading.Thread.Sleep 20
            Expect.isFalse p.HasExited "the configuration was still training when killed"
            p.Kill true
            p.WaitForExit()
            let kept = Directory.GetFiles(pieces, "piece.json", SearchOption.AllDirectories).Length
            Expect.isGreaterThanOrEqual kept 1 "a finished piece was on disk when the run was killed"
            use again = startWith [ "--piece-size"; "2"; "--jobs"; "2" ] root
            let stderr = finish again
            Expect.stringContains stderr "read back from its checkpoint" "the rerun reads the finished pieces back"
            use whole = startWith [ "--jobs"; "1" ] reference
            finish whole |> ignore
            let read dir = Store.read (Path.Combine(dir, "results", "quick.jsonl")) |> List.map withoutClock |> List.sortBy (fun r -> r.Key)
            let resumed = read root
            Expect.equal resumed.Length 2 "both repetitions"
            Expect.equal resumed (read reference) "killed, resumed and cut into pieces, or whole in one go: the same records, bit for bit"
            Expect.isEmpty (Directory.GetFileSystemEntries pieces) "no piece is left once the configuration is done"
        }
    ]
