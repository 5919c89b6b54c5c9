/// Covariance functions and mean functions of the Gaussian-process models, batched along a member axis: every
/// member e has its own hyperparameter row θ[e] (restarts and cross-validation folds train side by side).
///
/// Hyperparameter rows (all in scaled units: inputs in [-1, 1], outputs standardized), for d_x inputs and n sources:
///   single-fidelity and AR1:  [log ℓ_1..log ℓ_dx; log σ²; log(σ²_n − floor); c; ρ_1..ρ_n (AR1 only)]
///   NARGP:                    [log ℓ^ρ_1..log ℓ^ρ_n; log ℓ^x_1..log ℓ^x_dx; log σ²_ρ; log ℓ^δ_1..log ℓ^δ_dx; log σ²_δ;
///                              log(σ²_n − floor); c]
/// The feature rows u the kernels see are [x; μ_L,1(x); …; μ_L,n(x)] (x alone for the single-fidelity GP).
namespace Emulators.Core.Gp

open TorchSharp
open Emulators.Core
open Emulators.Core.Tensors

/// The stationary correlation shape.
type Kernel =
    | Matern52
    | SquaredExponential

module Kernel =
    let names =
        Names.table "GP kernel" [ "matern52", [ "matern" ], Matern52; "se", [ "rbf"; "squared-exponential" ], SquaredExponential ]

    let name (k: Kernel) = Names.name names k

    let parse (s: string) = Names.parseIgnoringCase names s

/// How the HF data and the LF information combine.
type GpKind =
    /// A GP on the HF data alone.
    | SingleFidelity
    /// Kennedy–O'Hagan in Le Gratiet's recursive form: y_H(x) = Σ_i ρ_i μ_L,i(x) + c + δ(x), δ a GP on x.
    | Ar1
    /// Nonlinear autoregressive GP: a GP on [x, μ_L(x)] with k = k_ρ(μ_L, μ_L')·k_x(x, x') + k_δ(x, x').
    | Nargp

module GpKind =
    /// The models' names, with the aliases a person may type.
    let names =
        Names.table "GP model"
            [ "gp", [ "sf"; "single-fidelity" ], SingleFidelity
              "ar1", [ "co-kriging"; "cokriging" ], Ar1
              "nargp", [], Nargp ]

    let name (k: GpKind) = Names.name names k

    /// A name typed by a person (blanks and case forgiven).
    let parse (s: string) = Names.parseIgnoringCase names s

/// Where each hyperparameter sits in a row θ[e].
type Layout =
    { Kind: GpKind
      Kernel: Kernel
      /// Inputs x.
      Dx: int
      /// LF sources (0 for the single-fidelity GP).
      Sources: int }

module Layout =
    /// Lower bound of the noise variance (standardized output units): the fit interpolates noise-free data to
    /// about 1e-5 of the output's standard deviation; where the covariance is still too ill-conditioned, the
    /// factorization adds jitter (Marginal.jitterSteps).
    let noiseFloor = 1e-10

    /// Log length-scales (scaled units, inputs span 2) and log variances are clamped to these wide ranges: beyond
    /// them the likelihood is flat and the optimizer would walk on without end. Smooth data want long length-scales
    /// with large variances, so the bounds must not be tight.
    let logLengthRange = log 1e-4, log 1e4
    let logVarianceRange = log 1e-8, log 1e10

    let create kind kernel dx sources =
        if dx < 1 then Errors.fail "a GP needs at least one input"
        match kind with
        | SingleFidelity when sources <> 0 -> Errors.fail "the single-fidelity GP takes no LF sources"
        | Ar1 | Nargp when sources < 1 -> Errors.fail "the %s GP needs at least one LF source" (GpKind.name kind)
        | _ -> ()
        { Kind = kind; Kernel = kernel; Dx = dx; Sources = sources }

    let size (l: Layout) =
        match l.Kind with
        | SingleFidelity -> l.Dx + 3
        | Ar1 -> l.Dx + 3 + l.Sources
        | Nargp -> l.Sources + 2 * l.Dx + 5

    let noiseIndex (l: Layout) =
        match l.Kind with
        | SingleFidelity | Ar1 -> l.Dx + 1
        | Nargp -> l.Sources + 2 * l.Dx + 3

    let meanIndex (l: Layout) = noiseIndex l + 1

    /// Index of ρ_i (AR1).
    let rhoIndex (l: Layout) (i: int) = l.Dx + 3 + i

    /// Starting row of one restart: length-scales ℓ (scaled units) for every length-scale entry, unit signal
    /// variance, noise at the floor's scale, mean c0 and ρ_i = rho0[i].
    let start (l: Layout) (lengthScale: int -> float) (c0: float) (rho0: float[]) : float[] =
        let t = Array.zeroCreate (size l)
        match l.Kind with
        | SingleFidelity | Ar1 ->
            for j in 0 .. l.Dx - 1 do
                t[j] <- log (lengthScale j)
            t[l.Dx] <- 0.0
            if l.Kind = Ar1 then
                for i in 0 .. l.Sources - 1 do
                    t[rhoIndex l i] <- rho0[i]
        | Nargp ->
            let n = l.Sources
            for j in 0 .. n + l.Dx - 1 do
                t[j] <- log (lengthScale j)
            // σ²_ρ carries most of the variance at the start, as when y_H follows y_L.
            t[n + l.Dx] <- log 0.9
            for j in 0 .. l.Dx - 1 do
                t[n + l.Dx + 1 + j] <- log (lengthScale (n + l.Dx + j))
            t[n + 2 * l.Dx + 1] <- log 0.1
        // At the floor's scale: the log-noise gradient is proportional to the noise, so a noise started far above
        // the floor on noise-free data barely moves and the fit would not interpolate.
        t[noiseIndex l] <- log noiseFloor
        t[meanIndex l] <- c0
        t

