/// One exact GP on feature rows: hyperparameters by batched L-BFGS over restarts (and folds), the restart of best
/// marginal likelihood kept, predictions with their latent variance.
namespace Emulators.Core.Gp

open TorchSharp
open Emulators.Core
open Emulators.Core.Tensors

/// A fitted GP, in scaled units (feature rows as the kernel sees them, standardized targets).
type GpCore =
    { Layout: Layout
      Inputs: float[][]
      Targets: float[]
      Theta: float[]
      /// Diagonal jitter the factorization needed (0 in most fits); predictions reuse it.
      Jitter: float
      NegLogLikelihood: float }

type FitSettings =
    { /// Restarts per HF fit, trained as one batch.
      Restarts: int
      /// Restarts of an LF GP: its data are larger and smoother, and it is fitted on all LF points at once.
      LfRestarts: int
      Optimizer: HyperOpt.Settings
      /// Largest LF data set an LF GP is trained on; larger sets are thinned to this many points (farthest-point
      /// order in the scaled LF inputs) so the exact GP's O(N³) cost stays bounded.
      MaxLfPoints: int
      Seed: int }

module FitSettings =
    let defaults = { Restarts = 4; LfRestarts = 4; Optimizer = HyperOpt.defaults; MaxLfPoints = 400; Seed = 0 }

