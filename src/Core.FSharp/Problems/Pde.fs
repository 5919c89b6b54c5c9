/// PDE: a parametric 1-D diffusion problem solved by finite differences (no closed form), LF = coarse mesh,
/// HF = fine mesh.
///
/// Provenance (paper-spec.md §6 "PDE case" and §10 #5, #11):
/// - [P] the paper has a PDE case; its definition was not recovered.
/// - [D] the spec's example: −(κ(s;ξ) u′)′ = 1 on s ∈ [0, 1], u(0) = u(1) = 0, QoI = u(0.5), LF = a coarse-mesh
///   solve, HF = a 256-cell solve.
/// - Project choices: d = 3 parameters ξ ∈ [−1, 1]³ and κ(s;ξ) = exp(Σ_{k=1}^{3} ξ_k sin(kπs)/k). The k = 1, 3
///   modes are symmetric about s = 0.5 and move u(0.5) at first order; the k = 2 mode is antisymmetric, so u(0.5)
///   is an even (purely nonlinear) function of ξ_2. LF = 4 cells: with 8 cells the LF is within 3.5% of the HF
///   everywhere (a nearly trivial correlation), with 4 cells the ξ-dependent bias reaches about 12% on random ξ
///   and more at the corners. N_H ∈ {8, 16, 32} Sobol' points, N_L = 1000, 20000 Monte Carlo test points.
/// - Discretisation: nodes s_j = j/n, κ at the cell midpoints, the standard conservative three-point scheme
///   −[κ_{j+1/2}(u_{j+1} − u_j) − κ_{j−1/2}(u_j − u_{j−1})]/h² = 1 (second order; exact for constant κ), solved by
///   the Thomas algorithm. The tests check both properties against the exact solution.
/// - NormSq = (1/8)∫_{[−1,1]³} u_HF(0.5; ξ)² dξ by a 24³-point tensor Gauss–Legendre rule (agrees with 12³ points to
///   6e-15); the tests re-check it with an independent midpoint rule.
/// - The solver is a black box to torch: Differentiable = false, and the models detach their input.
module Emulators.Core.Problems.Pde

open Emulators.Core
open Emulators.Core.Tensors

let dim = 3
let coarseCells = 4
let fineCells = 256

/// Tridiagonal solve (Thomas algorithm): sub-diagonal a (a[0] unused), diagonal b, super-diagonal c (c[n−1] unused),
/// right-hand side d. The inputs are not modified.
let thomas (a: float[]) (b: float[]) (c: float[]) (d: float[]) : float[] =
    let n = b.Length
    let cp = Array.zeroCreate n
    let dp = Array.zeroCreate n
    cp[0] <- c[0] / b[0]
    dp[0] <- d[0] / b[0]
    for i in 1 .. n - 1 do
        let m = b[i] - a[i] * cp[i - 1]
        cp[i] <- (if i < n - 1 then c[i] / m else 0.0)
        dp[i] <- (d[i] - a[i] * dp[i - 1]) / m
    let x = Array.zeroCreate n
    x[n - 1] <- dp[n - 1]
    for i in n - 2 .. -1 .. 0 do
        x[i] <- dp[i] - cp[i] * x[i + 1]
    x

/// Solve −(κ u′)′ = 1 on n uniform cells with u(0) = u(1) = 0; κ is sampled at the cell midpoints.
/// Returns the nodal values u(j/n), j = 0..n (boundary zeros included).
let solve (kappa: float -> float) (n: int) : float[] =
    if n < 2 then Errors.fail "the finite-difference solve needs at least 2 cells (got %d)" n
    let h = 1.0 / float n
    let k = Array.init n (fun i -> kappa ((float i + 0.5) * h))
    let m = n - 1
    let a = Array.init m (fun i -> -k[i])
    let b = Array.init m (fun i -> k[i] + k[i + 1])
    let c = Array.init m (fun i -> -k[i + 1])
    let d = Array.create m (h * h)
    let u = thomas a b c d
    Array.concat [ [| 0.0 |]; u; [| 0.0 |] ]

/// κ(s; ξ) = exp(Σ_k ξ_k sin(kπs)/k), k = 1..len ξ.
let kappa (xi: float[]) (s: float) =
    let mutable e = 0.0
    for k in 1 .. xi.Length do
        e <- e + xi[k - 1] * sin (float k * System.Math.PI * s) / float k
    exp e

/// The QoI u(0.5; ξ) on an even number of cells.
let qoi (cells: int) (xi: float[]) =
    if cells % 2 <> 0 then Errors.fail "u(0.5) needs an even number of cells (got %d)" cells
    (solve (kappa xi) cells)[cells / 2]

/// A pointwise float function of the last axis as a (non-differentiable) Model: [..., d] -> [...], same dtype.
let pointwise (d: int) (f: float[] -> float) : Model =
    fun x ->
        let shape = x.shape
        if shape.Length = 0 || shape[shape.Length - 1] <> int64 d then
            Errors.fail "the PDE model expects inputs [..., %d], got shape %A" d shape
        let flat = Tensors.toArray x
        let rows = flat.Length / d
        let out = Array.init rows (fun r -> f (Array.sub flat (r * d) d))
        Tensors.create out shape[0 .. shape.Length - 2] x.dtype

let lf: Model = pointwise dim (qoi coarseCells)
let hf: Model = pointwise dim (qoi fineCells)

let poisson: Problem =
    let box = Box.cube dim -1.0 1.0
    { Name = "PDE"
      Summary = "u(0.5) of -(kappa u')' = 1, log kappa = sum xi_k sin(k pi s)/k, xi in [-1,1]^3; LF 4 cells, HF 256 cells"
      Domain = box
      Hf = hf
      Sources = [ { Name = "LF-4cells"; Domain = box; Eval = lf; Differentiable = false } ]
      NormSq = 0.01853393133582938
      HfSizes = [ 8; 16; 32 ]
      LfSize = 1000
      TestGridPerDim = None
      TestMonteCarlo = 20000
      Provenance =
        "paper: a PDE case exists; spec default: 1-D diffusion, QoI u(0.5), coarse LF / fine HF mesh; "
        + "project: 3 parameters in [-1,1], log kappa = sum xi_k sin(k pi s)/k, LF 4 cells, HF 256 cells, "
        + "conservative 3-point FD + Thomas, N_H in {8,16,32}, N_L = 1000, 20000 MC test points, "
        + "norm by 24^3-point Gauss-Legendre" }
