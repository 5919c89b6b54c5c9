/// The paper's K1 case end to end: exact LF reaches machine precision, the SF baseline does not.
module K1Tests

open Expecto
open Emulators.Core

let mlp = MlpBlock { Depth = 3; Width = 16 }

let train lambda adam lbfgs =
    { TrainConfig.defaults with
        Schedule = { AdamEpochs = adam; LearningRate = 1e-3; LbfgsIterations = lbfgs }
        SurrogateSchedule = { AdamEpochs = adam; LearningRate = 1e-3; LbfgsIterations = lbfgs }
        Lambda = lambda }

let config lfMode strategy (t: TrainConfig) : Experiment.SingleRun =
    { Problem = Problems.Forrester.k1
      Spec = { Correlation = mlp; Surrogate = mlp; Encoding = NoEncoding; Precision = Tensors.Float64 }
      LfMode = lfMode
      NHf = 8
      Design = Experiment.SobolOffset
      Seed = 0
      Train = { t with Strategy = strategy }
      SfTrain = { t with Strategy = strategy } }

// Trained once, shared by the tests that inspect it.
let exactRun = lazy (Experiment.run (config Experiment.ExactLf PretrainFreeze (train 1e-3 2000 1500)))

[<Tests>]
let tests =
    testList "K1" [
        test "exact LF, MLP, N_H = 8 + 2 boundary points: normalized MSE <= 1e-20" {
            let r, _, _ = exactRun.Force()
            Expect.equal r.NHfTotal 10 "8 Sobol' points + 2 boundary points"
            Expect.isLessThanOrEqual r.Mf.NormalizedMse 1e-20 "MF normalized MSE"
        }
        test "the single-fidelity baseline is at least 2 orders of magnitude worse" {
            let r, _, _ = exactRun.Force()
            Expect.isGreaterThan r.Sf.NormalizedMse (100.0 * r.Mf.NormalizedMse) "SF vs MF"
            Expect.isGreaterThan r.Sf.NormalizedMse 1e-6 "SF error is far from machine precision"
        }
        test "the affine branch alone recovers y_H = 2 y_L - 20x + 20" {
            let _, mf, _ = exactRun.Force()
            let m = mf.Emulator
            let w = Tensors.toArray (Params.get "W" m.Linear.Value)
            let b = (Tensors.toArray (Params.get "b" m.Linear.Value))[0]
            let sH, mH = m.OutputScale.Scale[0], m.OutputScale.Shift[0]
            let lf = m.Sources.Head.OutputScale
            let sL, mL = lf.Scale[0], lf.Shift[0]
            // ŷ = sH (a1 (2x - 1) + a2 (y_L - mL)/sL + b) + mH: undo the scalings
            let coefYl = sH * w[1] / sL
            let coefX = 2.0 * sH * w[0]
            let constant = sH * (b - w[0] - w[1] * mL / sL) + mH
            Expect.floatClose { absolute = 1e-7; relative = 1e-7 } coefYl 2.0 "coefficient of y_L"
            Expect.floatClose { absolute = 1e-6; relative = 1e-7 } coefX -20.0 "coefficient of x"
            // F_nl's weights are penalised to zero but its biases are not: it collapses to a constant offset.
            let xs = Sampling.grid 101 1
            let p = Emulator.predict m xs
            let nlMin, nlMax = Array.min p.Nonlinear, Array.max p.Nonlinear
            Expect.isLessThan (nlMax - nlMin) 1e-8 "F_nl is constant"
            Expect.floatClose { absolute = 1e-6; relative = 1e-7 } (constant + nlMin) 20.0 "constant"
        }
        test "the prediction's branches: the affine branch is F_l(u) by hand, and F_nl zeroed leaves it alone" {
            let _, mf, _ = exactRun.Force()
            let m = mf.Emulator
            let xs = Sampling.grid 41 1
            let p = Emulator.predict m xs
            // F_l(u) = W u + b on u = [x scaled to [-1, 1]; y_L standardized], then the HF output scaling undone
            let w = Tensors.toArray (Params.get "W" m.Linear.Value)
            let b = (Tensors.toArray (Params.get "b" m.Linear.Value))[0]
            let lf = m.Sources.Head.OutputScale
            let yL = Experiment.evaluate Problems.Forrester.k1.Sources.Head.Eval xs
            for i, x in Array.indexed xs do
                let u0 = 2.0 * x[0] - 1.0
                let u1 = (yL[i] - lf.Shift[0]) / lf.Scale[0]
                let byHand = m.OutputScale.Scale[0] * (w[0] * u0 + w[1] * u1 + b) + m.OutputScale.Shift[0]
                Expect.floatClose { absolute = 1e-12; relative = 1e-12 } p.Linear[i] byHand (sprintf "linear branch at x = %g" x[0])
            // F_nl with every parameter zero outputs zero: the prediction is then the affine branch, unchanged
            let zeroed =
                use _ = TorchSharp.torch.no_grad ()
                { m with Nonlinear = m.Nonlinear |> List.map (fun (n, t) -> n, TorchSharp.torch.zeros_like t) }
            let q = Emulator.predict zeroed xs
            Expect.isTrue (q.Nonlinear |> Array.forall (fun v -> v = 0.0)) "no nonlinear part"
            Expect.equal q.Linear p.Linear "the affine branch is the same"
            Expect.equal q.Value q.Linear "the prediction is the affine branch"
            Expect.isFalse (p.Nonlinear |> Array.forall (fun v -> v = 0.0)) "the trained F_nl does contribute"
        }
        test "learned LF (200 Sobol' LF points), pre-train and freeze: normalized MSE <= 1e-5" {
            let r, _, _ = Experiment.run (config Experiment.LearnedLf PretrainFreeze (train 1e-3 2000 1500))
            Expect.isLessThanOrEqual r.Mf.NormalizedMse 1e-5 "MF normalized MSE with a learned LF surrogate"
            Expect.isGreaterThan r.Sf.NormalizedMse (10.0 * r.Mf.NormalizedMse) "still well ahead of SF"
        }
        test "same seed and thread count give the same numbers" {
            let t = train 1e-3 200 20
            let a, _, _ = Experiment.run (config Experiment.ExactLf PretrainFreeze t)
            let b, _, _ = Experiment.run (config Experiment.ExactLf PretrainFreeze t)
            Expect.equal a.Mf b.Mf "MF errors identical"
            Expect.equal a.Sf b.Sf "SF errors identical"
        }
    ]
