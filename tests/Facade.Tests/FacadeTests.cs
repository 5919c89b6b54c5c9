using System.Diagnostics;
using System.Globalization;

namespace Emulators.Facade.Tests;

public static class FacadeTests
{
    static readonly EmulatorOptions Quick = new() { Epochs = 1500, LbfgsIterations = 800 };

    static MultiFidelityEmulator TrainK1FromCsv(string dir)
    {
        var hf = CsvData.Read(Data.WriteCsv(dir, "hf.csv", Data.HfPoints, Data.Hf));
        var lf = CsvData.Read(Data.WriteCsv(dir, "lf.csv", Data.LfPoints, Data.Lf));
        var emulator = new MultiFidelityEmulator(Quick)
            .SetHighFidelityData(hf.Inputs, hf.Outputs)
            .AddSource(LowFidelitySource.FromData("LF", lf.Inputs, lf.Outputs));
        emulator.Fit();
        return emulator;
    }

    static string ExampleDll() =>
        Path.Combine(AppContext.BaseDirectory, "CsvExample.dll");

    static (int Code, string Out, string Err) RunExample(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(ExampleDll());
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }

    [FacadeTest]
    public static void TrainOnCsvSaveAndReloadInASecondProcessPredictsIdentically()
    {
        var dir = Data.TempDir();
        var emulator = TrainK1FromCsv(dir);
        var model = Path.Combine(dir, "model");
        emulator.Save(model);
        var testCsv = Data.WriteCsv(dir, "test.csv", Data.TestPoints, Data.Hf);
        var here = emulator.Predict(CsvData.Read(testCsv).Inputs);
        var (code, _, err) = RunExample("predict", model, testCsv, Path.Combine(dir, "pred.csv"));
        Check.That(code == 0, $"second process failed: {err}");
        var there = File.ReadAllLines(Path.Combine(dir, "pred.csv")).Skip(1)
            .Select(l => double.Parse(l.Split(',')[0], CultureInfo.InvariantCulture)).ToArray();
        Check.That(there.Length == here.Value.Length, "prediction count");
        for (var i = 0; i < there.Length; i++)
            Check.That(BitConverter.DoubleToInt64Bits(there[i]) == BitConverter.DoubleToInt64Bits(here.Value[i]),
                $"point {i}: {there[i]:R} in the second process vs {here.Value[i]:R}");
        var error = emulator.Evaluate(CsvData.Read(testCsv).Inputs, CsvData.Read(testCsv).Outputs);
        Check.That(error.NormalizedMse < 1e-3, $"K1 from CSV: normalized MSE {error.NormalizedMse}");
    }

    [FacadeTest]
    public static void TheExampleProgramTrainsAndSavesAModel()
    {
        var dir = Data.TempDir();
        var hf = Data.WriteCsv(dir, "hf.csv", Data.HfPoints, Data.Hf);
        var lf = Data.WriteCsv(dir, "lf.csv", Data.LfPoints, Data.Lf);
        var model = Path.Combine(dir, "model");
        var (code, _, err) = RunExample("train", hf, lf, model, "300");
        Check.That(code == 0, $"example train failed: {err}");
        var loaded = MultiFidelityEmulator.Load(model);
        Check.That(loaded.IsTrained && loaded.InputDimension == 1, "reloaded model");
        Check.That(loaded.SourceNames.SequenceEqual(new[] { "LF" }), "source names survive saving");
    }

