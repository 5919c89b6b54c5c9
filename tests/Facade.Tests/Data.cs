using System.Globalization;

namespace Emulators.Facade.Tests;

/// <summary>The Forrester (K1) pair as CSV files, written by the tests themselves.</summary>
public static class Data
{
    public static double Hf(double x) => Math.Pow(6 * x - 2, 2) * Math.Sin(12 * x - 4);
    public static double Lf(double x) => 0.5 * Hf(x) + 10 * (x - 0.5) - 5;

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "emulators-facade-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    public static string WriteCsv(string dir, string name, IEnumerable<double> xs, Func<double, double> f)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllLines(path, new[] { "x,y" }.Concat(xs.Select(x =>
            x.ToString("R", CultureInfo.InvariantCulture) + "," + f(x).ToString("R", CultureInfo.InvariantCulture))));
        return path;
    }

    public static double[] HfPoints => Enumerable.Range(0, 10).Select(i => i / 9.0).ToArray();
    public static double[] LfPoints => Enumerable.Range(0, 101).Select(i => i / 100.0).ToArray();
    public static double[] TestPoints => Enumerable.Range(0, 57).Select(i => (i + 0.5) / 57.0).ToArray();

    public static double[,] Column(double[] xs)
    {
        var m = new double[xs.Length, 1];
        for (var i = 0; i < xs.Length; i++) m[i, 0] = xs[i];
        return m;
    }
}
