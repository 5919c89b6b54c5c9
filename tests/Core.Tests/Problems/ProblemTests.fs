module ProblemTests

open Expecto
open TorchSharp
open Emulators.Core
open Emulators.Core.Problems

// ---------------------------------------------------------------------------------------------------------------
// Independent estimators

/// Composite Gauss–Legendre rule on [a, b]: `panels` equal panels of `order` nodes each (nodes, weights).
let glRule (a: float) (b: float) (panels: int) (order: int) =
    let h = (b - a) / float panels
    [| for p in 0 .. panels - 1 do
           let r = MathNet.Numerics.Integration.GaussLegendreRule(a + float p * h, a + float (p + 1) * h, order)
           for i in 0 .. order - 1 -> r.Abscissas[i], r.Weights[i] |]

/// Tensor product of 1-D rules: points and weights.
let tensorRule (rules: (float * float)[] list) =
    rules
    |> List.fold
        (fun acc rule ->
            [| for (pt, w) in acc do
                   for (x, v) in rule -> Array.append pt [| x |], w * v |])
        [| [||], 1.0 |]

/// Domain average (1/|Ω|)∫ f² with a rule whose weights sum to |Ω|.
let meanSquare (f: Model) (rule: (float[] * float)[]) =
    let pts = rule |> Array.map fst
    let ys = Experiment.evaluate f pts
    let vol = rule |> Array.sumBy snd
    (Array.fold2 (fun s (_, w) y -> s + w * y * y) 0.0 rule ys) / vol

/// Mean and standard deviation over [0, 1] of a 1-D model, by composite Gauss–Legendre (200 panels × 20 nodes).
let meanStd01 (f: Model) =
    let rule = glRule 0.0 1.0 200 20 |> Array.map (fun (x, w) -> [| x |], w)
    let ys = Experiment.evaluate f (rule |> Array.map fst)
    let m = Array.fold2 (fun s (_, w) y -> s + w * y) 0.0 rule ys
    let m2 = Array.fold2 (fun s (_, w) y -> s + w * y * y) 0.0 rule ys
    m, sqrt (m2 - m * m)

/// Pearson correlation of two 1-D models over [0, 1] (same quadrature).
let correlation01 (f: Model) (g: Model) =
    let rule = glRule 0.0 1.0 200 20 |> Array.map (fun (x, w) -> [| x |], w)
    let pts = rule |> Array.map fst
    let a = Experiment.evaluate f pts
    let b = Experiment.evaluate g pts
    let mean (v: float[]) = Array.fold2 (fun s (_, w) y -> s + w * y) 0.0 rule v
    let ma, mb = mean a, mean b
    let cov = Array.fold2 (fun s (_, w) (x, y) -> s + w * (x - ma) * (y - mb)) 0.0 rule (Array.zip a b)
    let va = Array.fold2 (fun s (_, w) x -> s + w * (x - ma) * (x - ma)) 0.0 rule a
    let vb = Array.fold2 (fun s (_, w) y -> s + w * (y - mb) * (y - mb)) 0.0 rule b
    cov / sqrt (va * vb)

let relClose tol actual expected what =
    let rel = abs (actual - expected) / abs expected
    if not (rel <= tol) then failtestf "%s: %.17g vs %.17g (relative difference %.3g > %.3g)" what actual expected rel tol

let uniformIn (b: Box) (seed: int) (n: int) = Sampling.uniform seed b.Dim n |> Sampling.scaleTo b.Lower b.Upper

let line (n: int) = Array.init n (fun i -> [| float i / float (n - 1) |])

let k1Family = [ "K1"; "K2"; "K3"; "K4"; "GJG9"; "CORR-3" ]

