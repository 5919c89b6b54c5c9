/// Kolmogorov–Arnold network in the style of Blealtan's `efficient-kan` (paper-spec §4.3). One KAN layer maps
/// x [E, N, in] to out_j = Σ_i [ base_w[i,j]·SiLU(x_i) + Σ_k spline_w[i,k,j]·B_k(x_i) ], where B_k are the
/// B-spline bases of order `SplineOrder` on a uniform grid of `GridSize` intervals over [GridMin, GridMax],
/// extended by `SplineOrder` knots on each side (GridSize + SplineOrder bases per input). The bases are computed
/// for all edges at once with the Cox–de Boor recursion on [E, N, in, nbases] tensors; the spline sum is then a
/// single bmm of [E, N, in·nbases] with [E, in·nbases, out].
///
/// The block's inputs arrive in [-1, 1] and are mapped linearly onto [GridMin, GridMax]. Outside the extended grid
/// every basis vanishes, so such inputs reach the next layer only through the SiLU path; outputs stay finite.
///
/// Grid update from data (efficient-kan's `update_grid`, optional): `updateGrid` moves each layer's knots, per
/// member and input, to a blend of the data's quantiles and a uniform grid over the data's range, and refits the
/// spline coefficients by least squares so that the layer's output at the data stays close to what it was. The knots are then
/// stored with the parameters as buffers "@knots<i>" [E, in, knots] (saved with the model, never trained); a layer
/// without them uses the spec's uniform grid.
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
module Emulators.Core.Kan

open TorchSharp
open Emulators.Core
open Emulators.Core.Tensors

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

let validate (s: KanSpec) =
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

/// B-spline bases on the uniform grid by the Cox–de Boor recursion, vectorised over every basis: any order.
let private coxDeBoor (s: KanSpec) (x: Tensors.Tensor) : Tensors.Tensor =
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
        let left = Tensors.divBy (float j * h) (xu - grid.narrow(0L, 0L, m)) * b.narrow(-1L, 0L, m)
        let right = Tensors.divBy (float j * h) (grid.narrow(0L, int64 (j + 1), m) - xu) * b.narrow(-1L, 1L, m)
        left .+ right
    List.fold step b0 [ 1 .. s.SplineOrder ]

/// Offsets k − m of the four cubic bases that do not vanish on knot interval m: k = m − 3 … m. A new tensor per
/// call: a shared one would be disposed with the first dispose scope that saw it.
let private cubicOffsets () = torch.tensor([| -3L; -2L; -1L; 0L |], dtype = torch.int64)

/// Uniform cubic B-spline bases (the default order) from each input's knot interval m and local coordinate
/// t ∈ [0, 1): only bases m − 3 … m are non-zero there, and on a uniform grid they are the four pieces of the
/// cardinal cubic B-spline, (1 − t)³/6, (3t³ − 6t² + 4)/6, (−3t³ + 3t² + 3t + 1)/6 and t³/6. The pieces are computed
/// on [..., in] tensors and scattered into the [..., in, nbases] result, which costs a few passes over it where the
/// recursion makes about forty (it bounds the KAN's training speed). Bases beyond either end (k < 0 or k ≥ nbases,
/// which includes every input outside the extended grid) get zero; they are added, as zeros, onto a clamped index.
/// Equal to the recursion up to round-off (tested), inputs on a knot included (both sides are continuous there).
let private cubicUniform (s: KanSpec) (x: Tensors.Tensor) : Tensors.Tensor =
    let g = knots s
    let nb = basisCount s
    let h = (s.GridMax - s.GridMin) / float s.GridSize
    // position in knot intervals; clamped just outside the knots so that the interval index stays a small integer
    let u = Tensors.clampTo -1.0 (float g.Length) (Tensors.divBy h (Tensors.subBy g[0] x))
    let m = u.floor()
    let t = u - m
    let t2 = t * t
    let t3 = t2 * t
    let sixth v = Tensors.divBy 6.0 v
    let omt = Tensors.subFrom 1.0 t
    let p0 = sixth (omt * omt * omt)
    let p1 = sixth (Tensors.addBy 4.0 (Tensors.mulBy 3.0 t3 - Tensors.mulBy 6.0 t2))
    let p2 = sixth (Tensors.addBy 1.0 (Tensors.mulBy 3.0 (t .+ t2 - t3)))
    let p3 = sixth t3
    let pieces = torch.stack([| p0; p1; p2; p3 |], -1L)
    let k = m.to_type(torch.int64).unsqueeze(-1L) .+ cubicOffsets ()
    let valid = Tensors.indexWithin 0L (int64 (nb - 1)) k
    let index = Tensors.clampIndex 0L (int64 (nb - 1)) k
    let shape = Array.append (x.shape) [| int64 nb |]
    torch.zeros(shape, dtype = x.dtype).scatter_add(-1L, index, pieces * valid.to_type(x.dtype))

