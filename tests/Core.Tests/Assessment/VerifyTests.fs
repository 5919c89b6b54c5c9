/// Rerunning finished records (Verify): the draw, the comparison, and a real rerun.
module VerifyTests

open Expecto
open Emulators.Core
open Emulators.Core.Assessment

let private budget = { Sweep.defaultBudget with AdamEpochs = 80; LbfgsIterations = 5; SearchCandidates = 2; SearchRounds = 1; Depth = 1; Width = 5 }

let private config (nh: int) (rep: int) : Sweep.RunConfig =
    { Experiment = "verify-test"; Problem = "K1"; Corrupted = -1; Model = RunModels.mf Architecture.Mlp EncodingKind.None NetworkLf.Exact
      Nh = nh; Rep = rep; Design = Experiment.SobolOffset; Budget = budget }

[<Tests>]
let tests =
    testList "Verify" [
        test "a record rerun with its group reproduces bit for bit, and a changed field is named" {
            let configs = [ for nh in [ 8; 10 ] do for rep in 0 .. 1 -> config nh rep ]
            let records = Runner.runGroupWith (SurrogateCache.create ()) [ config 10 0; config 10 1 ]
            let o = Verify.rerun Runner.defaultExecution configs records[1]
            Expect.isEmpty o.Differences "repetition 1, trained in its group of two and again with it: the same record, timing aside"
            let tampered = { records[1] with NormalizedMse = records[1].NormalizedMse * (1.0 + 1e-15); Seconds = 1e6 }
            Expect.equal (Verify.differences records[1] tampered) [ "normalizedMse" ] "the last-bit change is found, the time is not a difference"
            TestUtil.throwsUserError [ "no run of the experiments has the key" ] (fun () ->
                Verify.rerun Runner.defaultExecution configs { records[1] with Key = "nothing" } |> ignore)
        }
        test "the draw is repeatable by its seed, without repeats, among known and affordable records only" {
            let configs = [ for nh in 8 .. 20 do for rep in 0 .. 3 -> config nh rep ]
            let record (c: Sweep.RunConfig) (seconds: float) : RunRecord =
                { Key = c.Key; Experiment = c.Experiment; Problem = c.Problem; Architecture = "mlp"; Depth = 1; Width = 5
                  Model = "mf"; Encoding = "none"; Lf = "exact"; Strategy = "none"; Nh = c.Nh; NhTotal = c.Nh + 2; Rep = c.Rep
                  Corrupted = -1; Design = "sobol"; NormalizedMse = 1e-3; Rmse = 1e-2; MaxError = 1e-1; LearningRate = 1e-3; Lambda = 0.0
                  SearchCandidates = 2; ValidationNormalizedMse = 1e-3; Seconds = seconds; LibraryVersion = "test"; FinishedUtc = ""
                  Example = None }
            let records =
                (configs |> List.mapi (fun i c -> record c (float (i % 10) * 100.0)))
                @ [ { record (config 8 0) 1.0 with Key = "an old key no experiment has" } ]
            let a = Verify.sample 7 5 450.0 configs records
            Expect.equal (a |> List.map (fun r -> r.Key)) (Verify.sample 7 5 450.0 configs records |> List.map (fun r -> r.Key)) "same seed, same draw"
            Expect.equal a.Length 5 "five drawn"
            Expect.equal (a |> List.distinctBy (fun r -> r.Key)).Length 5 "no record twice"
            Expect.isTrue (a |> List.forall (fun r -> r.Seconds <= 450.0)) "only records of at most --max-seconds"
            Expect.isFalse (a |> List.exists (fun r -> r.Key = "an old key no experiment has")) "only records of known runs"
            Expect.notEqual (a |> List.map (fun r -> r.Key)) (Verify.sample 8 5 450.0 configs records |> List.map (fun r -> r.Key)) "another seed, another draw"
            Expect.equal (Verify.sample 1 1000 450.0 configs records).Length (records |> List.filter (fun r -> r.Seconds <= 450.0 && r.Key <> "an old key no experiment has")).Length "asking for more gives all"
        }
    ]
