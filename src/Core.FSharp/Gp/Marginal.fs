/// The negative log marginal likelihood and the posterior of a batch of GPs that share their feature rows but not
/// their data: member e sees the points with mask m[e, i] = 1. A masked-out point is replaced by an independent
/// unit-variance point with zero residual, K_e = (K + σ²_n I) ⊙ m mᵀ + diag(1 − m), so the factorization is
/// block-diagonal and member e's likelihood and posterior are exactly those of a GP fitted to its own points alone.
/// This is how cross-validation folds and restarts train as one batch.
module Emulators.Core.Gp.Marginal

open TorchSharp
open Emulators.Core
open Emulators.Core.Tensors

/// Diagonal jitter steps tried, in standardized output units, when a factorization fails.
let jitterSteps = [| 0.0; 1e-10; 1e-9; 1e-8; 1e-7; 1e-6; 1e-5; 1e-4 |]

/// The masked training covariance [E, N, N] before jitter, from the training rows' differences d.
let trainingCovarianceOf (l: Layout) (theta: Tensor) (d: Covariance.Differences) (mask: Tensor) : Tensor =
    let k = Covariance.priorOf l theta d
    let n = d.X.shape[1]
    let eye = torch.eye(n, dtype = d.X.dtype)
    let noisy = k .+ (Covariance.noise l theta).view(-1L, 1L, 1L) * eye
    // Every point in (a fit on all its data): the mask would multiply by 1 and add 0 to entries that are never
    // −0, the same bits, and at K5's N_H = 1,024 each of those [E, N, N] steps is a 34 MB temporary (and its backward).
    if mask.min().item<float>() = 1.0 then noisy
    else
        let outer = mask.unsqueeze(-1) * mask.unsqueeze(-2)
        noisy * outer .+ torch.diag_embed(torch.ones_like(mask) - mask)

/// The masked training covariance [E, N, N] before jitter.
let trainingCovariance (l: Layout) (theta: Tensor) (u: Tensor) (mask: Tensor) : Tensor =
    trainingCovarianceOf l theta (Covariance.differences l u u) mask

/// Cholesky factors [E, N, N] of K + j_e I, with the smallest jitter j_e of `jitterSteps` that factorizes each member
/// (the jitter is a constant for autograd). Members that fail at every step get the identity and `failed` = true.
let factor (k: Tensor) : Tensor * float[] * bool[] =
    let e = int k.shape[0]
    let n = k.shape[1]
    let jitter = Array.zeroCreate e
    let failed = Array.create e true
    let eye = torch.eye(n, dtype = k.dtype)
    let mutable step = 0
    let mutable result: Tensor = null
    while step < jitterSteps.Length && (failed |> Array.exists id) do
        let js = Array.init e (fun i -> if failed[i] then jitterSteps[step] else jitter[i])
        // no jitter (the first try, and most fits): K itself, without an [E, N, N] sum that adds zeros
        let jittered =
            if Array.forall (fun v -> v = 0.0) js then k
            else k .+ Tensors.create js [| int64 e; 1L; 1L |] k.dtype * eye
        let struct (l, info) = torch.linalg.cholesky_ex(jittered)
        let ok = Tensors.toArray info |> Array.map (fun v -> v = 0.0)
        for i in 0 .. e - 1 do
            if failed[i] then
                jitter[i] <- jitterSteps[step]
                if ok[i] then failed[i] <- false
        result <- l
        step <- step + 1
    // A failed member's factor holds NaN: replace it so its neighbours' gradients stay clean. Kept even when no
    // member failed: cholesky_ex returns a column-major factor and where a row-major copy, and the triangular
    // solves downstream round differently on the two layouts, so skipping it would move every GP result.
    let bad = Tensors.create (failed |> Array.map (fun f -> if f then 1.0 else 0.0)) [| int64 e; 1L; 1L |] k.dtype
    let safe = torch.where(bad.gt(torch.zeros_like bad), eye.expand(int64 e, n, n), result)
    safe, jitter, failed

