using Emulators.Core;
namespace Emulators;

/// <summary>Block family used for the nonlinear correlation network, the LF surrogates and the encoders.</summary>
public enum Architecture
{
    /// <summary>Fully connected tanh network (Xavier initialisation).</summary>
    Mlp,
    /// <summary>Sine-activated network (SIREN, ω₀ = 30 on the first layer).</summary>
    Siren,
    /// <summary>Kolmogorov–Arnold network with B-spline edge activations.</summary>
    Kan,
}

/// <summary>How HF coordinates are mapped into each LF source's input space.</summary>
public enum CoordinateEncoding
{
    /// <summary>No encoding: the LF source is evaluated at the HF point itself (same inputs required).</summary>
    None,
    /// <summary>A trainable affine map, starting at the identity (or, for an LF source with other inputs, at the
    /// projection that passes the leading HF inputs through).</summary>
    Affine,
    /// <summary>A trainable small network, added as a residual to the identity or leading-inputs projection.</summary>
    Nonlinear,
}

/// <summary>How the LF surrogates and the correlation network are trained.</summary>
public enum TrainingStrategy
{
    /// <summary>Train each LF surrogate on its data, freeze it, then train the correlation network on the HF data.</summary>
    PretrainAndFreeze,
    /// <summary>Train everything at once on the composite loss.</summary>
    EndToEnd,
}

/// <summary>Floating-point precision of the networks.</summary>
public enum Precision
{
    /// <summary>Double precision (default).</summary>
    Float64,
    /// <summary>Single precision.</summary>
    Float32,
}

/// <summary>Whether the emulator chooses its model itself.</summary>
public enum ModelSelection
{
    /// <summary>Choose by cross-validation on the HF points among block families, sizes, encodings, penalties,
    /// learning rates, exact or learned LF, and the single-fidelity network (default).</summary>
    Automatic,
    /// <summary>Train exactly the options given.</summary>
    Off,
}

/// <summary>How much work automatic model selection may do.</summary>
public enum SelectionBudget
{
    /// <summary>MLP blocks, three penalties, single-fidelity included (default; seconds on small data).</summary>
    Small,
    /// <summary>Adds KAN blocks, affine encoding, a second learning rate and λ = 0.</summary>
    Medium,
    /// <summary>Adds SIREN blocks, two sizes and a third learning rate.</summary>
    Large,
}
