/// `emulators verify`: rerun finished records of a preset and check that they reproduce bit for bit.
module Emulators.Cli.VerifyCommand

open System
open System.IO
open Argu
open Emulators.Core
open Emulators.Core.Assessment
open Emulators.Cli.Args

let private show (v: float) = v.ToString("R", Globalization.CultureInfo.InvariantCulture)

let execute (args: ParseResults<VerifyArgs>) =
    // one libtorch thread, as every run of `reproduce` trains
    Native.useThreads None
    let preset = args.GetResult(VerifyArgs.Preset, defaultValue = "quick")
    let root = Path.GetFullPath(ReproduceCommand.findRoot (args.TryGetResult VerifyArgs.Root))
    let configs = ReproduceCommand.experiments root preset None |> List.collect Sweep.expand
    let path = ReproduceCommand.resultsFile root preset None
    let records = if File.Exists path then Store.read path else []
    if records.IsEmpty then Errors.fail "no finished records in %s: nothing to verify" path
    let chosen =
        match args.GetResults VerifyArgs.Key with
        | [] ->
            let count = args.GetResult(VerifyArgs.Count, defaultValue = 2)
            if count < 1 then Errors.fail "--count must be at least 1 (got %d)" count
            let maxSeconds = args.GetResult(VerifyArgs.Max_Seconds, defaultValue = 600.0)
            let seed = args.GetResult(VerifyArgs.Seed, defaultValue = Random.Shared.Next 1000000)
            let drawn = Verify.sample seed count maxSeconds configs records
            if drawn.IsEmpty then Errors.fail "no record of %s took at most %g s: raise --max-seconds" path maxSeconds
            printfn "drew %d of %d records (seed %d, at most %g s each; repeat with --seed %d)" drawn.Length records.Length seed maxSeconds seed
            drawn
        | keys ->
            keys
            |> List.map (fun k ->
                match records |> List.tryFind (fun r -> r.Key = k) with
                | Some r -> r
                | None -> Errors.fail "no record with the key '%s' in %s" k path)
    let cache =
        if args.Contains VerifyArgs.Fresh_Surrogates then SurrogateCache.create ()
        else SurrogateCache.onDisk (SurrogateCache.directoryFor root preset)
    let x = { Runner.defaultExecution with Cache = cache }
    let outcomes =
        chosen
        |> List.map (fun r ->
            printfn "rerunning %s (recorded: e = %s, %.0f s)" r.Key (show r.NormalizedMse) r.Seconds
            let o = Verify.rerun x configs r
            match o.Differences with
            | [] -> printfn "  reproduced bit for bit: e = %s, lr = %s, λ = %s (%.0f s)" (show o.Rerun.NormalizedMse) (show o.Rerun.LearningRate) (show o.Rerun.Lambda) o.Rerun.Seconds
            | fields ->
                printfn "  DIFFERS in %s: e = %s recorded, %s now" (String.concat ", " fields) (show r.NormalizedMse) (show o.Rerun.NormalizedMse)
            o)
    let failed = outcomes |> List.filter (fun o -> not o.Differences.IsEmpty) |> List.length
    printfn "%d of %d records reproduced bit for bit" (outcomes.Length - failed) outcomes.Length
    if failed > 0 then 1 else 0
