namespace Emulators.Facade.Tests;

/// <summary>Emulators fitted and queried from parallel tasks give what they give one at a time.</summary>
public static class ConcurrencyTests
{
    static MultiFidelityEmulator Fit(int seed)
    {
        var options = new EmulatorOptions
        {
            Selection = ModelSelection.Off, Depth = 2, Width = 8, Epochs = 150, LbfgsIterations = 10,
            LearningRate = 1e-2, Seed = seed,
        };
        var emulator = new MultiFidelityEmulator(options)
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray())
            .AddSource(LowFidelitySource.FromData("LF", Data.Column(Data.LfPoints), Data.LfPoints.Select(Data.Lf).ToArray()));
        emulator.Fit();
        return emulator;
    }

    static bool SameBits(double[] a, double[] b) =>
        a.Length == b.Length && a.Zip(b).All(p => BitConverter.DoubleToInt64Bits(p.First) == BitConverter.DoubleToInt64Bits(p.Second));

    [FacadeTest]
    public static void FitAndPredictFromParallelTasksEqualTheSameCallsOneAtATime()
    {
        var test = Data.Column(Data.TestPoints);
        var seeds = new[] { 0, 1, 2, 3 };
        var alone = seeds.Select(s => Fit(s).Predict(test).Value).ToArray();
        for (var round = 0; round < 2; round++)
        {
            var fits = seeds.Select(s => Task.Run(() => Fit(s))).ToArray();
            Task.WaitAll(fits);
            var predictions = fits.SelectMany((f, i) => Enumerable.Range(0, 3)
                .Select(_ => (Index: i, Task: Task.Run(() => f.Result.Predict(test).Value)))).ToArray();
            Task.WaitAll(predictions.Select(p => p.Task).ToArray());
            foreach (var p in predictions)
                Check.That(SameBits(p.Task.Result, alone[p.Index]),
                    $"round {round}, seed {seeds[p.Index]}: the parallel fit or prediction differs from the one alone");
        }
    }

    [FacadeTest]
    public static void ThreadsOptionIsValidated()
    {
        var emulator = new MultiFidelityEmulator(new EmulatorOptions { Selection = ModelSelection.Off, Threads = 0, Epochs = 1, LbfgsIterations = 0 })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray())
            .AddSource(LowFidelitySource.FromData("LF", Data.Column(Data.LfPoints), Data.LfPoints.Select(Data.Lf).ToArray()));
        Check.Throws<EmulatorException>(() => emulator.Fit(), "threads must be at least 1");
    }
}
