namespace Emulators;

/// <summary>The distribution of one input for <see cref="MultiFidelityEmulator.Propagate"/> and
/// <see cref="MultiFidelityEmulator.Sensitivity"/>. Create one with the static factories or <see cref="Parse"/>.</summary>
public sealed class InputDistribution
{
    internal Emulators.Core.Outer.InputDistribution Distribution { get; }

    private InputDistribution(Emulators.Core.Outer.InputDistribution core) =>
        Distribution = Guard.Run(() => Emulators.Core.Outer.InputDistributionModule.validate("distribution", core));

    /// <summary>Uniform on [<paramref name="lower"/>, <paramref name="upper"/>].</summary>
    /// <exception cref="EmulatorException">The bounds are not finite or not ordered.</exception>
    public static InputDistribution Uniform(double lower, double upper) =>
        new(Emulators.Core.Outer.InputDistribution.NewUniform(lower, upper));

    /// <summary>Normal with the given mean and standard deviation.</summary>
    public static InputDistribution Normal(double mean, double standardDeviation) =>
        new(Emulators.Core.Outer.InputDistribution.NewNormal(mean, standardDeviation));

    /// <summary>Normal(mean, sd) restricted to [<paramref name="lower"/>, <paramref name="upper"/>].</summary>
    public static InputDistribution TruncatedNormal(double mean, double standardDeviation, double lower, double upper) =>
        new(Emulators.Core.Outer.InputDistribution.NewTruncatedNormal(mean, standardDeviation, lower, upper));

    /// <summary>x = exp(z) with z ~ Normal(<paramref name="mu"/>, <paramref name="sigma"/>).</summary>
    public static InputDistribution LogNormal(double mu, double sigma) =>
        new(Emulators.Core.Outer.InputDistribution.NewLogNormal(mu, sigma));

    /// <summary>Parses <c>uniform(lo,hi)</c>, <c>normal(mean,sd)</c>, <c>truncnormal(mean,sd,lo,hi)</c> or
    /// <c>lognormal(mu,sigma)</c>.</summary>
    /// <exception cref="EmulatorException">The text names no known distribution or has bad parameters.</exception>
    public static InputDistribution Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(Guard.Run(() => Emulators.Core.Outer.InputDistributionModule.parse("distribution", text)));
    }

    /// <inheritdoc/>
    public override string ToString() => Emulators.Core.Outer.InputDistributionModule.name(Distribution);
}
