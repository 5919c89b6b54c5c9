/// Where a preset run stands, read from its results file and sittings log without training anything: runs done
/// per experiment, the worker time the records carry, the wall time the sittings log measured, and the work left
/// at the pace the finished records of each kind showed.
module Emulators.Core.Assessment.PresetStatus

type ExperimentCount = { Experiment: string; Done: int; Total: int }

/// Pending runs of one kind (experiment, architecture, model, LF mode, strategy), for planning the sittings left:
/// the problems and N_H they span, how many, and their expected worker time.
type PendingKind =
    { Experiment: string
      /// e.g. "kan mf/learned/end-to-end", "mlp mf/affine/exact", "mlp sf", "gp nargp/exact".
      Kind: string
      Problems: string list
      Nh: int list
      Runs: int
      WorkerSeconds: float }

type Status =
    { Experiments: ExperimentCount list
      Done: int
      Total: int
      /// Sum of the finished records' `seconds` (each record carries its share of its group's wall time).
      WorkerSeconds: float
      Sittings: Sittings.Sitting list
      /// Wall time over the logged sittings (sittings before the log existed are not in it).
      WallSeconds: float
      /// Pending runs priced by RunCost.pricer: each at the pace of the finished runs of its kind (all finished
      /// network runs for a kind with none); NaN while none is finished. Worker time: divide by the workers for wall time.
      RemainingWorkerSeconds: float
      /// The pending runs by kind, the costliest first (RemainingWorkerSeconds split up).
      Pending: PendingKind list }

/// The kind of a run for the pending list: its architecture and model, with the encoding, LF mode and strategy
/// where they apply ("mlp mf/affine/exact", "kan mf/learned/end-to-end", "mlp sf", "gp nargp/exact", "gp").
let private kindOf (c: Sweep.RunConfig) =
    let m = c.Model
    let arch, model = RunModel.architectureName m, RunModel.modelName m
    let rest = [ RunModel.encodingName m; RunModel.lfName m; RunModel.strategyName m ] |> List.filter (fun p -> p <> RunModel.NotApplicable)
    let named = if model = arch then rest else model :: rest
    String.concat " " (arch :: (if named.IsEmpty then [] else [ String.concat "/" named ]))

/// The status of `configs` (a preset's expanded runs) against the results file at `resultsPath`.
let ofResults (configs: Sweep.RunConfig list) (resultsPath: string) : Status =
    let records = Store.read resultsPath
    let byKey = records |> List.map (fun r -> r.Key, r) |> Map.ofList
    let finished, pending = configs |> List.partition (fun c -> byKey.ContainsKey c.Key)
    let price = RunCost.pricer (finished |> List.map (fun c -> c, byKey[c.Key].Seconds))
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
      RemainingWorkerSeconds = pending |> List.sumBy price
      Pending =
        pending
        |> List.groupBy (fun c -> c.Experiment, kindOf c)
        |> List.map (fun ((experiment, kind), cs) ->
            { Experiment = experiment
              Kind = kind
              Problems = cs |> List.map (fun c -> c.Problem) |> List.distinct
              Nh = cs |> List.map (fun c -> c.Nh) |> List.distinct |> List.sort
              Runs = cs.Length
              WorkerSeconds = cs |> List.sumBy price })
        |> List.sortBy (fun k -> -k.WorkerSeconds, k.Experiment, k.Kind) }
