/// Rerunning finished records to check that they reproduce: a record is a result only if training its
/// configuration again gives it again, bit for bit (timing fields aside).
module Emulators.Core.Assessment.Verify

open System
open System.Text.Json.Nodes

/// What depends on the clock, not on the training.
let private timingFields = set [ "seconds"; "finishedUtc" ]

/// The fields of two records that differ, timing fields aside (camel-case names, as in the results file).
let differences (recorded: RunRecord) (rerun: RunRecord) : string list =
    let a = JsonNode.Parse(RunRecord.toJson recorded).AsObject()
    let b = JsonNode.Parse(RunRecord.toJson rerun).AsObject()
    let names = Seq.append (a |> Seq.map (fun kv -> kv.Key)) (b |> Seq.map (fun kv -> kv.Key)) |> Seq.distinct
    let text (o: JsonObject) (name: string) = match o[name] with null -> "null" | v -> v.ToJsonString()
    names
    |> Seq.filter (fun n -> not (timingFields.Contains n) && text a n <> text b n)
    |> List.ofSeq

/// `count` records drawn at random (seeded) among those of `records` that have a configuration in `configs` and
/// took at most `maxSeconds` each, in the order drawn.
let sample (seed: int) (count: int) (maxSeconds: float) (configs: Sweep.RunConfig list) (records: RunRecord list) =
    let known = configs |> List.map (fun c -> c.Key) |> Set.ofList
    let pool =
        records
        |> List.filter (fun r -> known.Contains r.Key && r.Seconds <= maxSeconds)
        |> List.sortBy (fun r -> r.Key)
        |> Array.ofList
    let rng = Random(seed)
    // a partial Fisher–Yates shuffle: the first `count` places
    for i in 0 .. min count pool.Length - 1 do
        let j = rng.Next(i, pool.Length)
        let t = pool[i]
        pool[i] <- pool[j]
        pool[j] <- t
    pool |> Array.truncate count |> List.ofArray

/// The outcome of rerunning one record.
type Outcome =
    { Recorded: RunRecord
      Rerun: RunRecord
      /// Fields that differ, timing fields aside; empty: reproduced bit for bit.
      Differences: string list }

/// Train the configuration of `r` again with the repetitions it was trained with (its whole group, as `reproduce`
/// trains it), as `x` says, and compare. Alone it could differ: the other repetitions train as one batch, and a
/// KAN member's last bits can depend on its row in a batch that is not a multiple of Fit.rowMultiple.
let rerun (x: Runner.Execution) (configs: Sweep.RunConfig list) (r: RunRecord) : Outcome =
    match configs |> List.tryFind (fun c -> c.Key = r.Key) with
    | None -> Emulators.Core.Errors.fail "no run of the experiments has the key '%s'" r.Key
    | Some c ->
        let group = configs |> List.filter (fun o -> Runner.groupKey o = Runner.groupKey c)
        let again = Runner.runGroupIn x group |> List.find (fun a -> a.Key = r.Key)
        { Recorded = r; Rerun = again; Differences = differences r again }
