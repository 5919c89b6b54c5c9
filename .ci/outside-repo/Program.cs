// A console app outside the repository that uses only the Emulators.Api package (see .ci/outside-repo.sh).
//   fit K1_DIR MODELS_DIR EXACT_RUN_JSON LEARNED_RUN_JSON
//       trains K1 through the facade with the exact LF function and with the learned LF data (the data of
//       `emulators export --problem K1`), checks both against `emulators run --problem K1 [--lf learned] --json`,
//       saves both models and their predictions on the test inputs (as bit patterns)
//   check K1_DIR MODELS_DIR
//       reloads both models in a new process and checks that they predict bit for bit the same
// System.Text next to Emulators: the facade's namespace must not hide Encoding.UTF8 (or anything else of the BCL).
using System.Globalization;
using System.Text;
using System.Text.Json;
using Emulators;

static double Hf(double x) { var a = x * 6.0 - 2.0; return a * a * Math.Sin(x * 12.0 - 4.0); }
static double Lf(double x) => Hf(x) * 0.5 + (x - 0.5) * 10.0 - 5.0;
static LowFidelitySource ExactLf() => LowFidelitySource.FromFunction("LF", x => Lf(x[0]), new[] { 0.0 }, new[] { 1.0 });

var failures = new List<string>();
void Expect(bool ok, string what)
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
    if (!ok) failures.Add(what);
}
string Bits(double[] v) => string.Join("\n", v.Select(d => BitConverter.DoubleToInt64Bits(d).ToString("x16", CultureInfo.InvariantCulture)));

try
{
    switch (args)
    {
        case ["fit", var k1, var models, var exactJson, var learnedJson]:
        {
            var hf = CsvData.Read(Path.Combine(k1, "hf.csv"));
            var lf = CsvData.Read(Path.Combine(k1, "lf-LF.csv"), outputColumn: hf.OutputName);
            var test = CsvData.Read(Path.Combine(k1, "test.csv"));
            // `emulators run` trains exactly the default options (MLP 3x16, freeze, seed 0): no selection.
            var options = new EmulatorOptions { Selection = ModelSelection.Off };
            foreach (var (name, source, json) in new[]
                     {
                         ("exact", ExactLf(), exactJson),
                         // run's learned LF surrogate knows the LF input space [0, 1], not only its samples' range
                         ("learned", LowFidelitySource.FromData("LF", lf.Inputs, lf.Outputs, new[] { 0.0 }, new[] { 1.0 }), learnedJson),
                     })
            {
                var reports = new List<TrainingProgress>();
                var emulator = new MultiFidelityEmulator(options).SetHighFidelityData(hf.Inputs, hf.Outputs).AddSource(source);
                emulator.Fit(new InlineProgress(reports.Add));
                var e = emulator.Evaluate(test.Inputs, test.Outputs);
                using var doc = JsonDocument.Parse(File.ReadAllText(json, Encoding.UTF8));
                var cliRmse = doc.RootElement.GetProperty("rmse").GetDouble();
                var cliNmse = doc.RootElement.GetProperty("normalizedMse").GetDouble();
                Console.WriteLine($"     {name} LF: facade RMSE {e.Rmse:E3}, max error {e.MaxError:E3}, normalized MSE {e.NormalizedMse:E3}; " +
                                  $"emulators run: RMSE {cliRmse:E3}, normalized MSE {cliNmse:E3}");
                // The same data, options and seeds as `emulators run`: the same model up to round-off of the
                // outputs (about 1e-15 here, outputs of order 10), whatever the errors' own size.
                Expect(Math.Abs(e.Rmse - cliRmse) <= 1e-12, $"{name} LF: RMSE equals emulators run's to round-off (difference {Math.Abs(e.Rmse - cliRmse):E2})");
                Expect(name == "exact" ? e.NormalizedMse < 1e-20 : e.NormalizedMse < 1e-4, $"{name} LF: normalized MSE {e.NormalizedMse:E2}");
                // Progress: each step once per stage, increasing, ending with Step = Steps; stages named.
                var byStage = reports.GroupBy(r => (r.Stage, r.SubStage)).ToList();
                Expect(byStage.Count == (name == "exact" ? 1 : 2) && byStage.All(g => g.First().Stage == "fit"),
                       $"{name} LF: progress stages {string.Join(", ", byStage.Select(g => $"{g.Key.Stage}/{g.Key.SubStage}"))}");
                Expect(byStage.All(g => g.Zip(g.Skip(1)).All(p => p.Second.Step > p.First.Step)
                                        && g.Count(r => r.Finished) == 1 && g.Last().Finished && g.Last().Step == g.Last().Steps),
                       $"{name} LF: every step reported once, the last one finished ({reports.Count} reports)");
                var dir = Path.Combine(models, name);
                emulator.Save(dir);
                File.WriteAllText(Path.Combine(models, name + ".bits"), Bits(emulator.Predict(test.Inputs).Value), Encoding.UTF8);
            }
            break;
        }
        case ["check", var k1, var models]:
        {
            var test = CsvData.Read(Path.Combine(k1, "test.csv"));
            foreach (var name in new[] { "exact", "learned" })
            {
                // An exact LF function cannot be stored: the program gives it again.
                var emulator = MultiFidelityEmulator.Load(Path.Combine(models, name), name == "exact" ? new[] { ExactLf() } : null);
                var saved = File.ReadAllText(Path.Combine(models, name + ".bits"), Encoding.UTF8);
                Expect(Bits(emulator.Predict(test.Inputs).Value) == saved, $"{name} LF: the reloaded model predicts bit for bit the same ({test.Outputs.Length} points)");
            }
            break;
        }
        default:
            Console.Error.WriteLine("usage: fit K1_DIR MODELS_DIR EXACT_RUN_JSON LEARNED_RUN_JSON | check K1_DIR MODELS_DIR");
            return 2;
    }
}
catch (EmulatorException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
if (failures.Count > 0) Console.Error.WriteLine($"{failures.Count} check(s) failed");
return failures.Count == 0 ? 0 : 1;

/// <summary>Progress&lt;T&gt; posts to the thread pool; the checks need every report, in order.</summary>
sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}
