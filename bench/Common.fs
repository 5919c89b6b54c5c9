/// What every benchmark mode shares: the K1 MF-MLP configuration, its data, JSON output and medians.
module Bench.Common

open System
open System.IO
open System.Text.Json
open Emulators.Core

let k1 = Problems.Forrester.k1

/// The paper's K1 MF-MLP configuration: exact LF, no encoding, F_l affine + F_nl 3×16 tanh on u = [x, y_L],
/// N_H = 8 Sobol' points + 2 boundary points, λ = 1e-3 on F_nl's weights.
let spec precision =
    { Correlation = MlpBlock { Depth = 3; Width = 16 }
      Surrogate = MlpBlock { Depth = 3; Width = 16 }
      Encoding = NoEncoding
      Precision = precision }

let hfData () =
    let x = Experiment.hfPoints k1 8 0
    { X = x; Y = Experiment.evaluate k1.Hf x }

let sources = k1.Sources |> List.map Exact

let writeJson (path: string) (value: obj) =
    let opts = JsonSerializerOptions(WriteIndented = true)
    File.WriteAllText(path, JsonSerializer.Serialize(value, opts))

let median (xs: float[]) =
    let s = Array.sort xs
    let n = s.Length
    if n % 2 = 1 then s[n / 2] else 0.5 * (s[n / 2 - 1] + s[n / 2])
