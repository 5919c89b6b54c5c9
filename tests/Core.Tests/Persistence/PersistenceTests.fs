/// Model files: every block family and encoding survives saving and loading bit for bit.
module PersistenceTests

open System.IO
open Expecto
open Emulators.Core

let private hf = { X = Array.init 12 (fun i -> [| float i / 11.0; float ((i * 7) % 12) / 11.0 |]); Y = Array.init 12 (fun i -> sin (float i)) }
let private lf =
    let x = Array.init 40 (fun i -> [| float i / 39.0 |])
    Learned("coarse", None, x, x |> Array.map (fun r -> sin (6.0 * r[0])))

let private quick =
    { TrainConfig.defaults with
        Schedule = { AdamEpochs = 30; LearningRate = 1e-2; LbfgsIterations = 5 }
        SurrogateSchedule = { AdamEpochs = 30; LearningRate = 1e-2; LbfgsIterations = 5 } }

let private roundTrip (family: string) (encoding: Encoding) =
    let block = Block.ofName family 2 6
    let spec = { Correlation = block; Surrogate = block; Encoding = encoding; Precision = Tensors.Float64 }
    let fit = Fit.fit quick spec (Box.unit 2) hf [ lf ] [| 5 |]
    let dir = Path.Combine(Path.GetTempPath(), "emulators-model-" + System.Guid.NewGuid().ToString("N"))
    ModelFile.save dir { ModelFile.emptyMetadata with InputNames = Some [| "a"; "b" |]; OutputName = Some "y" } fit.Emulator
    let back = ModelFile.load dir (fun _ -> None)
    let pts = Array.init 25 (fun i -> [| float (i % 5) / 4.0; float (i / 5) / 4.0 |])
    let a = Emulator.predict fit.Emulator pts
    let b = Emulator.predict back.Emulator pts
    Expect.sequenceEqual (b.Value |> Array.map System.BitConverter.DoubleToInt64Bits) (a.Value |> Array.map System.BitConverter.DoubleToInt64Bits) "bitwise equal predictions"
    Expect.equal back.Metadata.InputNames (Some [| "a"; "b" |]) "column names kept"
    Expect.equal back.Emulator.Spec fit.Emulator.Spec "spec kept"

[<Tests>]
let tests =
    testList "Model file" [
        for family in [ "mlp"; "siren"; "kan" ] do
            for enc, name in [ AffineEncoding, "affine"; NonlinearEncoding(Block.ofName family 1 8), "nonlinear" ] do
                test (sprintf "%s with %s encoding (2-D HF, 1-D LF source) reloads bit for bit" family name) { roundTrip family enc }
        test "a model that needs an exact LF function refuses to load without it" {
            let spec = { Correlation = MlpBlock { Depth = 1; Width = 4 }; Surrogate = MlpBlock { Depth = 1; Width = 4 }; Encoding = NoEncoding; Precision = Tensors.Float64 }
            let k1 = Problems.Forrester.k1
            let x = Array.init 6 (fun i -> [| float i / 5.0 |])
            let fit = Fit.fit quick spec k1.Domain { X = x; Y = Experiment.evaluate k1.Hf x } [ Exact k1.Sources.Head ] [| 1 |]
            let dir = Path.Combine(Path.GetTempPath(), "emulators-model-" + System.Guid.NewGuid().ToString("N"))
            ModelFile.save dir ModelFile.emptyMetadata fit.Emulator
            TestUtil.throwsUserError [ "exact LF function 'LF'"; "supply it" ] (fun () -> ModelFile.load dir (fun _ -> None))
            let back = ModelFile.load dir (fun name -> if name = "LF" then Some k1.Sources.Head else None)
            Expect.equal (Emulator.predict back.Emulator x).Value (Emulator.predict fit.Emulator x).Value "same predictions"
        }
    ]
