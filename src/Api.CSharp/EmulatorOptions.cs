using Emulators.Core;
namespace Emulators;

/// <summary>Options of a multi-fidelity emulator. A property left null takes the library's default (the value
/// <see cref="Defaults"/> shows); after <see cref="MultiFidelityEmulator.Load"/>, every property holds the value the
/// model was trained with.</summary>
public sealed record EmulatorOptions
{
    /// <summary>Block family of the correlation network, the LF surrogates, the encoders and the single-fidelity
    /// network (default <see cref="Architecture.Mlp"/>).</summary>
    public Architecture? Architecture { get; init; }
    /// <summary>Hidden layers per block (default 3).</summary>
    public int? Depth { get; init; }
    /// <summary>Units per hidden layer (default 16).</summary>
    public int? Width { get; init; }
    /// <summary>SIREN first-layer frequency ω0 (default 30); only SIREN blocks use it.</summary>
    public double? SirenOmega0 { get; init; }
    /// <summary>KAN grid intervals (default 5); only KAN blocks use it.</summary>
    public int? KanGridSize { get; init; }
    /// <summary>KAN B-spline order (default 3, cubic); only KAN blocks use it.</summary>
    public int? KanSplineOrder { get; init; }
    /// <summary>Lower end of the KAN grid range (default -1); network inputs are mapped onto the range.</summary>
    public double? KanGridMin { get; init; }
    /// <summary>Upper end of the KAN grid range (default 1).</summary>
    public double? KanGridMax { get; init; }
    /// <summary>Coordinate encoding per LF source (default <see cref="CoordinateEncoding.None"/>).</summary>
    public CoordinateEncoding? Encoding { get; init; }
    /// <summary>Training strategy (default <see cref="TrainingStrategy.PretrainAndFreeze"/>).</summary>
    public TrainingStrategy? Strategy { get; init; }
    /// <summary>Full-batch Adam epochs per stage (default 5000).</summary>
    public int? Epochs { get; init; }
    /// <summary>L-BFGS iterations after Adam (default 3000; 0 disables).</summary>
    public int? LbfgsIterations { get; init; }
    /// <summary>Adam learning rate (default 0.001).</summary>
    public double? LearningRate { get; init; }
    /// <summary>L2 penalty λ on the weights of the nonlinear correlation network (default 0.001).</summary>
    public double? Lambda { get; init; }
    /// <summary>Penalty on the coordinate encoders' distance from their identity (or leading-inputs projection)
    /// start (default 0: none). With few HF points, a positive value keeps an encoder from drifting to absorb what
    /// the correlation network has not fitted.</summary>
    public double? EncoderPenalty { get; init; }
    /// <summary>Whether KAN blocks move their spline grids to their training inputs before training (default
    /// false: the fixed uniform grid). Only the KAN architecture has a grid.</summary>
    public bool? KanGridUpdate { get; init; }
    /// <summary>Initialisation seed, and with automatic selection the folds' (default 0).</summary>
    public int? Seed { get; init; }
    /// <summary>Deep-ensemble members trained at once as one batched computation (default 1); see
    /// <see cref="MultiFidelityEmulator.PredictWithUncertainty"/>.</summary>
    public int? Members { get; init; }
    /// <summary>libtorch threads for this emulator's tensor work (null: the library's policy, one thread,
    /// which suits networks this small best; train several emulators in parallel to use more cores). libtorch's
    /// thread count is process-wide: Fit, Predict and Evaluate set it on the calling thread, and it becomes the
    /// default of threads that start tensor work later, so emulators used at the same time should agree on it.</summary>
    public int? Threads { get; init; }
    /// <summary>Precision (default <see cref="Precision.Float64"/>).</summary>
    public Precision? Precision { get; init; }
    /// <summary>Automatic model selection by cross-validation, or exactly these options (default
    /// <see cref="ModelSelection.Automatic"/>). With selection, Architecture, Depth, Width, Encoding, LearningRate and
    /// Lambda are chosen by the emulator; Epochs and LbfgsIterations set the final refit.</summary>
    public ModelSelection? Selection { get; init; }
    /// <summary>Cost bound of automatic selection (default <see cref="SelectionBudget.Small"/>).</summary>
    public SelectionBudget? Budget { get; init; }
    /// <summary>With automatic selection, also cross-validate the Gaussian-process candidates (single-fidelity GP, AR1
    /// co-kriging, NARGP) on the same folds as the networks (default true; false: networks only). The best GP replaces
    /// the best network only when its CV error is lower by more than one standard error of the difference.</summary>
    public bool GaussianProcessCandidates { get; init; } = true;

