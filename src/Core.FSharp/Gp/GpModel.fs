/// Gaussian-process emulators: a single-fidelity GP, AR1 co-kriging and NARGP, on HF data and LF sources.
///
/// - LF information: an exact LF function enters as μ_L directly (zero LF variance); LF data get their own GP
///   (same kernel, on the source's own inputs scaled to its box), and μ_L, σ²_L are its posterior. LF data sets
///   larger than FitSettings.MaxLfPoints are thinned to that many points first (farthest-point order).
/// - Sources with other inputs than the HF model: μ_L,i(x) is evaluated at the leading-inputs projection of x (LF
///   input j reads HF input j in physical units; LF inputs beyond the HF ones sit at the centre of their range),
///   the start the neural emulator's encoders use (clamped to the box of an exact function, see `project`).
/// - Several sources: AR1 has one ρ_i per source, y_H = Σ_i ρ_i μ_L,i + c + δ; NARGP takes every μ_L,i as an input
///   of k_ρ (one length-scale each).
/// - Predictive variance: AR1 propagates LF uncertainty exactly for its linear form, σ²_H = σ²_δ + Σ_i ρ_i² σ²_L,i
///   (Le Gratiet's recursive formula, hyperparameters as point estimates). NARGP uses the plug-in mean μ_L with a
///   first-order (delta-method) propagation, σ²_H ≈ σ²_GP(x, μ_L) + Σ_i (∂μ_H/∂μ_L,i)² σ²_L,i, instead of Monte
///   Carlo over the LF posterior.
namespace Emulators.Core.Gp

open Emulators.Core

/// An LF source inside a GP emulator.
type GpSource =
    { Name: string
      Domain: Box
      InputScale: Affine1
      OutputScale: Affine1
      Exact: Model option
      /// The LF GP on the source's data (scaled inputs, standardized outputs); None for an exact source.
      Gp: GpCore option
      /// LF points given (the GP may use fewer, see FitSettings.MaxLfPoints).
      Points: int }

type GpEmulator =
    { Kind: GpKind
      Kernel: Kernel
      Domain: Box
      InputScale: Affine1
      OutputScale: Affine1
      Sources: GpSource list
      Hf: GpCore }

/// A prediction with its standard deviation, physical units.
type GpPrediction =
    { Mean: float[]
      Std: float[]
      /// The mean function's part of Mean (c, plus Σ ρ_i μ_L,i for AR1); Mean − Trend is the GP residual's part.
      Trend: float[] }

module GpEmulator =
    /// A vectorised model at physical points, float64.
    let evaluate (f: Model) (points: float[][]) : float[] =
        use _ = TorchSharp.torch.NewDisposeScope()
        use _ = TorchSharp.torch.no_grad ()
        Tensors.toArray (f (Tensors.ofRows Tensors.Float64 points))

    let name (m: GpEmulator) = sprintf "%s (%s)" (GpKind.name m.Kind) (Kernel.name m.Kernel)

    /// LF physical points from HF physical points: the leading-inputs projection. An exact function is evaluated
    /// inside its declared box only (it may be undefined beyond it), so its points are clamped there. An LF GP's
    /// points are not: its box is the range of its data, a GP's mean goes on following the data a little beyond
    /// their outermost points and reverts to its constant mean far away, and a clamp would hold μ_L constant from the
    /// outermost LF point on (on 2DU, where the LF data end 0.004 inside the box, y_L = sin(12π x1) is off by 0.15
    /// at x1 = 0 and 1).
    let project (hfDim: int) (s: GpSource) (x: float[][]) : float[][] =
        let box = s.Domain
        let clamp j v = if s.Exact.IsSome then min box.Upper[j] (max box.Lower[j] v) else v
        x
        |> Array.map (fun row ->
            Array.init box.Dim (fun j -> clamp j (if j < hfDim then row[j] else 0.5 * (box.Lower[j] + box.Upper[j]))))

    /// Standardized LF mean and variance of source s at LF physical points z.
    let sourceValue (s: GpSource) (z: float[][]) : float[] * float[] =
        match s.Exact, s.Gp with
        | Some f, _ ->
            let y = evaluate f z
            y |> Array.map (fun v -> (v - s.OutputScale.Shift[0]) / s.OutputScale.Scale[0]), Array.zeroCreate z.Length
        | None, Some g -> GpCore.predict g (z |> Array.map (Affine1.applyRow s.InputScale))
        | None, None -> Errors.fail "GP source '%s' has neither a function nor a GP" s.Name

    /// Feature rows [x_scaled; μ_L,1; …] at HF physical points, and the LF variances [source][point].
    let features (m: GpEmulator) (x: float[][]) : float[][] * float[][] =
        let xs = x |> Array.map (Affine1.applyRow m.InputScale)
        let lf = m.Sources |> List.map (fun s -> sourceValue s (project m.Domain.Dim s x)) |> Array.ofList
        let u = Array.init x.Length (fun i -> Array.append xs[i] (lf |> Array.map (fun (mu, _) -> mu[i])))
        u, lf |> Array.map snd

    /// Mean function at feature rows (standardized units): c, plus Σ ρ_i μ_L,i for AR1.
    let trendOf (l: Layout) (theta: float[]) (u: float[][]) =
        let c = theta[Layout.meanIndex l]
        u
        |> Array.map (fun row ->
            match l.Kind with
            | Ar1 -> c + Array.sum (Array.init l.Sources (fun i -> theta[Layout.rhoIndex l i] * row[l.Dx + i]))
            | _ -> c)

    /// Predictive variance in standardized units, LF uncertainty included (see the module comment).
    let private totalVariance (m: GpEmulator) (u: float[][]) (gpVar: float[]) (lfVar: float[][]) =
        let l = m.Hf.Layout
        if lfVar |> Array.forall (Array.forall (fun v -> v = 0.0)) then gpVar
        else
            match l.Kind with
            | SingleFidelity -> gpVar
            | Ar1 ->
                gpVar |> Array.mapi (fun j v ->
                    v + Array.sum (Array.init l.Sources (fun i -> let r = m.Hf.Theta[Layout.rhoIndex l i] in r * r * lfVar[i][j])))
            | Nargp ->
                let grad = GpCore.meanGradient m.Hf u
                gpVar |> Array.mapi (fun j v ->
                    v + Array.sum (Array.init l.Sources (fun i -> let d = grad[j][l.Dx + i] in d * d * lfVar[i][j])))

    let predict (m: GpEmulator) (x: float[][]) : GpPrediction =
        if x.Length = 0 then Errors.fail "predict: no points given"
        Errors.requireMatrix "predict input" m.Domain.Dim x
        let u, lfVar = features m x
        let mean, var = GpCore.predict m.Hf u
        let var = totalVariance m u var lfVar
        let s = m.OutputScale
        { Mean = mean |> Array.map (fun v -> v * s.Scale[0] + s.Shift[0])
          Std = var |> Array.map (fun v -> sqrt (max 0.0 v) * s.Scale[0])
          Trend = trendOf m.Hf.Layout m.Hf.Theta u |> Array.map (fun v -> v * s.Scale[0] + s.Shift[0]) }
