/// Emulators trained in parallel threads get exactly the models they get one at a time.
///
/// A collector thread forces garbage collections throughout, so that a native Scalar left to the collector would be
/// freed while another thread's native call still reads it (TorchSharp 0.107 frees such Scalars only through the
/// collector): on code that leaves one, some fits throw or give different numbers.
module ConcurrencyTests

open System
open System.Threading
open Expecto
open Emulators.Core

let private problem = Problems.Forrester.k1
let private testX = Experiment.testPoints problem |> Array.take 200

/// One small fit of a family: K1 with a learned LF source (surrogate stage, then correlation stage), Adam then
/// L-BFGS, and its prediction on test points.
let private fitAndPredict (arch: Architecture) (seed: int) : float[] =
    let spec = ModelOptions.spec { ModelOptions.defaults with Architecture = arch; Depth = 2; Width = 8 }
    let schedule = { AdamEpochs = 80; LearningRate = 1e-2; LbfgsIterations = 10 }
    let cfg = { TrainConfig.defaults with Schedule = schedule; SurrogateSchedule = schedule }
    let xh = Experiment.hfPoints problem 8 seed
    let hf = { X = xh; Y = Experiment.evaluate problem.Hf xh }
    let fit = Fit.fit cfg spec problem.Domain hf (Experiment.sources problem Experiment.LearnedLf seed) [| seed |]
    (Emulator.predict fit.Emulator testX).Value

/// Run every job on its own thread at once while a collector thread forces collections; each job's result or error.
let private inParallel (jobs: (unit -> 'a) list) : Result<'a, exn> list =
    let results = Array.create jobs.Length (Error(exn "did not run"))
    let stop = ref false
    let collector =
        Thread((fun () ->
            while not stop.Value do
                GC.Collect()
                GC.WaitForPendingFinalizers()
                Thread.Sleep 1), IsBackground = true)
    collector.Start()
    let threads =
        jobs
        |> List.mapi (fun i job -> Thread((fun () -> results[i] <- (try Ok(job ()) with e -> Error e)), IsBackground = true))
    threads |> List.iter (fun t -> t.Start())
    threads |> List.iter (fun t -> t.Join())
    stop.Value <- true
    collector.Join()
    List.ofArray results

let private sameBits (a: float[]) (b: float[]) =
    a.Length = b.Length && Array.forall2 (fun (x: float) (y: float) -> BitConverter.DoubleToInt64Bits x = BitConverter.DoubleToInt64Bits y) a b

[<Tests>]
let tests =
    testList "Concurrency" [
        test "fits of every family in parallel threads, several rounds, equal bit for bit the same fits run alone" {
            let jobs = [ for arch in [ Architecture.Mlp; Architecture.Siren; Architecture.Kan ] do for seed in [ 1; 2 ] -> arch, seed ]
            let alone = jobs |> List.map (fun (a, s) -> fitAndPredict a s)
            for round in 1 .. 3 do
                let together = inParallel (jobs |> List.map (fun (a, s) -> fun () -> fitAndPredict a s))
                for ((arch, seed), reference), result in List.zip (List.zip jobs alone) together do
                    match result with
                    | Error e -> failtestf "round %d, %s seed %d threw %s: %s" round (Names.name Architecture.names arch) seed (e.GetType().Name) e.Message
                    | Ok p -> Expect.isTrue (sameBits p reference) (sprintf "round %d, %s seed %d: prediction differs from the fit alone" round (Names.name Architecture.names arch) seed)
        }

        test "predictions of one trained emulator from parallel threads equal the prediction made alone" {
            let spec = ModelOptions.spec { ModelOptions.defaults with Depth = 2; Width = 8 }
            let schedule = { AdamEpochs = 50; LearningRate = 1e-2; LbfgsIterations = 0 }
            let xh = Experiment.hfPoints problem 8 0
            let hf = { X = xh; Y = Experiment.evaluate problem.Hf xh }
            let fit =
                Fit.fit { TrainConfig.defaults with Schedule = schedule } spec problem.Domain hf
                    [ Exact problem.Sources.Head ] [| 0 |]
            let alone = (Emulator.predict fit.Emulator testX).Value
            let together = inParallel (List.replicate 4 (fun () -> [ for _ in 1 .. 20 -> (Emulator.predict fit.Emulator testX).Value ]))
            for r in together do
                match r with
                | Error e -> failtestf "a prediction threw %s: %s" (e.GetType().Name) e.Message
                | Ok ps -> for p in ps do Expect.isTrue (sameBits p alone) "a parallel prediction differs"
        }
    ]
