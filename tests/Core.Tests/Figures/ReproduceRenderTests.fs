/// `reproduce --only X` renders the figures and the ledger from every record of the preset, not only X's.
module ReproduceRenderTests

open System.IO
open Expecto
open Emulators.Core.Assessment
open AssessmentRecords

let private experiment (root: string) (name: string) (body: string) =
    File.WriteAllText(
        Path.Combine(root, "experiments", name + ".json"),
        sprintf """{ "name": "%s", %s, "architectures": ["mlp"], "encodings": ["none"], "lf": ["exact"], "nh": [8],
             "repetitions": 1, "depth": 1, "width": 4,
             "presets": { "quick": { "epochs": 10, "lbfgs": 0, "searchCandidates": 1, "searchRounds": 1 } } }""" name body)

/// A finished-looking record of every run of the experiments, so that reproduce trains nothing.
let private recordsOf (root: string) =
    Sweep.discover (Path.Combine(root, "experiments"))
    |> List.collect (fun f -> Sweep.expand (Sweep.load f "quick"))
    |> List.map (fun c ->
        { record id with
            Key = c.Key
            Experiment = c.Experiment
            Problem = (if c.Corrupted >= 0 then "CORR" else c.Problem)
            Corrupted = c.Corrupted
            Model = RunModel.modelName c.Model
            Lf = RunModel.lfName c.Model
            NormalizedMse =
                (match c.Model with
                 | RunModel.Network(_, NetworkModel.SingleFidelity) -> 1e-1
                 | _ -> 1e-3 * float (c.Corrupted + 2)) })

[<Tests>]
let tests =
    testList "Reproduce rendering" [
        test "reproduce --only one experiment renders the ledger and figures of all of them" {
            let root = CliTests.tempDir ()
            try
                Directory.CreateDirectory(Path.Combine(root, "experiments")) |> ignore
                experiment root "one" "\"problems\": [\"K1\"]"
                experiment root "two" "\"problems\": [\"K2\"]"
                experiment root "corrupted" "\"problems\": [\"CORR\"], \"corrupted\": [0, 1]"
                let results = Path.Combine(root, "results", "quick.jsonl")
                for r in recordsOf root do
                    Store.append results r
                let code, out, err = CliTests.run [ "reproduce"; "--preset"; "quick"; "--root"; root; "--only"; "one"; "--jobs"; "1" ]
                Expect.equal code 0 (err + out)
                Expect.stringContains out "nothing to train" "every run already finished"
                Expect.isFalse (err.Contains "skipped corrupted-sources") (sprintf "the corrupted-sources records are used: %s" err)
                let ledger = File.ReadAllText(Path.Combine(root, "quick", "ledger.md"))
                for row in [ "| K1 | 8 |"; "| K2 | 8 |"; "| CORR-0 | 8 |"; "| CORR-1 | 8 |" ] do
                    Expect.stringContains ledger row (sprintf "%s from the whole results file" row)
                Expect.isTrue (File.Exists(Path.Combine(root, "quick", "corrupted-sources.png"))) "corrupted-sources figure"
                Expect.isTrue (File.Exists(Path.Combine(root, "quick", "gain-K2.png"))) "a figure of an experiment not selected"
            finally
                Directory.Delete(root, true)
        }
    ]
