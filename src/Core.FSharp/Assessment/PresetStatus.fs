/// Where a preset run stands, read from its results file and sittings log without training anything: runs done
/// per experiment, the worker time the records carry, the wall time the sittings log measured, and the work left
/// at the pace the finished records showed.
module Emulators.Core.Assessment.PresetStatus

type ExperimentCount = { Experiment: string; Done: int; Total: int }

type Status =
    { Experiments: ExperimentCount list
      Done: int
      Total: int
      /// Sum of the finished records' `seconds` (each record carries its share of its group's wall time).
      WorkerSeconds: float
      Sittings: Sittings.Sitting list
      /// Wall time over the logged sittings (sittings before the log existed are not in it).
      WallSeconds: float
      /// Pending runs' expected cost (RunCost.expectedCost) at the seconds per unit of cost the finished network
      /// records took; NaN while no network record is finished. Worker time: divide by the workers for wall time.
      RemainingWorkerSeconds: float }

/// The status of `configs` (a preset's expanded runs) against the results file at `resultsPath`.
let ofResults (configs: Sweep.RunConfig list) (resultsPath: string) : Status =
    let records = Store.read resultsPath
    let byKey = records |> List.map (fun r -> r.Key, r) |> Map.ofList
    let finished, pending = configs |> List.partition (fun c -> byKey.ContainsKey c.Key)
    // The pace: measured seconds over expected cost of the finished network runs (GP runs are costed in seconds
    // already, so they would only dilute it).
    let networks = finished |> List.filter (fun c -> not (Sweep.isGp c))
    let cost = networks |> List.sumBy RunCost.expectedCost
    let secondsPerCost = if cost > 0.0 then (networks |> List.sumBy (fun c -> byKey[c.Key].Seconds)) / cost else nan
    let sittings = Sittings.sittings (Sittings.read (Sittings.pathFor resultsPath))
    { Experiments =
        configs
        |> List.groupBy (fun c -> c.Experiment)
        |> List.map (fun (name, cs) ->
            { Experiment = name; Done = cs |> List.filter (fun c -> byKey.ContainsKey c.Key) |> List.length; Total = cs.Length })
      Done = finished.Length
      Total = configs.Length
      WorkerSeconds = finished |> List.sumBy (fun c -> byKey[c.Key].Seconds)
      Sittings = sittings
      WallSeconds = Sittings.totalWallSeconds sittings
      RemainingWorkerSeconds = (pending |> List.sumBy RunCost.expectedCost) * secondsPerCost }