    [FacadeTest]
    public static void AKanWithGridUpdateTrainsSavesAndReloads()
    {
        var dir = Data.TempDir();
        var emulator = new MultiFidelityEmulator(new EmulatorOptions
            {
                Architecture = Architecture.Kan, Depth = 1, Width = 4, Epochs = 50, LbfgsIterations = 0,
                Selection = ModelSelection.Off, KanGridUpdate = true
            })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray())
            .AddSource(LowFidelitySource.FromData("lf", Data.Column(Data.LfPoints), Data.LfPoints.Select(Data.Lf).ToArray()));
        emulator.Fit();
        var model = Path.Combine(dir, "kan");
        emulator.Save(model);
        var here = emulator.Predict(Data.Column(Data.TestPoints));
        var there = MultiFidelityEmulator.Load(model).Predict(Data.Column(Data.TestPoints));
        for (var i = 0; i < here.Value.Length; i++)
            Check.That(BitConverter.DoubleToInt64Bits(here.Value[i]) == BitConverter.DoubleToInt64Bits(there.Value[i]),
                $"point {i}: {there.Value[i]:R} after reloading vs {here.Value[i]:R}");
        Check.That(File.ReadAllText(Path.Combine(model, "model.json")).Contains("@knots"), "the adapted knots are saved");
    }

    [FacadeTest]
    public static void LoadReportsTheOptionsTheModelWasTrainedWith()
    {
        var dir = Data.TempDir();
        var given = new EmulatorOptions
        {
            Architecture = Architecture.Kan, Depth = 1, Width = 4, KanGridSize = 4, Epochs = 30, LbfgsIterations = 0,
            LearningRate = 2e-3, Lambda = 1e-4, Strategy = TrainingStrategy.EndToEnd, Seed = 2, Selection = ModelSelection.Off,
        };
        var emulator = new MultiFidelityEmulator(given)
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray())
            .AddSource(LowFidelitySource.FromData("lf", Data.Column(Data.LfPoints), Data.LfPoints.Select(Data.Lf).ToArray()));
        emulator.Fit();
        var model = Path.Combine(dir, "kan");
        emulator.Save(model);
        var o = MultiFidelityEmulator.Load(model).Options;
        // a reloaded KAN model used to report the defaults (Architecture == Mlp)
        Check.That(o.Architecture == Architecture.Kan, $"architecture {o.Architecture}");
        Check.That(o.Depth == 1 && o.Width == 4 && o.KanGridSize == 4, $"size {o.Depth}x{o.Width}, grid {o.KanGridSize}");
        Check.That(o.LearningRate == 2e-3 && o.Lambda == 1e-4 && o.Epochs == 30 && o.LbfgsIterations == 0, "hyperparameters");
        Check.That(o.Strategy == TrainingStrategy.EndToEnd && o.Seed == 2 && o.Selection == ModelSelection.Off, "strategy, seed, selection");
        // what was not given is the library's default, written out
        var d = EmulatorOptions.Defaults;
        Check.That(o.Encoding == d.Encoding && o.Precision == d.Precision && o.Members == d.Members && o.SirenOmega0 == d.SirenOmega0,
            "defaults of the options not given");
    }

    [FacadeTest]
    public static void UnsetOptionsTakeTheLibraryDefaults()
    {
        var d = EmulatorOptions.Defaults;
        foreach (var p in typeof(EmulatorOptions).GetProperties().Where(p => p.CanWrite && p.Name is not ("Threads" or "GaussianProcessCandidates")))
        {
            Check.That(p.GetValue(new EmulatorOptions()) is null, $"{p.Name} is unset by default");
            Check.That(p.GetValue(d) is not null, $"{p.Name} has a default");
        }
        Check.That(d.Architecture == Architecture.Mlp && d.Strategy == TrainingStrategy.PretrainAndFreeze && d.Selection == ModelSelection.Automatic,
            "enum defaults");
        var undefined = new MultiFidelityEmulator(new EmulatorOptions { Architecture = (Architecture)7 })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray());
        Check.Throws<EmulatorException>(() => undefined.Fit(), "unknown Architecture value 7", "Mlp, Siren, Kan");
    }

    [FacadeTest]
    public static void BoundsOfAnLfSourceAreCheckedWithClearMessages()
    {
        var x = Data.Column(Data.LfPoints);
        var y = Data.LfPoints.Select(Data.Lf).ToArray();
        // a lone lower or upper bound used to be dropped without a word
        Check.Throws<EmulatorException>(() => LowFidelitySource.FromData("lf", x, y, lower: new[] { 0.0 }), "'lf'", "upper bounds are missing");
        Check.Throws<EmulatorException>(() => LowFidelitySource.FromData("lf", x, y, upper: new[] { 1.0 }), "'lf'", "lower bounds are missing");
        // inverted bounds used to leak the core's EmulatorError instead of EmulatorException
        Check.Throws<EmulatorException>(() => LowFidelitySource.FromData("lf", x, y, new[] { 1.0 }, new[] { 0.0 }), "'lf'", "not below its upper bound");
        Check.Throws<EmulatorException>(() => LowFidelitySource.FromFunction("f", v => v[0], new[] { 1.0 }, new[] { 0.0 }), "'f'", "not below");
        Check.Throws<EmulatorException>(() => LowFidelitySource.FromFunction("f", v => v[0], new[] { 0.0, 0.0 }, new[] { 1.0 }), "2 lower but 1 upper");
        Check.Throws<EmulatorException>(() => LowFidelitySource.FromFunction("f", v => v[0], new[] { double.NaN }, new[] { 1.0 }), "not finite");
        Check.Throws<EmulatorException>(() => LowFidelitySource.FromFunction("f", v => v[0], null!, new[] { 1.0 }), "lower bounds are missing");
        Check.That(LowFidelitySource.FromData("lf", x, y, new[] { 0.0 }, new[] { 1.0 }).Name == "lf", "both bounds given");
    }

    [FacadeTest]
    public static void AnExactFunctionSourceReachesHighAccuracyOnK1()
    {
        var emulator = new MultiFidelityEmulator(Quick with { Selection = ModelSelection.Off })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray())
            .AddSource(LowFidelitySource.FromFunction("LF", x => Data.Lf(x[0]), new[] { 0.0 }, new[] { 1.0 }));
        emulator.Fit();
        var e = emulator.Evaluate(Data.Column(Data.TestPoints), Data.TestPoints.Select(Data.Hf).ToArray());
        Check.That(e.NormalizedMse < 1e-12, $"normalized MSE {e.NormalizedMse}");
    }

    [FacadeTest]
    public static void AnEnsembleGivesAMeanAndASpread()
    {
        var emulator = new MultiFidelityEmulator(new EmulatorOptions { Members = 4, Epochs = 300, LbfgsIterations = 0, Selection = ModelSelection.Off })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray());
        emulator.Fit();
        var u = emulator.PredictWithUncertainty(Data.Column(Data.TestPoints));
        Check.That(u.Members.Length == 4 && u.Mean.Length == Data.TestPoints.Length, "shapes");
        for (var j = 0; j < u.Mean.Length; j++)
        {
            var mean = u.Members.Average(m => m[j]);
            Check.That(Math.Abs(mean - u.Mean[j]) <= 1e-12 * (1 + Math.Abs(mean)), "mean of the members");
            Check.That(u.StandardDeviation[j] >= 0, "non-negative spread");
        }
        Check.That(u.StandardDeviation.Max() > 0, "differently seeded members disagree somewhere");
    }

    [FacadeTest]
    public static void AutomaticSelectionReportsItsCandidates()
    {
        var emulator = new MultiFidelityEmulator(new EmulatorOptions { Epochs = 200, LbfgsIterations = 50 })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray())
            .AddSource(LowFidelitySource.FromData("LF", Data.Column(Data.LfPoints), Data.LfPoints.Select(Data.Lf).ToArray()));
        emulator.Fit();
        var r = emulator.Report!;
        Check.That(r.Candidates.Count >= 2, "several candidates");
        Check.That(r.Candidates.Any(c => c.IsSingleFidelity), "the single-fidelity model is a candidate");
        Check.That(r.Chosen.CvError == r.Candidates.Min(c => c.CvError), "the chosen candidate has the lowest CV error");
        Check.That(r.Method == "leave-one-out", "10 HF points: leave-one-out");
    }

    [FacadeTest]
    public static void OptionsSetExplicitlyNarrowAutomaticSelection()
    {
        // As the CLI's flags do: a learning rate and a λ given under automatic selection fix those axes of every
        // network candidate, and GaussianProcessCandidates = false leaves the GPs out.
        var emulator = new MultiFidelityEmulator(new EmulatorOptions
            { Epochs = 100, LbfgsIterations = 0, LearningRate = 2e-3, Lambda = 1e-3, GaussianProcessCandidates = false })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray())
            .AddSource(LowFidelitySource.FromData("LF", Data.Column(Data.LfPoints), Data.LfPoints.Select(Data.Lf).ToArray()));
        emulator.Fit();
        var r = emulator.Report!;
        Check.That(r.Candidates.Count == 2, $"one structure each for MF and SF ({r.Candidates.Count} candidates)");
        Check.That(r.Candidates.All(c => c.LearningRate == 2e-3 && c.Lambda == 1e-3), "every candidate has the given lr and λ");
        Check.That(r.Candidates.All(c => !c.Description.Contains("GP")), "no GP candidate");
    }

    [FacadeTest]
    public static void ProgressIsReportedAndCancellationStopsTraining()
    {
        var reports = 0;
        using var cts = new CancellationTokenSource();
        var progress = new SynchronousProgress(p => { reports++; if (p.Step >= 200) cts.Cancel(); });
        var emulator = new MultiFidelityEmulator(new EmulatorOptions { Epochs = 1_000_000 })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray());
        var clock = Stopwatch.StartNew();
        Check.Throws<OperationCanceledException>(() => emulator.Fit(progress, cts.Token));
        Check.That(reports > 0, "progress was reported");
        Check.That(clock.Elapsed < TimeSpan.FromSeconds(60), "cancellation ended training early");
        Check.That(!emulator.IsTrained, "a cancelled fit leaves the emulator untrained");
    }

    [FacadeTest]
    public static void GaussianProcessCandidatesJoinTheDefaultSelection()
    {
        // K1 data: the six GP candidates (gp, ar1, nargp; two kernels each) are cross-validated after the two network
        // structures, one task each, and a multi-fidelity GP wins; it predicts with a standard deviation.
        var reports = new List<TrainingProgress>();
        var emulator = new MultiFidelityEmulator(new EmulatorOptions { Epochs = 120, LbfgsIterations = 20 })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray())
            .AddSource(LowFidelitySource.FromData("LF", Data.Column(Data.LfPoints), Data.LfPoints.Select(Data.Lf).ToArray()));
        emulator.Fit(new SynchronousProgress(reports.Add));
        var r = emulator.Report!;
        Check.That(r.Candidates.Count == 12, "6 network and 6 GP candidates");
        Check.That(r.Candidates.Count(c => c.Description.StartsWith("GP ") || c.Description.StartsWith("SF GP")) == 6, "the GP candidates");
        Check.That(r.Chosen.Description.StartsWith("GP ar1") || r.Chosen.Description.StartsWith("GP nargp"),
            $"a multi-fidelity GP is chosen ({r.Chosen.Description})");
        Check.That(reports.All(p => p.TaskCount == 9), "2 network structures, 6 GP candidates, the refit");
        var gpTasks = reports.Where(p => p.SubStage == "Gaussian process").GroupBy(p => p.TaskIndex).ToList();
        Check.That(gpTasks.Select(g => g.Key).SequenceEqual(new[] { 3, 4, 5, 6, 7, 8, 9 }), "GP tasks 3-8 and the refit");
        Check.That(gpTasks.All(g => g.Count(p => p.Finished) == 1 && g.Last().Finished), "each GP task finishes once");
        var e = emulator.Evaluate(Data.Column(Data.TestPoints), Data.TestPoints.Select(Data.Hf).ToArray());
        Check.That(e.NormalizedMse < 1e-8, $"normalized MSE {e.NormalizedMse}");
        var u = emulator.PredictWithUncertainty(Data.Column(Data.TestPoints));
        Check.That(u.StandardDeviation.All(s => s >= 0) && u.StandardDeviation.Max() > 0, "a predictive standard deviation");
    }

    [FacadeTest]
    public static void ProgressNamesEveryStageAndReportsEachStepOnce()
    {
        // Model selection on K1 data among the networks: cross-validation of two structures (SF; MF with a learned LF
        // surrogate), then the refit of the chosen one.
        var reports = new List<TrainingProgress>();
        var emulator = new MultiFidelityEmulator(new EmulatorOptions { Epochs = 120, LbfgsIterations = 20, GaussianProcessCandidates = false })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray())
            .AddSource(LowFidelitySource.FromData("LF", Data.Column(Data.LfPoints), Data.LfPoints.Select(Data.Lf).ToArray()));
        emulator.Fit(new SynchronousProgress(reports.Add));
        var stages = reports.GroupBy(r => (r.TaskIndex, r.Stage, r.SubStage)).ToList();
        var names = string.Join("; ", stages.Select(g => $"{g.Key.TaskIndex}/{g.First().TaskCount} {g.Key.Stage} | {g.Key.SubStage}"));
        Check.That(reports.All(r => r.TaskCount == 3), $"three tasks: two structures and the refit ({names})");
        Check.That(stages.Select(g => g.Key.TaskIndex).Distinct().SequenceEqual(new[] { 1, 2, 3 }), $"tasks in order ({names})");
        Check.That(stages[0].Key.Stage.StartsWith("CV 1/2: SF mlp 2x16 (3 of 6 candidates"), names);
        Check.That(stages[1].Key.SubStage == "LF surrogate 1 of 1" && stages[2].Key.SubStage == "correlation", names);
        Check.That(stages.Last().Key.Stage.StartsWith("refit: ") && stages.Last().Key.SubStage == "correlation", names);
        Check.That(emulator.Report!.Candidates.Count == 6, "the report lists the 6 candidates the progress names");
        foreach (var g in stages)
        {
            var steps = g.Select(r => r.Step).ToArray();
            Check.That(steps.Zip(steps.Skip(1)).All(p => p.Second > p.First), $"{g.Key}: steps strictly increase ({string.Join(",", steps)})");
            Check.That(g.Count(r => r.Finished) == 1 && g.Last().Finished && g.Last().Step == g.Last().Steps && g.Last().Phase == "done",
                $"{g.Key}: one final report, at Step = Steps");
            Check.That(g.All(r => r.SubStageCount == g.First().SubStageCount && r.SubStageIndex <= r.SubStageCount), $"{g.Key}: stage index");
        }
        // The refit polishes with L-BFGS: its phase is reported once, between Adam and the end.
        var refit = stages.Last().ToList();
        Check.That(refit.Count(r => r.Phase == "L-BFGS") == 1 && refit[^2].Phase == "L-BFGS" && refit[^2].Step == 120 && refit[^1].Steps == 140,
            $"refit: Adam, then L-BFGS ({string.Join(",", refit.Select(r => $"{r.Phase}@{r.Step}"))})");
    }

    [FacadeTest]
    public static void BadInputsGiveClearMessages()
    {
        var dir = Data.TempDir();
        Check.Throws<EmulatorException>(() => CsvData.Read(Path.Combine(dir, "missing.csv")), "missing.csv", "not found");
        var empty = Path.Combine(dir, "empty.csv");
        File.WriteAllText(empty, "");
        Check.Throws<EmulatorException>(() => CsvData.Read(empty), "empty.csv", "empty");
        var text = Path.Combine(dir, "text.csv");
        File.WriteAllLines(text, new[] { "x,y", "0.1,2", "0.2,abc" });
        Check.Throws<EmulatorException>(() => CsvData.Read(text), "text.csv", "line 3", "column 'y'", "'abc' is not a number");
        var nan = Path.Combine(dir, "nan.csv");
        File.WriteAllLines(nan, new[] { "x,y", "NaN,2" });
        Check.Throws<EmulatorException>(() => CsvData.Read(nan), "nan.csv", "line 2", "column 'x'", "not a finite number");
        var ragged = Path.Combine(dir, "ragged.csv");
        File.WriteAllLines(ragged, new[] { "x,y", "0.1,2", "0.2,3,4" });
        Check.Throws<EmulatorException>(() => CsvData.Read(ragged), "ragged.csv", "line 3", "3 values", "2 columns");

        // an LF source with two inputs for a one-input HF model and no encoding
        var wide = new double[,] { { 0, 0 }, { 1, 1 }, { 0.5, 0.2 } };
        var emulator = new MultiFidelityEmulator(new EmulatorOptions { Epochs = 5, LbfgsIterations = 0, Selection = ModelSelection.Off })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray())
            .AddSource(LowFidelitySource.FromData("wide", wide, new[] { 1.0, 2.0, 3.0 }));
        Check.Throws<EmulatorException>(() => emulator.Fit(), "wide", "2 inputs", "HF model has 1", "encoding");
        Check.Throws<EmulatorException>(() => emulator.Predict(Data.Column(Data.TestPoints)), "not trained");

        // a negative encoder penalty
        var negative = new MultiFidelityEmulator(new EmulatorOptions { Epochs = 5, LbfgsIterations = 0, Selection = ModelSelection.Off, Encoding = CoordinateEncoding.Affine, EncoderPenalty = -1 })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray())
            .AddSource(LowFidelitySource.FromData("lf", Data.Column(Data.LfPoints), Data.LfPoints.Select(Data.Lf).ToArray()));
        Check.Throws<EmulatorException>(() => negative.Fit(), "encoder penalty", "-1");

        // family settings out of range
        var badGrid = new MultiFidelityEmulator(new EmulatorOptions { Architecture = Architecture.Kan, KanGridSize = 0, Epochs = 5, LbfgsIterations = 0, Selection = ModelSelection.Off })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray());
        Check.Throws<EmulatorException>(() => badGrid.Fit(), "grid size", "0");
        var badOmega = new MultiFidelityEmulator(new EmulatorOptions { Architecture = Architecture.Siren, SirenOmega0 = -2, Epochs = 5, LbfgsIterations = 0, Selection = ModelSelection.Off })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray());
        Check.Throws<EmulatorException>(() => badOmega.Fit(), "omega0", "-2");
    }

    [FacadeTest]
    public static void CorruptedOrNewerModelFilesAreRejected()
    {
        var dir = Data.TempDir();
        var emulator = new MultiFidelityEmulator(new EmulatorOptions { Epochs = 5, LbfgsIterations = 0 })
            .SetHighFidelityData(Data.Column(Data.HfPoints), Data.HfPoints.Select(Data.Hf).ToArray());
        emulator.Fit();
        var model = Path.Combine(dir, "model");
        emulator.Save(model);
        var weights = Path.Combine(model, "weights.bin");
        var bytes = File.ReadAllBytes(weights);
        bytes[3] ^= 0xFF;
        File.WriteAllBytes(weights, bytes);
        Check.Throws<EmulatorException>(() => MultiFidelityEmulator.Load(model), "weights.bin", "corrupted", "checksum");

        emulator.Save(model);
        var meta = Path.Combine(model, "model.json");
        File.WriteAllText(meta, File.ReadAllText(meta).Replace("\"formatVersion\": 2", "\"formatVersion\": 99"));
        Check.Throws<EmulatorException>(() => MultiFidelityEmulator.Load(model), "format version 99", "upgrade");

        File.WriteAllText(meta, "{ not json");
        Check.Throws<EmulatorException>(() => MultiFidelityEmulator.Load(model), "model.json", "corrupted");
        Check.Throws<EmulatorException>(() => MultiFidelityEmulator.Load(Path.Combine(dir, "nowhere")), "does not exist");
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests need the callback to run inline.</summary>
    sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