[<Tests>]
let norms =
    testList "Problem norms" [
        // Gauss–Legendre of order 20 on 200 panels is exact to rounding for these analytic integrands (the panel
        // edges include x = 0.5, the K2 jump), so the only slack is the 16-digit rounding of the constants.
        for name in k1Family do
            test (sprintf "%s NormSq matches composite Gauss-Legendre" name) {
                let p = Catalogue.find name
                let rule = glRule 0.0 1.0 200 20 |> Array.map (fun (x, w) -> [| x |], w)
                relClose 1e-12 (meanSquare p.Hf rule) p.NormSq "domain-averaged ||y_H||^2"
            }
        test "2DU NormSq matches a 2-D tensor Gauss-Legendre rule" {
            let r = glRule 0.0 1.0 24 10
            relClose 1e-12 (meanSquare TwoD.u2d.Hf (tensorRule [ r; r ])) TwoD.u2d.NormSq "2DU norm"
        }
        test "PDE NormSq matches a Richardson-extrapolated midpoint rule" {
            // Midpoint rule on m^3 cells of [-1,1]^3 has error c h^2 + O(h^4); (4 M_2m - M_m)/3 removes the h^2 term.
            let midpoint m =
                let h = 2.0 / float m
                let r = Array.init m (fun i -> -1.0 + (float i + 0.5) * h, h)
                meanSquare Pde.poisson.Hf (tensorRule [ r; r; r ])
            let mm, m2 = midpoint 12, midpoint 24
            let richardson = (4.0 * m2 - mm) / 3.0
            // The plain 24^3 midpoint estimate is off by ≈ 3e-4 relative; the extrapolation leaves O(h^4) (≈ 5e-7).
            relClose 1e-3 m2 Pde.poisson.NormSq "midpoint 24^3"
            relClose 1e-6 richardson Pde.poisson.NormSq "Richardson-extrapolated midpoint"
        }
        test "K5 NormSq (exact) agrees with Monte Carlo within 4 standard errors" {
            let n = 200000
            let pts = uniformIn MengKarniadakis.k5.Domain 77 n
            let y = Experiment.evaluate MengKarniadakis.k5Hf pts
            let y2 = y |> Array.map (fun v -> v * v)
            let check (samples: float[]) (exact: float) what =
                let m = Array.average samples
                let sd = sqrt (samples |> Array.averageBy (fun v -> (v - m) * (v - m)))
                let se = sd / sqrt (float n)
                if abs (m - exact) > 4.0 * se then
                    failtestf "%s: Monte Carlo %.8g vs exact %.8g differs by %.2f standard errors" what m exact (abs (m - exact) / se)
            check y2 MengKarniadakis.k5.NormSq "E[y_H^2]"
            check y (6461.0 / 5.0) "E[y_H]"
        }
        test "clean-source statistics used to scale corruptions match quadrature" {
            let m1, s1 = meanStd01 Ensemble.f1
            let _, s2 = meanStd01 Ensemble.f2
            let mh, sh = meanStd01 Ensemble.gjgHf
            let mf, sf = meanStd01 Forrester.lf
            relClose 1e-12 s1 Ensemble.f1Std "std f1"
            relClose 1e-12 s2 Ensemble.f2Std "std f2"
            relClose 1e-12 mh Ensemble.gjgHfMean "mean y_H (GJG9)"
            relClose 1e-12 sh Ensemble.gjgHfStd "std y_H (GJG9)"
            relClose 1e-12 mf Ensemble.forresterLfMean "mean Forrester y_L"
            relClose 1e-12 sf Ensemble.forresterLfStd "std Forrester y_L"
            Expect.isLessThan (abs m1) 0.03 "f1 is nearly centred"
        }
    ]