module GpCore =
    let private f64 = torch.ScalarType.Float64

    /// Restart starts: restart 0 has every length-scale 0.5 (a quarter of the scaled range), the others draw
    /// log-uniform length-scales in [0.05, 3] from the seed.
    let starts (l: Layout) (restarts: int) (seed: int) (c0: float) (rho0: float[]) : float[][] =
        let rng = System.Random(seed)
        Array.init restarts (fun r ->
            let draws = Array.init (l.Sources + 2 * l.Dx) (fun _ -> exp (log 0.05 + rng.NextDouble() * (log 3.0 - log 0.05)))
            Layout.start l (fun j -> if r = 0 then 0.5 else draws[j]) c0 rho0)

    /// Values and gradients of every member's negative log marginal likelihood.
    let private objective (l: Layout) (u: Tensor) (d: Covariance.Differences) (y: Tensor) (mask: Tensor) (thetas: float[][]) : float[] * float[][] =
        use _ = torch.NewDisposeScope()
        let theta = (Tensors.ofRows Float64 thetas).requires_grad_(true)
        let nll, _ = Marginal.negLogLikelihoodWith l theta u d y mask
        let ok = torch.isfinite nll
        let total = torch.where(ok, nll, torch.zeros_like nll).sum()
        total.backward()
        Tensors.toArray nll, Tensors.toRows theta.grad

    /// Fit G groups (each its own targets and mask over the shared feature rows u) with `starts[g]` restarts each,
    /// all as one batch; per group, the restart of lowest negative log likelihood: (θ, nll, jitter).
    let private fitGroupsNow (st: FitSettings) (l: Layout) (u: float[][]) (targets: float[][]) (masks: float[][]) (starts: float[][][]) =
        use _ = torch.NewDisposeScope()
        let g = targets.Length
        let r = starts[0].Length
        let rep (rows: float[][]) = Array.init (g * r) (fun e -> rows[e / r])
        let ut = Tensors.ofRows Float64 u
        let yt = Tensors.ofRows Float64 (rep targets)
        let mt = Tensors.ofRows Float64 (rep masks)
        let x0 = Array.init (g * r) (fun e -> starts[e / r][e % r])
        let d = Covariance.differences l ut ut
        let x, _, _ = HyperOpt.minimize st.Optimizer (objective l ut d yt mt) x0
        let nll, jitter =
            use _ = torch.no_grad ()
            let v, j = Marginal.negLogLikelihoodWith l (Tensors.ofRows Float64 x) ut d yt mt
            Tensors.toArray v, j
        Array.init g (fun gi ->
            let best = [| 0 .. r - 1 |] |> Array.minBy (fun ri -> let v = nll[gi * r + ri] in if System.Double.IsNaN v then infinity else v)
            let e = gi * r + best
            if System.Double.IsInfinity nll[e] || System.Double.IsNaN nll[e] then
                Errors.fail "GP fit: no restart gave a finite likelihood (the covariance could not be factorized even with jitter %g)" (Array.last Marginal.jitterSteps)
            x[e], nll[e], jitter[e])

    /// Fit G groups (fitGroupsNow) as one stage of the allocator (Native.duringStage: at N_H = 1,024 every
    /// likelihood evaluation allocates and frees covariances of 34 MB).
    let fitGroups (st: FitSettings) (l: Layout) (u: float[][]) (targets: float[][]) (masks: float[][]) (starts: float[][][]) =
        Native.ensure ()
        Native.duringStage (fun () -> fitGroupsNow st l u targets masks starts)

    /// Fit one GP on all its points.
    let fit (st: FitSettings) (l: Layout) (u: float[][]) (targets: float[]) (starts: float[][]) : GpCore =
        let theta, nll, jitter = (fitGroups st l u [| targets |] [| Array.create targets.Length 1.0 |] [| starts |])[0]
        { Layout = l; Inputs = u; Targets = targets; Theta = theta; Jitter = jitter; NegLogLikelihood = nll }

    let private chunk = 1024

    /// Posterior mean and latent variance of member θ (trained on the rows of u with mask) at the rows ut,
    /// in chunks of test points; standardized units.
    let posteriorMasked (l: Layout) (theta: float[]) (jitter: float) (u: float[][]) (y: float[]) (mask: float[]) (ut: float[][]) =
      Native.duringStage (fun () ->
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad ()
        let th = Tensors.ofRows Float64 [| theta |]
        let uT = Tensors.ofRows Float64 u
        let yT = Tensors.ofRows Float64 [| y |]
        let mT = Tensors.ofRows Float64 [| mask |]
        let c = Marginal.condition l th uT yT mT [| jitter |]
        let parts =
            ut
            |> Array.chunkBySize chunk
            |> Array.map (fun rows ->
                // each chunk's cross-covariance pieces go with it (the training factor c is shared by all):
                // kept until the end, the 20 chunks of K5's 20,000 test points at N_H = 1,024 exhausted 24 GB
                use _ = torch.NewDisposeScope()
                let m, v = Marginal.posteriorAt l th uT mT c (Tensors.ofRows Float64 rows)
                Tensors.toArray m, Tensors.toArray v)
        Array.collect fst parts, Array.collect snd parts)

    /// Posterior mean and latent variance at feature rows ut (standardized units).
    let predict (c: GpCore) (ut: float[][]) =
        posteriorMasked c.Layout c.Theta c.Jitter c.Inputs c.Targets (Array.create c.Targets.Length 1.0) ut

    /// The gradient of the posterior mean at each row of ut with respect to that row (each row's mean depends on
    /// that row alone): [M][p]. Used to carry LF uncertainty through NARGP's nonlinear map to first order.
    let meanGradient (c: GpCore) (ut: float[][]) : float[][] =
      Native.duringStage (fun () ->
        use _ = torch.NewDisposeScope()
        let th = Tensors.ofRows Float64 [| c.Theta |]
        let uT = Tensors.ofRows Float64 c.Inputs
        let yT = Tensors.ofRows Float64 [| c.Targets |]
        let mT = torch.ones([| 1L; int64 c.Targets.Length |], dtype = f64)
        let conditioned = Marginal.condition c.Layout th uT yT mT [| c.Jitter |]
        ut
        |> Array.chunkBySize chunk
        |> Array.collect (fun rows ->
            use _ = torch.NewDisposeScope() // as in posteriorMasked: one chunk's tensors at a time
            let x = (Tensors.ofRows Float64 rows).requires_grad_(true)
            let m, _ = Marginal.posteriorAt c.Layout th uT mT conditioned x
            m.sum().backward()
            Tensors.toRows x.grad))

    /// Farthest-point thinning: indices of `m` rows of xs spread over their range, starting at the row nearest
    /// the centre of the box [-1, 1]^d (deterministic, no seed).
    let thin (m: int) (xs: float[][]) : int[] =
        let n = xs.Length
        if n <= m then Array.init n id
        else
            let d2 (a: float[]) (b: float[]) =
                let mutable s = 0.0
                for j in 0 .. a.Length - 1 do
                    s <- s + (a[j] - b[j]) * (a[j] - b[j])
                s
            let centre = Array.zeroCreate xs[0].Length
            let first = [| 0 .. n - 1 |] |> Array.minBy (fun i -> d2 xs[i] centre)
            let dist = Array.init n (fun i -> d2 xs[i] xs[first])
            let chosen = ResizeArray [ first ]
            for _ in 2 .. m do
                let mutable best = 0
                for i in 1 .. n - 1 do
                    if dist[i] > dist[best] then best <- i
                chosen.Add best
                for i in 0 .. n - 1 do
                    dist[i] <- min dist[i] (d2 xs[i] xs[best])
            chosen.ToArray()
