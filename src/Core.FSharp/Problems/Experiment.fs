/// One assessment run on a built-in problem: sample the data, train the MF emulator and its single-fidelity
/// baseline, score both on the test set.
module Emulators.Core.Experiment

open System.Diagnostics
open TorchSharp
open Emulators.Core.Tensors

type LfMode =
    /// The LF functions themselves (the paper's upper bound).
    | ExactLf
    /// Surrogates trained on sampled LF data.
    | LearnedLf

module LfMode =
    let names = Names.table "LF mode" [ "exact", [], ExactLf; "learned", [ "learnable" ], LearnedLf ]

    let name (m: LfMode) = Names.name names m

/// How the HF training inputs of a repetition are drawn.
type HfDesign =
    /// The paper's repeated Sobol' sets: consecutive unscrambled points from a power-of-two index.
    | SobolOffset
    /// Owen-scrambled Sobol' points, one scramble per repetition: the same stratification without the aliasing
    /// of the offset sets, whose 2^m points all sit at one phase of any oscillation with period 2^-m.
    | ScrambledSobol

module HfDesign =
    let names = Names.table "HF design" [ "sobol", [ "offset" ], SobolOffset; "scrambled", [ "owen" ], ScrambledSobol ]

    let name (d: HfDesign) = Names.name names d

/// The configuration of one run on a built-in problem: the MF emulator and its SF baseline.
type SingleRun =
    { Problem: Problem
      Spec: EmulatorSpec
      LfMode: LfMode
      /// Sobol' HF points before the 1-D boundary augmentation.
      NHf: int
      Design: HfDesign
      /// Repetition seed: selects the Sobol' offset and the network initialisation.
      Seed: int
      Train: TrainConfig
      /// Single-fidelity baseline training (same block family, HF data only).
      SfTrain: TrainConfig }

type RunResult =
    { Problem: string
      Architecture: string
      LfMode: string
      Encoding: string
      Strategy: string
      NHf: int
      Design: string
      /// HF points actually used (boundary points included).
      NHfTotal: int
      Seed: int
      Lambda: float
      LearningRate: float
      Mf: Metrics.Scores
      Sf: Metrics.Scores
      MfSeconds: float
      SfSeconds: float }

/// Evaluate a vectorised model at physical points, in float64.
let evaluate (f: Model) (points: float[][]) : float[] =
    use _ = torch.NewDisposeScope()
    use _ = torch.no_grad ()
    Tensors.toArray (f (Tensors.ofRows Float64 points))

/// HF training inputs of repetition `seed` in the given design, 1-D boundary points added.
/// With offsets, the repetition is the draw index of one fixed offset permutation, so repetitions 0..9 always use
/// ten different power-of-two offsets (seeding the permutation with the repetition instead let two of four
/// repetitions share their HF points); scrambled, the repetition selects the scramble.
let hfPointsIn (design: HfDesign) (p: Problem) (n: int) (seed: int) =
    if n < 1 then Errors.fail "the number of HF points must be positive (got %d)" n
    if seed < 0 then Errors.fail "the repetition seed must be non-negative (got %d)" seed
    match design with
    | SobolOffset -> Sampling.sobolRandomized 0 seed p.Domain.Dim n
    | ScrambledSobol -> Sampling.sobolScrambled 0 seed p.Domain.Dim n
    |> Sampling.withBoundary
    |> Sampling.scaleTo p.Domain.Lower p.Domain.Upper

/// HF training inputs of repetition `seed` in the paper's design (randomized power-of-two Sobol' offsets).
let hfPoints (p: Problem) (n: int) (seed: int) = hfPointsIn SobolOffset p n seed

/// LF training inputs for one source in repetition `seed`: like `hfPoints`, the repetition indexes one fixed offset
/// permutation (its own, not the HF one), so repetitions 0..9 always draw ten different LF sets. Entry seed + 1
/// keeps repetition 0 on the draw it has always had.
let lfPoints (s: SourceFunction) (n: int) (seed: int) =
    if seed < 0 then Errors.fail "the repetition seed must be non-negative (got %d)" seed
    Sampling.sobolRandomized 7919 (seed + 1) s.Domain.Dim n |> Sampling.scaleTo s.Domain.Lower s.Domain.Upper

/// The fixed test set: an even grid in low dimension, otherwise seeded Monte Carlo.
let testPoints (p: Problem) =
    match p.TestGridPerDim with
    | Some k -> Sampling.grid k p.Domain.Dim |> Sampling.scaleTo p.Domain.Lower p.Domain.Upper
    | None -> Sampling.uniform 20251202 p.Domain.Dim p.TestMonteCarlo |> Sampling.scaleTo p.Domain.Lower p.Domain.Upper

/// The LF sources of a problem in the requested mode.
let sources (p: Problem) (mode: LfMode) (seed: int) : SourceSpec list =
    p.Sources
    |> List.map (fun s ->
        match mode with
        | ExactLf -> Exact s
        | LearnedLf ->
            let x = lfPoints s p.LfSize seed
            Learned(s.Name, Some s.Domain, x, evaluate s.Eval x))

/// Initialisation seeds of a repetition's networks: salt 0 for the MF emulator, 1 for the SF baseline.
let memberSeeds (seed: int) (salt: int) = [| 1000 + 97 * seed + salt |]

/// Train and score the MF emulator and its single-fidelity baseline: two tasks, "multi-fidelity" then
/// "single-fidelity", each reporting through `hooks`.
let runWith (hooks: RunHooks) (cfg: SingleRun) : RunResult * FitResult * FitResult =
    let p = cfg.Problem
    let xh = hfPointsIn cfg.Design p cfg.NHf cfg.Seed
    let hf = { X = xh; Y = evaluate p.Hf xh }
    let xt = testPoints p
    let yt = evaluate p.Hf xt
    let score (m: Emulator) = Metrics.all p.NormSq (Emulator.predict m xt).Value yt
    let mf = Fit.fitWith (RunHooks.task "multi-fidelity" 1 2 hooks) cfg.Train cfg.Spec p.Domain hf (sources p cfg.LfMode cfg.Seed) (memberSeeds cfg.Seed 0)
    let sfSpec = { cfg.Spec with Encoding = NoEncoding }
    let sf = Fit.fitWith (RunHooks.task "single-fidelity" 2 2 hooks) cfg.SfTrain sfSpec p.Domain hf [] (memberSeeds cfg.Seed 1)
    { Problem = p.Name
      Architecture = Block.name cfg.Spec.Correlation
      LfMode = LfMode.name cfg.LfMode
      Encoding = Names.name EncodingKind.names (Encoding.kind cfg.Spec.Encoding)
      Strategy = Strategy.name cfg.Train.Strategy
      NHf = cfg.NHf
      Design = HfDesign.name cfg.Design
      NHfTotal = xh.Length
      Seed = cfg.Seed
      Lambda = cfg.Train.Lambda
      LearningRate = cfg.Train.Schedule.LearningRate
      Mf = score mf.Emulator
      Sf = score sf.Emulator
      MfSeconds = mf.Seconds
      SfSeconds = sf.Seconds },
    mf,
    sf

/// `runWith` with the default hooks (RunHooks.defaults: no progress, no cancellation).
let run (cfg: SingleRun) : RunResult * FitResult * FitResult = runWith RunHooks.defaults cfg