[<Tests>]
let shapes =
    testList "Problem shapes" [
        test "every catalogued problem and source is finite on its domain, with the documented dimensions" {
            let dims =
                Map [ "K1", (1, [ 1 ]); "K2", (1, [ 1 ]); "K3", (1, [ 1 ]); "K4", (1, [ 1 ]); "K5", (20, [ 20 ])
                      "2DU", (2, [ 1 ]); "GJG9", (1, List.replicate 9 1); "PDE", (3, [ 3 ])
                      "CORR-0", (1, [ 1 ]); "CORR-1", (1, [ 1; 1 ]); "CORR-3", (1, List.replicate 4 1)
                      "CORR-9", (1, List.replicate 10 1) ]
            Expect.equal (Set.ofList (Catalogue.names ())) (Set.ofSeq dims.Keys) "catalogue names"
            for p in Catalogue.all do
                let d, srcDims = dims[p.Name]
                Expect.equal p.Domain.Dim d (p.Name + " HF dimension")
                Expect.equal (p.Sources |> List.map (fun s -> s.Domain.Dim)) srcDims (p.Name + " source dimensions")
                Expect.isGreaterThan p.NormSq 0.0 (p.Name + " norm")
                Expect.isTrue (p.TestGridPerDim.IsSome || p.TestMonteCarlo > 0) (p.Name + " has a test set")
                let check (what: string) (b: Box) (f: Model) =
                    let pts = Array.append [| b.Lower; b.Upper |] (uniformIn b 5 500)
                    let y = Experiment.evaluate f pts
                    Expect.equal y.Length pts.Length (what + " output count")
                    Errors.requireFinite what y
                check (p.Name + " HF") p.Domain p.Hf
                for s in p.Sources do
                    check (p.Name + " " + s.Name) s.Domain s.Eval
        }
        test "models map [..., d] to [...] and keep the dtype" {
            for p in Catalogue.all do
                for (name, b, f) in ("HF", p.Domain, p.Hf) :: (p.Sources |> List.map (fun s -> s.Name, s.Domain, s.Eval)) do
                    use x = torch.rand([| 2L; 3L; int64 b.Dim |], dtype = torch.ScalarType.Float32)
                    use y = f x
                    Expect.sequenceEqual y.shape [| 2L; 3L |] (sprintf "%s %s shape" p.Name name)
                    Expect.equal y.dtype torch.ScalarType.Float32 (sprintf "%s %s dtype" p.Name name)
        }
    ]

