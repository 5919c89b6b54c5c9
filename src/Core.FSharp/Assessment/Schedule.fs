/// The work of a preset: its pending configurations as units (the repetitions that train together), the order they
/// run in, the executor that trains them, and the one writer of the results file, with progress and time left.
module Emulators.Core.Assessment.Schedule

open System
open System.Diagnostics
open Emulators.Core

/// Where a run of the schedule stands, reported at each unit's start and at the end.
type Progress =
    { Done: int
      Total: int
      Skipped: int
      Current: string
      ElapsedSeconds: float
      /// Pending and running work priced from the finished runs of each kind (RunCost.pricer), scaled by this
      /// sitting's pace; NaN until something has finished, in this sitting or an earlier one.
      RemainingSeconds: float }

/// One unit of work: the configurations that train together, with their summed expected cost.
type WorkUnit =
    { Configs: Sweep.RunConfig list
      Cost: float }
    member u.Label =
        let c = u.Configs.Head
        let reps = if u.Configs.Length = 1 then sprintf "rep %d" c.Rep else sprintf "%d reps" u.Configs.Length
        let m = c.Model
        let strategy = match RunModel.strategyName m with s when s = RunModel.NotApplicable -> "" | s -> "/" + s
        sprintf "%s %s %s %s/%s/%s%s N_H=%d %s" c.Experiment c.Problem (RunModel.architectureName m) (RunModel.modelName m)
            (RunModel.encodingName m) (RunModel.lfName m) strategy c.Nh reps

/// What an executor reports back about the units it was given.
type UnitEvents =
    { /// Whether a unit may start now (false: it would not end within the sitting's time; it stays pending and
      /// the executor goes on with the next unit that may).
      MayStart: WorkUnit -> bool
      Started: WorkUnit -> unit
      /// Called once per unit, with its records; calls never overlap.
      Finished: WorkUnit -> RunRecord list -> unit }

/// Does a list of units (in the order given, as far as its parallelism allows, skipping those that may not start),
/// reporting each start and finish; returns when all it started are finished and raises on the first failure or
/// on cancellation.
type Executor = WorkUnit[] -> UnitEvents -> Threading.CancellationToken -> unit

/// Every unit one after another in this process.
let inProcessWith (x: Runner.Execution) : Executor =
    fun units events cancel ->
        for u in units do
            cancel.ThrowIfCancellationRequested()
            if events.MayStart u then
                events.Started u
                events.Finished u (Runner.runGroupIn x u.Configs)

/// `inProcessWith Runner.defaultExecution`.
let inProcess : Executor = inProcessWith Runner.defaultExecution

/// The configurations of shard k of n (all without a shard). Groups are assigned whole, by their group key.
let inShard (shard: (int * int) option) (configs: Sweep.RunConfig list) =
    match shard with
    | Some(k, n) -> configs |> List.filter (fun c -> Store.shardOf n (Runner.groupKey c) = k)
    | None -> configs

/// The order units run in. Longest first balances parallel workers best at the end of a run that goes through in
/// one sitting; cheapest first gives the most finished configurations soonest, for a run spread over sittings.
type Order =
    | LongestFirst
    | CheapestFirst

/// The finished runs among `configs`, each with the worker seconds its record carries.
let private finishedIn (configs: Sweep.RunConfig list) (resultsPath: string) =
    let byKey = Store.read resultsPath |> List.map (fun r -> r.Key, r.Seconds) |> Map.ofList
    configs |> List.choose (fun c -> byKey.TryFind c.Key |> Option.map (fun s -> c, s))

/// The unit a run trains in: a network configuration's repetitions train together (one search, one batch of the
/// others); a GP run is a unit of its own (GP fits do not batch across repetitions, and at K5's N_H = 1,024 one
/// takes up to an hour, so a configuration's four would not fit in a sitting of a few hours).
let private unitKey (c: Sweep.RunConfig) = if Sweep.isGp c then c.Key else Runner.groupKey c

/// This shard's runs, its pending ones as units in the order given, and what a unit is expected to take: its price
/// from the finished runs (RunCost.pricer) where there are some, else its expected cost. One read of the results file.
type private Pending =
    { Mine: Sweep.RunConfig list
      Units: WorkUnit[]
      /// Expected seconds of a run from the finished ones (NaN while none is finished).
      Price: Sweep.RunConfig -> float
      /// Whether Size is in seconds (some run is finished) or in units of expected cost.
      Priced: bool }
    member p.Size(u: WorkUnit) = if p.Priced then u.Configs |> List.sumBy p.Price else u.Cost

let private pending (order: Order) (configs: Sweep.RunConfig list) (resultsPath: string) (shard: (int * int) option) =
    let mine = inShard shard configs
    let earlier = finishedIn mine resultsPath
    let finished = earlier |> List.map (fun (c, _) -> c.Key) |> Set.ofList
    let sized = { Mine = mine; Units = [||]; Price = RunCost.pricer earlier; Priced = not earlier.IsEmpty }
    let sign = match order with LongestFirst -> -1.0 | CheapestFirst -> 1.0
    let units =
        mine
        |> List.filter (fun c -> not (finished.Contains c.Key))
        |> List.groupBy unitKey
        |> List.map (fun (key, cs) -> key, { Configs = cs |> List.sortBy (fun c -> c.Rep); Cost = cs |> List.sumBy RunCost.expectedCost })
        |> List.sortBy (fun (key, u) -> sign * sized.Size u, key)
        |> List.map snd
        |> Array.ofList
    { sized with Units = units }

