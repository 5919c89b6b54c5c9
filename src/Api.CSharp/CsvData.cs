using Emulators.Core;
namespace Emulators;

/// <summary>A numeric CSV table with a header row, split into inputs and one output.</summary>
/// <param name="InputNames">Names of the input columns.</param>
/// <param name="Inputs">Input values, [rows, inputs].</param>
/// <param name="OutputName">Name of the output column.</param>
/// <param name="Outputs">Output values, one per row.</param>
public sealed record CsvData(string[] InputNames, double[,] Inputs, string OutputName, double[] Outputs)
{
    /// <summary>Reads a CSV file. The output is <paramref name="outputColumn"/> or else the last column;
    /// the inputs are <paramref name="inputColumns"/> or else every other column.</summary>
    /// <exception cref="EmulatorException">The file is missing, empty or malformed (the message names file, line and column).</exception>
    public static CsvData Read(string path, string? outputColumn = null, IReadOnlyList<string>? inputColumns = null)
    {
        var table = Guard.Run(() => Csv.read(path));
        var split = Guard.Run(() => Csv.split(table,
            inputColumns is null ? null : Microsoft.FSharp.Core.FSharpOption<string[]>.Some(inputColumns.ToArray()),
            outputColumn is null ? null : Microsoft.FSharp.Core.FSharpOption<string>.Some(outputColumn)));
        var (names, rows, output, values) = (split.Item1, split.Item2, split.Item3, split.Item4);
        var inputs = new double[rows.Length, names.Length];
        for (var i = 0; i < rows.Length; i++)
            for (var j = 0; j < names.Length; j++)
                inputs[i, j] = rows[i][j];
        return new CsvData(names, inputs, output, values);
    }
}
