/// The assessment machinery: results store, experiment expansion, hyperparameter search.
module AssessmentTests

open System.IO
open Expecto
open Emulators.Core
open Emulators.Core.Assessment

let record key : RunRecord =
    { Key = key; Experiment = "e"; Problem = "K1"; Architecture = "mlp"; Depth = 3; Width = 16; Model = "mf"
      Encoding = "none"; Lf = "exact"; Strategy = "none"; Nh = 8; NhTotal = 10; Rep = 0; Corrupted = -1; Design = "sobol"
      NormalizedMse = 1e-20; Rmse = 1e-9; MaxError = 1e-9; LearningRate = 1e-3; Lambda = 1e-3; SearchCandidates = 2
      ValidationNormalizedMse = 1e-20; Seconds = 1.0; LibraryVersion = "x"; FinishedUtc = "t"; Example = None }

let tempFile () = Path.Combine(Path.GetTempPath(), "emulators-" + System.Guid.NewGuid().ToString("N") + ".jsonl")

[<Tests>]
let tests =
    testList "Assessment" [
        test "records survive a round trip through the results file" {
            let path = tempFile ()
            let r = { record "a" with Example = Some { X = [| 0.0; 1.0 |]; Truth = [| 1.0; 2.0 |]; Prediction = [| 1.0; 2.5 |]; HfX = [| 0.5 |]; HfY = [| 1.5 |] } }
            Store.append path r
            Store.append path (record "b")
            let back = Store.read path
            Expect.equal (back |> List.map (fun r -> r.Key)) [ "a"; "b" ] "keys in order"
            Expect.equal back.Head r "record a unchanged"
        }
        test "a torn last line (crash mid-write) is ignored and repaired by the next append" {
            let path = tempFile ()
            Store.append path (record "a")
            File.AppendAllText(path, (RunRecord.toJson (record "b")).Substring(0, 30))
            Expect.equal (Store.read path |> List.map (fun r -> r.Key)) [ "a" ] "torn line ignored"
            Store.append path (record "c")
            Expect.equal (Store.read path |> List.map (fun r -> r.Key)) [ "a"; "c" ] "next record on its own line"
            Expect.equal (File.ReadAllLines path).Length 2 "no torn fragment left"
        }
        test "merge joins shards without duplicates" {
            let a, b, out = tempFile (), tempFile (), tempFile ()
            Store.append a (record "x")
            Store.append a (record "y")
            Store.append b (record "y")
            Store.append b (record "z")
            Expect.equal (Store.merge [ a; b ] out) 3 "three distinct records"
        }
        test "shards partition the configurations" {
            let keys = [ for i in 1 .. 200 -> sprintf "key-%d" i ]
            let shards = keys |> List.map (Store.shardOf 4)
            Expect.isTrue (shards |> List.forall (fun s -> s >= 1 && s <= 4)) "in range"
            Expect.equal (shards |> List.distinct |> List.sort) [ 1; 2; 3; 4 ] "every shard used"
            Expect.equal (keys |> List.map (Store.shardOf 4)) shards "stable"
            TestUtil.throwsUserError [ "--shard '5/4'" ] (fun () -> Store.parseShard "5/4")
        }
        test "an experiment expands to distinct runs, with one SF baseline per arch, N_H and repetition" {
            let path = Path.Combine(Path.GetTempPath(), System.Guid.NewGuid().ToString("N") + ".json")
            File.WriteAllText(path, """{ "name": "t", "problems": ["K1"], "architectures": ["mlp"],
                "encodings": ["none", "affine"], "lf": ["exact", "learned"], "strategies": ["freeze", "end-to-end"],
                "nh": [8, 16], "repetitions": 2, "presets": { "quick": { "nh": [8] } } }""")
            let e = Sweep.load path "quick"
            let runs = Sweep.expand e
            // per (nh, rep): 2 encodings × (exact + 2 learned strategies) MF runs + 1 SF
            Expect.equal runs.Length (1 * 2 * (2 * 3 + 1)) "run count"
            Expect.equal (runs |> List.filter (fun r -> r.Model = RunModel.Network(Architecture.Mlp, NetworkModel.SingleFidelity))).Length 2 "SF per repetition"
            Expect.equal (runs |> List.distinctBy (fun r -> r.Key)).Length runs.Length "keys distinct"
            TestUtil.throwsUserError [ "no preset 'huge'" ] (fun () -> Sweep.load path "huge")
        }
        test "an experiment's HF design: default sobol with unchanged keys, a preset can choose scrambled" {
            let path = Path.Combine(Path.GetTempPath(), System.Guid.NewGuid().ToString("N") + ".json")
            File.WriteAllText(path, """{ "name": "t", "problems": ["K3"], "nh": [8], "repetitions": 1,
                "presets": { "quick": {}, "scrambled": { "design": "scrambled" }, "bad": { "design": "halton" } } }""")
            let plain = Sweep.expand (Sweep.load path "quick")
            Expect.isTrue (plain |> List.forall (fun r -> r.Design = Experiment.SobolOffset)) "default design"
            Expect.isTrue (plain |> List.forall (fun r -> r.Key.EndsWith "c16x2")) "keys of the paper's design end as before"
            let scrambled = Sweep.expand (Sweep.load path "scrambled")
            Expect.isTrue (scrambled |> List.forall (fun r -> r.Design = Experiment.ScrambledSobol && r.Key.EndsWith "|scrambled")) "scrambled runs"
            Expect.equal (List.map (fun (r: Sweep.RunConfig) -> r.Key + "|scrambled") plain) (scrambled |> List.map (fun r -> r.Key)) "same runs, own keys"
            TestUtil.throwsUserError [ Path.GetFileName path; "unknown HF design 'halton'" ] (fun () -> Sweep.load path "bad")
            let line = (RunRecord.toJson (record "k")).Replace("\"design\":\"sobol\",", "")
            Expect.isFalse (line.Contains "design") "a record written before the option"
            Expect.isNull (RunRecord.tryParse line).Value.Design "reads with no design"
        }
        test "an experiment file with a misspelled name or key is refused before anything trains" {
            let path = Path.Combine(Path.GetTempPath(), System.Guid.NewGuid().ToString("N") + ".json")
            let refused (json: string) (expected: string list) =
                File.WriteAllText(path, json)
                TestUtil.throwsUserError (Path.GetFileName path :: expected) (fun () -> Sweep.load path "quick" |> ignore)
            // "Learned" used to train exact LF while the figures plotted it as learned
            refused """{ "name": "t", "problems": ["K1"], "lf": ["Learned"], "presets": { "quick": {} } }"""
                [ "\"lf\""; "unknown LF mode 'Learned'"; "exact, learned" ]
            refused """{ "name": "t", "problems": ["K1"], "presets": { "quick": { "architectures": ["mlp", "kna"] } } }"""
                [ "\"architectures\" (preset 'quick')"; "'kna'"; "mlp, siren, kan" ]
            refused """{ "name": "t", "problems": ["K1"], "lf": ["learned"], "strategies": ["end-2-end"], "presets": { "quick": {} } }"""
                [ "\"strategies\""; "'end-2-end'"; "freeze, end-to-end" ]
            refused """{ "name": "t", "problems": ["K1"], "encodings": ["afine"], "presets": { "quick": {} } }"""
                [ "\"encodings\""; "'afine'"; "none, affine, nonlinear" ]
            refused """{ "name": "t", "problems": ["K9"], "presets": { "quick": {} } }""" [ "\"problems\""; "unknown problem 'K9'" ]
            refused """{ "name": "t", "problems": ["K1"], "strategy": ["end-to-end"], "presets": { "quick": {} } }"""
                [ "unknown key \"strategy\""; "strategies" ]
            refused """{ "name": "t", "problems": ["K1"], "presets": { "quick": { "epochs": "many" } } }""" [ "\"epochs\""; "whole number" ]
        }
        test "an experiment's runs hold the tables' canonical names" {
            let path = Path.Combine(Path.GetTempPath(), System.Guid.NewGuid().ToString("N") + ".json")
            File.WriteAllText(path, """{ "name": "t", "problems": ["k1"], "architectures": ["kan"], "encodings": ["linear"],
                "lf": ["learnable"], "strategies": ["e2e"], "nh": [8], "repetitions": 1, "presets": { "quick": {} } }""")
            let runs = Sweep.expand (Sweep.load path "quick")
            let mf = runs |> List.find (fun r -> RunModel.modelName r.Model = "mf")
            Expect.equal (mf.Problem, mf.Model) ("K1", RunModels.mf Architecture.Kan EncodingKind.Affine (NetworkLf.Learned EndToEnd)) "aliases parsed"
            let prefix = sprintf "t|K1|-1|kan|%dx%d|mf|affine|learned|end-to-end|8|0|" mf.Budget.Depth mf.Budget.Width
            Expect.isTrue (mf.Key.StartsWith prefix) (sprintf "the key spells the canonical names (%s)" mf.Key)
        }
        test "the search improves on its first round and stays in the paper's space" {
            // validation error minimal at lr = 1e-4, λ = 1e-3
            let f (c: Search.Candidate) = (log10 c.LearningRate + 4.0) ** 2.0 + (if c.Lambda = 1e-3 then 0.0 else 1.0)
            let outcomes =
                [ for seed in 0 .. 9 ->
                      let (best, err, _), history = Search.run seed 8 3 (fun cs -> cs |> Array.map (fun c -> f c, ()))
                      Expect.equal history.Length 24 "3 rounds of 8"
                      Expect.equal best.Lambda 1e-3 "best λ"
                      Expect.floatClose Accuracy.veryHigh err (f best) "reported error"
                      for c, _ in history do
                          Expect.isTrue (c.LearningRate >= 1e-5 && c.LearningRate <= 1e-3) "lr in [1e-5, 1e-3]"
                          Expect.contains Search.lambdas c.Lambda "λ from the grid"
                      let firstRound = history |> List.take 8 |> List.map snd |> List.min
                      firstRound, err ]
            let median xs = (List.sort xs)[List.length xs / 2]
            let before, after = median (List.map fst outcomes), median (List.map snd outcomes)
            Expect.isLessThan after (0.5 * before) "later rounds at least halve the median best error"
            Expect.isLessThan after 0.1 "median best within about 0.3 decades of the optimal learning rate"
        }
        test "every experiment definition in paper-figures loads for both presets" {
            let dir = Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "..", "paper-figures", "experiments")
            for f in Sweep.discover dir do
                for preset in [ "quick"; "paper" ] do
                    let e = Sweep.load f preset
                    Expect.isNonEmpty e.Problems (sprintf "%s problems" f)
        }
    ]