[<Tests>]
let identities =
    testList "Problem identities" [
        test "K2 has the +4 HF jump (10 in total) and the +3 LF jump at x = 0.5" {
            let eps = 1e-9
            let at f x = (Experiment.evaluate f [| [| x |] |])[0]
            Expect.floatClose { absolute = 1e-6; relative = 0.0 } (at MengKarniadakis.k2Hf (0.5 + eps) - at MengKarniadakis.k2Hf 0.5) 10.0 "HF jump"
            Expect.floatClose { absolute = 1e-6; relative = 0.0 } (at MengKarniadakis.k2Lf (0.5 + eps) - at MengKarniadakis.k2Lf 0.5) 3.0 "LF jump"
            let xs = line 1001
            let yh = Experiment.evaluate MengKarniadakis.k2Hf xs
            let yl = Experiment.evaluate MengKarniadakis.k2Lf xs
            let k1 = Experiment.evaluate Forrester.hf xs
            for i in 0 .. xs.Length - 1 do
                let x = xs[i][0]
                let jump = if x > 0.5 then 4.0 else 0.0
                Expect.floatClose Accuracy.veryHigh yh[i] (2.0 * yl[i] - 20.0 * x + 20.0 + jump) "K2 correlation"
                Expect.floatClose Accuracy.veryHigh yh[i] (k1[i] + (if x > 0.5 then 10.0 else 0.0)) "K2 = K1 + 10 on (0.5, 1]"
        }
        test "K3: y_H = (x - sqrt 2) y_L^2 and y_L = sin 8 pi x" {
            let xs = line 1001
            let yh = Experiment.evaluate MengKarniadakis.k3Hf xs
            let yl = Experiment.evaluate MengKarniadakis.k3Lf xs
            for i in 0 .. xs.Length - 1 do
                let x = xs[i][0]
                Expect.floatClose Accuracy.veryHigh yl[i] (sin (8.0 * System.Math.PI * x)) "y_L"
                Expect.floatClose Accuracy.veryHigh yh[i] ((x - sqrt 2.0) * yl[i] * yl[i]) "y_H"
        }
        test "K4: y_H(x) = x^2 + y_L(x + 1/80)^2" {
            let xs = line 1001
            let yh = Experiment.evaluate MengKarniadakis.k4Hf xs
            let ylShift = Experiment.evaluate MengKarniadakis.k4Lf (xs |> Array.map (fun p -> [| p[0] + 1.0 / 80.0 |]))
            for i in 0 .. xs.Length - 1 do
                let x = xs[i][0]
                Expect.floatClose { absolute = 1e-13; relative = 1e-12 } yh[i] (x * x + ylShift[i] * ylShift[i]) "phase shift"
        }
        test "K5: y_H formula and y_L = 0.8 y_H - 0.4 sum x_i x_(i+1) - 50" {
            let pts = uniformIn MengKarniadakis.k5.Domain 3 200
            let yh = Experiment.evaluate MengKarniadakis.k5Hf pts
            let yl = Experiment.evaluate MengKarniadakis.k5Lf pts
            for i in 0 .. pts.Length - 1 do
                let x = pts[i]
                let h = (x[0] - 1.0) ** 2.0 + Seq.sum (seq { for j in 1..19 -> (2.0 * x[j] * x[j] - x[j - 1]) ** 2.0 })
                let cross = Seq.sum (seq { for j in 0..18 -> x[j] * x[j + 1] })
                Expect.floatClose Accuracy.veryHigh yh[i] h "y_H"
                Expect.floatClose Accuracy.veryHigh yl[i] (0.8 * h - 0.4 * cross - 50.0) "y_L"
        }
        test "2DU: the LF model reads x1 only and y_H - 2 y_L(x1) depends on x2 only" {
            let n = 41
            let g = Array.init n (fun i -> float i / float (n - 1))
            let pts = [| for a in g do for b in g -> [| a; b |] |]
            let yh = Experiment.evaluate TwoD.u2d.Hf pts
            let yl = Experiment.evaluate TwoD.u2d.Sources.Head.Eval (pts |> Array.map (fun p -> [| p[0] |]))
            for i in 0 .. pts.Length - 1 do
                let x1, x2 = pts[i][0], pts[i][1]
                Expect.floatClose Accuracy.veryHigh yl[i] (sin (12.0 * System.Math.PI * x1)) "y_L(x1)"
                Expect.floatClose { absolute = 1e-13; relative = 1e-12 } (yh[i] - 2.0 * yl[i]) (sin (12.0 * x2)) "residual in x2"
            Expect.equal TwoD.u2d.Sources.Head.Domain.Dim 1 "LF space is 1-D"
        }
    ]

