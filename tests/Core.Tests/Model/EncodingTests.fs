/// Coordinate encoders: where they start, that their outputs stay in the LF source's domain, that the HF loss
/// reaches them (gradients against finite differences), and that they train with exact and learned LF in both
/// strategies.
module EncodingTests

open Expecto
open TorchSharp
open Emulators.Core

let private f64 = torch.ScalarType.Float64

/// A learned LF source on `box` (the HF box is [0, 1]^2): y = sin(3 z1) + z_last.
let private learnedOn (box: Box) =
    let x = Sampling.sobol box.Dim 0 64 |> Sampling.scaleTo box.Lower box.Upper
    Learned("lf", Some box, x, x |> Array.map (fun r -> sin (3.0 * r[0]) + r[r.Length - 1]))

let private hfBox = Box.unit 2
let private hfX = Sampling.sobol 2 0 16
let private hf = { X = hfX; Y = hfX |> Array.map (fun r -> sin (3.0 * r[0]) + r[1] * r[1]) }

let private nameOf (e: EncodingKind) = Names.name EncodingKind.names e

let private untrained (encoding: EncodingKind) (source: SourceSpec) =
    let spec = ModelOptions.spec { ModelOptions.defaults with Encoding = encoding; Depth = 1; Width = 4 }
    Emulator.create spec hfBox hf.Y [ source ] [| 7 |]

[<Tests>]
let tests =
    testList "Coordinate encoding" [
        test "an untrained affine encoder passes inputs through in physical units, whatever the LF input box" {
            for box, expectedA in
                [ Box.create [| 0.2; -1.0 |] [| 0.9; 3.0 |], [| [| 1.0; 0.0 |]; [| 0.0; 1.0 |] |]
                  Box.create [| -0.5 |] [| 0.75 |], [| [| 1.0; 0.0 |] |] ] do
                let m = untrained EncodingKind.Affine (learnedOn box)
                let _, a, c = List.exactlyOne (Emulator.affineEncoders m)
                for i in 0 .. a.Length - 1 do
                    for j in 0 .. 1 do
                        Expect.floatClose Accuracy.veryHigh (a.[i].[j]) (expectedA.[i].[j]) (sprintf "LF box %A: A[%d][%d]" box i j)
                    Expect.isLessThan (abs c.[i]) 1e-12 (sprintf "LF box %A: c[%d] = %g" box i c.[i])
        }

        test "an LF input beyond the HF inputs starts at the centre of its range" {
            let m = untrained EncodingKind.Affine (learnedOn (Box.create [| 0.0; 0.0; 2.0 |] [| 1.0; 1.0; 4.0 |]))
            let s = m.Sources.Head
            use _ = torch.no_grad ()
            let z = Tensors.toRows ((Emulator.encode m s (Emulator.scaleInputs m hfX)).squeeze(0L))
            for r in z do
                Expect.equal r[2] 0.0 "scaled third input at 0 (physical 3)"
        }

        test "encoded points stay inside the LF source's domain for any encoder parameters" {
            for encoding in [ EncodingKind.Affine; EncodingKind.Nonlinear ] do
                let m = untrained encoding (learnedOn (Box.create [| 0.2; 0.1 |] [| 0.6; 0.5 |]))
                let s = m.Sources.Head
                use _ = torch.no_grad ()
                for _, t in s.Encoder.Value do
                    t.mul_(torch.tensor(25.0, dtype = f64)) |> ignore
                let x = Sampling.uniform 3 2 500
                let z = Tensors.toArray (Emulator.encode m s (Emulator.scaleInputs m x))
                Expect.isTrue (z |> Array.forall (fun v -> v >= -1.0 && v <= 1.0)) (sprintf "%s: scaled LF coordinates in [-1, 1]" (nameOf encoding))
                Expect.isTrue (z |> Array.exists (fun v -> abs v = 1.0)) (sprintf "%s: the scaled-up encoder did reach the boundary" (nameOf encoding))
        }

        test "gradients of the HF output with respect to encoder parameters match finite differences" {
            let k4 = Problems.MengKarniadakis.k4
            let x = Experiment.hfPoints k4 16 0
            for encoding in [ EncodingKind.Affine; EncodingKind.Nonlinear ] do
                for source in [ Exact k4.Sources.Head; learnedOn (Box.unit 1) ] do
                    let spec = ModelOptions.spec { ModelOptions.defaults with Encoding = encoding; Depth = 1; Width = 4 }
                    let m = Emulator.create spec k4.Domain (Experiment.evaluate k4.Hf x) [ source ] [| 3 |]
                    // a small, fixed move from the start, so that no encoded point sits on the domain's edge
                    let enc = m.Sources.Head.Encoder.Value
                    let xs = Emulator.scaleInputs m (x |> Array.map (fun r -> [| 0.1 + 0.8 * r[0] |]))
                    let worst, where = BlockTests.gradientCheck enc (fun () -> Emulator.forwardScaled m xs) 4 11
                    Expect.isLessThan worst 1e-5 (sprintf "%s, %A: worst relative error %g at %s" (nameOf encoding) source worst where)
        }

        test "encoders train through the HF loss with exact and learned LF, in both strategies" {
            let k4 = Problems.MengKarniadakis.k4
            let x = Experiment.hfPoints k4 16 0
            let data = { X = x; Y = Experiment.evaluate k4.Hf x }
            let lfX = Experiment.lfPoints k4.Sources.Head 64 0
            let learned = Learned("LF", Some k4.Sources.Head.Domain, lfX, Experiment.evaluate k4.Sources.Head.Eval lfX)
            let schedule = { AdamEpochs = 20; LearningRate = 1e-2; LbfgsIterations = 0 }
            for encoding in [ EncodingKind.Affine; EncodingKind.Nonlinear ] do
                for source in [ Exact k4.Sources.Head; learned ] do
                    for strategy in [ PretrainFreeze; EndToEnd ] do
                        let spec = ModelOptions.spec { ModelOptions.defaults with Encoding = encoding; Depth = 1; Width = 4 }
                        let start = Emulator.create spec k4.Domain data.Y [ source ] [| 5 |]
                        let before = start.Sources.Head.Encoder.Value |> List.map (fun (n, t) -> n, Tensors.toArray t)
                        let cfg = { TrainConfig.defaults with Schedule = schedule; SurrogateSchedule = schedule; Strategy = strategy }
                        let fit = Fit.fit cfg spec k4.Domain data [ source ] [| 5 |]
                        let after = fit.Emulator.Sources.Head.Encoder.Value |> List.map (fun (n, t) -> n, Tensors.toArray t)
                        let moved = List.map2 (fun (_, a: float[]) (_, b: float[]) -> Array.map2 (fun u v -> abs (u - v)) a b |> Array.max) before after |> List.max
                        let label = sprintf "%s, %s LF, %s" (nameOf encoding) (match source with Exact _ -> "exact" | _ -> "learned") (Strategy.name strategy)
                        Expect.isGreaterThan moved 1e-4 (sprintf "%s: the encoder moved (max change %g)" label moved)
                        let hfLoss = fit.History |> List.filter (fun h -> h.Terms |> List.exists (fun (n, _) -> n = "hf")) |> List.map (fun h -> List.find (fun (n, _) -> n = "hf") h.Terms |> snd)
                        Expect.isLessThan (List.last hfLoss) (List.head hfLoss) (sprintf "%s: the HF loss fell" label)
        }
    ]
