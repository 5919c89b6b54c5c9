/// The repetitions of a configuration trained as one batched ensemble (Runner.runGroup), per-member data in
/// Fit.fitMembers, LF surrogates pre-trained once (SurrogateCache), and searches in lockstep (Search.runEach).
module RunGroupTests

open Expecto
open Emulators.Core
open Emulators.Core.Assessment

let private budget = { Sweep.defaultBudget with AdamEpochs = 120; LbfgsIterations = 8; SearchCandidates = 2; SearchRounds = 2; Depth = 1; Width = 6 }

let private configWith (encoding: EncodingKind) (problem: string) (lf: NetworkLf) (rep: int) : Sweep.RunConfig =
    { Experiment = "group-test"; Problem = problem; Corrupted = -1; Model = RunModels.mf Architecture.Mlp encoding lf
      Nh = 8; Rep = rep; Design = Experiment.SobolOffset; Budget = budget }

let private config = configWith EncodingKind.None

/// A record without what depends on the clock.
let private results (r: RunRecord) = { r with Seconds = 0.0; FinishedUtc = "" }

let private fitBudget = { TrainConfig.defaults with Schedule = { AdamEpochs = 150; LearningRate = 3e-3; LbfgsIterations = 0 }; SurrogateSchedule = { AdamEpochs = 150; LearningRate = 3e-3; LbfgsIterations = 0 } }

let private k1Data (rep: int) (lf: Experiment.LfMode) =
    let p = Problems.Catalogue.find "K1"
    let x = Experiment.hfPoints p 8 rep
    { Hf = { X = x; Y = Experiment.evaluate p.Hf x }; Sources = Experiment.sources p lf rep; Surrogates = None }

let private mlp = Block.ofName "mlp" 1 6
let private k1 = Problems.Catalogue.find "K1"
let private spec = { Correlation = mlp; Surrogate = mlp; Encoding = NoEncoding; Precision = Tensors.Float64 }

