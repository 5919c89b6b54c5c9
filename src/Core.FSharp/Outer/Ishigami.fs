/// The Ishigami function (Ishigami & Homma 1990), the standard test of global sensitivity analysis, with its
/// analytic Sobol' indices: y = sin x1 + a sin² x2 + b x3⁴ sin x1 on [−π, π]³, a = 7, b = 0.1. Also a problem to
/// train on, with an LF model that underestimates the x2 term (a = 5): y_H = y_L + 2 sin² x2.
module Emulators.Core.Outer.Ishigami

open System
open TorchSharp
open Emulators.Core

let a = 7.0
let b = 0.1

let private ishigami (a: float) (b: float) : Model =
    fun x ->
        let x1 = x.select(-1, 0L)
        let x2 = x.select(-1, 1L)
        let x3 = x.select(-1, 2L)
        let s1 = torch.sin x1
        let s2 = torch.sin x2
        let x3sq = x3 * x3
        Tensors.plus (Tensors.plus s1 (Tensors.mulBy a (s2 * s2))) (Tensors.mulBy b (x3sq * x3sq) * s1)

let hf: Model = ishigami a b
let lf: Model = ishigami 5.0 b

let domain = Box.cube 3 (-Math.PI) Math.PI

/// Output variance under uniform inputs on the domain.
let variance = a * a / 8.0 + b * Math.PI ** 4.0 / 5.0 + b * b * Math.PI ** 8.0 / 18.0 + 0.5

/// Analytic first-order indices S1, S2, S3.
let firstOrder =
    let v1 = 0.5 * (1.0 + b * Math.PI ** 4.0 / 5.0) ** 2.0
    let v2 = a * a / 8.0
    [| v1 / variance; v2 / variance; 0.0 |]

/// Analytic total indices ST1, ST2, ST3.
let total =
    let v1 = 0.5 * (1.0 + b * Math.PI ** 4.0 / 5.0) ** 2.0
    let v13 = 8.0 * b * b * Math.PI ** 8.0 / 225.0
    [| (v1 + v13) / variance; (a * a / 8.0) / variance; v13 / variance |]

/// Mean of y under uniform inputs: a / 2.
let mean = a / 2.0

let problem: Problem =
    { Name = "ISHIGAMI"
      Summary = "3-D Ishigami function (a = 7, b = 0.1) on [-pi, pi]^3 with an LF model that underestimates the sin^2 x2 term (a = 5)"
      Domain = domain
      Hf = hf
      Sources = [ { Name = "LF"; Domain = domain; Eval = lf; Differentiable = true } ]
      NormSq = variance + mean * mean
      HfSizes = [ 64; 128; 256 ]
      LfSize = 512
      TestGridPerDim = None
      TestMonteCarlo = 4096
      Provenance = "Ishigami & Homma (1990); analytic Sobol' indices (Saltelli et al. 2008, Global Sensitivity Analysis: The Primer); LF coefficients are this project's choice" }

/// A built-in problem by name: the catalogue's, or ISHIGAMI.
let findProblem (name: string) =
    if name.Trim().Equals("ishigami", StringComparison.OrdinalIgnoreCase) then problem
    else Problems.Catalogue.find name
