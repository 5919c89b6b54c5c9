using Emulators.Core;
namespace Emulators;

/// <summary>A problem with what was supplied (data, options, files). The message names what is wrong and where.</summary>
public sealed class EmulatorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EmulatorException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>Runs core calls and turns the core's user errors into <see cref="EmulatorException"/>.</summary>
internal static class Guard
{
    public static T Run<T>(Func<T> f)
    {
        try { return f(); }
        catch (EmulatorError e) { throw new EmulatorException(e.Data0, e); }
    }

    public static void Run(Action f) => Run<int>(() => { f(); return 0; });
}