[<Tests>]
let tests =
    testList "RunGroup" [
        test "a repetition's record from a group of four equals, bit for bit, its record from a group of one" {
            for problem, lf in [ "K1", NetworkLf.Exact; "K1", NetworkLf.Learned EndToEnd ] do
                let group = Runner.runGroupWith (SurrogateCache.create ()) [ for r in 0 .. 3 -> config problem lf r ]
                let alone = Runner.runGroupWith (SurrogateCache.create ()) [ config problem lf 2 ]
                Expect.equal (group |> List.map (fun r -> r.Rep)) [ 0; 1; 2; 3 ] "records in the order of the configurations"
                Expect.equal (results group[2]) (results alone.Head) (sprintf "%s %A LF: rep 2 alone and in the group" problem lf)
                Expect.notEqual group[0].NormalizedMse group[1].NormalizedMse "repetitions train on their own data"
        }
        test "one search per configuration, on repetition 0: every repetition trains with the candidate it chose" {
            let group = Runner.runGroupWith (SurrogateCache.create ()) [ for r in 0 .. 2 -> config "K1" NetworkLf.Exact r ]
            let tuner = Runner.runGroupWith (SurrogateCache.create ()) [ config "K1" NetworkLf.Exact 0 ]
            Expect.equal (results group[0]) (results tuner.Head) "repetition 0's record is its search's, with or without the others"
            let search = Search.run (7919 * Search.tuningRep + 8) budget.SearchCandidates budget.SearchRounds (fun batch -> batch |> Array.map (fun _ -> 0.0, ()))
            for r in group do
                Expect.equal (r.LearningRate, r.Lambda) (tuner.Head.LearningRate, tuner.Head.Lambda) (sprintf "rep %d: the tuned candidate" r.Rep)
                Expect.equal r.SearchCandidates (snd search).Length (sprintf "rep %d: the configuration's search size" r.Rep)
            Expect.notEqual group[1].ValidationNormalizedMse group[0].ValidationNormalizedMse "each repetition is scored on its own validation draw"
        }
        test "surrogates are pre-trained once per repetition and source and reused, exactly, by other strategies and encodings" {
            let cache = SurrogateCache.create ()
            Runner.runGroupWith cache [ config "K1" (NetworkLf.Learned PretrainFreeze) 0; config "K1" (NetworkLf.Learned PretrainFreeze) 1 ] |> ignore
            Expect.equal (SurrogateCache.count cache) 2 "one surrogate per repetition (K1 has one source)"
            let warm = Runner.runGroupWith cache [ configWith EncodingKind.Affine "K1" (NetworkLf.Learned EndToEnd) 1 ]
            Expect.equal (SurrogateCache.count cache) 2 "end to end with an encoder reuses them"
            let cold = Runner.runGroupWith (SurrogateCache.create ()) [ configWith EncodingKind.Affine "K1" (NetworkLf.Learned EndToEnd) 1 ]
            Expect.equal (results warm.Head) (results cold.Head) "a cached surrogate gives what a fresh one gives"
        }
        test "a group holds one configuration's repetitions only" {
            TestUtil.throwsUserError [ "differ in more than the repetition" ] (fun () ->
                Runner.runGroup [ config "K1" NetworkLf.Exact 0; { config "K1" NetworkLf.Exact 1 with Nh = 16 } ])
            TestUtil.throwsUserError [ "repetition 1 twice" ] (fun () ->
                Runner.runGroup [ config "K1" NetworkLf.Exact 1; config "K1" NetworkLf.Exact 1 ])
            Expect.isEmpty (Runner.runGroup []) "an empty group has no records"
        }
        test "searches in lockstep propose and choose what each proposes and chooses alone" {
            let f shift (c: Search.Candidate) = (log10 c.LearningRate + shift) ** 2.0 + (if c.Lambda = 1e-5 then 0.0 else 0.5)
            let shifts = [| 3.5; 4.0; 4.5 |]
            let together =
                Search.runEach [ 11; 12; 13 ] 5 3 (fun batches -> batches |> Array.mapi (fun k b -> b |> Array.map (fun c -> f shifts[k] c, k)))
            for k in 0 .. 2 do
                let alone = Search.run (11 + k) 5 3 (fun b -> b |> Array.map (fun c -> f shifts[k] c, k))
                Expect.equal together[k] alone (sprintf "search %d" k)
        }
        test "fitMembers: each member trains on its own data as it would beside members with the same data" {
            for lf in [ Experiment.ExactLf; Experiment.LearnedLf ] do
                let a, b = k1Data 0 lf, k1Data 1 lf
                // seeds 6 and 7 on b: two surrogate pre-trainings, as in `both` (members sharing seed and data
                // would share one, and a batch of one rounds differently from a batch of two)
                let both = Fit.fitMembers fitBudget spec k1.Domain [| a; b |] [| 5; 6 |]
                let onlyB = Fit.fitMembers fitBudget spec k1.Domain [| b; b |] [| 6; 7 |]
                let x = Sampling.grid 50 1
                let pBoth = Emulator.predictMembers both.Emulator x
                let pB = Emulator.predictMembers onlyB.Emulator x
                Expect.equal pBoth[1].Value pB[0].Value (sprintf "%A: member on b's data" lf)
                Expect.notEqual pBoth[0].Value pBoth[1].Value "members on different data differ"
                // the plain fit on b alone: a batch of one. Bit for bit with exact LF; with learned LF its surrogate
                // pre-training (200 LF points) runs as a batch of one, whose matrix products round differently
                // (about 1e-16) from a batch of two: the reason Runner pre-trains every surrogate alone.
                if lf = Experiment.ExactLf then
                    let plain = Fit.fit fitBudget spec k1.Domain b.Hf b.Sources [| 6 |]
                    Expect.equal (Emulator.predict plain.Emulator x).Value pB[0].Value "exact LF: the plain fit"
        }
        test "fitMembers starts from pre-trained surrogates: frozen, they are kept exactly" {
            let d = k1Data 0 Experiment.LearnedLf
            let trained = Surrogates.pretrainAlone fitBudget mlp Tensors.Float64 5 d.Sources.Head
            let withT = { d with Surrogates = Some [ trained ] }
            let fit = Fit.fitMembers fitBudget spec k1.Domain [| withT; withT |] [| 5; 7 |]
            let surrogate = fit.Emulator.Sources.Head.Surrogate.Value
            for n, t in trained.Params do
                let s = Params.get n surrogate
                Expect.equal (Tensors.toArray (s.narrow(0L, 1L, 1L))) (Tensors.toArray t) (sprintf "%s unchanged and shared" n)
            Expect.equal (fit.Stages |> List.map (fun s -> s.Stage)) [ "surrogate 0 (pre-trained)"; "correlation" ] "no surrogate training in the fit"
        }
        test "fitMembers rejects data that members cannot share a network over" {
            let a = k1Data 0 Experiment.ExactLf
            let p = Problems.Catalogue.find "K1"
            let x16 = Experiment.hfPoints p 16 0
            let bigger = { a with Hf = { X = x16; Y = Experiment.evaluate p.Hf x16 } }
            TestUtil.throwsUserError [ "member 1 has 18 HF points but member 0 has 10" ] (fun () ->
                Fit.fitMembers fitBudget spec p.Domain [| a; bigger |] [| 1; 2 |])
            TestUtil.throwsUserError [ "not the same kind of source" ] (fun () ->
                Fit.fitMembers fitBudget spec p.Domain [| a; k1Data 0 Experiment.LearnedLf |] [| 1; 2 |])
            TestUtil.throwsUserError [ "2 data sets for 3 ensemble members" ] (fun () ->
                Fit.fitMembers fitBudget spec p.Domain [| a; a |] [| 1; 2; 3 |])
            TestUtil.throwsUserError [ "either every member or none" ] (fun () ->
                let l = k1Data 0 Experiment.LearnedLf
                let t = Surrogates.pretrainAlone { fitBudget with SurrogateSchedule = { fitBudget.SurrogateSchedule with AdamEpochs = 1 } } mlp Tensors.Float64 1 l.Sources.Head
                Fit.fitMembers fitBudget spec p.Domain [| { l with Surrogates = Some [ t ] }; l |] [| 1; 2 |])
            TestUtil.throwsUserError [ "predict: 1 point sets for 2 members" ] (fun () ->
                let fit = Fit.fitMembers { fitBudget with Schedule = { fitBudget.Schedule with AdamEpochs = 1 } } spec p.Domain [| a; a |] [| 1; 2 |]
                Emulator.predictEach fit.Emulator [| a.Hf.X |])
        }
    ]
