module CoreTests

open Expecto
open TorchSharp
open Emulators.Core
open Emulators.Core.Tensors

let ctx seeds = InitContext.create Float64 seeds

[<Tests>]
let blocks =
    testList "Blocks" [
        test "MLP gradients match central finite differences" {
            let spec = MlpBlock { Depth = 2; Width = 5 }
            let p = Block.init spec (ctx [| 3 |]) 2 1
            let x = torch.rand([| 1L; 7L; 2L |], dtype = torch.ScalarType.Float64, generator = new torch.Generator(1UL)) * 2.0 - 1.0
            let err = TestUtil.gradientError p (fun () -> (Block.apply spec p x).sin()) 5 0
            Expect.isLessThan err 1e-6 "relative gradient error"
        }
        test "Affine block computes a^T u + b exactly" {
            let p = Affine.init (ctx [| 1 |]) 3 1
            let u = torch.tensor([| 1.0; 2.0; 3.0 |]).reshape(1L, 1L, 3L)
            let w = Tensors.toArray (Params.get "W" p)
            let b = Tensors.toArray (Params.get "b" p)
            let y = (Tensors.toArray (Affine.apply p u))[0]
            Expect.floatClose Accuracy.veryHigh y (w[0] + 2.0 * w[1] + 3.0 * w[2] + b[0]) "affine"
        }
        test "MLP uses Xavier-normal weights and zero biases" {
            let p = Mlp.init { Depth = 1; Width = 400 } (ctx [| 5 |]) 100 400
            let w = Tensors.toArray (Params.get "W0" p)
            let sd = sqrt (Array.averageBy (fun v -> v * v) w)
            Expect.floatClose { absolute = 0.0; relative = 0.02 } sd (sqrt (2.0 / 500.0)) "Glorot std"
            Expect.allEqual (Tensors.toArray (Params.get "b0" p)) 0.0 "zero biases"
        }
        test "ensemble member e starts where a lone model with its seed starts" {
            let spec = MlpBlock { Depth = 2; Width = 4 }
            let ens = Block.init spec (ctx [| 11; 12; 13 |]) 2 1
            let lone = Block.init spec (ctx [| 12 |]) 2 1
            for (_, te), (_, tl) in List.zip ens lone do
                let e = Tensors.toArray (te.select(0L, 1L))
                Expect.sequenceEqual e (Tensors.toArray tl) "member 1 = lone seed-12 model"
        }
    ]

[<Tests>]
let metrics =
    testList "Metrics" [
        test "normalized MSE of a known error" {
            // errors of 0.1 everywhere against a reference norm of 4 → 0.01 / 4
            let truth = Array.init 50 float
            let pred = truth |> Array.map (fun v -> v + 0.1)
            Expect.floatClose Accuracy.veryHigh (Metrics.normalizedMse 4.0 pred truth) 0.0025 "nmse"
            Expect.floatClose Accuracy.veryHigh (Metrics.rmse pred truth) 0.1 "rmse"
            Expect.floatClose Accuracy.veryHigh (Metrics.maxError pred truth) 0.1 "max"
        }
        test "K1 reference norm agrees with quadrature of the HF function" {
            let xs = Sampling.grid 20001 1
            let ys = Experiment.evaluate Problems.Forrester.hf xs
            // trapezoid rule on [0,1]
            let h = 1.0 / 20000.0
            let integral = h * (Array.sumBy (fun y -> y * y) ys - 0.5 * (ys[0] * ys[0] + ys[ys.Length - 1] * ys[ys.Length - 1]))
            Expect.floatClose { absolute = 0.0; relative = 1e-6 } integral Problems.Forrester.k1.NormSq "||y_H||²"
        }
        test "K1 satisfies y_H = 2 y_L - 20x + 20" {
            let xs = Sampling.grid 101 1
            let yh = Experiment.evaluate Problems.Forrester.hf xs
            let yl = Experiment.evaluate Problems.Forrester.lf xs
            for i in 0 .. xs.Length - 1 do
                Expect.floatClose Accuracy.veryHigh yh[i] (2.0 * yl[i] - 20.0 * xs[i][0] + 20.0) "identity"
        }
    ]
