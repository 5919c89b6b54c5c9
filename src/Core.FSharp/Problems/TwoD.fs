/// 2DU: a 2-D HF model whose LF model has fewer inputs (a dissimilar parametrization).
///
/// Provenance (paper-spec.md §6):
/// - [P] the case name "2DU" and that coordinate encoding helped on it (Table 5); [P] the abstract's "dissimilar
///   parametrization" (d_L ≠ d_H).
/// - [D] the definition is the spec's candidate (MFKAN Test 3): x ∈ [0,1]², y_L = sin(12π x1) as a 1-input model,
///   y_H = 2 sin(12π x1) + sin(12 x2). The LF source's Domain is therefore 1-D and an encoder maps R² → R¹.
/// - Project choices: N_H ∈ {16, 32, 64} Sobol' points (spec §10 #5, no boundary points in 2-D), a 100 × 100 test
///   grid (§10 #6), N_L = 200 Sobol' LF points (the LF input is 1-D, so the 1-D default applies).
/// - NormSq is exact: E[sin²(12πx1)] = 1/2 and E[sin(12πx1)] = 0 (whole periods), E[sin²(12x2)] = 1/2 − sin(24)/48,
///   so (1/|Ω|)∫ y_H² = 4·1/2 + 0 + 1/2 − sin(24)/48.
module Emulators.Core.Problems.TwoD

open TorchSharp
open Emulators.Core
open Emulators.Core.Tensors

/// y_L(x1) = sin(12π x1); input [..., 1].
let lf: Model = fun x -> torch.sin (x.select(-1, 0L) *. (12.0 * System.Math.PI))

/// y_H(x1, x2) = 2 sin(12π x1) + sin(12 x2); input [..., 2].
let hf: Model =
    fun x -> torch.sin (x.select(-1, 0L) *. (12.0 * System.Math.PI)) *. 2.0 .+ torch.sin (x.select(-1, 1L) *. 12.0)

let normSq = 2.5 - sin 24.0 / 48.0

let u2d: Problem =
    { Name = "2DU"
      Summary = "2-D HF, 1-D LF in x1 only (dissimilar parametrization): y_H = 2 y_L(x1) + sin(12 x2)"
      Domain = Box.unit 2
      Hf = hf
      Sources = [ { Name = "LF"; Domain = Box.unit 1; Eval = lf; Differentiable = true } ]
      NormSq = normSq
      HfSizes = [ 16; 32; 64 ]
      LfSize = 200
      TestGridPerDim = Some 100
      TestMonteCarlo = 0
      Provenance =
        "paper: case name, encoding helped (Table 5), dissimilar parametrizations exist; "
        + "spec default: the MFKAN Test 3 pair with a 1-input LF model; project: N_H in {16,32,64} Sobol' points, "
        + "N_L = 200 (1-D LF input), 100x100 test grid, exact norm 5/2 - sin(24)/48" }