[<Tests>]
let ensembles =
    testList "Ensembles" [
        test "GJG9: 9 sources, clean f1/f2 and y_H follow their formulas" {
            let p = Catalogue.find "gjg9"
            Expect.equal p.Sources.Length 9 "source count"
            let xs = line 501
            let yh = Experiment.evaluate p.Hf xs
            let s1 = Experiment.evaluate p.Sources[0].Eval xs
            let s2 = Experiment.evaluate p.Sources[1].Eval xs
            for i in 0 .. xs.Length - 1 do
                let x = xs[i][0]
                let f2 = exp (-((x - 0.5) ** 2.0) / 0.5)
                Expect.floatClose Accuracy.veryHigh s1[i] (cos (3.0 * System.Math.PI * x + 0.1)) "f1"
                Expect.floatClose Accuracy.veryHigh s2[i] f2 "f2"
                Expect.floatClose Accuracy.veryHigh yh[i] (f2 + cos (3.0 * System.Math.PI * x)) "y_H"
        }
        test "seeded Fourier series has mean 0 and unit RMS over [0, 1]" {
            for seed in [ 1; 9005; 7003 ] do
                for (lo, hi) in [ Ensemble.noiseBand; Ensemble.unrelatedBand ] do
                    let m, s = meanStd01 (Ensemble.fourierSeries seed lo hi)
                    Expect.isLessThan (abs m) 1e-12 "mean"
                    relClose 1e-12 s 1.0 "RMS"
        }
        test "noisy sources carry the documented noise level" {
            let p = Catalogue.find "gjg9"
            for (idx, clean, frac, std) in [ 4, Ensemble.f1, 0.10, Ensemble.f1Std; 5, Ensemble.f2, 0.30, Ensemble.f2Std; 6, Ensemble.f1, 0.50, Ensemble.f1Std ] do
                let diff: Model = fun x -> p.Sources[idx].Eval x - clean x
                let _, s = meanStd01 diff
                relClose 1e-10 s (frac * std) p.Sources[idx].Name
            let c = Ensemble.corrupted 9
            for (i, frac) in [ 1, 0.05; 4, 0.20; 7, 0.50 ] do
                let diff: Model = fun x -> c.Sources[i].Eval x - Forrester.lf x
                let _, s = meanStd01 diff
                relClose 1e-10 s (frac * Ensemble.forresterLfStd) c.Sources[i].Name
        }
        test "unrelated sources are exactly uncorrelated with y_H and have the documented mean and std" {
            let g = Catalogue.find "GJG9"
            let c = Ensemble.corrupted Ensemble.maxCorrupted
            let cases =
                (g.Sources[7], g.Hf, Ensemble.gjgHfMean, Ensemble.gjgHfStd)
                :: [ for s in c.Sources do
                         if s.Name.EndsWith "unrelated" then s, c.Hf, Ensemble.forresterLfMean, Ensemble.forresterLfStd ]
            Expect.equal cases.Length 11 "1 GJG9 + 10 CORR-30 unrelated sources"
            for s, hf, mean, std in cases do
                let r = correlation01 s.Eval hf
                Expect.isLessThan (abs r) 1e-10 (sprintf "%s: rho = %.3g" s.Name r)
                let m, sd = meanStd01 s.Eval
                relClose 1e-10 m mean (s.Name + " mean")
                relClose 1e-10 sd std (s.Name + " std")
        }
        test "the pure-noise source is nearly uncorrelated with y_H (rho^2 < 0.1)" {
            let g = Catalogue.find "GJG9"
            let r = correlation01 g.Sources[8].Eval g.Hf
            Expect.isLessThan (r * r) 0.1 (sprintf "rho = %.3f" r)
            let m, sd = meanStd01 g.Sources[8].Eval
            Expect.isLessThan (abs m) 1e-12 "mean 0"
            relClose 1e-10 sd Ensemble.gjgHfStd "RMS = std(y_H)"
        }
        test "CORR-n: 1 + n sources, the first is K1's LF, deterministic, nested in n" {
            let xs = line 301
            let clean = Experiment.evaluate Forrester.lf xs
            let mutable previous: float[] list = []
            for n in 0 .. Ensemble.maxCorrupted do
                let p = Ensemble.corrupted n
                Expect.equal p.Sources.Length (1 + n) "source count"
                Expect.equal (Experiment.evaluate p.Sources.Head.Eval xs) clean "good source = K1 LF"
                let once = p.Sources |> List.map (fun s -> Experiment.evaluate s.Eval xs)
                let again = (Ensemble.corrupted n).Sources |> List.map (fun s -> Experiment.evaluate s.Eval xs)
                Expect.equal once again "rebuilding gives identical values"
                Expect.equal (List.truncate previous.Length once) previous "CORR-(n-1)'s sources are a prefix"
                previous <- once
            // all corrupted sources are distinct functions
            let distinct = previous |> List.map (Array.map (fun v -> System.Math.Round(v, 9))) |> List.distinct
            Expect.equal distinct.Length previous.Length "distinct sources"
        }
        test "CORR shift sources are y_L(x + delta)" {
            let c = Ensemble.corrupted 5
            let xs = line 101
            for i, d in [ 2, 0.02; 5, -0.04 ] do
                let got = Experiment.evaluate c.Sources[i].Eval xs
                let want = Experiment.evaluate Forrester.lf (xs |> Array.map (fun p -> [| p[0] + d |]))
                Expect.equal got want c.Sources[i].Name
        }
        test "CORR-n rejects n outside 0..maxCorrupted" {
            TestUtil.throwsUserError [ "CORR-n"; "-1" ] (fun () -> Ensemble.corrupted -1)
            TestUtil.throwsUserError [ "CORR-n"; "31" ] (fun () -> Ensemble.corrupted (Ensemble.maxCorrupted + 1))
        }
    ]

