using Emulators.Core;
using Microsoft.FSharp.Core;

namespace Emulators;

/// <summary>Conversions between C# shapes and the F# core's.</summary>
internal static class Convert
{
    public static double[][] Rows(double[,] m)
    {
        var rows = new double[m.GetLength(0)][];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = new double[m.GetLength(1)];
            for (var j = 0; j < rows[i].Length; j++) rows[i][j] = m[i, j];
        }
        return rows;
    }

    public static FSharpFunc<double[], double> Function(Func<double[], double> f) =>
        FuncConvert.FromFunc(f);

    public static ModelCandidate Candidate(SelectionCandidate c) =>
        new(c.Structure, c.LearningRate, c.Lambda, c.CvError, c.CvSpread, c.Lf == SelectionCandidateModule.singleFidelity);

    public static ModelSelectionReport Report(SelectionReport r) =>
        new(r.Method, r.Candidates.Select(Candidate).ToArray(), Candidate(r.Chosen), r.EstimatedError);

    public static FSharpOption<T>? Option<T>(T? value) where T : class =>
        value is null ? null : FSharpOption<T>.Some(value);
}
