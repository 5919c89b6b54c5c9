using Emulators.Core;
namespace Emulators;

/// <summary>A low-fidelity source: samples (a surrogate is trained on them) or a function (evaluated exactly).</summary>
public sealed class LowFidelitySource
{
    internal Workflow.Source Source { get; }
    /// <summary>The source's name.</summary>
    public string Name { get; }

    private LowFidelitySource(string name, Workflow.Source source)
    {
        Name = name;
        Source = source;
    }

    /// <summary>A source given as data: one row of <paramref name="inputs"/> per sample.</summary>
    /// <param name="name">Unique name of the source.</param>
    /// <param name="inputs">Sample inputs, [samples, input dimension].</param>
    /// <param name="outputs">Sample outputs, one per row.</param>
    /// <param name="lower">Lower bounds of the source's input space (default: the data's range).</param>
    /// <param name="upper">Upper bounds of the source's input space (default: the data's range).</param>
    /// <exception cref="EmulatorException">Only one of the bounds is given, or they differ in length, are not finite,
    /// or a lower bound is not below its upper bound.</exception>
    public static LowFidelitySource FromData(string name, double[,] inputs, double[] outputs, double[]? lower = null, double[]? upper = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var box = Guard.Bounds(name, lower, upper, required: false);
        var data = new Workflow.DataSource(name, Convert.Rows(inputs), outputs,
            box is null ? null : Microsoft.FSharp.Core.FSharpOption<Box>.Some(box), null);
        return new LowFidelitySource(name, Workflow.Source.NewFromData(data));
    }

    /// <summary>A source given as a function evaluated exactly inside the emulator (no surrogate).
    /// Black-box functions pass no gradients, so they need <see cref="CoordinateEncoding.None"/>.</summary>
    /// <param name="name">Unique name of the source.</param>
    /// <param name="function">The LF model: input vector to output.</param>
    /// <param name="lower">Lower bounds of its input space.</param>
    /// <param name="upper">Upper bounds of its input space.</param>
    /// <exception cref="EmulatorException">A bound is null, the bounds differ in length, are not finite, or a lower
    /// bound is not below its upper bound.</exception>
    public static LowFidelitySource FromFunction(string name, Func<double[], double> function, double[] lower, double[] upper)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(function);
        var f = Workflow.functionSource(name, Guard.Bounds(name, lower, upper, required: true)!, Convert.Function(function));
        return new LowFidelitySource(name, Workflow.Source.NewFromFunction(f));
    }
}
