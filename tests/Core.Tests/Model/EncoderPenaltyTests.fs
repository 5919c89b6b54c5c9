/// The encoder penalty λ_E Σ (θ − θ₀)²: its value and gradient, and that it holds an encoder near its start.
module EncoderPenaltyTests

open Expecto
open TorchSharp
open Emulators.Core

let private f64 = torch.ScalarType.Float64

/// 2DU with 16 HF points: an encoder R² → R¹ that starts at x1, which is the exact map.
let private problem = Problems.TwoD.u2d
let private hfX = Experiment.hfPoints problem 16 1
let private hf = { X = hfX; Y = Experiment.evaluate problem.Hf hfX }

let private moveBy (w: torch.Tensor) (delta: float[]) =
    use _ = torch.no_grad ()
    use d = torch.tensor(delta, dtype = f64).reshape(w.shape)
    w.add_(d) |> ignore

let private trainedEncoder (encoderLambda: float) =
    let spec = ModelOptions.spec { ModelOptions.defaults with Encoding = EncodingKind.Affine }
    let cfg =
        { TrainConfig.defaults with
            Schedule = { AdamEpochs = 1000; LearningRate = 1e-2; LbfgsIterations = 300 }
            EncoderLambda = encoderLambda }
    let fit = Fit.fit cfg spec problem.Domain hf [ Exact problem.Sources.Head ] [| 1 |]
    fit.Emulator.Sources.Head.Encoder.Value |> List.map (fun (n, t) -> n, Tensors.toArray t) |> Map.ofList

/// Distance of a trained affine encoder from its start E(x) = x1 (W = [1, 0], b = 0, scaled units).
let private drift (enc: Map<string, float[]>) =
    let w = enc["W"]
    let b = enc["b"]
    sqrt ((w[0] - 1.0) ** 2.0 + w[1] ** 2.0 + b[0] ** 2.0)

[<Tests>]
let tests =
    testList "Encoder penalty" [
        test "anchored penalty: zero at the start, λ Σ (w - w0)^2 after a move, gradient 2 λ (w - w0)" {
            use w = torch.tensor([| 1.0; -2.0; 0.5 |], dtype = f64).reshape(1L, 3L).requires_grad_(true)
            let loss = Loss.anchored "enc" 0.7 [ w ]
            let value () = (fst (Loss.evaluate loss)).ToDouble()
            Expect.equal (value ()) 0.0 "zero where the weights started"
            moveBy w [| 0.1; 0.0; -0.3 |]
            Expect.floatClose Accuracy.veryHigh (value ()) (0.7 * (0.01 + 0.09)) "λ Σ (w - w0)^2"
            let total, _ = Loss.evaluate loss
            let g = torch.autograd.grad([| total |], [| w |])[0]
            Expect.sequenceEqual (Tensors.toArray g |> Array.map (fun v -> System.Math.Round(v, 12))) [| 0.14; 0.0; -0.42 |] "2 λ (w - w0)"
            Expect.equal (Loss.anchored "enc" 0.0 [ w ]).Terms.Length 0 "λ = 0 adds no term"
        }
        test "the encoder's drift from its exact 2DU start shrinks as the penalty grows" {
            let drifts = [ 0.0; 100.0; 10000.0 ] |> List.map (trainedEncoder >> drift)
            let free = drifts[0]
            Expect.isGreaterThan free 1e-3 (sprintf "the unpenalized encoder moves (drifts %A)" drifts)
            Expect.isTrue (drifts |> List.pairwise |> List.forall (fun (a, b) -> b < a)) (sprintf "decreasing: %A" drifts)
            Expect.isLessThan (List.last drifts) (free / 10.0) (sprintf "a strong penalty holds the encoder: %A" drifts)
        }
        test "a negative or infinite encoder penalty is refused with a message naming it" {
            for bad in [ -1.0; infinity; nan ] do
                TestUtil.throwsUserError [ "encoder penalty" ] (fun () ->
                    let spec = ModelOptions.spec { ModelOptions.defaults with Encoding = EncodingKind.Affine }
                    Fit.fit { TrainConfig.defaults with EncoderLambda = bad } spec problem.Domain hf [ Exact problem.Sources.Head ] [| 1 |])
        }
    ]
