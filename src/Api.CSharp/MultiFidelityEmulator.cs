using Emulators.Core;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;

namespace Emulators;

/// <summary>
/// A correlation-based multi-fidelity emulator: ŷ_H(x) = F_l(x, ŷ_L…) + F_nl(x, ŷ_L…).
/// Give it HF data and LF sources, call <see cref="Fit"/>, then <see cref="Predict"/>, <see cref="Evaluate"/>
/// or <see cref="Save"/>. With no LF source it is the single-fidelity network.
/// </summary>
public sealed partial class MultiFidelityEmulator
{
    private readonly List<LowFidelitySource> _sources = new();
    private double[][]? _hfInputs;
    private double[]? _hfOutputs;
    private Emulator? _model;
    private ModelFile.Metadata _metadata = ModelFile.emptyMetadata;

    /// <summary>Creates an untrained emulator.</summary>
    public MultiFidelityEmulator(EmulatorOptions? options = null) => Options = options ?? new EmulatorOptions();

    /// <summary>The options the emulator trains with; after <see cref="Load"/>, those the model was trained with
    /// (with automatic selection: the structure, learning rate and penalty it chose).</summary>
    public EmulatorOptions Options { get; }

    /// <summary>Names of the LF sources, in the order they were added.</summary>
    public IReadOnlyList<string> SourceNames => _model is null
        ? _sources.Select(s => s.Name).ToArray()
        : _model.Sources.Select(s => s.Name).ToArray();

    /// <summary>The model-selection report of the last <see cref="Fit"/> (null when selection was off).</summary>
    public ModelSelectionReport? Report { get; private set; }

    /// <summary>True once the emulator has been trained or loaded.</summary>
    public bool IsTrained => _model is not null;

    /// <summary>Number of HF inputs (available once trained or loaded).</summary>
    public int InputDimension => Trained().Domain.Dim;

    /// <summary>Adds an LF source.</summary>
    public MultiFidelityEmulator AddSource(LowFidelitySource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _sources.Add(source);
        return this;
    }

    /// <summary>Sets the HF training data: one row of <paramref name="inputs"/> per HF run.</summary>
    public MultiFidelityEmulator SetHighFidelityData(double[,] inputs, double[] outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        _hfInputs = Convert.Rows(inputs);
        _hfOutputs = (double[])outputs.Clone();
        return this;
    }

    /// <summary>Trains the emulator. Progress is reported between epochs; cancellation is honoured between epochs.</summary>
    /// <exception cref="EmulatorException">The data or options are invalid.</exception>
    /// <exception cref="OperationCanceledException">Training was cancelled.</exception>
    public void Fit(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (_hfInputs is null || _hfOutputs is null)
            throw new EmulatorException("no HF data: call SetHighFidelityData first");
        var o = Options;
        var options = Guard.Run(() => OptionsMap.ToCore(o));
        FSharpOption<FSharpFunc<ProgressReport, Unit>>? report = progress is null
            ? null
            : FSharpOption<FSharpFunc<ProgressReport, Unit>>.Some(FuncConvert.FromAction<ProgressReport>(
                r => progress.Report(new TrainingProgress(
                    r.Task, r.TaskIndex, r.Tasks, r.Stage, r.StageIndex, r.Stages, r.Phase, r.Step, r.Steps, r.Loss, r.Finished))));
        var hf = new HfData(_hfInputs, _hfOutputs);
        var sources = ListModule.OfSeq(_sources.Select(s => s.Source));
        // Options set explicitly narrow automatic selection's candidates (as the CLI's flags do).
        var given = new Selection.Given(
            o.Architecture.HasValue ? FSharpOption<Core.Architecture>.Some(options.Architecture) : null,
            o.Depth.HasValue ? FSharpOption<int>.Some(options.Depth) : null,
            o.Width.HasValue ? FSharpOption<int>.Some(options.Width) : null,
            o.Encoding.HasValue ? FSharpOption<Core.EncodingKind>.Some(options.Encoding) : null,
            o.LearningRate.HasValue ? FSharpOption<double>.Some(options.LearningRate) : null,
            o.Lambda.HasValue ? FSharpOption<double>.Some(options.Lambda) : null,
            o.GaussianProcessCandidates);
        var restrict = FSharpOption<FSharpFunc<Selection.Space, Selection.Space>>.Some(
            FuncConvert.FromFunc<Selection.Space, Selection.Space>(s => Selection.narrow(given, s)));
        UseThreads();
        var trained = Guard.Run(() => UserModel.train(options, restrict, hf, null, null, sources, report, cancellationToken));
        _model = trained.Emulator;
        _metadata = trained.Metadata;
        Report = trained.Report is null ? null : Convert.Report(trained.Report.Value);
    }

