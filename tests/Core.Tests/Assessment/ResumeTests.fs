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

let private start (root: string) =
    let psi = ProcessStartInfo("dotnet", RedirectStandardOutput = true, RedirectStandardError = true)
    for a in [ cli; "reproduce"; "--preset"; "quick"; "--root"; root ] do
        psi.ArgumentList.Add a
    Process.Start psi

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
        }
    ]
