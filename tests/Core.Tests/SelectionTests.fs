/// Automatic model selection on users' data: never knowingly worse than single fidelity, and it finds a good LF.
module SelectionTests

open Expecto
open Emulators.Core

let private k1 = Problems.Forrester.k1
let private hfX = Experiment.hfPoints k1 8 0
let private hf = { X = hfX; Y = Experiment.evaluate k1.Hf hfX }
let private lfX = Experiment.lfPoints k1.Sources.Head 200 0
let private testX = Experiment.testPoints k1
let private testY = Experiment.evaluate k1.Hf testX

let private testError (t: Workflow.Trained) = (Workflow.score t.Emulator testX testY).NormalizedMse

let private train (o: ModelOptions) sources =
    UserModel.train o None hf None None sources None System.Threading.CancellationToken.None

/// The single-fidelity model a user would train without selection: the library's fixed defaults, HF data only.
let private singleFidelity = lazy (train { ModelOptions.defaults with Selection = SelectionMode.Off } [])

let private source y = Workflow.FromData { Name = "LF"; X = lfX; Y = y; Domain = None; InputNames = None }

/// Selection on an informative LF source (the K1 LF model), shared by the tests that inspect it.
let private informative = lazy (train ModelOptions.defaults [ source (Experiment.evaluate k1.Sources.Head.Eval lfX) ])

[<Tests>]
let tests =
    testList "Model selection" [
        test "an unrelated LF source (independent noise): the selected model is at most 1.5x the SF error" {
            let rng = System.Random 42
            let noise = Array.init lfX.Length (fun _ -> rng.NextDouble() * 2.0 - 1.0)
            let selected = train ModelOptions.defaults [ source noise ]
            let sf = testError (singleFidelity.Force())
            let chosen = selected.Report.Value.Chosen
            Expect.isLessThanOrEqual (testError selected) (1.5 * sf) (sprintf "selected %s: %g vs SF %g" chosen.Structure (testError selected) sf)
        }
        test "a strongly informative LF source: the selected model is at least 10x below the SF error" {
            let selected = informative.Force()
            let sf = testError (singleFidelity.Force())
            let r = selected.Report.Value
            Expect.equal r.Chosen.Lf "learned" (sprintf "an MF candidate is chosen (got %s)" r.Chosen.Structure)
            Expect.isLessThanOrEqual (testError selected) (sf / 10.0) (sprintf "selected %g vs SF %g" (testError selected) sf)
        }
        test "the report lists every candidate with its CV error, SF included, and leave-one-out for 10 points" {
            let selected = informative.Force()
            let r = selected.Report.Value
            Expect.equal r.Method "leave-one-out" "10 HF points"
            Expect.equal r.Folds 10 "one fold per point"
            Expect.isTrue (r.Candidates |> List.exists (fun c -> c.Lf = "none")) "the SF model is a candidate"
            Expect.equal r.Chosen (List.minBy (fun c -> c.CvError) r.Candidates) "the chosen candidate has the lowest CV error"
            Expect.equal r.EstimatedError r.Chosen.CvError "estimate = chosen CV error"
            Expect.isTrue (r.Candidates |> List.forall (fun c -> c.CvSpread >= 0.0)) "spreads"
            // The CV ensembles hold one member per (fold, lr, λ); the refit holds only the members asked for.
            Expect.equal selected.Emulator.Members ModelOptions.defaults.Members "the refit has the requested members"
        }
        test "folds: leave-one-out up to 10 points, else 5 seeded folds covering every point once" {
            let k, f = Selection.folds 3 10
            Expect.equal k 10 "LOO"
            Expect.equal (Array.sort f) [| 0 .. 9 |] "each point its own fold"
            let k, f = Selection.folds 3 23
            Expect.equal k 5 "5-fold"
            Expect.equal (f |> Array.countBy id |> Array.map snd |> Array.sort) [| 4; 4; 5; 5; 5 |] (sprintf "balanced: %A" (f |> Array.countBy id))
            Expect.equal (Selection.folds 3 23) (k, f) "seeded"
        }
    ]
