using Emulators.Core;
using Emulators.Core.Outer;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;

namespace Emulators;

// The outer loops: gradients, propagation, sensitivity, optimization and where to run the next HF simulation.
public sealed partial class MultiFidelityEmulator
{
    /// <summary>Input gradients ∂ŷ/∂x at each row of <paramref name="inputs"/>, by automatic differentiation
    /// (of the members' mean, and of every member for an ensemble).</summary>
    public InputGradient Gradient(double[,] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var model = Trained();
        var g = Guard.Run(() => PredictorModule.ofEmulator(model).Gradient.Invoke(Convert.Rows(inputs)));
        return new InputGradient(g.Value, g.Mean, g.Members is null ? null : g.Members.Value);
    }

    /// <summary>Propagates input distributions through the emulator: mean, standard deviation and quantiles of the
    /// output, each with a Monte Carlo interval and, for an ensemble, the emulator's own uncertainty.</summary>
    /// <param name="inputs">One distribution per input (a null entry, or a null list: uniform over the training box).</param>
    /// <param name="options">Sampling settings (null: the defaults).</param>
    /// <exception cref="EmulatorException">The distributions or settings are invalid.</exception>
    public PropagationResult Propagate(IReadOnlyList<InputDistribution?>? inputs = null, PropagationOptions? options = null)
    {
        var model = Trained();
        var o = options ?? new PropagationOptions();
        var settings = new Propagation.Settings(o.Samples, o.Replicates,
            o.Design == SamplingDesign.Sobol ? McDesign.SobolMc : McDesign.LatinHypercubeMc, o.Seed,
            ListModule.OfSeq(o.Quantiles ?? Array.Empty<double>()), o.Level);
        var space = Space(model, inputs);
        var r = Guard.Run(() => Propagation.run(settings, space, PredictorModule.ofEmulator(model)));
        return new PropagationResult(r.Samples, Estimate(r.Mean), Estimate(r.Std),
            r.Quantiles.Select(q => new QuantileEstimate(q.Item1, Estimate(q.Item2))).ToArray(), r.Outputs, r.OutsideDomain);
    }

    /// <summary>First-order and total Sobol' indices of the inputs (Saltelli sampling, Saltelli 2010 and Jansen
    /// estimators), with bootstrap intervals and, for an ensemble, intervals across members.</summary>
    /// <param name="inputs">One distribution per input (a null entry, or a null list: uniform over the training box).</param>
    /// <param name="options">Sampling settings (null: the defaults).</param>
    /// <exception cref="EmulatorException">The distributions or settings are invalid.</exception>
    public SensitivityResult Sensitivity(IReadOnlyList<InputDistribution?>? inputs = null, SensitivityOptions? options = null)
    {
        var model = Trained();
        var o = options ?? new SensitivityOptions();
        var settings = new Emulators.Core.Outer.Sensitivity.Settings(o.BaseSamples, o.Bootstrap, o.Seed, o.Level);
        var space = Space(model, inputs);
        var r = Guard.Run(() => Emulators.Core.Outer.Sensitivity.run(settings, space, PredictorModule.ofEmulator(model)));
        return new SensitivityResult(r.Evaluations, r.Variance, r.FirstOrder.Select(Index).ToArray(), r.Total.Select(Index).ToArray());
    }

    /// <summary>The minimum or maximum of the emulator's prediction in its training box, by multi-start L-BFGS-B
    /// on automatic-differentiation gradients.</summary>
    /// <exception cref="EmulatorException">The settings are invalid.</exception>
    public OptimizationResult Optimize(OptimizationOptions? options = null)
    {
        var model = Trained();
        var o = options ?? new OptimizationOptions();
        var settings = new Emulators.Core.Outer.Optimize.Settings(Goal(o.Goal), o.Starts, o.ScanPoints, o.MaxIterations,
            Emulators.Core.Outer.Optimize.defaults.GradientTolerance, o.Seed);
        var r = Guard.Run(() => Emulators.Core.Outer.Optimize.run(settings, null, PredictorModule.ofEmulator(model)));
        return new OptimizationResult(r.X, r.Value, r.Std is null ? null : r.Std.Value,
            r.MemberValues is null ? null : r.MemberValues.Value, r.Evaluations);
    }

    /// <summary>Where to run the next <paramref name="count"/> HF simulations: points of largest predictive spread
    /// or expected improvement, spread out by a distance penalty. Needs an ensemble (Members &gt; 1).</summary>
    /// <exception cref="EmulatorException">The model has no uncertainty, or the settings are invalid.</exception>
    public IReadOnlyList<SuggestedPoint> Suggest(int count, SuggestionOptions? options = null)
    {
        var model = Trained();
        var o = options ?? new SuggestionOptions();
        var criterion = o.Criterion == SuggestionCriterion.Spread
            ? Emulators.Core.Outer.Suggest.Criterion.Spread
            : Emulators.Core.Outer.Suggest.Criterion.NewExpectedImprovement(Goal(o.Goal));
        var settings = new Emulators.Core.Outer.Suggest.Settings(count, criterion, o.Candidates, FSharpOption<double>.None, o.Seed);
        var existing = o.ExistingInputs is null ? Array.Empty<double[]>() : Convert.Rows(o.ExistingInputs);
        if (o.ExistingOutputs is not null && o.ExistingOutputs.Length != existing.Length)
            throw new EmulatorException($"suggest: {existing.Length} existing input rows but {o.ExistingOutputs.Length} outputs");
        var ys = o.ExistingOutputs is null ? FSharpOption<double[]>.None : FSharpOption<double[]>.Some(o.ExistingOutputs);
        var points = Guard.Run(() => Emulators.Core.Outer.Suggest.run(settings, existing, ys, PredictorModule.ofEmulator(model)));
        return points.Select(p => new SuggestedPoint(p.X, p.Mean, p.Std, p.Acquisition)).ToArray();
    }

    private static Emulators.Core.Outer.Optimize.Goal Goal(OptimizationGoal g) =>
        g == OptimizationGoal.Minimize ? Emulators.Core.Outer.Optimize.Goal.Minimize : Emulators.Core.Outer.Optimize.Goal.Maximize;

    private static Emulators.Core.Outer.InputDistribution[] Space(Emulator model, IReadOnlyList<InputDistribution?>? inputs)
    {
        var box = model.Domain;
        if (inputs is not null && inputs.Count != box.Dim)
            throw new EmulatorException($"{inputs.Count} input distributions for a model with {box.Dim} inputs");
        return Enumerable.Range(0, box.Dim)
            .Select(j => inputs?[j]?.Distribution ?? Emulators.Core.Outer.InputDistribution.NewUniform(box.Lower[j], box.Upper[j]))
            .ToArray();
    }

    private static Interval Range(Emulators.Core.Outer.Interval i) => new(i.Lower, i.Upper);

    private static StatisticEstimate Estimate(Propagation.Estimate e) =>
        new(e.Value, Range(e.MonteCarlo), e.Emulator is null ? null : Range(e.Emulator.Value), Range(e.Combined));

    private static SensitivityIndex Index(Emulators.Core.Outer.Sensitivity.Index i) =>
        new(i.Value, Range(i.Bootstrap), i.Emulator is null ? null : Range(i.Emulator.Value),
            i.MemberValues is null ? null : i.MemberValues.Value);
}
