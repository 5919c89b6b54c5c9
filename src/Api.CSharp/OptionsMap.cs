using Emulators.Core;
using CoreArchitecture = Emulators.Core.Architecture;
using CorePrecision = Emulators.Core.Tensors.Precision;

namespace Emulators;

/// <summary>The facade's options and enums to and from the core's typed options: one exhaustive switch per enum, and
/// an unset property takes the core's default (the defaults live only there).</summary>
internal static class OptionsMap
{
    public static ModelOptions ToCore(EmulatorOptions o)
    {
        var d = ModelOptionsModule.defaults;
        var b = d.Blocks;
        return new ModelOptions(
            architecture: o.Architecture is { } a ? ToCore(a) : d.Architecture,
            depth: o.Depth ?? d.Depth,
            width: o.Width ?? d.Width,
            blocks: new BlockSettings(
                omega0: o.SirenOmega0 ?? b.Omega0,
                kanGridSize: o.KanGridSize ?? b.KanGridSize,
                kanSplineOrder: o.KanSplineOrder ?? b.KanSplineOrder,
                kanGridMin: o.KanGridMin ?? b.KanGridMin,
                kanGridMax: o.KanGridMax ?? b.KanGridMax),
            encoding: o.Encoding is { } e ? ToCore(e) : d.Encoding,
            strategy: o.Strategy is { } s ? ToCore(s) : d.Strategy,
            adamEpochs: o.Epochs ?? d.AdamEpochs,
            lbfgsIterations: o.LbfgsIterations ?? d.LbfgsIterations,
            learningRate: o.LearningRate ?? d.LearningRate,
            lambda: o.Lambda ?? d.Lambda,
            encoderLambda: o.EncoderPenalty ?? d.EncoderLambda,
            kanGridUpdate: o.KanGridUpdate ?? d.KanGridUpdate,
            seed: o.Seed ?? d.Seed,
            members: o.Members ?? d.Members,
            precision: o.Precision is { } p ? ToCore(p) : d.Precision,
            selection: o.Selection is { } m ? ToCore(m) : d.Selection,
            budget: o.Budget is { } g ? ToCore(g) : d.Budget);
    }

    /// <summary>Every property set from the core's options.</summary>
    public static EmulatorOptions FromCore(ModelOptions o) => new()
    {
        Architecture = FromCore(o.Architecture),
        Depth = o.Depth,
        Width = o.Width,
        SirenOmega0 = o.Blocks.Omega0,
        KanGridSize = o.Blocks.KanGridSize,
        KanSplineOrder = o.Blocks.KanSplineOrder,
        KanGridMin = o.Blocks.KanGridMin,
        KanGridMax = o.Blocks.KanGridMax,
        Encoding = FromCore(o.Encoding),
        Strategy = FromCore(o.Strategy),
        Epochs = o.AdamEpochs,
        LbfgsIterations = o.LbfgsIterations,
        LearningRate = o.LearningRate,
        Lambda = o.Lambda,
        EncoderPenalty = o.EncoderLambda,
        KanGridUpdate = o.KanGridUpdate,
        Seed = o.Seed,
        Members = o.Members,
        Precision = FromCore(o.Precision),
        Selection = FromCore(o.Selection),
        Budget = FromCore(o.Budget),
    };

    static EmulatorException Unknown<T>(T value) where T : struct, Enum =>
        new($"unknown {typeof(T).Name} value {value} (expected one of: {string.Join(", ", Enum.GetNames<T>())})");

    static CoreArchitecture ToCore(Architecture a) => a switch
    {
        Architecture.Mlp => CoreArchitecture.Mlp,
        Architecture.Siren => CoreArchitecture.Siren,
        Architecture.Kan => CoreArchitecture.Kan,
        _ => throw Unknown(a),
    };

    static Architecture FromCore(CoreArchitecture a) => a.Tag switch
    {
        CoreArchitecture.Tags.Mlp => Architecture.Mlp,
        CoreArchitecture.Tags.Siren => Architecture.Siren,
        _ => Architecture.Kan,
    };

    static EncodingKind ToCore(CoordinateEncoding e) => e switch
    {
        CoordinateEncoding.None => EncodingKind.None,
        CoordinateEncoding.Affine => EncodingKind.Affine,
        CoordinateEncoding.Nonlinear => EncodingKind.Nonlinear,
        _ => throw Unknown(e),
    };

    static CoordinateEncoding FromCore(EncodingKind e) => e.Tag switch
    {
        EncodingKind.Tags.None => CoordinateEncoding.None,
        EncodingKind.Tags.Affine => CoordinateEncoding.Affine,
        _ => CoordinateEncoding.Nonlinear,
    };

    static Strategy ToCore(TrainingStrategy s) => s switch
    {
        TrainingStrategy.PretrainAndFreeze => Strategy.PretrainFreeze,
        TrainingStrategy.EndToEnd => Strategy.EndToEnd,
        _ => throw Unknown(s),
    };

    static TrainingStrategy FromCore(Strategy s) => s.IsEndToEnd ? TrainingStrategy.EndToEnd : TrainingStrategy.PretrainAndFreeze;

    static CorePrecision ToCore(Precision p) => p switch
    {
        Precision.Float64 => CorePrecision.Float64,
        Precision.Float32 => CorePrecision.Float32,
        _ => throw Unknown(p),
    };

    static Precision FromCore(CorePrecision p) => p.IsFloat32 ? Precision.Float32 : Precision.Float64;

    static SelectionMode ToCore(ModelSelection m) => m switch
    {
        ModelSelection.Automatic => SelectionMode.Automatic,
        ModelSelection.Off => SelectionMode.Off,
        _ => throw Unknown(m),
    };

    static ModelSelection FromCore(SelectionMode m) => m.IsOff ? ModelSelection.Off : ModelSelection.Automatic;

    static Emulators.Core.SelectionBudget ToCore(SelectionBudget b) => b switch
    {
        SelectionBudget.Small => Emulators.Core.SelectionBudget.Small,
        SelectionBudget.Medium => Emulators.Core.SelectionBudget.Medium,
        SelectionBudget.Large => Emulators.Core.SelectionBudget.Large,
        _ => throw Unknown(b),
    };

    static SelectionBudget FromCore(Emulators.Core.SelectionBudget b) => b.Tag switch
    {
        Emulators.Core.SelectionBudget.Tags.Small => SelectionBudget.Small,
        Emulators.Core.SelectionBudget.Tags.Medium => SelectionBudget.Medium,
        _ => SelectionBudget.Large,
    };
}