    /// <summary>The library's defaults, every property set.</summary>
    public static EmulatorOptions Defaults => OptionsMap.FromCore(ModelOptionsModule.defaults);
}

/// <summary>One candidate model of automatic selection and its cross-validation error.</summary>
/// <param name="Description">Family, size, LF mode and encoding, e.g. "MF mlp 2x16, learned LF, encoding none".</param>
/// <param name="LearningRate">Adam learning rate.</param>
/// <param name="Lambda">Penalty λ.</param>
/// <param name="CvError">Mean held-out normalized MSE over the folds.</param>
/// <param name="CvSpread">Standard deviation of the held-out error over the folds.</param>
/// <param name="IsSingleFidelity">True for the single-fidelity network.</param>
public sealed record ModelCandidate(string Description, double LearningRate, double Lambda, double CvError, double CvSpread, bool IsSingleFidelity);

/// <summary>What automatic selection did: every candidate, the choice, and the estimated error.</summary>
/// <param name="Method">"leave-one-out" or "k-fold".</param>
/// <param name="Candidates">Every candidate, best first.</param>
/// <param name="Chosen">The candidate refitted on all HF data.</param>
/// <param name="EstimatedError">The chosen candidate's CV normalized MSE: the estimate of its generalization error.</param>
public sealed record ModelSelectionReport(string Method, IReadOnlyList<ModelCandidate> Candidates, ModelCandidate Chosen, double EstimatedError);

/// <summary>Progress of training, reported between epochs. Training is a list of tasks (one fit; or, with model
/// selection, one cross-validation task per candidate structure and then the refit), each task a list of stages (each
/// LF surrogate, then the correlation stage). Within a stage every report has a larger <see cref="Step"/> than the
/// one before, and the last one has <see cref="Finished"/> set and Step = Steps.</summary>
/// <param name="Stage">The task, e.g. "fit" or "CV 2/8: MF mlp 2x16, learned LF, encoding none (3 of 12 candidates, 10 folds)" or "refit: …".</param>
/// <param name="TaskIndex">1-based index of the task.</param>
/// <param name="TaskCount">Number of tasks.</param>
/// <param name="SubStage">The stage within the task: "LF surrogate 1 of 2", "correlation", "end-to-end", or "Gaussian process" (one
/// stage per GP candidate: all its folds and restarts by L-BFGS at once).</param>
/// <param name="SubStageIndex">1-based index of the stage within the task.</param>
/// <param name="SubStageCount">Number of stages of the task.</param>
/// <param name="Phase">"Adam", "L-BFGS" (the polish after Adam is running) or "done".</param>
/// <param name="Step">Adam epochs done; Steps when the stage is done.</param>
/// <param name="Steps">Adam epochs plus the L-BFGS iteration bound of the stage.</param>
/// <param name="Loss">Total loss at the last logged epoch, or at the end of the stage when finished.</param>
/// <param name="Finished">True on the stage's last report.</param>
public sealed record TrainingProgress(
    string Stage, int TaskIndex, int TaskCount,
    string SubStage, int SubStageIndex, int SubStageCount,
    string Phase, int Step, int Steps, double Loss, bool Finished);

/// <summary>A prediction: the HF value and its linear and nonlinear parts (Value = Linear + Nonlinear).</summary>
public sealed record EmulatorPrediction(double[] Value, double[] Linear, double[] Nonlinear);

/// <summary>A deep-ensemble prediction.</summary>
/// <param name="Mean">Mean of the members' predictions, per point.</param>
/// <param name="StandardDeviation">Sample standard deviation across members, per point (0 with one member).</param>
/// <param name="Members">Every member's prediction, [member][point].</param>
public sealed record UncertainPrediction(double[] Mean, double[] StandardDeviation, double[][] Members);

/// <summary>Errors of an emulator on reference data.</summary>
/// <param name="NormalizedMse">MSE divided by the mean square of the reference outputs.</param>
/// <param name="Rmse">Root-mean-square error.</param>
/// <param name="MaxError">Largest absolute error.</param>
public sealed record EvaluationResult(double NormalizedMse, double Rmse, double MaxError);