/// B-spline bases of every input: x [..., in] -> [..., in, GridSize + SplineOrder] on the uniform grid (cubic:
/// cubicUniform; other orders: the recursion).
let bases (s: KanSpec) (x: Tensors.Tensor) : Tensors.Tensor =
    if s.SplineOrder = 3 then cubicUniform s x else coxDeBoor s x

/// B-spline bases of order `order` on per-member, per-input knots g [E, in, nk]: x [E, N, in] -> [E, N, in, nk - 1 - order]
/// (Cox–de Boor with the general, non-uniform denominators).
let basesOn (order: int) (g: Tensors.Tensor) (x: Tensors.Tensor) : Tensors.Tensor =
    let nk = int g.shape[2]
    let xu = x.unsqueeze(-1L)
    let t = g.unsqueeze(1L)
    let knot (start: int) (m: int) = t.narrow(-1L, int64 start, int64 m)
    let b0 = xu.ge(knot 0 (nk - 1)).logical_and(xu.lt(knot 1 (nk - 1))).to_type(x.dtype)
    let step (b: Tensors.Tensor) (j: int) =
        let m = nk - j - 1
        let left = (xu - knot 0 m) / (knot j m - knot 0 m) * b.narrow(-1L, 0L, int64 m)
        let right = (knot (j + 1) m - xu) / (knot (j + 1) m - knot 1 m) * b.narrow(-1L, 1L, int64 m)
        left .+ right
    List.fold step b0 [ 1 .. order ]

let init (s: KanSpec) (ctx: InitContext) (dIn: int) (dOut: int) : Params =
    validate s
    let nb = basisCount s
    let sd = scaleNoise / float s.GridSize
    Layers.sizes s.Depth s.Width dIn dOut
    |> List.pairwise
    |> List.mapi (fun i (a, b) ->
        [ sprintf "base%d" i, Params.uniform ctx [ a; b ] (1.0 / sqrt (float a))
          // rows ordered input-major: row i·nb + k holds the coefficients of basis k of input i
          sprintf "spline%d" i,
          Params.draw ctx [ a * nb; b ] (fun r -> MathNet.Numerics.Distributions.Normal.Sample(r, 0.0, sd)) ])
    |> List.concat

let private silu (x: Tensors.Tensor) = x * torch.sigmoid x

/// Name of layer i's data-adapted knots buffer.
let knotsName (i: int) = sprintf "@knots%d" i

/// Bases of layer i's input: on its data-adapted knots if `updateGrid` has set them, else on the uniform grid.
let private layerBases (s: KanSpec) (knots: Tensors.Tensor option) (x: Tensors.Tensor) =
    match knots with
    | Some g -> basesOn s.SplineOrder g x
    | None -> bases s x

/// One KAN layer: x [E, N, in] -> [E, N, out].
let layer (s: KanSpec) (baseW: Tensors.Tensor) (splineW: Tensors.Tensor) (knots: Tensors.Tensor option) (x: Tensors.Tensor) =
    let e, n, din = x.shape[0], x.shape[1], x.shape[2]
    let flat = (layerBases s knots x).reshape(e, n, din * int64 (basisCount s))
    torch.bmm(silu x, baseW) .+ torch.bmm(flat, splineW)

let private layerOf (s: KanSpec) (p: Params) (i: int) =
    layer s (Params.get (sprintf "base%d" i) p) (Params.get (sprintf "spline%d" i) p) (Params.tryGet (knotsName i) p)

/// The block's inputs arrive in [-1, 1] (the emulator scales every network input there); a grid range other than
/// [-1, 1] gets them mapped linearly onto [GridMin, GridMax], so the first layer's grid covers the inputs.
let private toGridRange (s: KanSpec) (x: Tensors.Tensor) =
    if s.GridMin = -1.0 && s.GridMax = 1.0 then x
    else Tensors.addBy s.GridMin (Tensors.mulBy ((s.GridMax - s.GridMin) / 2.0) (Tensors.addBy 1.0 x))

/// x [E, N, dIn] -> [E, N, dOut].
let apply (s: KanSpec) (p: Params) (x: Tensors.Tensor) =
    List.fold (fun h i -> layerOf s p i h) (toGridRange s x) [ 0 .. s.Depth ]

