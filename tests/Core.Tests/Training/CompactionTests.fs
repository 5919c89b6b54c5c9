/// L-BFGS drops the members that have stopped from its batch (RunHooks.CompactLbfgs): the trained ensemble must be the
/// one the full batch gives, bit for bit, and the batch must actually have shrunk.
module CompactionTests

open Expecto
open Emulators.Core

let private k1 = Problems.Catalogue.find "K1"

/// Every parameter of the ensemble, by name, as numbers.
let private values (m: Emulator) = Emulator.parameters m |> List.map (fun (n, t) -> n, Tensors.toArray t)

/// Member e's own data: HF points and LF sources of repetition reps[e].
let private memberData (lf: Experiment.LfMode) (reps: int[]) =
    reps |> Array.map (fun rep ->
        let x = Experiment.hfPoints k1 8 rep
        { Hf = { X = x; Y = Experiment.evaluate k1.Hf x }; Sources = Experiment.sources k1 lf rep; Surrogates = None })

/// Member e's own data on `nh` HF points (two more on the boundary) and learned sources on only `nl` LF points
/// each, few enough for a small network to fit exactly, so that some members reach the gradient tolerance (and
/// stop) long before others.
let private fewPoints (nh: int) (nl: int) (reps: int[]) =
    reps |> Array.map (fun rep ->
        let x = Experiment.hfPoints k1 nh rep
        let sources = k1.Sources |> List.map (fun s -> let x = Experiment.lfPoints s nl rep in Learned(s.Name, Some s.Domain, x, Experiment.evaluate s.Eval x))
        { Hf = { X = x; Y = Experiment.evaluate k1.Hf x }; Sources = sources; Surrogates = None })

/// The fit with and without compaction, and the L-BFGS outcomes of the compacting one.
let private bothWays (cfg: TrainConfig) (spec: EmulatorSpec) (data: MemberData[]) (seeds: int[]) =
    let full = Fit.fitMembersWith { RunHooks.defaults with CompactLbfgs = false } cfg spec k1.Domain data seeds
    let outcomes = ResizeArray<Lbfgs.Result>()
    let compacted = Fit.fitMembersWith { RunHooks.defaults with OnLbfgs = Some outcomes.Add } cfg spec k1.Domain data seeds
    full, compacted, List.ofSeq outcomes

let private schedule adam lbfgs = { AdamEpochs = adam; LearningRate = 3e-3; LbfgsIterations = lbfgs }

/// A KAN 1×3 (F_nl and surrogates) with `encoding`.
let private kan encoding = { Correlation = Block.ofName "kan" 1 3; Surrogate = Block.ofName "kan" 1 3; Encoding = encoding; Precision = Tensors.Float64 }

/// End to end without penalties (so that members can fit their few points exactly), one learning rate per member.
let private endToEnd (lrs: float[]) =
    { TrainConfig.defaults with
        Schedule = schedule 300 400
        Strategy = EndToEnd
        Lambda = 0.0
        EncoderLambda = 0.0
        MemberLearningRates = Some lrs }

[<Tests>]
let tests =
    testList "L-BFGS compaction" [
        test "dropping stopped members changes no number: MLP, SIREN and KAN; exact, frozen and end-to-end LF; encoders" {
            let cases =
                [ "MLP, exact LF, members with their own learning rate, λ and HF subset",
                  { Correlation = Block.ofName "mlp" 2 8; Surrogate = Block.ofName "mlp" 2 8; Encoding = NoEncoding; Precision = Tensors.Float64 },
                  { TrainConfig.defaults with
                      Schedule = schedule 150 150
                      MemberLearningRates = Some [| 1e-2; 3e-3; 1e-3; 3e-4; 1e-2 |]
                      MemberLambdas = Some [| 0.0; 1e-4; 1e-3; 0.0; 1e-2 |]
                      MemberHfMask = Some (Array.init 5 (fun e -> Array.init 10 (fun j -> if (j + e) % 5 = 0 then 0.0 else 1.0))) },
                  memberData Experiment.ExactLf [| 0; 0; 0; 0; 0 |], 1
                  "KAN, affine encoders, learned LF end to end, members on their own repetitions",
                  kan AffineEncoding,
                  endToEnd [| 1e-2; 1e-3; 3e-3; 3e-4 |],
                  fewPoints 6 8 [| 0; 1; 2; 3 |], 2
                  "SIREN, nonlinear encoders, frozen pre-trained LF surrogates",
                  { Correlation = Block.ofName "siren" 1 8; Surrogate = Block.ofName "mlp" 1 8; Encoding = NonlinearEncoding(Block.ofName "mlp" 1 4); Precision = Tensors.Float64 },
                  { TrainConfig.defaults with
                      Schedule = schedule 60 300
                      SurrogateSchedule = schedule 100 0
                      Strategy = PretrainFreeze
                      Lambda = 0.0
                      EncoderLambda = 1e-2
                      MemberLearningRates = Some [| 1e-3; 1e-2; 3e-4; 3e-3 |] },
                  fewPoints 6 8 [| 1; 1; 2; 2 |], 1
                  // 10 HF points: the KAN's sigmoid needs batches of 8 (Fit.rowMultiple), so 16 members shrink to 8
                  "KAN on 10 HF points, learned LF end to end, 16 members",
                  kan NoEncoding,
                  endToEnd (Array.init 16 (fun e -> 3e-4 * (30.0 ** (float e / 15.0)))),
                  fewPoints 8 4 (Array.init 16 (fun e -> e % 4)), 8 ]
            for name, spec, cfg, data, multiple in cases do
                let seeds = Array.init data.Length (fun e -> 40 + e)
                let full, compacted, outcomes = bothWays cfg spec data seeds
                Expect.equal (values compacted.Emulator) (values full.Emulator) (sprintf "%s: every parameter, bit for bit" name)
                Expect.equal (compacted.Stages |> List.map (fun s -> s.FinalLoss, s.LbfgsIterations, s.LbfgsStop))
                             (full.Stages |> List.map (fun s -> s.FinalLoss, s.LbfgsIterations, s.LbfgsStop)) (sprintf "%s: every stage's end" name)
                // the claim is about a batch that shrank: members stopped at different iterations and were dropped
                let polish = List.last outcomes
                let iterations = polish.Members |> Array.map (fun o -> o.Iterations)
                Expect.isGreaterThan (Array.max iterations) (Array.min iterations) (sprintf "%s: members stop at different iterations (%A)" name iterations)
                Expect.isLessThan polish.RowEvaluations (polish.BatchEvaluations * data.Length)
                    (sprintf "%s: the batch shrank (%d rows over %d batched evaluations of %d members)" name polish.RowEvaluations polish.BatchEvaluations data.Length)
                Expect.equal (polish.RowEvaluations % multiple) 0 (sprintf "%s: batches of a multiple of %d members" name multiple)
        }
    ]
