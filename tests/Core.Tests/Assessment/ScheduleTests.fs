/// The schedule's one writer of the results file: units trained by an executor, their records appended, and the
/// time left priced from the start of a sitting when earlier sittings left records.
module ScheduleTests

open System
open System.IO
open Expecto
open Emulators.Core.Assessment

/// A record for a run, as if it had trained in `seconds` (a committed quick record, its identity replaced).
let private recordFor (template: RunRecord) (seconds: float) (c: Sweep.RunConfig) =
    { template with Key = c.Key; Experiment = c.Experiment; Problem = c.Problem; Nh = c.Nh; Rep = c.Rep; Seconds = seconds }

/// An executor that trains nothing: each unit starts, then finishes with records of `seconds` per run.
let private instant (template: RunRecord) (seconds: float) : Schedule.Executor =
    fun units events _ ->
        for u in units do
            if events.MayStart u then
                events.Started u
                events.Finished u (u.Configs |> List.map (recordFor template seconds))

let private template () =
    File.ReadLines(Path.Combine(TestUtil.paperFigures, "results", "quick.jsonl"))
    |> Seq.pick RunRecord.tryParse

/// The quick preset's MLP runs of one experiment on one problem: a few small units.
let private someRuns () =
    TestUtil.presetRuns "quick"
    |> List.filter (fun c -> c.Experiment = "accuracy-1d" && c.Problem = "K2" && not (Sweep.isGp c))
    |> List.filter (fun c -> Emulators.Core.Assessment.RunModel.architectureName c.Model = "mlp")

let private runWithin (within: float option) (path: string) (configs: Sweep.RunConfig list) =
    let reports = Collections.Generic.List<Schedule.Progress>()
    let trained =
        Schedule.runAll { Schedule.defaultRunOptions with Order = Schedule.CheapestFirst; Within = within } configs path (instant (template ()) 30.0) reports.Add Threading.CancellationToken.None
    trained, List.ofSeq reports

let private runInto = runWithin None


/// The quick preset's network runs on K2, every architecture: units of several prices.
let private mixedRuns () =
    TestUtil.presetRuns "quick" |> List.filter (fun c -> c.Experiment = "accuracy-1d" && c.Problem = "K2" && not (Sweep.isGp c))

/// What an earlier sitting's run took: 300 s for a KAN, 30 s for the others.
let private tookSeconds (c: Sweep.RunConfig) = if RunModel.architectureName c.Model = "kan" then 300.0 else 30.0

/// A results file holding the runs at the smallest N_H (each as if it took `tookSeconds`), and the rest.
let private resumedWith (runs: Sweep.RunConfig list) =
    let path = Path.Combine(Path.GetTempPath(), "emulators-schedule-" + Guid.NewGuid().ToString("N") + ".jsonl")
    let first = runs |> List.filter (fun c -> c.Nh = (runs |> List.map (fun c -> c.Nh) |> List.min))
    for c in first do
        Store.append path (recordFor (template ()) (tookSeconds c) c)
    path, runs, first, runs |> List.except first

let private resumed () = resumedWith (someRuns ())

/// The first progress line of a resumed run with `slots` units at once (the instant executor trains one at a time;
/// the estimate shares the work among the slots the options say the executor has).
let private firstLineWith (slots: int) =
    let path, runs, _, _ = resumedWith (mixedRuns ())
    let reports = Collections.Generic.List<Schedule.Progress>()
    Schedule.runAll { Schedule.defaultRunOptions with Order = Schedule.CheapestFirst; Slots = slots } runs path (instant (template ()) 30.0) reports.Add Threading.CancellationToken.None |> ignore
    File.Delete path
    reports[0]

