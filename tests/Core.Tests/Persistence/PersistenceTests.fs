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
        test "model.json's own checksum: sealed bytes check out, any edit of them or of the checksum does not, no field is no verdict" {
            let root () = System.Text.Json.Nodes.JsonNode.Parse("""{"format": "emulators-model", "scale": [0.25]}""") :?> System.Text.Json.Nodes.JsonObject
            let sealedBytes = MetadataSeal.seal (root ())
            let reread (b: byte[]) = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Encoding.UTF8.GetString b) :?> System.Text.Json.Nodes.JsonObject
            Expect.equal (MetadataSeal.intact sealedBytes (reread sealedBytes)) (Some true) "as written"
            let text = System.Text.Encoding.UTF8.GetString sealedBytes
            let edited = System.Text.Encoding.UTF8.GetBytes(text.Replace("0.25", "0.26"))
            Expect.equal (MetadataSeal.intact edited (reread edited)) (Some false) "a number edited"
            let written = reread sealedBytes
            let claimed = written[MetadataSeal.field].GetValue<string>()
            let forged = System.Text.Encoding.UTF8.GetBytes(text.Replace(claimed, System.String('a', 64)))
            Expect.equal (MetadataSeal.intact forged (reread forged)) (Some false) "the checksum replaced"
            let plain = System.Text.Encoding.UTF8.GetBytes((root ()).ToJsonString())
            Expect.equal (MetadataSeal.intact plain (reread plain)) None "a file without the field (format 1)"
            Expect.equal (MetadataSeal.sha256 (System.Text.Encoding.ASCII.GetBytes "abc")) "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" "SHA-256 of 'abc' (FIPS 180-2)"
        }
        test "the first non-finite number of a JSON tree is named by its path; informational ones are dropped" {
            let node = System.Text.Json.Nodes.JsonNode.Parse """{"a": {"b": [1.0, "NaN", 2.0]}, "c": 3}"""
            // JSON text cannot hold NaN; the tree can, as a model's numbers go in before the text is written
            (node["a"]["b"] :?> System.Text.Json.Nodes.JsonArray)[1] <- System.Text.Json.Nodes.JsonValue.Create nan
            Expect.equal (FiniteJson.firstNonFinite "" node) (Some "a.b[1]") "path of the NaN"
            let dropped = FiniteJson.dropNonFinite node
            Expect.equal (FiniteJson.firstNonFinite "" dropped) None "nothing non-finite left"
            Expect.isNull ((dropped["a"]["b"] :?> System.Text.Json.Nodes.JsonArray)[1]) "the NaN became null"
            Expect.equal (dropped["c"].GetValue<float>()) 3.0 "the rest kept"
        }
    ]
