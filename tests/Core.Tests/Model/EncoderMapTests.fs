/// Emulator.affineEncoders: the learned affine encoders in physical units.
module EncoderMapTests

open Expecto
open TorchSharp
open Emulators.Core

let private fitAffine (p: Problem) (nh: int) (epochs: int) =
    let xh = Experiment.hfPoints p nh 0
    let hf = { X = xh; Y = Experiment.evaluate p.Hf xh }
    let spec = ModelOptions.spec { ModelOptions.defaults with Encoding = EncodingKind.Affine }
    let cfg = { TrainConfig.defaults with Schedule = { AdamEpochs = epochs; LearningRate = 1e-2; LbfgsIterations = 0 } }
    (Fit.fit cfg spec p.Domain hf (p.Sources |> List.map Exact) [| 3 |]).Emulator

[<Tests>]
let tests =
    testList "Encoder maps" [
        test "an untrained 2DU encoder reads z = x1 in physical units" {
            let m = fitAffine Problems.TwoD.u2d 16 0
            match Emulator.affineEncoders m with
            | [ name, a, c ] ->
                Expect.equal name "LF" "source name"
                Expect.equal a [| [| 1.0; 0.0 |] |] "A = [1, 0]"
                Expect.equal c [| 0.0 |] "c = 0"
            | other -> failtestf "expected one encoder, got %A" other
        }
        test "the physical map agrees with the emulator's own encoding on a non-unit domain (K5, [-3, 3]^20)" {
            let p = Problems.MengKarniadakis.k5
            let m = fitAffine p 64 30
            let _, a, c = List.exactlyOne (Emulator.affineEncoders m)
            let s = m.Sources.Head
            let x = Sampling.uniform 5 p.Domain.Dim 7 |> Sampling.scaleTo p.Domain.Lower p.Domain.Upper
            use _ = torch.no_grad ()
            let z = Emulator.encode m s (Emulator.scaleInputs m x) |> Affine1.invert s.InputScale
            let zs = Tensors.toArray z |> Array.chunkBySize p.Domain.Dim
            let mutable checkedValues = 0
            for k in 0 .. x.Length - 1 do
                for i in 0 .. c.Length - 1 do
                    let expected = c[i] + Array.sum (Array.map2 (*) a[i] x[k])
                    // inside the domain the clamp does not act; outside it, the map is the unclamped one
                    if abs expected < 3.0 then
                        Expect.floatClose Accuracy.veryHigh (zs[k][i]) expected (sprintf "point %d, z%d" k (i + 1))
                        checkedValues <- checkedValues + 1
            Expect.isGreaterThan checkedValues 100 "most encoded coordinates lie inside the domain and were compared"
            Expect.isFalse (a |> Array.forall (fun row -> row |> Array.forall (fun v -> v = 0.0 || v = 1.0))) "the encoder has trained away from the identity"
        }
    ]