[<Tests>]
let tests =
    testList "Schedule" [
        test "every pending run is appended once; no estimate before anything is measured, one as soon as a unit is" {
            let path = Path.Combine(Path.GetTempPath(), "emulators-schedule-" + Guid.NewGuid().ToString("N") + ".jsonl")
            let runs = someRuns ()
            let trained, reports = runInto path runs
            Expect.equal trained runs.Length "every run trained"
            Expect.equal (Store.read path |> List.map (fun r -> r.Key) |> List.sort) (runs |> List.map (fun c -> c.Key) |> List.sort) "one record per run"
            Expect.isTrue (Double.IsNaN reports.Head.RemainingSeconds) "the first unit starts with nothing measured"
            let later = reports |> List.skip 1 |> List.filter (fun p -> p.Current <> "done")
            Expect.isNonEmpty later "several units"
            for p in later do
                Expect.isTrue (p.RemainingSeconds >= 0.0 && not (Double.IsInfinity p.RemainingSeconds)) "priced once a unit finished"
            File.Delete path
        }
        test "a resumed run prices the work left from the earlier sittings' records at its first line, and skips them" {
            let path, runs, first, rest = resumed ()
            Expect.isNonEmpty rest "runs left to do"
            let trained, reports = runInto path runs
            Expect.equal trained rest.Length "only the runs not in the file"
            Expect.equal reports.Head.Skipped first.Length "the earlier records are skipped"
            // at the first unit's start nothing of this sitting has finished: the estimate is the work left priced
            // from the earlier records (the unit just started is in flight, the others pending; one slot in use),
            // less the moments the unit in flight has already run when its start is reported (microseconds here)
            let price = RunCost.pricer (first |> List.map (fun c -> c, tookSeconds c))
            let expected = rest |> List.sumBy price
            Expect.isTrue (expected > 0.0) "the earlier records price the rest"
            let got = reports.Head.RemainingSeconds
            Expect.isTrue (got <= expected && got > expected - 1.0) (sprintf "the work left at the earlier pace: %g s, expected %g s less the unit's elapsed time" got expected)
            File.Delete path
        }
        test "pricing: a kind's own finished runs are priced at what they took; a kind with none at the overall pace" {
            let runs = someRuns ()
            let mf, sf = runs |> List.partition (fun c -> Emulators.Core.Assessment.RunModel.modelName c.Model = "mf")
            Expect.isNonEmpty mf "MF runs"
            Expect.isNonEmpty sf "SF runs"
            // MF runs took 10 s each, SF runs 40 s: two kinds, two paces
            let finished = (mf |> List.map (fun c -> c, 10.0)) @ (sf |> List.map (fun c -> c, 40.0))
            let price = RunCost.pricer finished
            Expect.floatClose Accuracy.high (mf |> List.sumBy price) (10.0 * float mf.Length) "the MF kind's total is what it took"
            Expect.floatClose Accuracy.high (sf |> List.sumBy price) (40.0 * float sf.Length) "the SF kind's total is what it took"
            // priced without SF records, the SF runs go at the overall pace of the finished (MF) runs
            let mfOnly = RunCost.pricer (mf |> List.map (fun c -> c, 10.0))
            let overall = (RunCost.paceOf (mf |> List.map (fun c -> c, 10.0))).Rate
            for c in sf do
                Expect.floatClose Accuracy.veryHigh (mfOnly c) (RunCost.expectedCost c * overall) "a kind without records at the overall pace"
            Expect.isTrue (Double.IsNaN (RunCost.pricer [] mf.Head)) "nothing finished: no price"
        }
        test "--within: a unit starts only if its price ends within the sitting's time; the others stay pending" {
            let price = (let p, _, first, _ = resumedWith (mixedRuns ()) in File.Delete p; RunCost.pricer (first |> List.map (fun c -> c, tookSeconds c)))
            let unitPrice (cs: Sweep.RunConfig list) = cs |> List.sumBy price
            // nothing fits in a microsecond: nothing trains, nothing is written
            let path, runs, first, _ = resumedWith (mixedRuns ())
            let trained, _ = runWithin (Some 1e-6) path runs
            Expect.equal trained 0 "no unit fits"
            Expect.equal (Store.read path).Length first.Length "the file holds only the earlier records"
            File.Delete path
            // room for the cheapest units only: they train, the dearer ones stay for the next sitting
            let path, runs, _, rest = resumedWith (mixedRuns ())
            let units = rest |> List.groupBy Runner.groupKey |> List.map snd
            let prices = units |> List.map unitPrice |> List.sort
            Expect.isTrue (List.last prices > 3.0 * List.head prices) "units of different prices"
            let budget = 1.5 * List.head prices
            let trained, _ = runWithin (Some budget) path runs
            let written = Store.read path |> List.map (fun r -> r.Key) |> Set.ofList
            let done' = units |> List.filter (fun cs -> written.Contains cs.Head.Key)
            Expect.isNonEmpty done' "the cheapest unit fits"
            Expect.equal trained (done' |> List.sumBy List.length) "the runs trained are those written"
            // this sitting's units take no time here, so its pace only shortens the prices (by at most a few %)
            for cs in done' do
                Expect.isTrue (unitPrice cs <= budget / 0.9) (sprintf "%s: priced %g s, within %g s" cs.Head.Key (unitPrice cs) budget)
            Expect.isLessThan done'.Length units.Length "the dearest units wait"
            File.Delete path
        }
        test "pending units are ordered by their price from the finished runs, where there are some" {
            let path, runs, first, _ = resumedWith (mixedRuns ())
            let price = RunCost.pricer (first |> List.map (fun c -> c, tookSeconds c))
            let unitPrice (u: Schedule.WorkUnit) = u.Configs |> List.sumBy price
            let _, cheapest = Schedule.pendingUnitsIn Schedule.CheapestFirst runs path None
            let _, longest = Schedule.pendingUnitsIn Schedule.LongestFirst runs path None
            Expect.isTrue (cheapest |> Array.pairwise |> Array.forall (fun (a, b) -> unitPrice a <= unitPrice b)) "cheapest first by price"
            Expect.isTrue (longest |> Array.pairwise |> Array.forall (fun (a, b) -> unitPrice a >= unitPrice b)) "longest first by price"
            // the KANs took 10× the others' seconds: priced, they come last, whatever the cost model makes of them
            let isKan (u: Schedule.WorkUnit) = RunModel.architectureName u.Configs.Head.Model = "kan"
            Expect.isTrue (cheapest |> Array.skipWhile (isKan >> not) |> Array.forall isKan) "the KAN units after all the others"
            File.Delete path
        }
        test "a GP run is a unit of its own; a network configuration's repetitions are one unit" {
            let none = Path.Combine(Path.GetTempPath(), "emulators-schedule-none-" + Guid.NewGuid().ToString("N") + ".jsonl")
            let runs = TestUtil.presetRuns "quick"
            let _, units = Schedule.pendingUnits runs none None
            let gp, networks = units |> Array.partition (fun u -> Sweep.isGp u.Configs.Head)
            Expect.isNonEmpty gp "the quick preset has GP runs"
            Expect.isTrue (gp |> Array.forall (fun u -> u.Configs.Length = 1)) "one GP run per unit"
            Expect.equal (gp.Length + (networks |> Array.sumBy (fun u -> u.Configs.Length))) runs.Length "every run in one unit"
            for u in networks do
                Expect.equal (u.Configs |> List.map Runner.groupKey |> List.distinct).Length 1 (sprintf "%s: one configuration" u.Label)
                Expect.equal (u.Configs |> List.map (fun c -> c.Rep)) [ 0 .. u.Configs.Length - 1 ] (sprintf "%s: all its repetitions, in order" u.Label)
        }
        test "the units too long for a sitting are those priced above it" {
            let path, runs, first, _ = resumedWith (mixedRuns ())
            let price = RunCost.pricer (first |> List.map (fun c -> c, tookSeconds c))
            let _, units = Schedule.pendingUnits runs path None
            let unitPrice (u: Schedule.WorkUnit) = u.Configs |> List.sumBy price
            let middle = (units |> Array.map unitPrice |> Array.sort).[units.Length / 2]
            Expect.equal (Schedule.longerThan 0.0 runs path None).Length units.Length "every unit takes some time"
            Expect.isEmpty (Schedule.longerThan 1e12 runs path None) "none takes forever"
            let long = Schedule.longerThan middle runs path None
            Expect.equal (long |> Array.map (fun u -> u.Label) |> Set.ofArray) (units |> Array.filter (fun u -> unitPrice u > middle) |> Array.map (fun u -> u.Label) |> Set.ofArray) "exactly those priced above"
            File.Delete path
        }
        test "the time left at the first line shares the work among the executor's slots" {
            let one, two = firstLineWith 1, firstLineWith 2
            Expect.isTrue (one.RemainingSeconds > 0.0) "priced from the earlier records"
            // two workers: half the time (up to the microseconds the unit in flight has run when it is reported)
            Expect.isTrue (abs (two.RemainingSeconds - one.RemainingSeconds / 2.0) < 1.0) (sprintf "one slot %g s, two slots %g s" one.RemainingSeconds two.RemainingSeconds)
        }
    ]
