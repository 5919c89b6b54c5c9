/// Fitting the Gaussian-process emulators of GpModel.fs on HF data and LF sources.
module Emulators.Core.Gp.GpFit

open Emulators.Core

/// An LF source ready for the GP: exact sources are standardized on an even sample of their box, LF data get
/// their own single-fidelity GP.
let source (st: FitSettings) (kernel: Kernel) (spec: SourceSpec) : GpSource =
    match spec with
    | Exact f ->
        let pts = Sampling.sobol f.Domain.Dim 0 256 |> Sampling.scaleTo f.Domain.Lower f.Domain.Upper
        let y = GpEmulator.evaluate f.Eval pts
        Errors.requireFinite (sprintf "LF source '%s' evaluated on its domain" f.Name) y
        { Name = f.Name; Domain = f.Domain; InputScale = Affine1.ofBox f.Domain; OutputScale = Affine1.standardize y
          Exact = Some f.Eval; Gp = None; Points = 0 }
    | Learned(name, domain, x, y) ->
        if x.Length < 2 then Errors.fail "LF source '%s': a GP needs at least 2 points (got %d)" name x.Length
        if x.Length <> y.Length then Errors.fail "LF source '%s': %d input rows but %d outputs" name x.Length y.Length
        let box = defaultArg domain (Box.ofRows x)
        Errors.requireMatrix (sprintf "LF source '%s' inputs" name) box.Dim x
        Errors.requireFinite (sprintf "LF source '%s' outputs" name) y
        let inScale = Affine1.ofBox box
        let outScale = Affine1.standardize y
        let xs = x |> Array.map (Affine1.applyRow inScale)
        let keep = GpCore.thin st.MaxLfPoints xs
        let u = keep |> Array.map (fun i -> xs[i])
        let t = keep |> Array.map (fun i -> (y[i] - outScale.Shift[0]) / outScale.Scale[0])
        let l = Layout.create SingleFidelity kernel box.Dim 0
        let g = GpCore.fit st l u t (GpCore.starts l st.LfRestarts (st.Seed + 17) 0.0 [||])
        { Name = name; Domain = box; InputScale = inScale; OutputScale = outScale; Exact = None; Gp = Some g; Points = x.Length }

/// Starting mean and ρ: least squares of the (standardized) targets on [1, μ_L,1, …] over the masked points
/// (AR1), else the masked mean.
let private startTrend (l: Layout) (u: float[][]) (t: float[]) (mask: float[]) : float * float[] =
    let idx = [| for i in 0 .. t.Length - 1 do if mask[i] > 0.0 then yield i |]
    match l.Kind with
    | Ar1 when idx.Length > l.Sources + 1 ->
        let a = MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.Dense(idx.Length, l.Sources + 1, fun r c -> if c = 0 then 1.0 else u[idx[r]][l.Dx + c - 1])
        let b = MathNet.Numerics.LinearAlgebra.Vector<float>.Build.Dense(idx |> Array.map (fun i -> t[i]))
        let sol = a.Solve(b).ToArray()
        if sol |> Array.forall System.Double.IsFinite then sol[0], sol[1..] else 0.0, Array.create l.Sources 1.0
    | Ar1 -> 0.0, Array.create l.Sources 1.0
    | _ -> (if idx.Length > 0 then idx |> Array.averageBy (fun i -> t[i]) else 0.0), [||]

/// The HF layer's parts before fitting: the layout and the feature rows at the HF points.
type Prepared =
    { Kind: GpKind
      Kernel: Kernel
      Domain: Box
      Sources: GpSource list
      Layout: Layout
      Features: float[][] }

let prepare (kind: GpKind) (kernel: Kernel) (hfBox: Box) (hf: HfData) (sources: GpSource list) : Prepared =
    if hf.X.Length <> hf.Y.Length then Errors.fail "HF data: %d input rows but %d outputs" hf.X.Length hf.Y.Length
    if hf.X.Length < 2 then Errors.fail "HF data: a GP needs at least 2 points (got %d)" hf.X.Length
    Errors.requireMatrix "HF inputs" hfBox.Dim hf.X
    Errors.requireFinite "HF outputs" hf.Y
    let srcs = if kind = SingleFidelity then [] else sources
    let l = Layout.create kind kernel hfBox.Dim srcs.Length
    let shell =
        { Kind = kind; Kernel = kernel; Domain = hfBox; InputScale = Affine1.ofBox hfBox; OutputScale = Affine1.identity 1
          Sources = srcs; Hf = { Layout = l; Inputs = [||]; Targets = [||]; Theta = [||]; Jitter = 0.0; NegLogLikelihood = 0.0 } }
    { Kind = kind; Kernel = kernel; Domain = hfBox; Sources = srcs; Layout = l; Features = fst (GpEmulator.features shell hf.X) }

/// Fit several HF data subsets at once (weights 0/1 per point, e.g. cross-validation folds), each standardized
/// on its own points: the emulator of each subset.
let fitSubsets (st: FitSettings) (p: Prepared) (hf: HfData) (masks: float[][]) : GpEmulator[] =
    let scales = masks |> Array.map (fun w -> Affine1.standardizeWeighted w hf.Y)
    let targets = scales |> Array.map (fun s -> hf.Y |> Array.map (fun v -> (v - s.Shift[0]) / s.Scale[0]))
    let starts =
        Array.init masks.Length (fun g ->
            let c0, rho0 = startTrend p.Layout p.Features targets[g] masks[g]
            GpCore.starts p.Layout st.Restarts st.Seed c0 rho0)
    let fits = GpCore.fitGroups st p.Layout p.Features targets masks starts
    Array.init masks.Length (fun g ->
        let theta, nll, jitter = fits[g]
        let keep = [| for i in 0 .. hf.Y.Length - 1 do if masks[g][i] > 0.0 then yield i |]
        { Kind = p.Kind; Kernel = p.Kernel; Domain = p.Domain; InputScale = Affine1.ofBox p.Domain; OutputScale = scales[g]
          Sources = p.Sources
          Hf =
            { Layout = p.Layout
              Inputs = keep |> Array.map (fun i -> p.Features[i])
              Targets = keep |> Array.map (fun i -> targets[g][i])
              Theta = theta; Jitter = jitter; NegLogLikelihood = nll } })

/// Fit a GP emulator on all HF points.
let fit (st: FitSettings) (kind: GpKind) (kernel: Kernel) (hfBox: Box) (hf: HfData) (sources: SourceSpec list) : GpEmulator =
    let srcs = if kind = SingleFidelity then [] else sources |> List.map (source st kernel)
    let p = prepare kind kernel hfBox hf srcs
    (fitSubsets st p hf [| Array.create hf.Y.Length 1.0 |])[0]
