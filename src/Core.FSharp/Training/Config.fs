/// What training needs to know, and what it gives back.
namespace Emulators.Core

open System.Threading

/// One optimisation stage: full-batch Adam, then an optional L-BFGS polish.
type Schedule =
    { AdamEpochs: int
      LearningRate: float
      LbfgsIterations: int }

/// One progress report of training. Training is a list of tasks (a single fit is one task; model selection
/// cross-validates one task per structure, then refits), a task a list of stages (each LF surrogate, then the
/// correlation stage; or one end-to-end stage), a stage a list of optimizer steps (Adam epochs, then at most
/// LbfgsIterations L-BFGS iterations). Within a stage the reported Step strictly increases and the last report,
/// with Finished set, has Step = Steps.
type ProgressReport =
    { /// What trains, e.g. "fit", "multi-fidelity", "CV 2/8: MF mlp 2x16, learned LF, encoding none (3 of 12 candidates, 10 folds)".
      Task: string
      /// 1-based index of the task and the number of tasks.
      TaskIndex: int
      Tasks: int
      /// The stage within the task: "LF surrogate 1 of 2", "correlation", "end-to-end" or "Gaussian process".
      Stage: string
      /// 1-based index of the stage within its task and the number of its stages.
      StageIndex: int
      Stages: int
      /// "Adam", "L-BFGS" (the polish after Adam is running) or "done".
      Phase: string
      /// Steps done: Adam epochs; Steps = Adam epochs + the L-BFGS bound, reached when the stage is done.
      Step: int
      Steps: int
      /// Total loss (penalties included) at the last logged epoch, or at the end of the stage when Finished.
      Loss: float
      Finished: bool }

module ProgressReport =
    /// Rename the stage of every report passing through `report`.
    let stage (name: string) (index: int) (count: int) (report: (ProgressReport -> unit) option) =
        report |> Option.map (fun f -> fun (r: ProgressReport) -> f { r with Stage = name; StageIndex = index; Stages = count })

    /// Rename the task of every report passing through `report`.
    let task (name: string) (index: int) (count: int) (report: (ProgressReport -> unit) option) =
        report |> Option.map (fun f -> fun (r: ProgressReport) -> f { r with Task = name; TaskIndex = index; Tasks = count })

/// What a training run reports and obeys besides its hyperparameters: progress, cancellation and how often the
/// loss terms are logged. No number of the trained model depends on them, so they travel apart from TrainConfig
/// (which is saved, compared and searched over) and the hyperparameters carry no callbacks.
type RunHooks =
    { /// Record every loss term every this many Adam epochs (the history; the model's numbers do not depend on it).
      LogEvery: int
      Report: (ProgressReport -> unit) option
      Cancel: CancellationToken
      /// Let L-BFGS drop stopped members from its batch where the stage can be rebuilt over a subset (the default):
      /// the same numbers, faster. Off only to check that claim.
      CompactLbfgs: bool
      /// Called with every L-BFGS polish's outcome (each member's iterations, evaluations and stop; the batched work
      /// it took), for diagnostics.
      OnLbfgs: (Lbfgs.Result -> unit) option }

module RunHooks =
    /// No progress reports, no cancellation, the loss logged every 100 Adam epochs.
    let defaults =
        { LogEvery = 100
          Report = None
          Cancel = CancellationToken.None
          CompactLbfgs = true
          OnLbfgs = None }

    /// The defaults, reporting to `report` and stopping when `cancel` is cancelled.
    let reporting (report: (ProgressReport -> unit) option) (cancel: CancellationToken) =
        { defaults with Report = report; Cancel = cancel }

    /// Rename the stage of every report (ProgressReport.stage).
    let stage (name: string) (index: int) (count: int) (hooks: RunHooks) =
        { hooks with Report = ProgressReport.stage name index count hooks.Report }

    /// Rename the task of every report (ProgressReport.task).
    let task (name: string) (index: int) (count: int) (hooks: RunHooks) =
        { hooks with Report = ProgressReport.task name index count hooks.Report }

