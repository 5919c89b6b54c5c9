/// Synthetic assessment records for the tests of the tables (Core) and the figures (Emulators.Figures).
module AssessmentRecords

open System
open Emulators.Core.Assessment

let baseRecord =
    { Key = ""
      Experiment = "main"
      Problem = "K1"
      Architecture = "mlp"
      Depth = 3
      Width = 16
      Model = "mf"
      Encoding = "none"
      Lf = "exact"
      Strategy = "none"
      Nh = 8
      NhTotal = 10
      Rep = 0
      Corrupted = -1
      Design = "sobol"
      NormalizedMse = 1e-3
      Rmse = 0.0
      MaxError = 0.0
      LearningRate = 1e-3
      Lambda = 1e-3
      SearchCandidates = 0
      ValidationNormalizedMse = 0.0
      Seconds = 1.0
      LibraryVersion = "test"
      FinishedUtc = "2025-01-01T00:00:00Z"
      Example = None }

let record (f: RunRecord -> RunRecord) =
    let r = f baseRecord
    { r with Key = sprintf "%s/%s/%s/%s/%s/%s/%s/%d/%d/%d" r.Experiment r.Problem r.Architecture r.Model r.Encoding r.Lf r.Strategy r.Nh r.Corrupted r.Rep }

/// A record of one run (repetition 0): an MF network with exact LF or, with model "sf", its SF baseline.
let run problem arch model enc nh e =
    record (fun r ->
        { r with
            Problem = problem
            Architecture = arch
            Model = model
            Encoding = enc
            Lf = (if model = "sf" then "none" else "exact")
            Nh = nh
            NormalizedMse = e })

let private forresterHf (x: float) = (6.0 * x - 2.0) ** 2.0 * sin (12.0 * x - 4.0)

let private example (nh: int) (noise: float) =
    let xs = Array.init 200 (fun i -> float i / 199.0)
    let truth = xs |> Array.map forresterHf
    let hfX = Array.init (nh + 2) (fun i -> float i / float (nh + 1))
    { X = xs
      Truth = truth
      Prediction = xs |> Array.map (fun x -> forresterHf x + noise * sin (7.0 * x))
      HfX = hfX
      HfY = hfX |> Array.map forresterHf }

/// K1, two architectures, three N_H, two repetitions, MF configurations, SF baselines, examples, corrupted runs.
let syntheticRecords () =
    let rng = Random 7
    let jitter () = 10.0 ** (0.3 * (rng.NextDouble() - 0.5))
    [ for arch, archFactor in [ "mlp", 1.0; "kan", 0.1 ] do
          for nh in [ 8; 16; 32 ] do
              let nhFactor = (8.0 / float nh) ** 3.0
              for rep in 0..1 do
                  for enc, encFactor in [ "none", 1.0; "affine", 10.0; "nonlinear", 30.0 ] do
                      for lf, strategy, lfFactor in [ "exact", "none", 1e-6; "learned", "freeze", 1e-3; "learned", "end-to-end", 3e-3 ] do
                          let e = archFactor * nhFactor * encFactor * lfFactor * jitter ()
                          yield
                              record (fun r ->
                                  { r with
                                      Architecture = arch
                                      Nh = nh
                                      Rep = rep
                                      Encoding = enc
                                      Lf = lf
                                      Strategy = strategy
                                      NormalizedMse = e
                                      Example = (if nh = 8 && rep = 0 then Some(example nh (sqrt e)) else None) })
                  let sf = archFactor * nhFactor * 0.3 * jitter ()
                  yield
                      record (fun r ->
                          { r with
                              Architecture = arch
                              Model = "sf"
                              Lf = "none"
                              Nh = nh
                              Rep = rep
                              NormalizedMse = sf
                              Example = (if nh = 8 && rep = 0 then Some(example nh (sqrt sf)) else None) })
      for arch in [ "mlp"; "kan" ] do
          for c in 0..3 do
              for rep in 0..1 do
                  yield
                      record (fun r ->
                          { r with
                              Experiment = "corrupted"
                              Architecture = arch
                              Lf = "learned"
                              Strategy = "end-to-end"
                              Corrupted = c
                              Rep = rep
                              NormalizedMse = 1e-4 * 5.0 ** float c * jitter () })
              yield
                  record (fun r ->
                      { r with
                          Experiment = "corrupted"
                          Architecture = arch
                          Model = "sf"
                          Lf = "none"
                          Corrupted = 0
                          NormalizedMse = 0.2 * jitter () }) ]