/// efficient-kan's update_grid defaults: knots 98% at data quantiles, 2% uniform; the uniform part spans the data
/// range widened by `margin` on each side.
let gridEps = 0.02
let gridMargin = 0.01

/// Knots adapted to layer inputs h [E, N, in]: per member and input, GridSize + 1 knots blending the quantiles of
/// the data (weight 1 − eps) with a uniform grid over the data's range ± margin (weight eps), extended by
/// SplineOrder uniform steps on each side. With eps > 0 the knots increase strictly even where an input is constant.
let adaptiveKnots (s: KanSpec) (eps: float) (margin: float) (h: Tensors.Tensor) : Tensors.Tensor =
    let n = int h.shape[1]
    let struct (sorted: Tensors.Tensor, _) = h.sort(1L)
    let idx = torch.tensor(Array.init (s.GridSize + 1) (fun k -> int64 (float k * float (n - 1) / float s.GridSize)))
    let adaptive = sorted.index_select(1L, idx).permute(0L, 2L, 1L)
    let lo = sorted.narrow(1L, 0L, 1L).permute(0L, 2L, 1L)
    let hi = sorted.narrow(1L, int64 (n - 1), 1L).permute(0L, 2L, 1L)
    let step = (hi - lo +. 2.0 * margin) /. float s.GridSize
    let ramp (values: float[]) = Tensors.create values [| 1L; 1L; int64 values.Length |] h.dtype
    let uniform = lo -. margin .+ step * ramp (Array.init (s.GridSize + 1) float)
    let grid = uniform *. eps .+ adaptive *. (1.0 - eps)
    let first = grid.narrow(-1L, 0L, 1L)
    let last = grid.narrow(-1L, int64 s.GridSize, 1L)
    let left = first - step * ramp (Array.init s.SplineOrder (fun k -> float (s.SplineOrder - k)))
    let right = last .+ step * ramp (Array.init s.SplineOrder (fun k -> float (k + 1)))
    torch.cat([| left; grid; right |], -1L)

/// Grid update from data x [E, N, dIn] (the block's inputs): every layer gets knots adapted to its inputs and
/// spline coefficients refitted by least squares (pseudo-inverse, minimum norm where the data do not determine
/// them) to the spline part of its old output at those inputs; base weights are kept. Returns new parameters;
/// the given ones are not modified. Layer i's inputs are computed with the already updated layers before it.
let updateGrid (s: KanSpec) (eps: float) (margin: float) (p: Params) (x: Tensors.Tensor) : Params =
    if not (eps > 0.0 && eps <= 1.0) then Errors.fail "kan grid update: eps must be in (0, 1] (got %g)" eps
    if not (margin >= 0.0) then Errors.fail "kan grid update: margin must be non-negative (got %g)" margin
    use _ = torch.no_grad ()
    let nb = int64 (basisCount s)
    let e = x.shape[0]
    let mutable h = toGridRange s x
    let updated =
        [ for i in 0 .. s.Depth do
              let baseW = Params.get (sprintf "base%d" i) p
              let splineW = Params.get (sprintf "spline%d" i) p
              let din, dout = h.shape[2], splineW.shape[2]
              let perInput (b: Tensors.Tensor) = b.permute(0L, 2L, 1L, 3L) // [E, N, in, nb] -> [E, in, N, nb]
              let coef = splineW.reshape(e, din, nb, dout)
              let target = torch.matmul(perInput (layerBases s (Params.tryGet (knotsName i) p) h), coef)
              let knots = adaptiveKnots s eps margin h
              let refit = torch.matmul(torch.linalg.pinv (perInput (basesOn s.SplineOrder knots h)), target)
              // a fresh leaf, not a view of the solve's output
              let spline = refit.reshape(e, din * nb, dout).clone()
              h <- layer s baseW spline (Some knots) h
              yield sprintf "base%d" i, baseW
              yield sprintf "spline%d" i, spline.requires_grad_(true).DetachFromDisposeScope()
              yield knotsName i, knots.contiguous().DetachFromDisposeScope() ]
    // Entries the update does not know about (none today) are kept as they were.
    let names = updated |> List.map fst |> Set.ofList
    updated @ (p |> List.filter (fun (n, _) -> not (names.Contains n)))

/// The weights an L2 penalty acts on: base and spline weights of every layer.
let weights (s: KanSpec) (p: Params) =
    [ for i in 0 .. s.Depth do
          Params.get (sprintf "base%d" i) p
          Params.get (sprintf "spline%d" i) p ]