[<Tests>]
let pde =
    testList "PDE solver" [
        test "Thomas solves a diagonally dominant tridiagonal system" {
            let rng = System.Random 4
            let n = 50
            let a = Array.init n (fun _ -> rng.NextDouble() - 0.5)
            let c = Array.init n (fun _ -> rng.NextDouble() - 0.5)
            let b = Array.init n (fun _ -> 2.0 + rng.NextDouble())
            let d = Array.init n (fun _ -> rng.NextDouble())
            let x = Pde.thomas a b c d
            for i in 0 .. n - 1 do
                let r = b[i] * x[i] + (if i > 0 then a[i] * x[i - 1] else 0.0) + (if i < n - 1 then c[i] * x[i + 1] else 0.0)
                Expect.floatClose Accuracy.veryHigh r d[i] "residual"
        }
        test "constant kappa: nodal values equal s(1 - s)/(2 kappa)" {
            for n in [ 2; 4; 8; 64; 256 ] do
                let u = Pde.solve (fun _ -> 2.5) n
                for j in 0 .. n do
                    let s = float j / float n
                    Expect.floatClose { absolute = 1e-15; relative = 1e-12 } u[j] (s * (1.0 - s) / 5.0) (sprintf "n=%d node %d" n j)
        }
        test "variable kappa: second-order convergence of u(0.5) to the exact solution" {
            // Exact: kappa u' = C - s, u(s) = int_0^s (C - t)/kappa dt, C = int t/kappa / int 1/kappa (u(1) = 0).
            let xi = [| 0.8; -0.6; 0.9 |]
            let k = Pde.kappa xi
            let integ f a b = MathNet.Numerics.Integration.GaussLegendreRule.Integrate(System.Func<float, float> f, a, b, 64)
            let whole f = integ f 0.0 0.5 + integ f 0.5 1.0
            let cst = whole (fun t -> t / k t) / whole (fun t -> 1.0 / k t)
            let exact = integ (fun t -> (cst - t) / k t) 0.0 0.5
            let errs = [ for n in [ 16; 32; 64; 128 ] -> abs (Pde.qoi n xi - exact) ]
            for e1, e2 in List.pairwise errs do
                let ratio = e1 / e2
                if ratio < 3.9 || ratio > 4.1 then failtestf "error ratio %.4f on mesh halving (errors %A)" ratio errs
            relClose 1e-4 (Pde.qoi Pde.fineCells xi) exact "HF (256 cells) vs exact"
        }
        test "PDE models: LF = 4-cell solve, HF = 256-cell solve, not differentiable" {
            let p = Pde.poisson
            Expect.isFalse p.Sources.Head.Differentiable "black box"
            let pts = uniformIn p.Domain 9 20
            let yh = Experiment.evaluate p.Hf pts
            let yl = Experiment.evaluate p.Sources.Head.Eval pts
            for i in 0 .. pts.Length - 1 do
                Expect.equal yh[i] (Pde.qoi 256 pts[i]) "HF"
                Expect.equal yl[i] (Pde.qoi 4 pts[i]) "LF"
            Expect.floatClose Accuracy.veryHigh (Pde.qoi 256 [| 0.0; 0.0; 0.0 |]) 0.125 "kappa = 1: u(0.5) = 1/8"
        }
    ]

