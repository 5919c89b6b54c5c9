/// The sittings log: lines grouped into sittings, wall time summed, unreadable lines skipped, never taken for results.
module SittingsTests

open System
open System.IO
open Expecto
open Emulators.Core.Assessment

let private at (minutes: float) = DateTime(2026, 12, 2, 4, 0, 0, DateTimeKind.Utc).AddMinutes minutes

[<Tests>]
let tests =
    testList "Sittings" [
        test "the log sits beside its results file" {
            let p = Sittings.pathFor (Path.Combine("some", "results", "paper.jsonl"))
            Expect.equal (Path.GetFileName p) "paper.sittings.jsonl" "preset name kept, .sittings.jsonl added"
            Expect.equal (Path.GetFileName(Path.GetDirectoryName p)) "results" "same folder"
        }
        test "lines group into sittings by start; a sitting lasts from its start to its last line" {
            let path = Path.Combine(Path.GetTempPath(), "emulators-sittings-" + Guid.NewGuid().ToString("N") + ".jsonl")
            let ignoreWarning (_: string) = ()
            let mark s a r = Sittings.append path { Started = at s; At = at a; Runs = r; Jobs = 2 } ignoreWarning
            mark 0.0 0.0 0
            mark 0.0 30.0 12
            mark 0.0 75.0 40
            // a line torn by a kill, then the next sitting
            File.AppendAllText(path, "{\"started\": \"2026-12")
            File.AppendAllText(path, "\n")
            mark 300.0 300.0 0
            mark 300.0 345.0 8
            let ss = Sittings.sittings (Sittings.read path)
            Expect.equal ss.Length 2 "two starts"
            Expect.equal (ss |> List.map (fun s -> s.WallSeconds)) [ 75.0 * 60.0; 45.0 * 60.0 ] "start to last line"
            Expect.equal (ss |> List.map (fun s -> s.Runs)) [ 40; 8 ] "runs trained in each"
            Expect.equal (Sittings.totalWallSeconds ss) (120.0 * 60.0) "the gap between sittings is not counted"
            File.Delete path
        }
        test "a log that cannot be written warns instead of stopping the sitting" {
            // its folder's name is taken by a file
            let file = Path.Combine(Path.GetTempPath(), "emulators-sittings-file-" + Guid.NewGuid().ToString("N"))
            File.WriteAllText(file, "")
            let mutable warned = ""
            Sittings.append (Path.Combine(file, "results", "paper.sittings.jsonl")) { Started = at 0.0; At = at 0.0; Runs = 0; Jobs = 1 } (fun w -> warned <- w)
            Expect.stringContains warned "could not write the sittings log" "the warning names the log"
            File.Delete file
        }
        test "a shard's sittings log is not taken for a shard of results" {
            let dir = Path.Combine(Path.GetTempPath(), "emulators-shards-" + Guid.NewGuid().ToString("N"))
            Directory.CreateDirectory dir |> ignore
            for f in [ "paper.shard-2-of-2.jsonl"; "paper.shard-1-of-2.jsonl"; "paper.shard-1-of-2.sittings.jsonl"; "quick.shard-1-of-2.jsonl" ] do
                File.WriteAllText(Path.Combine(dir, f), "")
            Expect.equal (Store.shardFiles dir "paper" |> List.map Path.GetFileName) [ "paper.shard-1-of-2.jsonl"; "paper.shard-2-of-2.jsonl" ] "results shards of the preset only"
            Directory.Delete(dir, true)
        }
        test "no log: no sittings" {
            Expect.isEmpty (Sittings.read (Path.Combine(Path.GetTempPath(), "emulators-no-log-" + Guid.NewGuid().ToString("N")))) "nothing to read"
        }
        test "the status of a preset: records counted against its runs (others ignored), worker time summed, the rest priced" {
            let dir = Path.Combine(Path.GetTempPath(), "emulators-status-" + Guid.NewGuid().ToString("N"))
            Directory.CreateDirectory dir |> ignore
            let path = Path.Combine(dir, "quick.jsonl")
            let runs = TestUtil.presetRuns "quick"
            let empty = PresetStatus.ofResults runs path
            Expect.equal (empty.Done, empty.Total) (0, runs.Length) "nothing done yet"
            Expect.isTrue (Double.IsNaN empty.RemainingWorkerSeconds) "no pace without a finished network run"
            Expect.isEmpty empty.Sittings "no log yet"
            // ten committed quick records (networks among them) and one record of another preset
            let quick = File.ReadAllLines(Path.Combine(TestUtil.paperFigures, "results", "quick.jsonl")) |> Array.filter (fun l -> l.Trim() <> "")
            let networks = quick |> Array.filter (fun l -> not (l.Contains "\"architecture\":\"gp\"")) |> Array.truncate 10
            let other = File.ReadAllLines(Path.Combine(TestUtil.paperFigures, "results", "paper.jsonl")) |> Array.head
            File.WriteAllLines(path, Array.append networks [| other |])
            Sittings.append (Sittings.pathFor path) { Started = at 0.0; At = at 0.0; Runs = 0; Jobs = 1 } ignore
            Sittings.append (Sittings.pathFor path) { Started = at 0.0; At = at 90.0; Runs = 10; Jobs = 1 } ignore
            let s = PresetStatus.ofResults runs path
            Expect.equal (s.Done, s.Total) (10, runs.Length) "the ten quick records, not the paper one"
            Expect.equal (s.Experiments |> List.sumBy (fun e -> e.Done)) 10 "per experiment"
            Expect.equal (s.Experiments |> List.sumBy (fun e -> e.Total)) runs.Length "every run in one experiment"
            let seconds = networks |> Array.choose RunRecord.tryParse |> Array.sumBy (fun r -> r.Seconds)
            Expect.floatClose Accuracy.veryHigh s.WorkerSeconds seconds "worker time = the records' seconds"
            Expect.floatClose Accuracy.veryHigh s.WallSeconds 5400.0 "one sitting of 90 minutes"
            Expect.isTrue (s.RemainingWorkerSeconds > 0.0 && not (Double.IsInfinity s.RemainingWorkerSeconds)) "the rest priced at the pace seen"
            // the pending list splits exactly the runs left and their price, costliest first
            Expect.equal (s.Pending |> List.sumBy (fun k -> k.Runs)) (s.Total - s.Done) "every pending run in one kind"
            Expect.floatClose Accuracy.high (s.Pending |> List.sumBy (fun k -> k.WorkerSeconds)) s.RemainingWorkerSeconds "the kinds' times add up"
            Expect.isTrue (s.Pending |> List.pairwise |> List.forall (fun (a, b) -> a.WorkerSeconds >= b.WorkerSeconds)) "costliest first"
            let done' = Set.ofArray (networks |> Array.choose RunRecord.tryParse |> Array.map (fun r -> r.Key))
            let pendingRuns = runs |> List.filter (fun c -> not (done'.Contains c.Key))
            for k in s.Pending do
                let mine = pendingRuns |> List.filter (fun c -> c.Experiment = k.Experiment && List.contains c.Problem k.Problems && List.contains c.Nh k.Nh)
                Expect.isGreaterThanOrEqual mine.Length k.Runs (sprintf "%s %s: its problems and N_H cover its runs" k.Experiment k.Kind)
            Expect.isTrue (s.Pending |> List.exists (fun k -> k.Kind = "mlp sf")) "SF baselines are a kind of their own"
        }
    ]