/// The configurations of this shard not yet in the results file, as units of work, in the order given: by their
/// price from the finished runs (RunCost.pricer) where there are some, else by their expected cost.
let pendingUnitsIn (order: Order) (configs: Sweep.RunConfig list) (resultsPath: string) (shard: (int * int) option) =
    let p = pending order configs resultsPath shard
    p.Mine, p.Units

/// The pending units of this shard priced above `seconds` on their own (at the pace of the finished runs of their
/// kind): a sitting of that length (runAll's `within`) never starts them.
let longerThan (seconds: float) (configs: Sweep.RunConfig list) (resultsPath: string) (shard: (int * int) option) =
    let p = pending LongestFirst configs resultsPath shard
    p.Units |> Array.filter (fun u -> u.Configs |> List.sumBy p.Price > seconds)

/// `pendingUnitsIn LongestFirst`.
let pendingUnits configs resultsPath shard = pendingUnitsIn LongestFirst configs resultsPath shard

/// How runAll goes about the pending work.
type RunOptions =
    { Order: Order
      /// This shard's runs only (k of n), or all.
      Shard: (int * int) option
      /// A sitting of this many seconds: a unit starts only if it is expected to end within that time of the start
      /// (its price at the current pace; a unit without an estimate starts), so the sitting ends with no unit cut
      /// off midway, and those left wait for the next sitting. None: every pending unit.
      Within: float option
      /// Units the executor trains at once (its worker processes): the time left shares the work among them.
      Slots: int }

let defaultRunOptions = { Order = LongestFirst; Shard = None; Within = None; Slots = 1 }

/// Run every configuration of this shard not yet in the results file with the executor given (the CLI's worker
/// processes, or inProcess), appending each record as its unit finishes: this is the only writer of the file.
/// Returns the number of runs trained.
let runAll (options: RunOptions) (configs: Sweep.RunConfig list) (resultsPath: string) (execute: Executor)
           (report: Progress -> unit) (cancel: Threading.CancellationToken) =
    let work = pending options.Order configs resultsPath options.Shard
    let mine, units = work.Mine, work.Units
    let total = units |> Array.sumBy (fun u -> u.Configs.Length)
    let skipped = mine.Length - total
    let clock = Stopwatch.StartNew()
    let gate = obj ()
    let running = Collections.Generic.Dictionary<WorkUnit, float>(HashIdentity.Reference)
    let mutable completed = 0
    let mutable started = 0
    // Each unit is priced from the runs earlier sittings finished (RunCost.pricer: each kind at its own pace), so
    // a resumed run has an estimate from its first line; this sitting's finished units then scale those prices
    // by how fast this sitting goes (machine load), weighed against an hour of the earlier pace. A first sitting
    // has no prices: its units' expected costs go at this sitting's pace alone, once a unit has finished.
    let weightOf (u: WorkUnit) = work.Size u
    let priorWeight = if work.Priced then 3600.0 else 0.0
    let mutable pendingWeight = units |> Array.sumBy weightOf
    let mutable doneWeight = 0.0
    let mutable doneSeconds = 0.0
    // seconds per unit of weight: 1 (prices are seconds) shrunk towards this sitting's pace as its units finish
    let rate () = if doneWeight + priorWeight > 0.0 then (doneSeconds + priorWeight) / (doneWeight + priorWeight) else nan
    let remaining () =
        let rate = rate ()
        if Double.IsNaN rate then nan
        else
            let now = clock.Elapsed.TotalSeconds
            let left (u: WorkUnit) (started: float) = max 0.0 (weightOf u * rate - (now - started))
            let inFlight = running |> Seq.sumBy (fun kv -> left kv.Key kv.Value)
            // Work shares the parallel slots (those in use, and as many as the executor has while units wait); the
            // largest remaining unit bounds the time from below.
            let waiting = units.Length - started
            let slots = float (max 1 (max running.Count (min (max 1 options.Slots) (running.Count + waiting))))
            max (pendingWeight * rate / slots + inFlight / slots) (running |> Seq.fold (fun m kv -> max m (left kv.Key kv.Value)) 0.0)
    let progress current =
        report
            { Done = completed; Total = total; Skipped = skipped; Current = current
              ElapsedSeconds = clock.Elapsed.TotalSeconds; RemainingSeconds = remaining () }
    let mayStart (u: WorkUnit) =
        match options.Within with
        | None -> true
        | Some budget ->
            lock gate (fun () ->
                let expected = weightOf u * rate ()
                Double.IsNaN expected || clock.Elapsed.TotalSeconds + expected <= budget)
    let events =
        { MayStart = mayStart
          Started =
            fun u ->
                lock gate (fun () ->
                    running[u] <- clock.Elapsed.TotalSeconds
                    started <- started + 1
                    pendingWeight <- pendingWeight - weightOf u
                    progress u.Label)
          Finished =
            fun u records ->
                lock gate (fun () ->
                    for r in records do
                        Store.append resultsPath r
                    completed <- completed + records.Length
                    doneWeight <- doneWeight + weightOf u
                    doneSeconds <- doneSeconds + (clock.Elapsed.TotalSeconds - running[u])
                    running.Remove u |> ignore) }
    if units.Length > 0 then execute units events cancel
    lock gate (fun () -> progress "done")
    // the runs trained: all that were pending, unless --within left some for a later sitting
    lock gate (fun () -> completed)