[<Tests>]
let catalogue =
    testList "Catalogue" [
        test "every name resolves case-insensitively" {
            for name in Catalogue.names () do
                Expect.equal (Catalogue.find (name.ToLowerInvariant())).Name name "lower case"
                Expect.equal (Catalogue.find (" " + name.ToUpperInvariant() + " ")).Name name "upper case, padded"
        }
        test "CORR-n resolves for any n in range, with or without the dash" {
            Expect.equal (Catalogue.find "corr-7").Name "CORR-7" "corr-7"
            Expect.equal (Catalogue.find "Corr12").Sources.Length 13 "Corr12"
            Expect.equal (Catalogue.find "CORR-30").Sources.Length 31 "CORR-30"
            for bad in [ "corr-31"; "corr-x"; "corr--1"; "corr-"; "corr" ] do
                TestUtil.throwsUserError [ "CORR-n"; "0..30" ] (fun () -> Catalogue.find bad)
        }
        test "an unknown name raises an EmulatorError naming the known problems" {
            TestUtil.throwsUserError [ "nope"; "K1"; "K5"; "2DU"; "GJG9"; "PDE"; "CORR-n" ] (fun () -> Catalogue.find "nope")
        }
    ]

[<Tests>]
let draws =
    testList "Repetition draws" [
        test "repetitions 0..9 of a problem train on ten different HF sets" {
            for p in [ Forrester.k1; TwoD.u2d ] do
                let sets = [ for rep in 0 .. 9 -> Experiment.hfPoints p 8 rep ]
                Expect.equal (List.distinct sets).Length 10 (sprintf "%s: ten distinct HF draws" p.Name)
        }
        test "repetitions 0..9 of a learned LF source train on ten different LF sets" {
            let sets = [ for rep in 0 .. 9 -> Experiment.lfPoints Forrester.k1.Sources.Head 200 rep ]
            Expect.equal (List.distinct sets).Length 10 "ten distinct LF draws"
        }
        test "validation points never coincide with the HF training points of the same repetition" {
            for rep in 0 .. 9 do
                let hf = Experiment.hfPoints Forrester.k1 32 rep |> Set.ofArray
                let v = Assessment.Scoring.validationPoints Forrester.k1 32 rep |> Set.ofArray
                Expect.isEmpty (Set.intersect hf v) (sprintf "rep %d: validation and HF points overlap" rep)
        }
        test "validation draws are not aliased with the 2^-m grid: K3's 8 validation points spread over the phase of sin²(8πx)" {
            for rep in 0 .. 3 do
                let phases = Assessment.Scoring.validationPoints MengKarniadakis.k3 8 rep |> Array.map (fun x -> (8.0 * x[0]) % 1.0)
                Expect.isGreaterThan (Array.max phases - Array.min phases) 0.5 (sprintf "rep %d: phases %A" rep phases)
        }
        test "scrambled HF designs: ten different sets, boundary points added, inside the domain" {
            for p in [ Forrester.k1; TwoD.u2d ] do
                let sets = [ for rep in 0 .. 9 -> Experiment.hfPointsIn Experiment.ScrambledSobol p 8 rep ]
                Expect.equal (List.distinct sets).Length 10 (sprintf "%s: ten distinct HF draws" p.Name)
                for x in List.concat (List.map List.ofArray sets) do
                    Expect.isTrue (Box.contains p.Domain x) (sprintf "%s: %A inside the domain" p.Name x)
            let k1 = Experiment.hfPointsIn Experiment.ScrambledSobol Forrester.k1 8 0
            Expect.equal k1.Length 10 "1-D: 8 scrambled points + x = 0 and x = 1"
            Expect.equal k1.[8..] [| [| 0.0 |]; [| 1.0 |] |] "boundary points last"
        }
        test "a negative repetition seed is refused with a message naming it" {
            TestUtil.throwsUserError [ "seed"; "-1" ] (fun () -> Experiment.hfPoints Forrester.k1 8 (-1))
            TestUtil.throwsUserError [ "seed"; "-1" ] (fun () -> Experiment.hfPointsIn Experiment.ScrambledSobol Forrester.k1 8 (-1))
        }
        test "an unknown HF design is refused with a message naming it and the known ones" {
            TestUtil.throwsUserError [ "halton"; "sobol"; "scrambled" ] (fun () -> Names.parse Experiment.HfDesign.names "halton" |> ignore)
        }
    ]
