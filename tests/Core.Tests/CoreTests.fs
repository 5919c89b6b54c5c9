module CoreTests

open Expecto
open TorchSharp
open Emulators
open Emulators.Tensors

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

/// Gradients of F_l + F_nl from `Emulator.backpropSquaredError` and from autograd of the same loss.
let private backpropVsAutograd (spec: EmulatorSpec) (sources: SourceSpec list) (mask: float[][] option) =
    let x = Array.init 9 (fun i -> [| float i / 8.0 |])
    let y = Experiment.evaluate Problems.Forrester.k1.Hf x
    let m = Emulator.create spec (Box.unit 1) y sources [| 4; 5; 6 |]
    let u = (Emulator.features m (Emulator.scaleInputs m x)).detach()
    let target = torch.randn([| 3L; 9L; 1L |], dtype = torch.ScalarType.Float64, generator = new torch.Generator(7UL))
    let ps = Emulator.parameters m |> List.map snd |> Array.ofList
    let loss, coef =
        match mask with
        | None -> Loss.mse "hf" (fun () -> Emulator.forwardFeatures m u) target, torch.tensor (2.0 / 9.0)
        | Some w ->
            let wt = torch.tensor(Array.concat w).reshape(3L, 9L, 1L)
            let sums = torch.tensor(w |> Array.map Array.sum)
            let c = w |> Array.collect (fun row -> row |> Array.map (fun v -> 2.0 * v / Array.sum row))
            Loss.weightedMse "hf" (fun () -> Emulator.forwardFeatures m u) target wt sums, torch.tensor(c).reshape(3L, 9L, 1L)
    let auto = torch.autograd.grad([| Loss.total loss |], ps) |> Seq.map Tensors.toArray |> Array.ofSeq
    for p in ps do p.grad <- torch.zeros_like p
    Emulator.backpropSquaredError m u target coef
    let manual = ps |> Array.map (fun p -> Tensors.toArray p.grad)
    for p in ps do p.grad <- null
    Array.map2 (fun (a: float[]) (b: float[]) ->
        let scale = max 1e-300 (a |> Array.map abs |> Array.max)
        (Array.map2 (fun u v -> abs (u - v)) a b |> Array.max) / scale) auto manual
    |> Array.max

[<Tests>]
let backprop =
    testList "Hand-written reverse pass" [
        test "equals autograd for F_l + F_nl (MLP), mean squared error" {
            let spec = { Correlation = MlpBlock { Depth = 2; Width = 6 }; Surrogate = AffineBlock; Encoding = NoEncoding; Precision = Float64 }
            let err = backpropVsAutograd spec (Problems.Forrester.k1.Sources |> List.map Exact) None
            Expect.isLessThan err 1e-13 "relative gradient difference"
        }
        test "equals autograd for member-weighted data, and for a single-fidelity network" {
            let spec = { Correlation = MlpBlock { Depth = 3; Width = 5 }; Surrogate = AffineBlock; Encoding = NoEncoding; Precision = Float64 }
            let mask = [| Array.create 9 1.0; Array.init 9 (fun j -> float (j % 3)); Array.init 9 (fun j -> if j < 5 then 1.0 else 0.0) |]
            Expect.isLessThan (backpropVsAutograd spec (Problems.Forrester.k1.Sources |> List.map Exact) (Some mask)) 1e-13 "weighted, MF"
            Expect.isLessThan (backpropVsAutograd spec [] (Some mask)) 1e-13 "weighted, SF"
            Expect.isLessThan (backpropVsAutograd { spec with Correlation = AffineBlock } [] None) 1e-13 "affine network"
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
