/// Gaussian-process emulators: likelihood against a hand computation, gradients against finite differences,
/// K1 recovered by AR1, variances, degenerate data.
module GpTests

open Expecto
open TorchSharp
open Emulators.Core
open Emulators.Core.Gp

let private k1 = Problems.Forrester.k1

let private nmse (p: Problem) (pred: float[]) (y: float[]) = Metrics.all p.NormSq pred y |> fun e -> e.NormalizedMse

/// K1 with N_H = 8 + 2 boundary points, LF exact or from its 200 sampled points.
let private k1Data lf =
    let xh = Experiment.hfPoints k1 8 0
    let hf: HfData = { X = xh; Y = Experiment.evaluate k1.Hf xh }
    hf, Experiment.sources k1 lf 0

let private toWorkflow (s: SourceSpec) =
    match s with
    | Learned(name, domain, x, y) -> Workflow.FromData { Name = name; X = x; Y = y; Domain = domain; InputNames = None }
    | Exact f -> Workflow.FromFunction f

let private nll (l: Layout) (theta: float[]) (u: float[][]) (y: float[]) =
    use _ = torch.NewDisposeScope()
    let v, _ =
        Marginal.negLogLikelihood l (Tensors.ofRows Tensors.Float64 [| theta |]) (Tensors.ofRows Tensors.Float64 u)
            (Tensors.ofRows Tensors.Float64 [| y |]) (Tensors.ofRows Tensors.Float64 [| Array.create y.Length 1.0 |])
    (Tensors.toArray v)[0]

let private gradient (l: Layout) (theta: float[]) (u: float[][]) (y: float[]) =
    use _ = torch.NewDisposeScope()
    let th = (Tensors.ofRows Tensors.Float64 [| theta |]).requires_grad_(true)
    let v, _ =
        Marginal.negLogLikelihood l th (Tensors.ofRows Tensors.Float64 u) (Tensors.ofRows Tensors.Float64 [| y |])
            (Tensors.ofRows Tensors.Float64 [| Array.create y.Length 1.0 |])
    v.sum().backward()
    Tensors.toArray th.grad