    /// <summary>Predicts at each row of <paramref name="inputs"/> (with the ensemble's first member when Members &gt; 1).</summary>
    public EmulatorPrediction Predict(double[,] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var model = Trained();
        UseThreads();
        var p = Guard.Run(() => EmulatorModule.predict(model, Convert.Rows(inputs)));
        return new EmulatorPrediction(p.Value, p.Linear, p.Nonlinear);
    }

    /// <summary>Deep-ensemble prediction (train with <see cref="EmulatorOptions.Members"/> &gt; 1): the members'
    /// mean, their sample standard deviation, and every member's prediction ([member][point]). When model selection
    /// chose a Gaussian-process model, its posterior mean and predictive standard deviation (one member).</summary>
    public UncertainPrediction PredictWithUncertainty(double[,] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var model = Trained();
        UseThreads();
        var p = Guard.Run(() => Uncertainty.predict(model, Convert.Rows(inputs)));
        return new UncertainPrediction(p.Mean, p.Std, p.Members);
    }

    /// <summary>Errors against reference outputs at the given inputs.</summary>
    public EvaluationResult Evaluate(double[,] inputs, double[] outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var model = Trained();
        UseThreads();
        var e = Guard.Run(() => Workflow.score(model, Convert.Rows(inputs), outputs));
        return new EvaluationResult(e.NormalizedMse, e.Rmse, e.MaxError);
    }

    /// <summary>Saves the trained model as the directory <paramref name="path"/> (created if needed). The whole model
    /// is written to a temporary sibling directory and swapped in at once: an earlier model there is replaced only
    /// when the new one is complete, and a failed save leaves it intact.</summary>
    /// <exception cref="EmulatorException">The path is a file or a non-empty directory that holds no model (or other
    /// files besides one), or writing failed (<see cref="EmulatorException.IsEnvironmentFault"/>: no space, a
    /// read-only file system, no permission).</exception>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var model = Trained();
        Guard.Run(() => ModelFile.save(path, _metadata, model));
    }

    /// <summary>Loads a model saved by <see cref="Save"/> or by the command line.</summary>
    /// <param name="path">The model directory.</param>
    /// <param name="functions">The exact LF functions the model uses, if any (functions cannot be stored).</param>
    /// <exception cref="EmulatorException">The directory is missing, corrupted, edited (the checksums of model.json and
    /// weights.bin cover every byte), inconsistent (a parameter's shape against the architecture, a zero or
    /// non-finite scale) or of a newer format.</exception>
    public static MultiFidelityEmulator Load(string path, IEnumerable<LowFidelitySource>? functions = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var byName = (functions ?? Array.Empty<LowFidelitySource>())
            .Where(s => s.Source.IsFromFunction)
            .ToDictionary(s => s.Name, s => ((Workflow.Source.FromFunction)s.Source).Item);
        var resolve = FuncConvert.FromFunc<string, FSharpOption<SourceFunction>>(
            name => byName.TryGetValue(name, out var f) ? FSharpOption<SourceFunction>.Some(f) : FSharpOption<SourceFunction>.None!);
        var loaded = Guard.Run(() => ModelFile.load(path, resolve));
        var result = new MultiFidelityEmulator(OptionsMap.FromCore(UserModel.optionsOf(loaded)));
        result._model = loaded.Emulator;
        result._metadata = loaded.Metadata;
        return result;
    }

    /// The libtorch thread count of <see cref="EmulatorOptions.Threads"/>, or the core's default.
    private void UseThreads() =>
        Guard.Run(() => Native.useThreads(Options.Threads is int t ? FSharpOption<int>.Some(t) : FSharpOption<int>.None));

    private Emulator Trained() =>
        _model ?? throw new EmulatorException("the emulator is not trained: call Fit or Load first");
}
