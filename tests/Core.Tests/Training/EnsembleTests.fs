/// Many emulators at once: members with their own seed, learning rate, penalty and HF subset train as one batched
/// computation and end where each would end alone; the members' spread is the ensemble's uncertainty.
module EnsembleTests

open Expecto
open Emulators.Core
open TestUtil

let k1 = Problems.Forrester.k1
let mlp = MlpBlock { Depth = 3; Width = 16 }
let spec = { Correlation = mlp; Surrogate = mlp; Encoding = NoEncoding; Precision = Tensors.Float64 }
let hf =
    let x = Experiment.hfPoints k1 8 0
    { X = x; Y = Experiment.evaluate k1.Hf x }
let exact = k1.Sources |> List.map Exact
let grid = Sampling.grid 101 1

/// Adam only: the reference path for member-versus-alone equality (L-BFGS amplifies round-off; see the L-BFGS test).
let adamOnly epochs lr lambda =
    { TrainConfig.defaults with
        Schedule = { AdamEpochs = epochs; LearningRate = lr; LbfgsIterations = 0 }
        Lambda = lambda }

/// max |a - b| / max |b| over the points.
let relDiff (a: float[]) (b: float[]) =
    let num = Array.map2 (fun x y -> abs (x - y)) a b |> Array.max
    num / (b |> Array.map abs |> Array.max)

/// The HF data a member sees when its mask holds integer counts: each point repeated `count` times.
let subset (mask: float[]) (d: HfData) =
    let keep = [| for j in 0 .. d.X.Length - 1 do for _ in 1 .. int mask[j] -> j |]
    { X = keep |> Array.map (fun j -> d.X[j]); Y = keep |> Array.map (fun j -> d.Y[j]) }