[<Tests>]
let tests =
    testList "Gaussian processes" [
        test "GP candidates are in every budget's default space; --no-gp leaves them out" {
            for b in Names.values SelectionBudget.names do
                Expect.equal (Selection.defaultSpace b).GaussianProcesses GpCandidates.kinds (sprintf "budget %s" (SelectionBudget.name b))
            let parser = Argu.ArgumentParser.Create<Emulators.Cli.Args.TrainArgs>()
            let r = parser.Parse([| "--hf"; "h.csv"; "-o"; "m"; "--no-gp" |])
            Expect.isTrue (r.Contains Emulators.Cli.Args.TrainArgs.No_Gp) "--no-gp parses"
            Expect.equal (GpCandidates.plan GpCandidates.kinds []) [ SingleFidelity, Matern52; SingleFidelity, SquaredExponential ]
                "without LF sources only the single-fidelity GP"
            Expect.equal (GpCandidates.plan GpCandidates.kinds (k1Data Experiment.LearnedLf |> snd |> List.map toWorkflow)).Length 6
                "with a source: three models, two kernels each"
        }

        test "a GP replaces the best network only when its CV error is lower by more than one standard error" {
            let cand cv spread = { SelectionCandidate.Structure = "c"; Family = "x"; Depth = 0; Width = 0; Encoding = "none"; Lf = "learned"
                                   LearningRate = 0.0; Lambda = 0.0; CvError = cv; CvSpread = spread }
            let network = cand 0.28 0.67
            // K3's numbers: NARGP 0.273 ± 0.545 against the network's 0.281 ± 0.673 over 10 folds: within noise.
            Expect.isFalse (GpCandidates.replacesNetwork 10 (cand 0.273 0.545) network) "a difference inside the noise"
            // K1's: AR1 9e-11 ± 2e-10 against 3.0e-3 ± 4.0e-3: the margin is 1.3e-3.
            Expect.isTrue (GpCandidates.replacesNetwork 10 (cand 9e-11 2e-10) (cand 3.04e-3 3.98e-3)) "a clear difference"
            Expect.isFalse (GpCandidates.replacesNetwork 10 (cand 1.8e-3 2e-10) (cand 3.04e-3 3.98e-3)) "lower, but by less than the margin"
            Expect.isFalse (GpCandidates.replacesNetwork 10 (cand infinity 0.0) network) "a failed GP never wins"
        }

        test "negative log marginal likelihood of a 3-point SE GP equals the hand computation" {
            // x = -1, 0, 1; ℓ = 0.7, σ² = 1.3, σ²_n = 1e-10 + 0.01, c = 0.2
            let l = Layout.create SingleFidelity SquaredExponential 1 0
            let theta = [| log 0.7; log 1.3; log 0.01; 0.2 |]
            let x = [| -1.0; 0.0; 1.0 |]
            let y = [| 1.0; -1.0; 0.5 |]
            let s2 = 1.3
            let n2 = 1e-10 + 0.01
            let k i j = s2 * exp (-0.5 * ((x[i] - x[j]) / 0.7) ** 2.0) + (if i = j then n2 else 0.0)
            let a, b, c = k 0 0, k 0 1, k 0 2
            let e, f, i' = k 1 1, k 1 2, k 2 2
            // 3×3 symmetric determinant and inverse by cofactors
            let det = a * (e * i' - f * f) - b * (b * i' - f * c) + c * (b * f - e * c)
            let inv =
                array2D [ [ e * i' - f * f; c * f - b * i'; b * f - c * e ]
                          [ c * f - b * i'; a * i' - c * c; b * c - a * f ]
                          [ b * f - c * e; b * c - a * f; a * e - b * b ] ]
            let r = y |> Array.map (fun v -> v - 0.2)
            let quad = Array.sum [| for p in 0 .. 2 do for q in 0 .. 2 -> r[p] * inv[p, q] / det * r[q] |]
            let expected = 0.5 * quad + 0.5 * log det + 1.5 * log (2.0 * System.Math.PI)
            let got = nll l theta (x |> Array.map (fun v -> [| v |])) y
            Expect.floatClose { absolute = 1e-12; relative = 1e-12 } got expected "NLML"
        }

        test "likelihood gradients match central finite differences (GP, AR1, NARGP; Matérn and SE)" {
            let rng = System.Random 3
            let u = Array.init 7 (fun _ -> [| rng.NextDouble() * 2.0 - 1.0; rng.NextDouble() * 2.0 - 1.0; rng.NextDouble() * 2.0 - 1.0 |])
            let y = u |> Array.map (fun r -> sin (3.0 * r[0]) + r[1] * r[2])
            for kind, sources in [ SingleFidelity, 0; Ar1, 1; Nargp, 1 ] do
                for kernel in [ Matern52; SquaredExponential ] do
                    // two inputs x and (for AR1 and NARGP) one LF feature in the last column
                    let dx = 3 - sources
                    let l = Layout.create kind kernel dx sources
                    let theta = Array.init (Layout.size l) (fun _ -> rng.NextDouble() - 0.5)
                    theta[Layout.noiseIndex l] <- log 1e-2
                    let g = gradient l theta u y
                    let h = 1e-6
                    for j in 0 .. theta.Length - 1 do
                        let shifted d = Array.init theta.Length (fun i -> if i = j then theta[i] + d else theta[i])
                        let fd = (nll l (shifted h) u y - nll l (shifted -h) u y) / (2.0 * h)
                        Expect.floatClose { absolute = 1e-6; relative = 1e-5 } g[j] fd
                            (sprintf "%s %s: d NLML / d theta[%d]" (GpKind.name kind) (Kernel.name kernel) j)
        }

        test "K1, AR1 with the LF GP on 200 LF points and 10 HF points: normalized MSE <= 1e-8" {
            let hf, sources = k1Data Experiment.LearnedLf
            let m = GpFit.fit FitSettings.defaults Ar1 Matern52 k1.Domain hf sources
            let xt = Experiment.testPoints k1
            let p = GpEmulator.predict m xt
            let e = nmse k1 p.Mean (Experiment.evaluate k1.Hf xt)
            Expect.isLessThanOrEqual e 1e-8 "normalized MSE"
        }

        test "LF data given without a box (as from a CSV file), ending inside the HF range: K1 AR1 still <= 1e-8" {
            // The LF points run from 0.004 to 0.996 while the HF points and the test grid reach 0 and 1. The LF GP
            // is evaluated there as it is (a clamp to the LF points' range held μ_L constant beyond them: 3e-5).
            let hf, _ = k1Data Experiment.LearnedLf
            let xl = Experiment.lfPoints k1.Sources.Head 200 0
            Expect.isGreaterThan (xl |> Array.map (fun r -> r[0]) |> Array.min) 0.0 "the LF points start inside the box"
            Expect.isLessThan (xl |> Array.map (fun r -> r[0]) |> Array.max) 1.0 "and end inside it"
            let lf = Learned("LF", None, xl, Experiment.evaluate k1.Sources.Head.Eval xl)
            let xt = Experiment.testPoints k1
            let yt = Experiment.evaluate k1.Hf xt
            for kernel in [ Matern52; SquaredExponential ] do
                let m = GpFit.fit FitSettings.defaults Ar1 kernel (Box.ofRows hf.X) hf [ lf ]
                let e = nmse k1 (GpEmulator.predict m xt).Mean yt
                Expect.isLessThanOrEqual e 1e-8 (sprintf "AR1 %s normalized MSE" (Kernel.name kernel))
        }

        test "2DU (LF with one input of the HF model's two) from LF data: AR1 reads the LF GP at x1, normalized MSE <= 1e-4" {
            let p = Problems.TwoD.u2d
            let xh = Experiment.hfPoints p 16 0
            let hf: HfData = { X = xh; Y = Experiment.evaluate p.Hf xh }
            let xl = Experiment.lfPoints p.Sources.Head p.LfSize 0
            let lf = Learned("LF", None, xl, Experiment.evaluate p.Sources.Head.Eval xl)
            let m = GpFit.fit FitSettings.defaults Ar1 SquaredExponential (Box.ofRows xh) hf [ lf ]
            let xt = Experiment.testPoints p
            let e = nmse p (GpEmulator.predict m xt).Mean (Experiment.evaluate p.Hf xt)
            Expect.isLessThanOrEqual e 1e-4 "normalized MSE"
        }

        test "K1, AR1 and NARGP with the exact LF function: normalized MSE <= 1e-8" {
            let hf, sources = k1Data Experiment.ExactLf
            let xt = Experiment.testPoints k1
            let yt = Experiment.evaluate k1.Hf xt
            for kind in [ Ar1; Nargp ] do
                let m = GpFit.fit FitSettings.defaults kind SquaredExponential k1.Domain hf sources
                let e = nmse k1 (GpEmulator.predict m xt).Mean yt
                Expect.isLessThanOrEqual e 1e-8 (sprintf "%s normalized MSE" (GpKind.name kind))
        }

        test "predictive variance is non-negative everywhere and near zero at noise-free training points" {
            let hf, sources = k1Data Experiment.LearnedLf
            let xt = Experiment.testPoints k1
            for kind in [ SingleFidelity; Ar1; Nargp ] do
                let m = GpFit.fit FitSettings.defaults kind Matern52 k1.Domain hf sources
                let pt = GpEmulator.predict m xt
                Expect.isTrue (pt.Std |> Array.forall (fun s -> s >= 0.0 && System.Double.IsFinite s)) "std >= 0 and finite"
                Expect.isGreaterThan (Array.max pt.Std) 0.0 "some uncertainty between points"
                let ph = GpEmulator.predict m hf.X
                let scale = m.OutputScale.Scale[0]
                for j in 0 .. hf.X.Length - 1 do
                    Expect.isLessThan ph.Std[j] (1e-3 * scale) (sprintf "%s: std at training point %d" (GpKind.name kind) j)
                    Expect.floatClose { absolute = 1e-4 * scale; relative = 0.0 } ph.Mean[j] hf.Y[j] "interpolates"
        }

        test "prediction conditions once for all chunks of test points: the same bits as conditioning per chunk" {
            // GpCore predicts in chunks of 1,024 rows and factors the training covariance once for all of them;
            // 1,024 + 300 rows split at the chunk boundary must give what each part gives predicted alone
            let hf, sources = k1Data Experiment.LearnedLf
            let xt = Sampling.sobol 1 0 1324 |> Sampling.scaleTo k1.Domain.Lower k1.Domain.Upper
            for kind in [ SingleFidelity; Nargp ] do
                let m = GpFit.fit FitSettings.defaults kind Matern52 k1.Domain hf sources
                let whole = GpEmulator.predict m xt
                let first, rest = GpEmulator.predict m xt[.. 1023], GpEmulator.predict m xt[1024 ..]
                Expect.equal whole.Mean (Array.append first.Mean rest.Mean) (sprintf "%s: means" (GpKind.name kind))
                Expect.equal whole.Std (Array.append first.Std rest.Std) (sprintf "%s: std" (GpKind.name kind))
        }

        test "duplicate HF points: the noise floor and jitter keep the fit defined, the duplicate is interpolated" {
            let x = [| [| 0.0 |]; [| 0.3 |]; [| 0.3 |]; [| 0.6 |]; [| 1.0 |] |]
            let hf: HfData = { X = x; Y = x |> Array.map (fun r -> sin (4.0 * r[0])) }
            let m = GpFit.fit FitSettings.defaults SingleFidelity Matern52 (Box.unit 1) hf []
            let p = GpEmulator.predict m [| [| 0.3 |]; [| 0.45 |] |]
            Expect.floatClose { absolute = 1e-4; relative = 0.0 } p.Mean[0] (sin 1.2) "mean at the duplicated point"
            Expect.isTrue (p.Std |> Array.forall System.Double.IsFinite) "finite std"
        }

        test "conflicting duplicates: the noise term absorbs the difference" {
            let x = [| [| 0.0 |]; [| 0.5 |]; [| 0.5 |]; [| 1.0 |] |]
            let hf: HfData = { X = x; Y = [| 0.0; 1.0; 1.2; 0.0 |] }
            let m = GpFit.fit FitSettings.defaults SingleFidelity SquaredExponential (Box.unit 1) hf []
            let p = GpEmulator.predict m [| [| 0.5 |] |]
            Expect.isTrue (p.Mean[0] > 0.95 && p.Mean[0] < 1.25) (sprintf "mean at the duplicate %g between the two values" p.Mean[0])
        }

        test "constant HF outputs predict the constant (standardization falls back to unit scale)" {
            let x = Array.init 5 (fun i -> [| float i / 4.0 |])
            let hf: HfData = { X = x; Y = Array.create 5 3.5 }
            let m = GpFit.fit FitSettings.defaults SingleFidelity Matern52 (Box.unit 1) hf []
            let p = GpEmulator.predict m [| [| 0.1 |]; [| 0.9 |] |]
            for v in p.Mean do
                Expect.floatClose { absolute = 1e-9; relative = 0.0 } v 3.5 "constant"
            Expect.isTrue (p.Std |> Array.forall System.Double.IsFinite) "finite std"
        }

        test "bad inputs: too few points, mismatched rows, non-finite values give clear errors" {
            TestUtil.throwsUserError [ "at least 2" ] (fun () ->
                GpFit.fit FitSettings.defaults SingleFidelity Matern52 (Box.unit 1) { X = [| [| 0.1 |] |]; Y = [| 1.0 |] } [])
            TestUtil.throwsUserError [ "2 input rows but 3 outputs" ] (fun () ->
                GpFit.fit FitSettings.defaults SingleFidelity Matern52 (Box.unit 1) { X = [| [| 0.1 |]; [| 0.2 |] |]; Y = [| 1.0; 2.0; 3.0 |] } [])
            TestUtil.throwsUserError [ "HF outputs"; "not finite" ] (fun () ->
                GpFit.fit FitSettings.defaults SingleFidelity Matern52 (Box.unit 1) { X = [| [| 0.1 |]; [| 0.2 |] |]; Y = [| 1.0; nan |] } [])
            TestUtil.throwsUserError [ "needs at least one LF source" ] (fun () ->
                GpFit.fit FitSettings.defaults Ar1 Matern52 (Box.unit 1) { X = [| [| 0.1 |]; [| 0.2 |] |]; Y = [| 1.0; 2.0 |] } [])
        }

        test "a saved AR1 model with a learned LF GP reloads and predicts bit for bit (mean and std)" {
            let xl = Experiment.lfPoints k1.Sources.Head 30 0
            let src = Learned("LF", Some k1.Sources.Head.Domain, xl, Experiment.evaluate k1.Sources.Head.Eval xl)
            let hf, _ = k1Data Experiment.ExactLf
            let g = GpFit.fit FitSettings.defaults Ar1 Matern52 k1.Domain hf [ src ]
            let m = GpCandidates.asEmulator g
            let dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), sprintf "gp-model-%d" (System.Random().Next()))
            ModelFile.save dir ModelFile.emptyMetadata m |> ignore
            let back = (ModelFile.load dir (fun _ -> None)).Emulator
            let xt = Experiment.testPoints k1
            let a = Uncertainty.predict m xt
            let b = Uncertainty.predict back xt
            Expect.isTrue back.Gaussian.IsSome "reloaded as a GP"
            Expect.sequenceEqual b.Mean a.Mean "mean bit for bit"
            Expect.sequenceEqual b.Std a.Std "std bit for bit"
            Expect.sequenceEqual (Emulator.predict back xt).Value a.Mean "Emulator.predict gives the GP mean"
            System.IO.Directory.Delete(dir, true)
        }

        test "a GP model file whose GP tensors do not match the GP's layout is refused, naming the tensor" {
            let hf, _ = k1Data Experiment.ExactLf
            let g = GpFit.fit FitSettings.defaults SingleFidelity Matern52 k1.Domain hf []
            let dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), sprintf "gp-bad-%d" (System.Random().Next()))
            ModelFile.save dir ModelFile.emptyMetadata (GpCandidates.asEmulator g) |> ignore
            let path = System.IO.Path.Combine(dir, ModelFile.metadataFile)
            let original = System.IO.File.ReadAllText path
            // Edit model.json and re-seal its checksum, as a deliberate editor could: only the layout checks remain.
            let edited (edit: System.Text.Json.Nodes.JsonObject -> unit) =
                let root = System.Text.Json.Nodes.JsonNode.Parse original :?> System.Text.Json.Nodes.JsonObject
                edit root
                System.IO.File.WriteAllBytes(path, MetadataSeal.seal root)
            let parameter (name: string) (root: System.Text.Json.Nodes.JsonObject) =
                root["parameters"].AsArray() |> Seq.find (fun p -> p["name"].GetValue<string>() = name) :?> System.Text.Json.Nodes.JsonObject
            let load () = ModelFile.load dir (fun _ -> None) |> ignore
            edited (fun r -> (parameter "gp.hf.theta" r)["name"] <- System.Text.Json.Nodes.JsonValue.Create "gp.hf.thetas")
            TestUtil.throwsUserError [ "gp.hf.thetas"; "does not belong"; "Gaussian process" ] load
            edited (fun r -> (parameter "gp.hf.theta" r)["shape"] <- System.Text.Json.Nodes.JsonArray(System.Text.Json.Nodes.JsonValue.Create 99L))
            TestUtil.throwsUserError [ "gp.hf.theta"; "[99]"; "needs" ] load
            edited (fun r -> r["gaussian"]["hf"]["inputs"] <- System.Text.Json.Nodes.JsonValue.Create 2)
            TestUtil.throwsUserError [ "gp.hf.inputs"; "needs" ] load
            System.IO.File.WriteAllText(path, original)
            Expect.isTrue (ModelFile.load dir (fun _ -> None)).Emulator.Gaussian.IsSome "the untouched file loads"
            System.IO.Directory.Delete(dir, true)
        }

        test "thinning keeps the requested number of distinct points" {
            let rng = System.Random 5
            let xs = Array.init 300 (fun _ -> [| rng.NextDouble() * 2.0 - 1.0; rng.NextDouble() * 2.0 - 1.0 |])
            let keep = GpCore.thin 50 xs
            Expect.equal keep.Length 50 "count"
            Expect.equal (Array.distinct keep).Length 50 "distinct"
        }
    ]
