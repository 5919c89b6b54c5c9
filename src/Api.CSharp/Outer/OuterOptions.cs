namespace Emulators;

/// <summary>How Monte Carlo points are drawn.</summary>
public enum SamplingDesign
{
    /// <summary>Owen-scrambled Sobol' points (randomized quasi-Monte Carlo).</summary>
    Sobol,
    /// <summary>Latin hypercube.</summary>
    LatinHypercube,
}

/// <summary>Whether <see cref="MultiFidelityEmulator.Optimize"/> looks for the minimum or the maximum.</summary>
public enum OptimizationGoal
{
    /// <summary>The smallest predicted output.</summary>
    Minimize,
    /// <summary>The largest predicted output.</summary>
    Maximize,
}

/// <summary>What <see cref="MultiFidelityEmulator.Suggest"/> looks for.</summary>
public enum SuggestionCriterion
{
    /// <summary>Largest predictive spread: runs that improve the emulator's accuracy where it is least sure.</summary>
    Spread,
    /// <summary>Largest expected improvement over the best value: runs that help find the optimum.</summary>
    ExpectedImprovement,
}

/// <summary>Settings of <see cref="MultiFidelityEmulator.Propagate"/>.</summary>
public sealed record PropagationOptions
{
    /// <summary>Monte Carlo points in total.</summary>
    public int Samples { get; init; } = 16384;
    /// <summary>Independently randomized replicates; their spread gives the Monte Carlo error.</summary>
    public int Replicates { get; init; } = 16;
    /// <summary>How the points are drawn.</summary>
    public SamplingDesign Design { get; init; } = SamplingDesign.Sobol;
    /// <summary>Output quantiles to report, each in (0, 1).</summary>
    public IReadOnlyList<double> Quantiles { get; init; } = new[] { 0.05, 0.5, 0.95 };
    /// <summary>Confidence level of the intervals.</summary>
    public double Level { get; init; } = 0.95;
    /// <summary>Seed of the randomization.</summary>
    public int Seed { get; init; }
}

/// <summary>Settings of <see cref="MultiFidelityEmulator.Sensitivity"/>.</summary>
public sealed record SensitivityOptions
{
    /// <summary>Saltelli base samples n; the model runs at n (d + 2) points.</summary>
    public int BaseSamples { get; init; } = 16384;
    /// <summary>Bootstrap resamples of the base rows.</summary>
    public int Bootstrap { get; init; } = 300;
    /// <summary>Confidence level of the intervals.</summary>
    public double Level { get; init; } = 0.95;
    /// <summary>Seed of the sampling and the bootstrap.</summary>
    public int Seed { get; init; }
}

/// <summary>Settings of <see cref="MultiFidelityEmulator.Optimize"/>.</summary>
public sealed record OptimizationOptions
{
    /// <summary>Minimum or maximum.</summary>
    public OptimizationGoal Goal { get; init; } = OptimizationGoal.Minimize;
    /// <summary>L-BFGS-B runs, from the best spread-out points of the scan.</summary>
    public int Starts { get; init; } = 8;
    /// <summary>Scrambled Sobol' points scanned for the starts.</summary>
    public int ScanPoints { get; init; } = 1024;
    /// <summary>Iteration bound of each run.</summary>
    public int MaxIterations { get; init; } = 500;
    /// <summary>Seed of the scan.</summary>
    public int Seed { get; init; }
}

/// <summary>Settings of <see cref="MultiFidelityEmulator.Suggest"/>.</summary>
public sealed record SuggestionOptions
{
    /// <summary>What the points are for.</summary>
    public SuggestionCriterion Criterion { get; init; } = SuggestionCriterion.Spread;
    /// <summary>With <see cref="SuggestionCriterion.ExpectedImprovement"/>: minimum or maximum.</summary>
    public OptimizationGoal Goal { get; init; } = OptimizationGoal.Minimize;
    /// <summary>HF inputs already run, one row per run (new points keep away from them); null: none.</summary>
    public double[,]? ExistingInputs { get; init; }
    /// <summary>Their HF outputs (the expected improvement's best value); null: the best predicted mean.</summary>
    public double[]? ExistingOutputs { get; init; }
    /// <summary>Scrambled Sobol' candidate points.</summary>
    public int Candidates { get; init; } = 4096;
    /// <summary>Seed of the candidates.</summary>
    public int Seed { get; init; }
}