/// Negative log marginal likelihood of every member: [E] (+∞ for a member no jitter could factorize),
/// with the jitter each member needed. y and mask are [E, N], θ is [E, P]; d holds the differences of u's rows
/// (Covariance.differences l u u), which a fit computes once for all its evaluations.
let negLogLikelihoodWith (l: Layout) (theta: Tensor) (u: Tensor) (d: Covariance.Differences) (y: Tensor) (mask: Tensor) : Tensor * float[] =
    let k = trainingCovarianceOf l theta d mask
    let chol, jitter, failed = factor k
    let r = (y - Covariance.mean l theta u) * mask
    let a = torch.linalg.solve_triangular(chol, r.unsqueeze(-1), upper = false)
    let quad = mulBy 0.5 ((a * a).sum([| 1L; 2L |]))
    let logDet = torch.log(torch.diagonal(chol, 0L, -2L, -1L)).sum(-1L)
    let constant = mulBy (0.5 * log (2.0 * System.Math.PI)) (mask.sum(-1L))
    let nll = quad .+ logDet .+ constant
    let inf = Tensors.create (failed |> Array.map (fun f -> if f then infinity else 0.0)) [| int64 failed.Length |] nll.dtype
    nll .+ inf, jitter

/// Negative log marginal likelihood of every member (negLogLikelihoodWith, the differences computed here).
let negLogLikelihood (l: Layout) (theta: Tensor) (u: Tensor) (y: Tensor) (mask: Tensor) : Tensor * float[] =
    negLogLikelihoodWith l theta u (Covariance.differences l u u) y mask

/// The next jitter after j: the next larger step of `jitterSteps`, then tenfold.
let private nextJitter (j: float) =
    match jitterSteps |> Array.tryFind (fun s -> s > j) with
    | Some s -> s
    | None -> j * 10.0

/// Cholesky factors of K + j_e I starting from the fit's jitter. The fit chose j_e on the whole batch of restarts
/// and folds, whose factorization can round differently from this one's, so a member that fails here escalates its
/// jitter as fitting does. The steps depend on the matrix alone, so a reloaded model factors the same bits.
let private refactor (k: Tensor) (eye: Tensor) (jitter: float[]) : Tensor =
    let e = jitter.Length
    use one = Tensors.scalar 1.0
    let rec attempt (js: float[]) =
        let jt = Tensors.create js [| int64 e; 1L; 1L |] k.dtype
        let struct (l, info) = torch.linalg.cholesky_ex(k.add(jt * eye, one))
        let ok = Tensors.toArray info |> Array.map (fun v -> v = 0.0)
        if Array.forall id ok then l
        elif Array.exists2 (fun good j -> not good && j >= 1.0) ok js then
            Errors.fail "GP prediction: the training covariance could not be factorized even with jitter %g" (Array.max js)
        else attempt (Array.mapi (fun i j -> if ok[i] then j else nextJitter j) js)
    attempt jitter

/// The training side of the posterior, which every batch of test points shares: the Cholesky factor of the
/// training covariance and α = K⁻¹ r.
type Conditioned = { Factor: Tensor; Alpha: Tensor }

/// Condition every member on its training data, with the jitter given (the fit's, so that a reloaded model factors
/// the same matrix).
let condition (l: Layout) (theta: Tensor) (u: Tensor) (y: Tensor) (mask: Tensor) (jitter: float[]) : Conditioned =
    let k = trainingCovariance l theta u mask
    let eye = torch.eye(u.shape[0], dtype = u.dtype)
    let chol = refactor k eye jitter
    let r = ((y - Covariance.mean l theta u) * mask).unsqueeze(-1)
    { Factor = chol; Alpha = torch.cholesky_solve(r, chol) }

/// Posterior of every member, conditioned by `condition` on the rows of u with mask, at test feature rows
/// ut [M, p]: mean and latent variance [E, M] (standardized units).
let posteriorAt (l: Layout) (theta: Tensor) (u: Tensor) (mask: Tensor) (c: Conditioned) (ut: Tensor) : Tensor * Tensor =
    let ks = Covariance.prior l theta u ut * mask.unsqueeze(-1)
    let mean = Covariance.mean l theta ut .+ ks.transpose(1L, 2L).matmul(c.Alpha).squeeze(-1)
    let v = torch.linalg.solve_triangular(c.Factor, ks, upper = false)
    let var = (Covariance.priorVariance l theta).unsqueeze(-1) - (v * v).sum(1L)
    mean, clampTo 0.0 System.Double.MaxValue var

/// Posterior of every member at test feature rows ut [M, p]: mean and latent variance [E, M] (standardized units),
/// with the jitter given.
let posterior (l: Layout) (theta: Tensor) (u: Tensor) (y: Tensor) (mask: Tensor) (jitter: float[]) (ut: Tensor) : Tensor * Tensor =
    posteriorAt l theta u mask (condition l theta u y mask jitter) ut
