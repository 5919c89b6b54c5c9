/// Phrases the figures' captions share: what e is, what the bands are, how many repetitions, which N_H.
module Emulators.Figures.Caption

open Emulators.Core.Assessment.Aggregate

let eDefinition =
    "e = normalized test MSE: the mean squared error on the test set divided by the mean square of the HF function over its domain (the prediction ŷ = 0 has e = 1)."

/// "2 repetitions", or "2–4 repetitions" when the groups differ, plus the failed runs left out, if any.
let repetitions (gs: Group list) =
    let runs = gs |> List.map (fun g -> g.Stats.Count + g.Stats.Failed) |> List.distinct |> List.sort
    let failed = gs |> List.sumBy (fun g -> g.Stats.Failed)
    let count =
        match runs with
        | [] -> "no repetitions"
        | [ 1 ] -> "1 repetition"
        | [ n ] -> sprintf "%d repetitions" n
        | ns -> sprintf "%d–%d repetitions" (List.head ns) (List.last ns)
    if failed > 0 then sprintf "%s (%d runs with a non-finite error left out)" count failed else count

/// "N_H = 16" or "N_H ∈ {8, 16, 32}".
let nhValues (nhs: int list) =
    match nhs |> List.distinct |> List.sort with
    | [ n ] -> sprintf "N_H = %d" n
    | ns -> sprintf "N_H ∈ {%s}" (ns |> List.map string |> String.concat ", ")

let medianAndBand (what: string) (reps: string) =
    sprintf "%s: median over %s; %s: minimum to maximum over the repetitions." (if what = "" then "Points" else what) reps
        (if what = "Lines" then "shaded bands" else "bars")

let collapsed =
    sprintf "Ringed: collapsed fits, median e ≥ %g (at least half as far off as ŷ = 0; typically a near-constant prediction)." CollapseThreshold

/// "N_H is the number of Sobol' HF points (the 1-D problems add the two boundary points)."
let nhDefinition = "N_H: Sobol' HF training points (1-D problems add the two boundary points)."