/// <summary>An interval [Lower, Upper].</summary>
public sealed record Interval(double Lower, double Upper);

/// <summary>One statistic of the output distribution.</summary>
/// <param name="Value">The statistic on the emulator's mean prediction.</param>
/// <param name="MonteCarlo">Monte Carlo error interval (from the replicates).</param>
/// <param name="Emulator">The emulator's own uncertainty (spread of the statistic across ensemble members); null for a single model.</param>
/// <param name="Combined">Both together.</param>
public sealed record StatisticEstimate(double Value, Interval MonteCarlo, Interval? Emulator, Interval Combined);

/// <summary>An output quantile.</summary>
public sealed record QuantileEstimate(double Probability, StatisticEstimate Estimate);

/// <summary>Result of <see cref="MultiFidelityEmulator.Propagate"/>.</summary>
/// <param name="Samples">Monte Carlo points used.</param>
/// <param name="Mean">Mean of the output.</param>
/// <param name="StandardDeviation">Standard deviation of the output.</param>
/// <param name="Quantiles">The requested quantiles.</param>
/// <param name="Outputs">The emulator's mean prediction at every sample (for a histogram).</param>
/// <param name="OutsideDomainFraction">Fraction of the input samples outside the training box (extrapolation).</param>
public sealed record PropagationResult(int Samples, StatisticEstimate Mean, StatisticEstimate StandardDeviation,
    IReadOnlyList<QuantileEstimate> Quantiles, double[] Outputs, double OutsideDomainFraction);

/// <summary>One Sobol' index.</summary>
/// <param name="Value">The index of the emulator's mean prediction.</param>
/// <param name="Bootstrap">Bootstrap interval (sampling error).</param>
/// <param name="Emulator">Interval across ensemble members; null for a single model.</param>
/// <param name="MemberValues">Each member's index; null for a single model.</param>
public sealed record SensitivityIndex(double Value, Interval Bootstrap, Interval? Emulator, double[]? MemberValues);

/// <summary>Result of <see cref="MultiFidelityEmulator.Sensitivity"/>: indices per input, in input order.</summary>
public sealed record SensitivityResult(int Evaluations, double Variance, IReadOnlyList<SensitivityIndex> FirstOrder,
    IReadOnlyList<SensitivityIndex> Total);

/// <summary>Result of <see cref="MultiFidelityEmulator.Optimize"/>.</summary>
/// <param name="X">The optimum found, inside the training box.</param>
/// <param name="Value">The predicted output there (members' mean).</param>
/// <param name="StandardDeviation">The members' spread there; null for a single model.</param>
/// <param name="MemberValues">Each member's prediction there; null for a single model.</param>
/// <param name="Evaluations">Model evaluations used.</param>
public sealed record OptimizationResult(double[] X, double Value, double? StandardDeviation, double[]? MemberValues, int Evaluations);

/// <summary>A suggested HF run.</summary>
public sealed record SuggestedPoint(double[] X, double Mean, double StandardDeviation, double Acquisition);

/// <summary>Input gradients at N points.</summary>
/// <param name="Value">The prediction (members' mean) per point.</param>
/// <param name="Gradient">∂prediction/∂x, [point][input].</param>
/// <param name="MemberGradients">Each member's gradient, [member][point][input]; null for a single model.</param>
public sealed record InputGradient(double[] Value, double[][] Gradient, double[][][]? MemberGradients);
