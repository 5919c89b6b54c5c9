/// One training step, checked against what it claims to compute: the fused total of a loss against its per-member
/// means, and the fused Adam update against Adam's formula written out by hand and against torch.optim.Adam.
module TrainingStepTests

open Expecto
open TorchSharp
open Emulators.Core

let private f64 = torch.ScalarType.Float64

/// A fixed tensor from values and a shape.
let private tensor (values: float[]) (shape: int64[]) = Tensors.create values shape f64

/// Leaf parameters [E, ...] with gradients.
let private parameter (values: float[]) (shape: int64[]) = (tensor values shape).requires_grad_(true)

let private gradOf (p: Tensors.Tensor) = Tensors.toArray p.grad

/// Bit patterns, so that equality means bit for bit.
let private bits (a: float[]) = a |> Array.map System.BitConverter.DoubleToInt64Bits

[<Tests>]
let tests =
    testList "Training step" [
        test "the fused MSE total has the value and, bit for bit, the gradient of the sum of the per-member means" {
            // predictions of 3 members at 5 points, w_e x_n + c_e, against targets shared by the members
            let x = tensor [| 0.1; 0.4; -0.3; 0.8; 1.2 |] [| 1L; 5L; 1L |]
            let target = tensor [| 0.5; -0.2; 0.3; 0.9; 1.1 |] [| 1L; 5L; 1L |]
            for shared in [ true; false ] do
                let w = parameter [| 0.3; -1.1; 2.0 |] [| 3L; 1L; 1L |]
                let c = parameter [| 0.1; 0.0; -0.4 |] [| 3L; 1L; 1L |]
                let predict () = (w * x).add(c)
                let t = if shared then target else target.expand(3L, -1L, -1L).contiguous()
                let loss = Loss.mse "hf" predict t
                let fused = Loss.total loss
                fused.backward()
                let gw, gc = gradOf w, gradOf c
                w.grad.zero_() |> ignore
                c.grad.zero_() |> ignore
                let perMember = Loss.perMember loss
                let means = perMember.sum()
                means.backward()
                Expect.floatClose Accuracy.veryHigh (fused.ToDouble()) (means.ToDouble()) "value"
                // the per-member means by hand
                let p, y = Tensors.toArray (predict ()), Tensors.toArray target
                let byHand = Array.init 3 (fun e -> Array.init 5 (fun n -> (p[e * 5 + n] - y[n]) ** 2.0) |> Array.average)
                Expect.sequenceEqual (Tensors.toArray perMember |> Array.map (fun v -> System.Math.Round(v, 12))) (byHand |> Array.map (fun v -> System.Math.Round(v, 12))) "per-member means"
                Expect.sequenceEqual (bits (gradOf w)) (bits gw) (sprintf "gradient of w (targets shared: %b)" shared)
                Expect.sequenceEqual (bits (gradOf c)) (bits gc) (sprintf "gradient of c (targets shared: %b)" shared)
        }
        test "a loss's total is the sum over its terms and members, fused or not" {
            let w = parameter [| 0.3; -1.1; 0.4; 2.0; -0.5; 0.7 |] [| 2L; 3L |]
            let target = tensor [| 1.0; 2.0; 3.0 |] [| 1L; 3L; 1L |]
            let predict () = w.unsqueeze(-1)
            let loss = Loss.mse "hf" predict target + Loss.l2 "penalty" 0.5 [ w ] + Loss.term "other" (fun () -> w.sum(1L))
            let total, terms = Loss.evaluate loss
            Expect.floatClose Accuracy.veryHigh ((Loss.total loss).ToDouble()) (total.ToDouble()) "fused total = evaluated total"
            Expect.equal (terms |> List.map fst) [ "hf"; "penalty"; "other" ] "terms in order"
            let byHand =
                let v = Tensors.toArray w
                let mse e = Array.init 3 (fun n -> (v[e * 3 + n] - float (n + 1)) ** 2.0) |> Array.average
                let pen e = 0.5 * (Array.init 3 (fun n -> v[e * 3 + n] ** 2.0) |> Array.sum)
                let other e = Array.init 3 (fun n -> v[e * 3 + n]) |> Array.sum
                [ 0; 1 ] |> List.sumBy (fun e -> mse e + pen e + other e)
            Expect.floatClose Accuracy.veryHigh (total.ToDouble()) byHand "by hand"
        }
        test "Adam's fused update is Adam's formula, per member, with its L2 decay 2 λ w" {
            // two members of three weights each, their own learning rates; a penalty λ on the weights that Adam adds
            // itself; the data term's gradient is 2 (w - a) per weight
            let start = [| 0.5; -1.0; 2.0; 0.1; 0.2; -0.3 |]
            let a = tensor [| 1.0; 1.0; 1.0; -1.0; 0.0; 1.0 |] [| 2L; 3L |]
            let lrs = [| 1e-2; 3e-3 |]
            let lambda = 0.05
            let w = parameter start [| 2L; 3L |]
            let adam = Adam.create lrs [ { Weights = [ w ]; Lambdas = [| lambda |] } ] [ w ]
            let av = Tensors.toArray a
            let mutable m = Array.zeroCreate 6
            let mutable v = Array.zeroCreate 6
            let mutable byHand = Array.copy start
            for t in 1 .. 3 do
                Adam.zeroGrad adam
                (w - a).square().sum().backward()
                Adam.step adam
                let g = Array.init 6 (fun i -> 2.0 * (byHand[i] - av[i]) + 2.0 * lambda * byHand[i])
                m <- Array.init 6 (fun i -> 0.9 * m[i] + 0.1 * g[i])
                v <- Array.init 6 (fun i -> 0.999 * v[i] + 0.001 * g[i] * g[i])
                byHand <-
                    Array.init 6 (fun i ->
                        let mHat = m[i] / (1.0 - 0.9 ** float t)
                        let vHat = v[i] / (1.0 - 0.999 ** float t)
                        byHand[i] - lrs[i / 3] * mHat / (sqrt vHat + 1e-8))
                let now = Tensors.toArray (w.detach())
                for i in 0 .. 5 do
                    Expect.floatClose { absolute = 1e-15; relative = 1e-13 } now[i] byHand[i] (sprintf "step %d, weight %d" t i)
            Adam.release adam
        }
        test "Adam's update equals torch.optim.Adam's, and its decay equals autograd's gradient of the penalty" {
            let start = [| 0.5; -1.0; 2.0; 0.1 |]
            let a = tensor [| 1.0; 1.0; -1.0; 0.0 |] [| 1L; 4L |]
            let lambda = 0.05
            let steps = 5
            // ours, the penalty's gradient added by Adam
            let w = parameter start [| 1L; 4L |]
            let adam = Adam.create [| 1e-2 |] [ { Weights = [ w ]; Lambdas = [| lambda |] } ] [ w ]
            for _ in 1 .. steps do
                Adam.zeroGrad adam
                (w - a).square().sum().backward()
                Adam.step adam
            let ours = Tensors.toArray (w.detach())
            Adam.release adam
            // ours, the penalty a loss term that autograd differentiates
            let w2 = parameter start [| 1L; 4L |]
            let adam2 = Adam.create [| 1e-2 |] [] [ w2 ]
            let loss = Loss.term "data" (fun () -> (w2 - a).square().sum(1L)) + Loss.l2 "penalty" lambda [ w2 ]
            for _ in 1 .. steps do
                Adam.zeroGrad adam2
                (Loss.total loss).backward()
                Adam.step adam2
            let viaAutograd = Tensors.toArray (w2.detach())
            Adam.release adam2
            // torch.optim.Adam: L2 as weight decay 2 λ (the gradient of λ w²)
            let p = new TorchSharp.Modules.Parameter(tensor start [| 1L; 4L |])
            let torchAdam = torch.optim.Adam([ p ], lr = 1e-2, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 2.0 * lambda)
            for _ in 1 .. steps do
                torchAdam.zero_grad()
                (p - a).square().sum().backward()
                torchAdam.step() |> ignore
            let reference = Tensors.toArray (p.detach())
            for i in 0 .. 3 do
                Expect.floatClose { absolute = 1e-15; relative = 1e-13 } ours[i] reference[i] (sprintf "torch.optim.Adam, weight %d" i)
                Expect.floatClose { absolute = 1e-15; relative = 1e-14 } ours[i] viaAutograd[i] (sprintf "autograd's penalty gradient, weight %d" i)
        }
    ]
