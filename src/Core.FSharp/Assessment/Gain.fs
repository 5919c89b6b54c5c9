/// The MF gain: how many times lower the MF error is than the single-fidelity baseline's, per MF configuration.
/// Pure functions over records.
///
/// The baseline of an MF configuration is the SF group of the same experiment, problem, corrupted count, HF
/// design, architecture and N_H. The gain is the ratio of the medians over the repetitions (SF / MF, as in the
/// ledger); its spread is that of the per-repetition gains SF_r / MF_r, which pair runs that saw the same HF points.
module Emulators.Core.Assessment.Gain

open Emulators.Core.Assessment.Aggregate

type Point =
    { Mf: Group
      Sf: Group
      /// log10 (median SF error / median MF error): orders of magnitude, positive where MF is better.
      Orders: float
      /// Lowest and highest log10 (SF_r / MF_r) over the repetitions r that have both runs; NaN when none has.
      OrdersMin: float
      OrdersMax: float }

/// The key of the SF baseline of a network configuration (of its architecture); None for a GP, which has none.
let baselineKey (k: GroupKey) =
    match k.Run with
    | RunModel.Network(arch, _) -> Some(withRun (RunModel.Network(arch, NetworkModel.SingleFidelity)) k)
    | RunModel.GaussianProcess _ -> None

let private positive (x: float) = isFiniteValue x && x > 0.0

/// One point per MF configuration and N_H with a usable baseline (both medians finite and positive).
let points (records: RunRecord list) : Point list =
    let gs = groups records |> usable
    let sf = gs |> List.filter (fun g -> isSingleFidelity g.Key) |> List.map (fun g -> g.Key, g) |> Map.ofList
    let errorsByRep =
        records
        |> List.groupBy keyOf
        |> List.map (fun (k, rs) -> k, rs |> List.map (fun r -> r.Rep, r.NormalizedMse) |> Map.ofList)
        |> Map.ofList
    gs
    |> List.filter (fun g -> isMultiFidelity g.Key && positive g.Stats.Median)
    |> List.choose (fun mf ->
        match baselineKey mf.Key |> Option.bind sf.TryFind with
        | Some s when positive s.Stats.Median ->
            let mfReps, sfReps = errorsByRep[mf.Key], errorsByRep[s.Key]
            let paired =
                [ for KeyValue(rep, m) in mfReps do
                      match sfReps.TryFind rep with
                      | Some e when positive e && positive m -> yield log10 (e / m)
                      | _ -> () ]
            Some
                { Mf = mf
                  Sf = s
                  Orders = log10 (s.Stats.Median / mf.Stats.Median)
                  OrdersMin = (if paired.IsEmpty then nan else List.min paired)
                  OrdersMax = (if paired.IsEmpty then nan else List.max paired) }
        | _ -> None)

/// Per problem label, architecture and N_H, the point of the MF configuration with the lowest median error.
let bestPerArchitecture (ps: Point list) : Point list =
    ps
    |> List.groupBy (fun p -> problemLabel p.Mf.Key, p.Mf.Key.Architecture, p.Mf.Key.Nh)
    |> List.map (fun (_, group) -> group |> List.minBy (fun p -> p.Mf.Stats.Median, configSortKey p.Mf.Key))
