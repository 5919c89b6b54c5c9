/// The Gaussian-process baselines of the assessment: GP experiments read and expanded by Sweep, GP runs trained by
/// the runner (Assessment.GpRuns), and the table that sets them against the best network (GpComparison).
module GpBaselineTests

open System.IO
open Expecto
open Emulators.Core
open Emulators.Core.Assessment
open Emulators.Core.Assessment.Aggregate
open AssessmentRecords

let private experimentFile (json: string) =
    let path = Path.Combine(Path.GetTempPath(), System.Guid.NewGuid().ToString("N") + ".json")
    File.WriteAllText(path, json)
    path

let private gpRecord problem model lf nh e =
    record (fun r ->
        { r with
            Experiment = "gp-baselines"; Problem = problem; Architecture = RunModel.GpArchitecture; Depth = 0; Width = 0
            Model = model; Lf = lf; Nh = nh; NormalizedMse = e; LearningRate = 0.0; Lambda = 0.0 })

let private netRecord problem arch nh e =
    record (fun r -> { r with Problem = problem; Architecture = arch; Nh = nh; NormalizedMse = e })

[<Tests>]
let tests =
    testList "GP baselines" [
        test "a GP experiment expands to one run per problem, model, LF mode, N_H and repetition; the SF GP has no LF" {
            let path =
                experimentFile """{ "name": "g", "problems": ["K1", "2DU"], "gpModels": ["gp", "ar1", "nargp"],
                    "lf": ["exact", "learned"], "repetitions": 2, "presets": { "quick": { "repetitions": 1 } } }"""
            let runs = Sweep.expand (Sweep.load path "quick")
            // per problem: 3 catalogue N_H × 1 repetition × (gp + 2 MF models × 2 LF modes)
            Expect.equal runs.Length (2 * 3 * 1 * 5) "run count"
            Expect.isTrue (runs |> List.forall Sweep.isGp) "every run is a GP run"
            let sfGp = runs |> List.filter (fun r -> match r.Model with RunModel.GaussianProcess(Gp.SingleFidelity, _) -> true | _ -> false)
            Expect.equal (sfGp.Length, sfGp |> List.map (fun r -> RunModel.lfMode r.Model) |> List.distinct) (2 * 3, [ None ]) "SF GP: no LF"
            Expect.equal (runs |> List.filter (fun r -> r.Problem = "2DU") |> List.map (fun r -> r.Nh) |> List.distinct) [ 16; 32; 64 ] "catalogue sizes"
            Expect.equal (runs |> List.distinctBy (fun r -> r.Key)).Length runs.Length "keys distinct"
        }
        test "a GP experiment rejects unknown GP names and the networks' axes, naming the file and the key" {
            let typo = experimentFile """{ "name": "g", "problems": ["K1"], "gpModels": ["ar2"], "presets": { "quick": {} } }"""
            TestUtil.throwsUserError [ Path.GetFileName typo; "gpModels"; "unknown GP model 'ar2'"; "gp, ar1, nargp" ] (fun () -> Sweep.load typo "quick")
            let mixed =
                experimentFile """{ "name": "g", "problems": ["K1"], "gpModels": ["ar1"], "presets": { "quick": { "epochs": 10 } } }"""
            TestUtil.throwsUserError [ Path.GetFileName mixed; "\"epochs\""; "preset 'quick'"; "trains no network" ] (fun () -> Sweep.load mixed "quick")
            let arch = experimentFile """{ "name": "g", "problems": ["K1"], "gpModels": ["ar1"], "architectures": ["kan"], "presets": { "quick": {} } }"""
            TestUtil.throwsUserError [ "\"architectures\"" ] (fun () -> Sweep.load arch "quick")
        }
        test "AR1 with the exact Forrester LF recovers K1 from 10 HF points (≤ 1e-8), as a runner record" {
            let path = experimentFile """{ "name": "g", "problems": ["K1"], "gpModels": ["ar1"], "nh": [8], "repetitions": 1, "presets": { "quick": {} } }"""
            let c = Sweep.expand (Sweep.load path "quick") |> List.exactlyOne
            let r = Runner.runOne c
            Expect.isLessThanOrEqual r.NormalizedMse 1e-8 "K1 AR1 test error"
            Expect.equal (r.Architecture, r.Model, r.Lf, r.NhTotal) ("gp", "ar1", "exact", 10) "record fields"
            Expect.equal (r.LearningRate, r.Lambda, r.SearchCandidates) (0.0, 0.0, 2) "no search: both kernels fitted"
            Expect.isTrue (System.Double.IsFinite r.ValidationNormalizedMse) "validation error recorded"
            Expect.isSome r.Example "1-D example kept for the figures"
            // deterministic: the same run again gives the same numbers, bit for bit
            let again = Runner.runOne c
            Expect.equal again.NormalizedMse r.NormalizedMse "rerun bitwise"
        }
        test "the GP comparison sets the best MF GP against the best network, per problem and N_H, in orders" {
            let rs =
                [ netRecord "K1" "mlp" 8 1e-6; netRecord "K1" "kan" 8 1e-8
                  record (fun r -> { r with Model = "sf"; Lf = "none"; Nh = 8; NormalizedMse = 1e-9 }) // an SF network never competes
                  gpRecord "K1" "ar1" "exact" 8 1e-10; gpRecord "K1" "nargp" "exact" 8 1e-9; gpRecord "K1" "gp" "none" 8 1e-12
                  netRecord "K3" "mlp" 16 1e-3; gpRecord "K3" "ar1" "exact" 16 1e-1
                  gpRecord "K4" "ar1" "exact" 8 1e-2 ] // no network on K4: no row
            let rows = GpComparison.rows (groups rs)
            Expect.equal (rows |> List.map (fun r -> r.Problem, r.Nh)) [ "K1", 8; "K3", 16 ] "rows where both exist"
            let k1 = rows.Head
            Expect.equal k1.Network.Key.Architecture "kan" "best network"
            Expect.equal k1.Gp.Value.Key.Model "ar1" "best MF GP (the SF GP is its own column)"
            Expect.equal k1.SfGp.Value.Stats.Median 1e-12 "SF GP"
            Expect.floatClose Accuracy.high (GpComparison.gpAdvantage k1).Value 2.0 "GP better by 2 orders"
            Expect.floatClose Accuracy.high (GpComparison.gpAdvantage rows[1]).Value -2.0 "network better by 2 orders"
            let md = GpComparison.toMarkdown rows
            Expect.stringContains md "GP by 2.0 orders" "winner column"
            Expect.stringContains md "network by 2.0 orders" "winner column"
        }
    ]
