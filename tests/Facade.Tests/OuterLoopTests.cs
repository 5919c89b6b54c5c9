namespace Emulators.Facade.Tests;

public static class OuterLoopTests
{
    /// K1 with its LF function as a black box, a 3-member ensemble trained exactly as configured.
    static MultiFidelityEmulator TrainK1Ensemble()
    {
        var options = new EmulatorOptions { Epochs = 800, LbfgsIterations = 400, Members = 3, Selection = ModelSelection.Off };
        var xs = Data.HfPoints;
        var emulator = new MultiFidelityEmulator(options)
            .SetHighFidelityData(Data.Column(xs), xs.Select(Data.Hf).ToArray())
            .AddSource(LowFidelitySource.FromFunction("LF", x => Data.Lf(x[0]), new[] { 0.0 }, new[] { 1.0 }));
        emulator.Fit();
        return emulator;
    }

    [FacadeTest]
    public static void OuterLoopsOnK1GradientPropagationSensitivityOptimizationAndSuggestions()
    {
        var emulator = TrainK1Ensemble();

        // Gradients: the derivative of y_H = (6x - 2)^2 sin(12x - 4).
        var g = emulator.Gradient(Data.Column(new[] { 0.3, 0.6 }));
        Check.That(g.MemberGradients is { Length: 3 }, "one gradient per member");
        foreach (var (x, i) in new[] { (0.3, 0), (0.6, 1) })
        {
            var a = 6 * x - 2;
            var exact = 12 * a * Math.Sin(12 * x - 4) + 12 * a * a * Math.Cos(12 * x - 4);
            Check.That(Math.Abs(g.Gradient[i][0] - exact) < 1e-3 * Math.Max(1, Math.Abs(exact)), $"dy/dx at {x}: {g.Gradient[i][0]} vs {exact}");
        }

        // Propagation: uniform input on [0, 1]; y_H's mean is 0.45321.
        var p = emulator.Propagate(options: new PropagationOptions { Samples = 4096 });
        Check.That(Math.Abs(p.Mean.Value - 0.45321) < 5e-3, $"mean {p.Mean.Value}");
        Check.That(p.Mean.Emulator is not null, "an ensemble has an emulator interval");
        Check.That(p.Quantiles.Count == 3 && p.Outputs.Length == 4096, "quantiles and outputs");
        var normal = emulator.Propagate(new[] { InputDistribution.Normal(0.5, 0.1) }, new PropagationOptions { Samples = 2048 });
        Check.That(normal.StandardDeviation.Value < p.StandardDeviation.Value, "a narrower input narrows the output");

        // Sensitivity of a one-input model: everything is due to x.
        var s = emulator.Sensitivity(options: new SensitivityOptions { BaseSamples = 1024, Bootstrap = 50 });
        Check.That(Math.Abs(s.FirstOrder[0].Value - 1) < 1e-2 && Math.Abs(s.Total[0].Value - 1) < 1e-2, "S = ST = 1");

        // Optimization: the minimiser of Forrester's y_H.
        var o = emulator.Optimize();
        Check.That(Math.Abs(o.X[0] - 0.75725) < 1e-3, $"x* = {o.X[0]}");
        Check.That(o.StandardDeviation is not null && o.MemberValues is { Length: 3 }, "uncertainty at x*");
        var max = emulator.Optimize(new OptimizationOptions { Goal = OptimizationGoal.Maximize });
        Check.That(max.X[0] == 1.0, "the maximum sits on the upper bound");

        // Suggestions: K distinct points in the box, away from the existing runs.
        var existing = Data.Column(Data.HfPoints);
        var pts = emulator.Suggest(3, new SuggestionOptions { ExistingInputs = existing });
        Check.That(pts.Count == 3 && pts.All(q => q.X[0] >= 0 && q.X[0] <= 1), "three points in the box");
        Check.That(pts.Select(q => q.X[0]).Distinct().Count() == 3, "distinct");

        // Bad input: a clear EmulatorException.
        Check.Throws<EmulatorException>(() => InputDistribution.Normal(0, -1), "standard deviation", "positive");
        Check.Throws<EmulatorException>(() => InputDistribution.Parse("beta(1,2)"), "unknown distribution 'beta'");
        Check.Throws<EmulatorException>(() => emulator.Propagate(new[] { InputDistribution.Uniform(0, 1), InputDistribution.Uniform(0, 1) }), "2 input distributions");
    }
}
