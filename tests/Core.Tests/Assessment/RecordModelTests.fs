/// The typed model of a stored record: what the readers of results decide on, parsed from the record's strings.
module RecordModelTests

open System.IO
open Expecto
open Emulators.Core.Assessment

let private paperFigures = TestUtil.paperFigures

let private modelsByKey (preset: string) =
    TestUtil.presetRuns preset
    |> List.map (fun c -> c.Key, c.Model)
    |> Map.ofList

/// The five strings a record spells its model with.
let private spelling (r: RunRecord) = r.Architecture, r.Model, r.Encoding, r.Lf, r.Strategy

let private spellingOf (m: RunModel) =
    RunModel.architectureName m, RunModel.modelName m, RunModel.encodingName m, RunModel.lfName m, RunModel.strategyName m

[<Tests>]
let tests =
    testList "Record model" [
        for preset in [ "quick"; "paper" ] do
            test (sprintf "every record of results/%s.jsonl has the model of its run and spells it back" preset) {
                let models = modelsByKey preset
                let records = Store.read (Path.Combine(paperFigures, "results", preset + ".jsonl"))
                Expect.isNonEmpty records "the results file has records"
                for r in records do
                    let typed = RecordModel.ofRecord r
                    Expect.equal (Some typed) (models.TryFind r.Key) (sprintf "%s: the model of the run of the same key" r.Key)
                    Expect.equal (spellingOf typed) (spelling r) (sprintf "%s: the names written back" r.Key)
                let gps = records |> List.filter (fun r -> RunModel.isGp (RecordModel.ofRecord r)) |> List.length
                Expect.isTrue (gps > 0 && gps < records.Length) "the records hold networks and GPs alike"
            }
        test "a name no table knows is an error naming the record and the field" {
            let r = { AssessmentRecords.baseRecord with Key = "k1-run"; Encoding = "linear" }
            TestUtil.throwsUserError [ "k1-run"; "encoding"; "linear" ] (fun () -> RecordModel.ofRecord r)
            let gp = { AssessmentRecords.baseRecord with Key = "gp-run"; Architecture = "gp"; Model = "kriging"; Lf = "exact" }
            TestUtil.throwsUserError [ "gp-run"; "model"; "kriging" ] (fun () -> RecordModel.ofRecord gp)
        }
        test "a field that does not apply must be none" {
            let sf = { AssessmentRecords.baseRecord with Key = "sf-run"; Model = "sf"; Encoding = "none"; Lf = "exact" }
            TestUtil.throwsUserError [ "sf-run"; "lf"; "exact" ] (fun () -> RecordModel.ofRecord sf)
            let exact = { AssessmentRecords.baseRecord with Key = "exact-run"; Strategy = "freeze" }
            TestUtil.throwsUserError [ "exact-run"; "strategy"; "freeze" ] (fun () -> RecordModel.ofRecord exact)
        }
    ]
