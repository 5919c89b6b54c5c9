// Concurrency harness: P emulators fitted at once with Task.Run through the C# facade (K1 data, a learned LF
// source, Adam then L-BFGS, selection off), repeated for R rounds in one process. Every prediction is compared bit
// for bit with the same fit run alone before the rounds. Prints the exceptions and mismatches it saw.
// Usage: dotnet bench/concurrency/bin/Release/net10.0/concurrency.dll [rounds 30] [parallel 4] [epochs 2000] [lbfgs 3000]
using System.Diagnostics;
using System.Globalization;
using Emulators;

int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
var rounds = Arg(0, 30);
var parallel = Arg(1, 4);
var epochs = Arg(2, 2000);
var lbfgs = Arg(3, 3000);

static double Hf(double x) => Math.Pow(6 * x - 2, 2) * Math.Sin(12 * x - 4);
static double Lf(double x) => 0.5 * Hf(x) + 10 * (x - 0.5) - 5;
static double[,] Column(double[] xs)
{
    var m = new double[xs.Length, 1];
    for (var i = 0; i < xs.Length; i++) m[i, 0] = xs[i];
    return m;
}

var hfX = Enumerable.Range(0, 10).Select(i => i / 9.0).ToArray();
var lfX = Enumerable.Range(0, 101).Select(i => i / 100.0).ToArray();
var testX = Enumerable.Range(0, 200).Select(i => (i + 0.5) / 200.0).ToArray();
var test = Column(testX);
var truth = testX.Select(Hf).ToArray();

double[] FitAndPredict(int seed)
{
    var options = new EmulatorOptions
    {
        Selection = ModelSelection.Off, Epochs = epochs, LbfgsIterations = lbfgs, Seed = seed,
    };
    var emulator = new MultiFidelityEmulator(options)
        .SetHighFidelityData(Column(hfX), hfX.Select(Hf).ToArray())
        .AddSource(LowFidelitySource.FromData("LF", Column(lfX), lfX.Select(Lf).ToArray()));
    emulator.Fit();
    return emulator.Predict(test).Value;
}

double Nmse(double[] p) => p.Zip(truth).Sum(t => (t.First - t.Second) * (t.First - t.Second)) / truth.Sum(t => t * t);
bool SameBits(double[] a, double[] b) =>
    a.Zip(b).All(t => BitConverter.DoubleToInt64Bits(t.First) == BitConverter.DoubleToInt64Bits(t.Second));

Console.WriteLine($"{parallel} parallel fits x {rounds} rounds, {epochs} Adam epochs + {lbfgs} L-BFGS iterations, learned LF, selection off");
var clock = Stopwatch.StartNew();
var alone = Enumerable.Range(0, parallel).Select(FitAndPredict).ToArray();
var aloneSeconds = clock.Elapsed.TotalSeconds;
Console.WriteLine($"reference fits alone: {aloneSeconds / parallel:F1} s each; nmse {string.Join(", ", alone.Select(p => Nmse(p).ToString("E2")))}");

int exceptions = 0, mismatches = 0, fits = 0;
var messages = new Dictionary<string, int>();
clock.Restart();
for (var r = 0; r < rounds; r++)
{
    var tasks = Enumerable.Range(0, parallel).Select(s => Task.Run(() => FitAndPredict(s))).ToArray();
    for (var s = 0; s < parallel; s++)
    {
        fits++;
        try
        {
            var p = tasks[s].GetAwaiter().GetResult();
            if (!SameBits(p, alone[s]))
            {
                mismatches++;
                Console.WriteLine($"round {r} seed {s}: differs from the fit alone (nmse {Nmse(p):E2} vs {Nmse(alone[s]):E2})");
            }
        }
        catch (Exception e)
        {
            exceptions++;
            var key = $"{e.GetType().FullName}: {e.Message.Split('\n')[0]}";
            messages[key] = messages.GetValueOrDefault(key) + 1;
            Console.WriteLine($"round {r} seed {s}: {key}");
        }
    }
    Console.Error.WriteLine($"[round {r + 1}/{rounds}] {exceptions} exceptions, {mismatches} mismatches so far, {clock.Elapsed.TotalSeconds:F0} s");
}
foreach (var (m, n) in messages) Console.WriteLine($"  {n} x {m}");
Console.WriteLine($"fits: {fits} exceptions: {exceptions} mismatches: {mismatches} seconds: {clock.Elapsed.TotalSeconds:F0}");
return exceptions + mismatches == 0 ? 0 : 1;