/// Kernel matrices and means on tensors: θ is [E, P], features u are [N, p] (shared by the members).
module Covariance =
    let private col (u: Tensor) (j: int) = u.narrow(1L, int64 j, 1L)

    /// Squared differences per feature column, [q, N1, N2], for the columns first..first+q-1. They do not depend
    /// on θ, so the scaled distance of every member is one matrix product with the inverse squared length-scales.
    let squaredDifferences (u1: Tensor) (u2: Tensor) (first: int) (q: int) : Tensor =
        let n1, n2 = u1.shape[0], u2.shape[0]
        torch.stack(
            [| for j in first .. first + q - 1 ->
                   let d = col u1 j - (col u2 j).t()
                   d * d |]).reshape(int64 q, n1, n2)

    /// The correlation shape applied to scaled squared distances r² [E, N1, N2].
    let shape (k: Kernel) (r2: Tensor) : Tensor =
        match k with
        | SquaredExponential -> torch.exp (mulBy -0.5 r2)
        | Matern52 ->
            // r = sqrt(r²) has an infinite derivative at 0; the clamp keeps the gradient finite (and zero there,
            // where the exact derivative with respect to the length-scales is zero).
            let r = torch.sqrt (clampTo 1e-30 System.Double.MaxValue r2)
            let s5r = mulBy (sqrt 5.0) r
            (addBy 1.0 (s5r .+ mulBy (5.0 / 3.0) r2)) * torch.exp (mulBy -1.0 s5r)

    let private clampRange (lo: float, hi: float) (t: Tensor) = clampTo lo hi t

    /// exp of the clamped log variance θ[:, i] as [E, 1].
    let private variance (theta: Tensor) (i: int) =
        torch.exp (clampRange Layout.logVarianceRange (theta.narrow(1L, int64 i, 1L)))

    /// A unit-variance correlation over q feature columns with length-scales exp(θ[:, lfirst..]): [E, N1, N2].
    let private correlation (k: Kernel) (theta: Tensor) (lfirst: int) (d2: Tensor) =
        let q = d2.shape[0]
        let invL2 = torch.exp (mulBy -2.0 (clampRange Layout.logLengthRange (theta.narrow(1L, int64 lfirst, q))))
        let n1, n2 = d2.shape[1], d2.shape[2]
        let r2 = invL2.matmul(d2.reshape(q, n1 * n2)).reshape(-1L, n1, n2)
        shape k r2

    /// What a covariance between feature rows u1 and u2 needs of them: the squared differences of the x columns
    /// [d_x, N1, N2] and, for NARGP, of the μ_L columns [n, N1, N2]. They do not depend on θ, so a fit computes them
    /// once for all its likelihood evaluations (at K5's N_H = 1,024 they are 170 MB, built from 40 temporaries).
    type Differences = { X: Tensor; Mu: Tensor option }

    let differences (l: Layout) (u1: Tensor) (u2: Tensor) : Differences =
        { X = squaredDifferences u1 u2 0 l.Dx
          Mu = (match l.Kind with Nargp -> Some(squaredDifferences u1 u2 l.Dx l.Sources) | SingleFidelity | Ar1 -> None) }

    /// Prior covariance (no noise) between the feature rows whose differences d holds: [E, N1, N2].
    let priorOf (l: Layout) (theta: Tensor) (d: Differences) : Tensor =
        let v (i: int) = (variance theta i).unsqueeze(-1)
        match l.Kind, d.Mu with
        | (SingleFidelity | Ar1), _ -> v l.Dx * correlation l.Kernel theta 0 d.X
        | Nargp, Some dmu ->
            let n = l.Sources
            let rho = correlation l.Kernel theta 0 dmu
            let kx = correlation l.Kernel theta n d.X
            let delta = correlation l.Kernel theta (n + l.Dx + 1) d.X
            v (n + l.Dx) * rho * kx .+ v (n + 2 * l.Dx + 1) * delta
        | Nargp, None -> Errors.fail "Covariance.priorOf: NARGP needs the differences of the LF columns"

    /// Prior covariance (no noise) between feature rows u1 and u2: [E, N1, N2].
    let prior (l: Layout) (theta: Tensor) (u1: Tensor) (u2: Tensor) : Tensor = priorOf l theta (differences l u1 u2)

    /// Prior variance at any point: [E].
    let priorVariance (l: Layout) (theta: Tensor) : Tensor =
        match l.Kind with
        | SingleFidelity | Ar1 -> (variance theta l.Dx).squeeze(-1)
        | Nargp -> (variance theta (l.Sources + l.Dx) .+ variance theta (l.Sources + 2 * l.Dx + 1)).squeeze(-1)

    /// Noise variance, bounded below by Layout.noiseFloor: [E].
    let noise (l: Layout) (theta: Tensor) : Tensor =
        addBy Layout.noiseFloor (torch.exp (theta.select(1, int64 (Layout.noiseIndex l))))

    /// Mean function at feature rows u: [E, N]. c for the single-fidelity GP and NARGP, c + Σ ρ_i μ_L,i for AR1.
    let mean (l: Layout) (theta: Tensor) (u: Tensor) : Tensor =
        let c = theta.narrow(1L, int64 (Layout.meanIndex l), 1L)
        match l.Kind with
        | SingleFidelity | Nargp -> c.expand(-1L, u.shape[0])
        | Ar1 ->
            let rho = theta.narrow(1L, int64 (Layout.rhoIndex l 0), int64 l.Sources)
            let mu = u.narrow(1L, int64 l.Dx, int64 l.Sources)
            c .+ rho.matmul(mu.t())
