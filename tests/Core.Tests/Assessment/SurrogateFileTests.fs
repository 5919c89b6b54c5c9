/// Pre-trained LF surrogates kept on disk (SurrogateFile, SurrogateCache.onDisk): read back bit for bit, refused
/// when damaged or made for another key, and records identical whether a surrogate was trained or read.
module SurrogateFileTests

open System.IO
open Expecto
open TorchSharp
open Emulators.Core
open Emulators.Core.Assessment

let private budget = { Sweep.defaultBudget with AdamEpochs = 60; LbfgsIterations = 4; SearchCandidates = 2; SearchRounds = 1; Depth = 1; Width = 6 }

let private config (arch: Architecture) (strategy: Strategy) (rep: int) : Sweep.RunConfig =
    { Experiment = "surrogate-file-test"; Problem = "K1"; Corrupted = -1
      Model = RunModels.mf arch EncodingKind.Affine (NetworkLf.Learned strategy); Nh = 8; Rep = rep
      Design = Experiment.SobolOffset; Budget = budget }

let private results (r: RunRecord) = { r with Seconds = 0.0; FinishedUtc = "" }

let private tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "emulators-surrogates-" + System.Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory d |> ignore
    d

let private bits (t: torch.Tensor) = t.contiguous().data<float>().ToArray() |> Array.map System.BitConverter.DoubleToInt64Bits

let private trained () =
    let p = Problems.Catalogue.find "K1"
    let src = Experiment.sources p Experiment.LearnedLf 0 |> List.head
    let cfg = { TrainConfig.defaults with SurrogateSchedule = { AdamEpochs = 50; LearningRate = 1e-3; LbfgsIterations = 3 } }
    Surrogates.pretrainAlone cfg (Block.ofName "kan" 1 4) Tensors.Float64 7 src

[<Tests>]
let tests =
    testList "Surrogate files" [
        test "a surrogate reads back bit for bit; a damaged file, a cut one or another key's reads as absent" {
            let s = trained ()
            let dir = tempDir ()
            let file = Path.Combine(dir, "s.surrogate")
            SurrogateFile.save file "key A" s
            let back = (SurrogateFile.tryLoad file "key A").Value
            Expect.equal (back.Params |> List.map fst) (s.Params |> List.map fst) "parameter names (KAN knots included)"
            for (_, a), (_, b) in List.zip s.Params back.Params do
                Expect.equal b.shape a.shape "shape"
                Expect.equal (bits b) (bits a) "values, bit for bit"
            Expect.equal back.OutputScale s.OutputScale "output standardization"
            Expect.equal back.Stage s.Stage "training summary"
            Expect.equal back.History s.History "history"
            Expect.isNone (SurrogateFile.tryLoad file "key B") "another key"
            let bytes = File.ReadAllBytes file
            let flipped = Array.copy bytes
            flipped[bytes.Length / 2] <- flipped[bytes.Length / 2] ^^^ 1uy
            File.WriteAllBytes(file, flipped)
            Expect.isNone (SurrogateFile.tryLoad file "key A") "one bit changed"
            File.WriteAllBytes(file, bytes[.. bytes.Length / 3])
            Expect.isNone (SurrogateFile.tryLoad file "key A") "cut short"
            Expect.isNone (SurrogateFile.tryLoad (Path.Combine(dir, "absent")) "key A") "absent"
        }
        test "runs give the same records with surrogates trained, read from disk by a new cache, or kept in memory" {
            let dir = tempDir ()
            let group = [ config Architecture.Kan EndToEnd 0; config Architecture.Kan EndToEnd 1 ]
            let cold = Runner.runGroupWith (SurrogateCache.onDisk dir) group
            Expect.equal (Directory.GetFiles(dir, "*.surrogate").Length) 2 "one file per repetition (K1 has one source)"
            // a new process's cache: reads them; a training function that throws proves nothing is trained again
            let reader = SurrogateCache.onDisk dir
            for c in group do
                let key: SurrogateCache.Key =
                    { Problem = "K1"; Rep = c.Rep; Source = "LF"; Architecture = Architecture.Kan; Depth = 1; Width = 6; AdamEpochs = 60
                      LbfgsIterations = 4; LearningRate = Runner.surrogateLearningRate; Precision = Tensors.Float64 }
                SurrogateCache.getOrTrain reader key (fun () -> failwith "trained again") |> ignore
            let warm = Runner.runGroupWith reader group
            let memory = Runner.runGroupWith (SurrogateCache.create ()) group
            Expect.equal (List.map results warm) (List.map results cold) "read from disk = trained"
            Expect.equal (List.map results memory) (List.map results cold) "no directory = with one"
        }
    ]
