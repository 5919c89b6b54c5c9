/// Hyperparameter search as in the paper (Table 1): learning rate log-uniform on [1e-5, 1e-3], penalty λ from
/// {0, 1e-5, 1e-3, 1}. A small tree-structured Parzen estimator (TPE): the first round spreads candidates evenly,
/// later rounds draw many proposals and keep those most likely under the good observations relative to the bad
/// ones. Each round's candidates are evaluated together, so a batched ensemble can train them as one graph.
module Emulators.Core.Assessment.Search

type Candidate = { LearningRate: float; Lambda: float }

/// The repetition whose validation draw tunes a configuration. The paper tunes per configuration (spec §5, Hyperopt
/// "tuned per configuration"): one search, on repetition 0's data and validation draw, chooses the learning rate and
/// λ that every repetition then trains with. Tuning each repetition on its own would cost a full search per
/// repetition (4× the trainings at the paper's 2 × 16 candidates) for hyperparameters the paper does not re-tune.
let tuningRep = 0

let lambdas = [| 0.0; 1e-5; 1e-3; 1.0 |]
let lrLow, lrHigh = 1e-5, 1e-3
let private logLow, logHigh = log10 lrLow, log10 lrHigh

/// Evenly spread first round: λ cycles through its choices, log10 lr is stratified over the range.
let private firstRound (rng: System.Random) (n: int) =
    let order = Array.init n id |> Array.sortBy (fun _ -> rng.Next())
    Array.init n (fun i ->
        let u = (float order[i] + rng.NextDouble()) / float n
        { LearningRate = 10.0 ** (logLow + u * (logHigh - logLow)); Lambda = lambdas[i % lambdas.Length] })

let private gaussianPdf (mu: float) (sd: float) (x: float) = exp (-0.5 * ((x - mu) / sd) ** 2.0) / sd

/// Parzen density of log10 lr (bandwidth a tenth of the range) and smoothed frequencies of λ.
let private density (obs: Candidate list) =
    let logs = obs |> List.map (fun c -> log10 c.LearningRate)
    let sd = 0.1 * (logHigh - logLow) + 0.05
    let pLr x = (logs |> List.sumBy (fun m -> gaussianPdf m sd x) |> fun s -> s / float (max 1 logs.Length)) + 1e-9
    let pLam l = (float (obs |> List.filter (fun c -> c.Lambda = l) |> List.length) + 1.0) / float (obs.Length + lambdas.Length)
    fun (c: Candidate) -> pLr (log10 c.LearningRate) * pLam c.Lambda

let private nextRound (rng: System.Random) (n: int) (history: (Candidate * float) list) =
    let sorted = history |> List.sortBy snd
    let nGood = max 1 (history.Length / 4)
    let good = sorted |> List.take nGood |> List.map fst
    let bad = sorted |> List.skip nGood |> List.map fst
    let l, g = density good, density (if bad.IsEmpty then good else bad)
    // Proposal width shrinks as the good learning rates agree (the spread of the good set, within limits).
    let goodLogs = good |> List.map (fun c -> log10 c.LearningRate)
    let spread =
        if goodLogs.Length < 2 then 0.25
        else
            let m = List.average goodLogs
            sqrt (goodLogs |> List.averageBy (fun v -> (v - m) * (v - m)))
    let sd = min 0.3 (max 0.12 spread)
    let propose (centre: Candidate) =
        // Box–Muller around a good learning rate; λ from the good set's frequencies (or any, rarely).
        let z = sqrt (-2.0 * log (1.0 - rng.NextDouble())) * cos (2.0 * System.Math.PI * rng.NextDouble())
        let lg = min logHigh (max logLow (log10 centre.LearningRate + sd * z))
        let lam = if rng.NextDouble() < 0.8 then good[rng.Next good.Length].Lambda else lambdas[rng.Next lambdas.Length]
        { LearningRate = 10.0 ** lg; Lambda = lam }
    let seen = history |> List.map fst |> Set.ofList
    // A batch needs spread: every good point gets its share of the batch, each share the proposals around that
    // point most likely under the good density relative to the bad one.
    let perCentre =
        good
        |> List.map (fun centre ->
            Array.init 24 (fun _ -> propose centre)
            |> Array.distinct
            |> Array.filter (fun c -> not (seen.Contains c))
            |> Array.sortByDescending (fun c -> l c / g c)
            |> List.ofArray)
    let rec interleave (lists: Candidate list list) acc k =
        if k = 0 || lists |> List.forall List.isEmpty then List.rev acc
        else
            let heads = lists |> List.choose List.tryHead |> List.filter (fun c -> not (List.contains c acc))
            let taken = heads |> List.truncate k
            interleave (lists |> List.map (fun l -> match l with [] -> [] | _ :: t -> t)) (List.rev taken @ acc) (k - taken.Length)
    interleave perCentre [] n |> Array.ofList

/// An error as the search compares it: non-finite errors count as infinitely bad.
let comparable (err: float) = if System.Double.IsNaN err || System.Double.IsInfinity err then infinity else err

/// Run one search per seed, `rounds` rounds of `n` candidates each, the searches in lockstep: round r of every
/// search is proposed, then all of them are evaluated by one call of `evaluate` (one batch of candidates per
/// search, in the order of the seeds; a batch may be empty when a search has nothing new to propose), so a
/// batched ensemble can train the round of every search as one graph. Each search sees only its own results, so
/// it proposes exactly what it would propose alone. `evaluate` returns each candidate's validation error with
/// whatever it produced; non-finite errors count as infinitely bad. Returns, per search, the best candidate, its
/// error and product, and every (candidate, error) it evaluated.
let runEach (seeds: int list) (n: int) (rounds: int) (evaluate: Candidate[][] -> (float * 'T)[][]) =
    if n < 1 then Emulators.Core.Errors.fail "search: at least one candidate per round is needed (got %d)" n
    if seeds.IsEmpty then Emulators.Core.Errors.fail "search: no search to run (no seeds given)"
    let searches = seeds |> List.map (fun s -> System.Random(s)) |> Array.ofList
    let history = Array.create searches.Length []
    let best = Array.create searches.Length None
    for r in 0 .. max 1 rounds - 1 do
        let batches = searches |> Array.mapi (fun k rng -> if r = 0 then firstRound rng n else nextRound rng n history[k])
        if batches |> Array.exists (fun b -> b.Length > 0) then
            let results = evaluate batches
            if results.Length <> batches.Length then
                Emulators.Core.Errors.fail "search: %d result lists for %d searches" results.Length batches.Length
            for k in 0 .. batches.Length - 1 do
                if results[k].Length <> batches[k].Length then
                    Emulators.Core.Errors.fail "search: %d results for %d candidates" results[k].Length batches[k].Length
                for c, (err, product) in Array.zip batches[k] results[k] do
                    let e = comparable err
                    history[k] <- history[k] @ [ c, e ]
                    match best[k] with
                    | Some(_, be, _) when be <= e -> ()
                    | _ -> best[k] <- Some(c, e, product)
    List.init searches.Length (fun k -> best[k].Value, history[k])

/// One search (`runEach` with a single seed): `evaluate` trains one batch of candidates.
let run (seed: int) (n: int) (rounds: int) (evaluate: Candidate[] -> (float * 'T)[]) =
    runEach [ seed ] n rounds (fun batches -> [| evaluate batches[0] |]) |> List.head
