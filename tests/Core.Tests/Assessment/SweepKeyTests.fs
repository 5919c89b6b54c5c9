/// The keys of the sweep's runs: the results files are keyed by them, so a key must never change its text.
module SweepKeyTests

open System.IO
open System.Security.Cryptography
open System.Text
open Expecto
open Emulators.Core.Assessment

let private paperFigures = TestUtil.paperFigures

let private expandedKeys (preset: string) =
    TestUtil.presetRuns preset
    |> List.map (fun c -> c.Key)

let private digest (keys: string list) =
    let text = keys |> List.sort |> String.concat "\n"
    System.Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes text)).ToLowerInvariant()

[<Tests>]
let tests =
    testList "Sweep keys" [
        for preset in [ "quick"; "paper" ] do
            test (sprintf "every record of results/%s.jsonl is a run of the %s preset's experiments" preset preset) {
                let expanded = expandedKeys preset |> Set.ofList
                let records = Store.read (Path.Combine(paperFigures, "results", preset + ".jsonl"))
                Expect.isNonEmpty records "the results file has records"
                let strays = records |> List.map (fun r -> r.Key) |> List.filter (fun k -> not (expanded.Contains k))
                Expect.isEmpty strays "record keys no run produces"
            }
        test "the keys of the paper-figures experiments are those written before the configurations were typed" {
            let golden = [ "quick", (382, "91d743323523d57f05ceaccc52455d9b66162329977838e4c3ce4b2d887a611d"); "paper", (2904, "62c271633f3fec97a9fe44e523187447ca134856e62eb190b423e4d8fea253da") ]
            for preset, (count, hash) in golden do
                let keys = expandedKeys preset
                Expect.equal (keys.Length, digest keys) (count, hash) (sprintf "%s preset: number and SHA-256 of the sorted keys" preset)
        }
    ]