/// The hyperparameters of one training: what the trained numbers depend on (besides data, seeds and the
/// emulator's structure). How a run reports and is cancelled is RunHooks.
type TrainConfig =
    { /// Schedule of the HF stage (and of the whole model end to end).
      Schedule: Schedule
      /// Schedule of LF-surrogate pre-training.
      SurrogateSchedule: Schedule
      /// L2 penalty λ Σ W² on the weight matrices of F_nl (scaled units).
      Lambda: float
      Strategy: Strategy
      /// Penalty λ_E Σ (θ − θ₀)² on every encoder's parameters θ, measured from their start θ₀ (the identity or
      /// the leading-inputs projection), so that an encoder leaves its start only where the HF data pay for it.
      /// Without it, nothing stops an encoder from drifting to absorb what F_nl's penalty makes expensive.
      /// 0: no penalty.
      EncoderLambda: float
      /// KAN grid update from data (Kan.updateGrid): before a KAN block trains, its knots move to its training
      /// inputs (LF surrogates: the LF points; encoders: the HF points; F_nl: the HF features [x, y_L], after the
      /// surrogates are pre-trained). The uniform grid over [-1, 1] does not cover the standardized LF values F_nl
      /// sees, nor hidden activations. No effect on other block families. false: the fixed uniform grid.
      KanGridUpdate: bool
      /// Ensemble members with their own hyperparameters and data (all None: every member trains like the others,
      /// differing only in its seed). Each array has one entry per seed passed to `Fit.fit`.
      /// Adam learning rate of each member in the HF (or end-to-end) stage; None: Schedule.LearningRate for all.
      /// LF-surrogate pre-training keeps SurrogateSchedule.LearningRate.
      MemberLearningRates: float[] option
      /// Penalty λ of each member; None: Lambda for all.
      MemberLambdas: float[] option
      /// HF weights per member and HF point, [member][point]: 1 = the member uses the point, 0 = it does not;
      /// integer counts act as repeated points (a bootstrap resample). Member e's HF term is its weighted mean
      /// squared error, and its output standardization uses the weighted mean and standard deviation of y, so
      /// member e equals a model trained alone on its own subset. None: every member uses every point.
      MemberHfMask: float[][] option }

/// Loss terms recorded at one step: per-term values averaged over ensemble members.
type HistoryEntry =
    { Stage: string
      Step: int
      Terms: (string * float) list }

type StageSummary =
    { Stage: string
      AdamEpochs: int
      LbfgsIterations: int
      LbfgsStop: string
      FinalLoss: float
      Seconds: float }

type HfData = { X: float[][]; Y: float[] }

type FitResult =
    { Emulator: Emulator
      History: HistoryEntry list
      Stages: StageSummary list
      Seconds: float }

/// An LF surrogate trained alone on its source's LF data (Surrogates.pretrainAlone), for reuse: by every member
/// of an ensemble that starts from it, and by every fit that would train the same surrogate again.
type TrainedSurrogate =
    { Source: string
      /// One member's parameters: every tensor is [1, ...]. Never trained further in place (a fit copies them).
      Params: Params
      /// The standardization of the source's outputs the surrogate was trained in.
      OutputScale: Affine1
      History: HistoryEntry list
      Stage: StageSummary }

/// What one ensemble member trains on, for ensembles whose members see different data (the repetitions of an
/// assessment configuration, each with its own HF points and LF samples; see Fit.fitMembers). Members agree on the
/// number of HF points and on their sources' names, kinds and sizes.
type MemberData =
    { Hf: HfData
      Sources: SourceSpec list
      /// The pre-trained surrogate of each learned source, in the order of the learned sources; None: the fit
      /// trains them itself. With PretrainFreeze they are used frozen as they are; end to end they are the start.
      Surrogates: TrainedSurrogate list option }

module TrainConfig =
    /// The declared defaults (measured on K1).
    let defaults =
        let schedule =
            { AdamEpochs = OptionSpec.epochs.Default
              LearningRate = OptionSpec.learningRate.Default
              LbfgsIterations = OptionSpec.lbfgsIterations.Default }
        { Schedule = schedule
          SurrogateSchedule = schedule
          Lambda = OptionSpec.lambda.Default
          Strategy = OptionSpec.strategy.Default
          EncoderLambda = OptionSpec.encoderLambda.Default
          KanGridUpdate = OptionSpec.kanGridUpdate.Default
          MemberLearningRates = None
          MemberLambdas = None
          MemberHfMask = None }

    /// The configuration of members `members` of an ensemble (in that order) as an ensemble of their own: their
    /// learning rates, penalties and HF subsets.
    let selectMembers (members: int[]) (cfg: TrainConfig) =
        let pick (a: 'a[]) = members |> Array.map (fun e -> a[e])
        { cfg with
            MemberLearningRates = Option.map pick cfg.MemberLearningRates
            MemberLambdas = Option.map pick cfg.MemberLambdas
            MemberHfMask = Option.map pick cfg.MemberHfMask }
