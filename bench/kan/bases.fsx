// KAN B-spline bases, forward and backward: the cubic pieces of the uniform grid (Kan.bases, the default) against
// the Cox–de Boor recursion on the same knots (Kan.basesOn), side by side, medians of 5 rounds.
// Build the CLI first (dotnet build src/Cli -c Release), then: dotnet fsi bench/kan/bases.fsx
#I __SOURCE_DIRECTORY__
#I "../../src/Cli/bin/Release/net10.0"
#r "TorchSharp.dll"
#r "Emulators.Core.dll"
open TorchSharp
open Emulators.Core
Native.init 1
let s = Kan.defaults 3 16
let members, inputs = 16L, 16L
let knots = torch.tensor(Kan.knots s, dtype = torch.float64).reshape(1L, 1L, -1L).expand(members, inputs, -1L).contiguous()
let time (points: int64) (f: torch.Tensor -> torch.Tensor) (n: int) =
    let sw = System.Diagnostics.Stopwatch.StartNew()
    for _ in 1 .. n do
        use _ = torch.NewDisposeScope()
        let x = torch.rand([| members; points; inputs |], dtype = torch.float64).requires_grad_(true)
        (f x).sum().backward()
    sw.Elapsed.TotalMilliseconds / float n
let median xs = xs |> List.sort |> fun (l: float list) -> l[l.Length / 2]
for points, n in [ 10L, 500; 200L, 100 ] do
    let rounds = [ for _ in 1 .. 5 -> time points (Kan.bases s) n, time points (Kan.basesOn 3 knots) n ]
    let f, r = median (List.map fst rounds), median (List.map snd rounds)
    printfn "bases forward+backward, [%d, %d, %d] inputs: cubic pieces %.3f ms, recursion %.3f ms, ratio %.2f" members points inputs f r (r / f)
