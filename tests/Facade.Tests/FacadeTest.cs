namespace Emulators.Facade.Tests;

/// <summary>Marks a public static test method; a failing check throws.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FacadeTestAttribute : Attribute { }

/// <summary>Minimal assertions.</summary>
public static class Check
{
    public static void That(bool condition, string message)
    {
        if (!condition) throw new Exception(message);
    }

    public static void Throws<TException>(Action action, params string[] fragments) where TException : Exception
    {
        try { action(); }
        catch (TException e)
        {
            foreach (var f in fragments)
                That(e.Message.Contains(f), $"message '{e.Message}' does not mention '{f}'");
            return;
        }
        throw new Exception($"expected {typeof(TException).Name} mentioning {string.Join(", ", fragments)}");
    }
}