[<Tests>]
let tests =
    testList "Ensemble" [
        test "members that share a seed share one surrogate pre-training, which equals the lone model's" {
            let lfX = Experiment.lfPoints k1.Sources.Head 100 0
            let learned = [ Learned("LF", Some k1.Sources.Head.Domain, lfX, Experiment.evaluate k1.Sources.Head.Eval lfX) ]
            let cfg = { adamOnly 200 1e-3 1e-3 with SurrogateSchedule = { AdamEpochs = 200; LearningRate = 1e-3; LbfgsIterations = 0 } }
            let seeds = [| 21; 22; 21; 21 |]
            let lambdas = [| 1e-3; 1e-3; 1e-1; 0.0 |]
            let ens = Fit.fit { cfg with MemberLambdas = Some lambdas } spec k1.Domain hf learned seeds
            let surrogate = ens.Emulator.Sources.Head.Surrogate.Value |> List.map (fun (n, t) -> n, t)
            for n, t in surrogate do
                let rows = Tensors.toArray t |> Array.chunkBySize (int (t.numel ()) / seeds.Length)
                Expect.equal rows[2] rows[0] (sprintf "%s: members 0 and 2 (seed 21) hold the same surrogate" n)
                Expect.equal rows[3] rows[0] (sprintf "%s: members 0 and 3 (seed 21) hold the same surrogate" n)
                Expect.notEqual rows[1] rows[0] (sprintf "%s: member 1 (seed 22) has its own" n)
            let members = Emulator.predictMembers ens.Emulator grid
            for e in 0 .. seeds.Length - 1 do
                let alone = Fit.fit { cfg with Lambda = lambdas[e] } spec k1.Domain hf learned [| seeds[e] |]
                Expect.isLessThan (relDiff members[e].Value (Emulator.predict alone.Emulator grid).Value) 1e-10 (sprintf "member %d vs alone" e)
        }
        test "each member of a mixed ensemble equals the same model trained alone" {
            let seeds = [| 11; 12; 13; 14 |]
            let lrs = [| 1e-3; 3e-3; 5e-4; 2e-3 |]
            let lambdas = [| 1e-3; 0.0; 1e-2; 1e-4 |]
            let masks =
                [| Array.create 10 1.0                                   // every point
                   [| 1.0; 1.0; 1.0; 1.0; 1.0; 1.0; 0.0; 0.0; 1.0; 1.0 |] // 8 of 10
                   Array.init 10 (fun j -> if j % 2 = 0 then 1.0 else 0.0) // every other point
                   [| 2.0; 0.0; 1.0; 1.0; 0.0; 1.0; 1.0; 0.0; 1.0; 1.0 |] |] // bootstrap-like counts
            let epochs = 300
            let cfg =
                { adamOnly epochs 1e-3 1e-3 with
                    MemberLearningRates = Some lrs
                    MemberLambdas = Some lambdas
                    MemberHfMask = Some masks }
            let ens = Fit.fit cfg spec k1.Domain hf exact seeds
            let together = Emulator.predictMembers ens.Emulator grid
            for e in 0 .. seeds.Length - 1 do
                let alone = Fit.fit (adamOnly epochs lrs[e] lambdas[e]) spec k1.Domain (subset masks[e] hf) exact [| seeds[e] |]
                let a = (Emulator.predict alone.Emulator grid).Value
                Expect.isLessThan (relDiff together[e].Value a) 1e-10 (sprintf "member %d vs alone" e)
                // the member moved away from its start, so the comparison means something
                Expect.isGreaterThan (relDiff together[e].Value (Emulator.predict (Emulator.create spec k1.Domain hf.Y exact [| seeds[e] |]) grid).Value) 1e-3 "trained"
        }
        test "with the L-BFGS polish too, each member equals the same model trained alone" {
            // Each member runs its own L-BFGS, in lockstep with the others (Lbfgs.minimizeMembers), so no member's
            // line search is steered by another's. (Members on an HF subset are left out: their weighted loss rounds differently
            // from a lone model's plain mean over the subset, and L-BFGS amplifies round-off; see the Adam-only test.)
            let seeds = [| 11; 12; 13 |]
            let lambdas = [| 1e-3; 0.0; 1e-2 |]
            let full lambda = { adamOnly 200 1e-3 lambda with Schedule = { AdamEpochs = 200; LearningRate = 1e-3; LbfgsIterations = 100 } }
            let ens = Fit.fit { full 1e-3 with MemberLambdas = Some lambdas } spec k1.Domain hf exact seeds
            let together = Emulator.predictMembers ens.Emulator grid
            let adamEnd =
                let fit = Fit.fit { adamOnly 200 1e-3 1e-3 with MemberLambdas = Some lambdas } spec k1.Domain hf exact seeds
                Emulator.predictMembers fit.Emulator grid
            for e in 0 .. seeds.Length - 1 do
                let alone = Fit.fit (full lambdas[e]) spec k1.Domain hf exact [| seeds[e] |]
                Expect.isLessThan (relDiff together[e].Value (Emulator.predict alone.Emulator grid).Value) 1e-10 (sprintf "member %d vs alone" e)
                // the polish moved the member beyond where Adam left it, so the comparison covers L-BFGS
                Expect.isGreaterThan (relDiff together[e].Value adamEnd[e].Value) 1e-4 (sprintf "member %d polished" e)
        }
        test "a mask that removes points equals training on the subset (single-fidelity network)" {
            let mask = [| 1.0; 0.0; 1.0; 1.0; 0.0; 1.0; 1.0; 0.0; 1.0; 1.0 |]
            let sfSpec = { spec with Correlation = MlpBlock { Depth = 2; Width = 8 } }
            let cfg = adamOnly 400 5e-3 1e-4
            let masked = Fit.fit { cfg with MemberHfMask = Some [| mask |] } sfSpec k1.Domain hf [] [| 5 |]
            let alone = Fit.fit cfg sfSpec k1.Domain (subset mask hf) [] [| 5 |]
            let a = (Emulator.predict masked.Emulator grid).Value
            let b = (Emulator.predict alone.Emulator grid).Value
            Expect.isLessThan (relDiff a b) 1e-10 "masked vs subset"
            Expect.equal masked.Emulator.OutputScale alone.Emulator.OutputScale "output standardization of the subset"
            // and the mask matters: training on all points gives another model
            let full = Fit.fit cfg sfSpec k1.Domain hf [] [| 5 |]
            Expect.isGreaterThan (relDiff (Emulator.predict full.Emulator grid).Value b) 1e-6 "all points differ"
        }
        test "per-member options of the wrong size or sign are rejected" {
            let fit cfg = Fit.fit cfg spec k1.Domain hf exact [| 1; 2 |]
            let cfg = adamOnly 1 1e-3 1e-3
            throwsUserError [ "learning rates"; "3 values for 2" ] (fun () -> fit { cfg with MemberLearningRates = Some [| 1e-3; 1e-3; 1e-3 |] })
            throwsUserError [ "learning rates"; "member 1" ] (fun () -> fit { cfg with MemberLearningRates = Some [| 1e-3; -1.0 |] })
            throwsUserError [ "lambda"; "member 0" ] (fun () -> fit { cfg with MemberLambdas = Some [| -1.0; 0.0 |] })
            throwsUserError [ "HF mask"; "row 1"; "9 weights"; "10 HF points" ] (fun () ->
                fit { cfg with MemberHfMask = Some [| Array.create 10 1.0; Array.create 9 1.0 |] })
            throwsUserError [ "HF mask"; "member 0 uses 1 HF points" ] (fun () ->
                fit { cfg with MemberHfMask = Some [| Array.init 10 (fun j -> if j = 0 then 1.0 else 0.0); Array.create 10 1.0 |] })
        }
        test "uncertainty: mean and sample std of the members' predictions" {
            let r = Fit.fit (adamOnly 200 1e-3 1e-3) spec k1.Domain hf exact [| 1; 2; 3; 4 |]
            let u = Uncertainty.predict r.Emulator grid
            let members = Emulator.predictMembers r.Emulator grid |> Array.map (fun p -> p.Value)
            Expect.equal u.Members members "members"
            for j in 0 .. grid.Length - 1 do
                let v = members |> Array.map (fun m -> m[j])
                let mean = Array.average v
                let sd = sqrt ((v |> Array.sumBy (fun y -> (y - mean) ** 2.0)) / 3.0)
                Expect.floatClose Accuracy.veryHigh u.Mean[j] mean "mean"
                Expect.floatClose Accuracy.veryHigh u.Std[j] sd "sample std"
            let one = Uncertainty.predict (Fit.fit (adamOnly 10 1e-3 1e-3) spec k1.Domain hf exact [| 1 |]).Emulator grid
            Expect.allEqual one.Std 0.0 "one member: no spread"
        }
        test "uncertainty: small spread where data pin the members, larger away from the data" {
            // single-fidelity ensemble on the left half only: the members agree there and disagree on the right
            let x = Array.init 9 (fun i -> [| 0.5 * float i / 8.0 |])
            let data = { X = x; Y = Experiment.evaluate k1.Hf x }
            let cfg =
                { TrainConfig.defaults with
                    Schedule = { AdamEpochs = 1000; LearningRate = 1e-2; LbfgsIterations = 300 }
                    Lambda = 0.0 }
            let r = Fit.fit cfg { spec with Correlation = MlpBlock { Depth = 2; Width = 16 } } k1.Domain data [] [| 1; 2; 3; 4; 5 |]
            let atData = (Uncertainty.predict r.Emulator x).Std |> Array.average
            let far = (Uncertainty.predict r.Emulator (Array.init 11 (fun i -> [| 0.8 + 0.02 * float i |]))).Std |> Array.average
            Expect.isLessThan atData (0.01 * far) (sprintf "spread at the data (%g) vs far from it (%g)" atData far)
        }
    ]
