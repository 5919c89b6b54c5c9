/// Kolmogorov–Arnold network in the style of Blealtan's `efficient-kan` (paper-spec §4.3). One KAN layer maps
/// x [E, N, in] to out_j = Σ_i [ base_w[i,j]·SiLU(x_i) + Σ_k spline_w[i,k,j]·B_k(x_i) ], where B_k are the
/// B-spline bases of order `SplineOrder` on a uniform grid of `GridSize` intervals over [GridMin, GridMax],
/// extended by `SplineOrder` knots on each side (GridSize + SplineOrder bases per input). The bases are computed
/// for all edges at once with the Cox–de Boor recursion on [E, N, in, nbases] tensors; the spline sum is then a
/// single bmm of [E, N, in·nbases] with [E, in·nbases, out].
///
/// Outside the extended grid every basis vanishes, so such inputs reach the next layer only through the SiLU path;
/// outputs stay finite. The grid is fixed (no grid update).
///
/// Initialisation:
///   base weights   U(±1/sqrt(in)): efficient-kan's kaiming_uniform_(a = √5 · scale_base) with scale_base = 1.
///   spline weights N(0, σ²) with σ = scale_noise / GridSize, scale_noise = 0.1. efficient-kan instead
///                  least-squares fits spline coefficients to U(±scale_noise/(2·GridSize)) noise sampled at the grid
///                  points and multiplies them by a separate learnable `spline_scaler`; both give small splines of
///                  the same order, so at the start the layer is close to its SiLU path. We use the plain normal
///                  draw and no standalone scaler (efficient-kan's enable_standalone_scale_spline = false), which
///                  keeps one coefficient tensor per layer and no redundant product of parameters.
/// There are no biases, as in efficient-kan.
module Emulators.Kan

open TorchSharp
open Emulators

/// `Depth` hidden KAN layers of `Width` units: a KAN [dIn, W, …, W, dOut] with Depth + 1 KAN layers.
type KanSpec =
    { Depth: int
      Width: int
      GridSize: int
      SplineOrder: int
      GridMin: float
      GridMax: float }

/// efficient-kan's defaults: grid size 5, cubic splines, grid range [-1, 1].
let defaults (depth: int) (width: int) =
    { Depth = depth
      Width = width
      GridSize = 5
      SplineOrder = 3
      GridMin = -1.0
      GridMax = 1.0 }

/// scale_noise of efficient-kan: spline coefficients start with std scaleNoise / GridSize.
let scaleNoise = 0.1

let private validate (s: KanSpec) =
    if s.Depth < 1 then Errors.fail "kan: depth must be at least 1 (got %d)" s.Depth
    if s.Width < 1 then Errors.fail "kan: width must be at least 1 (got %d)" s.Width
    if s.GridSize < 1 then Errors.fail "kan: grid size must be at least 1 (got %d)" s.GridSize
    if s.SplineOrder < 0 then Errors.fail "kan: spline order must be at least 0 (got %d)" s.SplineOrder
    if not (s.GridMax > s.GridMin) || System.Double.IsInfinity s.GridMin || System.Double.IsInfinity s.GridMax then
        Errors.fail "kan: grid range [%g, %g] must be finite and non-empty" s.GridMin s.GridMax

/// Number of B-spline bases per input.
let basisCount (s: KanSpec) = s.GridSize + s.SplineOrder

/// The knots: GridSize + 2·SplineOrder + 1 equally spaced points, SplineOrder of them beyond each end.
let knots (s: KanSpec) =
    let h = (s.GridMax - s.GridMin) / float s.GridSize
    Array.init (s.GridSize + 2 * s.SplineOrder + 1) (fun m -> s.GridMin + float (m - s.SplineOrder) * h)

/// B-spline bases of every input: x [..., in] -> [..., in, GridSize + SplineOrder] (Cox–de Boor, vectorised).
let bases (s: KanSpec) (x: Tensors.Tensor) : Tensors.Tensor =
    let g = knots s
    let n = g.Length
    let h = (s.GridMax - s.GridMin) / float s.GridSize
    let grid = Tensors.create g [| int64 n |] x.dtype
    let xu = x.unsqueeze(-1L)
    let lo = grid.narrow(0L, 0L, int64 (n - 1))
    let hi = grid.narrow(0L, 1L, int64 (n - 1))
    // order 0: indicator of the half-open knot interval [t_m, t_{m+1})
    let b0 = xu.ge(lo).logical_and(xu.lt(hi)).to_type(x.dtype)
    let step (b: Tensors.Tensor) (j: int) =
        // b holds n - j bases of order j - 1; the result n - j - 1 bases of order j. On a uniform grid both
        // denominators of the recursion are j·h.
        let m = int64 (n - j - 1)
        let left = (xu - grid.narrow(0L, 0L, m)) / (float j * h) * b.narrow(-1L, 0L, m)
        let right = (grid.narrow(0L, int64 (j + 1), m) - xu) / (float j * h) * b.narrow(-1L, 1L, m)
        left + right
    List.fold step b0 [ 1 .. s.SplineOrder ]

let private sizes (s: KanSpec) dIn dOut = [ dIn ] @ List.replicate s.Depth s.Width @ [ dOut ]

let init (s: KanSpec) (ctx: InitContext) (dIn: int) (dOut: int) : Params =
    validate s
    let nb = basisCount s
    let sd = scaleNoise / float s.GridSize
    sizes s dIn dOut
    |> List.pairwise
    |> List.mapi (fun i (a, b) ->
        [ sprintf "base%d" i, Params.uniform ctx [ a; b ] (1.0 / sqrt (float a))
          // rows ordered input-major: row i·nb + k holds the coefficients of basis k of input i
          sprintf "spline%d" i,
          Params.draw ctx [ a * nb; b ] (fun r -> MathNet.Numerics.Distributions.Normal.Sample(r, 0.0, sd)) ])
    |> List.concat

let private silu (x: Tensors.Tensor) = x * torch.sigmoid x

/// One KAN layer: x [E, N, in] -> [E, N, out].
let layer (s: KanSpec) (baseW: Tensors.Tensor) (splineW: Tensors.Tensor) (x: Tensors.Tensor) =
    let e, n, din = x.shape[0], x.shape[1], x.shape[2]
    let flat = (bases s x).reshape(e, n, din * int64 (basisCount s))
    torch.bmm(silu x, baseW) + torch.bmm(flat, splineW)

/// x [E, N, dIn] -> [E, N, dOut].
let apply (s: KanSpec) (p: Params) (x: Tensors.Tensor) =
    List.fold
        (fun h i -> layer s (Params.get (sprintf "base%d" i) p) (Params.get (sprintf "spline%d" i) p) h)
        x
        [ 0 .. s.Depth ]

/// The weights an L2 penalty acts on: base and spline weights of every layer.
let weights (s: KanSpec) (p: Params) =
    [ for i in 0 .. s.Depth do
          Params.get (sprintf "base%d" i) p
          Params.get (sprintf "spline%d" i) p ]
