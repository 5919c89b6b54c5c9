using Emulators.Core;
namespace Emulators;

/// <summary>A problem with what was supplied (data, options, files), or a fault of the environment while reading or
/// writing a file (no space left, a read-only file system, no permission). The message names what is wrong and
/// where; <see cref="Exception.InnerException"/> keeps the original exception.</summary>
public sealed class EmulatorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EmulatorException(string message, Exception? inner = null, bool isEnvironmentFault = false) : base(message, inner)
    {
        IsEnvironmentFault = isEnvironmentFault;
    }

    /// <summary>True for a fault of the environment (disk full, read-only file system, no permission): the input
    /// was fine and the same call may succeed elsewhere. False for a mistake in what was supplied.</summary>
    public bool IsEnvironmentFault { get; }
}

/// <summary>Runs core calls and turns the core's errors, and I/O failures, into <see cref="EmulatorException"/>.</summary>
internal static class Guard
{
    public static T Run<T>(Func<T> f)
    {
        try { return f(); }
        catch (EmulatorError e) { throw new EmulatorException(e.Data0, e); }
        catch (EnvironmentError e) { throw new EmulatorException(e.message, e.cause, isEnvironmentFault: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            switch (Errors.ofIo("file access failed", e))
            {
                case EmulatorError u: throw new EmulatorException(u.Data0, e);
                case EnvironmentError v: throw new EmulatorException(v.message, e, isEnvironmentFault: true);
                default: throw new EmulatorException(e.Message, e, isEnvironmentFault: true);
            }
        }
    }

    public static void Run(Action f) => Run<int>(() => { f(); return 0; });

    /// <summary>An input space from optional bounds: both null (none), or two finite arrays of equal length with
    /// each lower bound below its upper bound.</summary>
    public static Box? Bounds(string source, double[]? lower, double[]? upper, bool required)
    {
        if (lower is null && upper is null)
        {
            if (required) throw new EmulatorException($"LF source '{source}': the lower and upper bounds of its input space are required (got null)");
            return null;
        }
        if (lower is null || upper is null)
            throw new EmulatorException($"LF source '{source}': {(lower is null ? "lower" : "upper")} bounds are missing (null); give both lower and upper bounds, or neither");
        if (lower.Length != upper.Length)
            throw new EmulatorException($"LF source '{source}': {lower.Length} lower but {upper.Length} upper bounds");
        if (lower.Length == 0)
            throw new EmulatorException($"LF source '{source}': the input space needs at least one dimension (the bounds are empty)");
        for (var i = 0; i < lower.Length; i++)
        {
            if (!double.IsFinite(lower[i]) || !double.IsFinite(upper[i]))
                throw new EmulatorException($"LF source '{source}': the bounds [{lower[i]}, {upper[i]}] of input {i} are not finite");
            if (!(lower[i] < upper[i]))
                throw new EmulatorException($"LF source '{source}': the lower bound {lower[i]} of input {i} is not below its upper bound {upper[i]}");
        }
        return Run(() => BoxModule.create(lower, upper));
    }
}
