// A C# program that uses only the Emulators facade: train on CSV files, save, reload, predict.
//   CsvExample train HF.csv LF.csv MODEL_DIR [EPOCHS]   trains a multi-fidelity emulator and saves it
//   CsvExample predict MODEL_DIR INPUT.csv OUT.csv      reloads it and writes predictions (full precision)
using System.Globalization;
using Emulators;

try
{
    switch (args)
    {
        case ["train", var hfPath, var lfPath, var modelDir, .. var rest]:
        {
            var hf = CsvData.Read(hfPath);
            var lf = CsvData.Read(lfPath, outputColumn: hf.OutputName);
            var options = new EmulatorOptions
            {
                Epochs = rest.Length > 0 ? int.Parse(rest[0], CultureInfo.InvariantCulture) : 2000,
                LbfgsIterations = 1000,
            };
            var emulator = new MultiFidelityEmulator(options)
                .SetHighFidelityData(hf.Inputs, hf.Outputs)
                .AddSource(LowFidelitySource.FromData("LF", lf.Inputs, lf.Outputs));
            var progress = new Progress<TrainingProgress>(p =>
            {
                if (p.Step == p.Steps) Console.Error.WriteLine($"{p.Stage}: done, loss {p.Loss:E3}");
            });
            emulator.Fit(progress);
            emulator.Save(modelDir);
            Console.WriteLine($"saved to {modelDir}");
            return 0;
        }
        case ["predict", var modelDir, var inputPath, var outPath]:
        {
            var emulator = MultiFidelityEmulator.Load(modelDir);
            var x = CsvData.Read(inputPath);
            var p = emulator.Predict(x.Inputs);
            using var w = new StreamWriter(outPath);
            w.WriteLine("y,y_linear,y_nonlinear");
            for (var i = 0; i < p.Value.Length; i++)
                w.WriteLine(string.Join(",", new[] { p.Value[i], p.Linear[i], p.Nonlinear[i] }
                    .Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
            Console.WriteLine($"wrote {p.Value.Length} predictions to {outPath}");
            return 0;
        }
        default:
            Console.Error.WriteLine("usage: CsvExample train HF.csv LF.csv MODEL_DIR [EPOCHS] | predict MODEL_DIR INPUT.csv OUT.csv");
            return 2;
    }
}
catch (EmulatorException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return e.IsEnvironmentFault ? 3 : 2;
}
