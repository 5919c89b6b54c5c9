/// KAN grid update from data: general-knot bases, data-adapted knots, the least-squares refit, and the
/// training option that applies it (saved with the model, never trained, no effect on other families).
module KanGridTests

open Expecto
open TorchSharp
open Emulators.Core
open Emulators.Core.Tensors

let private f64 = torch.ScalarType.Float64

let private uniform (seed: int) (shape: int64[]) (lo: float) (hi: float) =
    use g = new torch.Generator(uint64 seed)
    torch.rand(shape, dtype = f64, generator = g) * (hi - lo) + lo

let private maxAbsDiff (a: Tensor) (b: Tensor) = (a - b).abs().max().ToDouble()

let private kanParams (s: Kan.KanSpec) (seeds: int[]) dIn dOut = Kan.init s (InitContext.create Float64 seeds) dIn dOut

/// Replace every spline coefficient by a N(0, 1) draw, so that the spline part dominates the layer outputs.
let private withLargeSplines (seed: int) (p: Params) : Params =
    let rng = System.Random seed
    p |> List.map (fun (n, t) ->
        if n.StartsWith "spline" then
            let v = Array.init (int (t.numel ())) (fun _ -> MathNet.Numerics.Distributions.Normal.Sample(rng, 0.0, 1.0))
            n, Tensors.create v t.shape f64
        else n, t)

/// The knots of one member and input, as an array.
let private knotsOf (p: Params) (layer: int) (e: int) (i: int) =
    Tensors.toArray ((Params.get (Kan.knotsName layer) p).select(0L, int64 e).select(0L, int64 i))

[<Tests>]
let tests =
    testList "KAN grid update" [
        test "bases on explicit uniform knots equal the fixed-grid bases" {
            for grid, order in [ 5, 3; 3, 2; 7, 1; 4, 0 ] do
                let s = { Kan.defaults 1 1 with GridSize = grid; SplineOrder = order }
                let x = uniform 3 [| 2L; 300L; 3L |] -2.5 2.5
                let knots = torch.tensor(Kan.knots s, dtype = f64).reshape(1L, 1L, -1L).expand(2L, 3L, -1L)
                let d = maxAbsDiff (Kan.bases s x) (Kan.basesOn order knots x)
                Expect.isLessThan d 1e-12 (sprintf "grid %d, order %d: max difference %g" grid order d)
        }

        test "adapted knots increase strictly, cover the data, and sum the bases to one inside it" {
            let s = Kan.defaults 1 4
            // input 0 spread over [0.3, 2.7], input 1 clustered near -4, input 2 constant (zero range)
            let spread = uniform 5 [| 2L; 40L; 1L |] 0.3 2.7
            let clustered = (uniform 6 [| 2L; 40L; 1L |] 0.0 1.0).pow(scalar 4.0) - 4.0
            let constant = torch.full([| 2L; 40L; 1L |], scalar 0.25, dtype = f64)
            let h = torch.cat([| spread; clustered; constant |], -1L)
            let g = Kan.adaptiveKnots s Kan.gridEps Kan.gridMargin h
            Expect.sequenceEqual g.shape [| 2L; 3L; int64 (s.GridSize + 2 * s.SplineOrder + 1) |] "knots [E, in, knots]"
            for e in 0 .. 1 do
                for i in 0 .. 2 do
                    let k = Tensors.toArray (g.select(0L, int64 e).select(0L, int64 i))
                    let col = Tensors.toArray (h.select(0L, int64 e).select(-1L, int64 i))
                    for j in 1 .. k.Length - 1 do
                        Expect.isGreaterThan k[j] k[j - 1] (sprintf "member %d input %d: knot %d increases" e i j)
                    Expect.isLessThanOrEqual k[s.SplineOrder] (Array.min col) (sprintf "member %d input %d: grid starts below the data" e i)
                    Expect.isGreaterThanOrEqual k[s.GridSize + s.SplineOrder] (Array.max col) (sprintf "member %d input %d: grid ends above the data" e i)
            let sums = Tensors.toArray ((Kan.basesOn s.SplineOrder g h).sum(-1L))
            for v in sums do
                Expect.floatClose Accuracy.high v 1.0 "partition of unity at the data"
        }

        test "with the uniform grid as target the refit reproduces the layer exactly" {
            // eps = 1 and no margin on data spanning [-1, 1] give back the default knots: the least-squares refit
            // must then return the same spline, so the block's output is unchanged up to round-off.
            let s = Kan.defaults 1 6
            let p = kanParams s [| 11; 12 |] 2 1 |> withLargeSplines 4
            let inner = uniform 8 [| 2L; 200L; 2L |] -1.0 1.0
            let ends = torch.tensor([| -1.0; -1.0; 1.0; 1.0 |], dtype = f64).reshape(1L, 2L, 2L).expand(2L, -1L, -1L)
            let x = torch.cat([| ends; inner |], 1L)
            let first = Kan.updateGrid { s with Depth = 0 } 1.0 0.0 (p |> List.filter (fun (n, _) -> n.EndsWith "0")) x
            let expected = Tensors.toArray (torch.tensor(Kan.knots s, dtype = f64))
            for e in 0 .. 1 do
                for i in 0 .. 1 do
                    let k = knotsOf first 0 e i
                    Expect.isLessThan (Array.map2 (fun a b -> abs (a - b)) k expected |> Array.max) 1e-12 (sprintf "member %d input %d: uniform knots" e i)
            use _ = torch.no_grad ()
            let before = Kan.apply { s with Depth = 0 } (p |> List.filter (fun (n, _) -> n.EndsWith "0")) x
            let after = Kan.apply { s with Depth = 0 } first x
            Expect.isLessThan (maxAbsDiff before after) 1e-9 "layer output unchanged"
        }

        test "a grid update keeps a layer's output at data inside the old grid close, and keeps its base weights" {
            // One layer (Depth = 0 view of a KAN's first layer): the data cover [-0.6, 0.8] of the old [-1, 1] grid,
            // and the refit on the new, finer knots approximates the old spline there. (Deeper layers see
            // activations that can leave the old grid, where the old spline was zero; the refit cannot match
            // that cut-off exactly, as in efficient-kan.)
            let s = Kan.defaults 2 8
            let layer0 = { s with Depth = 0 }
            let p = kanParams s [| 21 |] 3 8 |> withLargeSplines 9 |> List.filter (fun (n, _) -> n.EndsWith "0")
            let x = uniform 10 [| 1L; 400L; 3L |] -0.6 0.8
            let q = Kan.updateGrid layer0 Kan.gridEps Kan.gridMargin p x
            use _ = torch.no_grad ()
            let before = Kan.apply layer0 p x
            let after = Kan.apply layer0 q x
            let rel = ((after - before).pow(scalar 2.0).mean() / before.pow(scalar 2.0).mean()).sqrt().ToDouble()
            Expect.isLessThan rel 0.02 (sprintf "relative RMS change of the output %g" rel)
            Expect.equal (maxAbsDiff (Params.get "base0" p) (Params.get "base0" q)) 0.0 "base weights kept"
        }

        test "an update gives every layer knots, stored as buffers outside the trainable parameters" {
            let s = Kan.defaults 2 8
            let p = kanParams s [| 21 |] 3 1
            let q = Kan.updateGrid s Kan.gridEps Kan.gridMargin p (uniform 10 [| 1L; 50L; 3L |] -0.6 0.8)
            for i in 0 .. s.Depth do
                Expect.isTrue (q |> List.exists (fun (n, _) -> n = Kan.knotsName i)) (sprintf "layer %d has knots" i)
            Expect.equal (Params.tensors q).Length (Params.tensors p).Length "knots are buffers, not trainable tensors"
            Expect.equal (Params.count q) (Params.count p) "trainable count unchanged"
            Expect.isTrue (Params.isBuffer "nonlinear.@knots0") "prefixed knots are buffers"
            Expect.isFalse (Params.isBuffer "nonlinear.spline0") "splines are not"
        }

        test "gradients of an updated KAN match finite differences" {
            let s = { Kan.defaults 1 3 with GridSize = 4 }
            let p = kanParams s [| 31; 32 |] 2 1
            let x = uniform 12 [| 2L; 7L; 2L |] -1.5 1.5
            let q = Kan.updateGrid s Kan.gridEps Kan.gridMargin p x
            let worst, where = BlockTests.gradientCheck q (fun () -> Kan.apply s q x) 6 3
            Expect.isLessThan worst 1e-5 (sprintf "worst relative gradient error %g at %s" worst where)
        }

        test "inputs are mapped onto a grid range other than [-1, 1]" {
            // B-splines are invariant under a common affine map of knots and inputs: once the inputs are mapped onto
            // [lo, hi], the first layer's spline part equals the default [-1, 1] layer's with the same coefficients.
            let x = uniform 14 [| 1L; 60L; 2L |] -1.0 1.0
            let d = Kan.defaults 1 3
            let p = kanParams d [| 41 |] 2 3 |> withLargeSplines 2 |> List.filter (fun (n, _) -> n.EndsWith "0")
            let splineOnly = p |> List.map (fun (n, t) -> if n = "base0" then n, torch.zeros_like t else n, t)
            use _ = torch.no_grad ()
            let reference = Kan.apply { d with Depth = 0 } splineOnly x
            for lo, hi in [ 0.0, 2.0; -3.0, 5.0; 10.0, 10.5 ] do
                let s = { d with Depth = 0; GridMin = lo; GridMax = hi }
                let diff = maxAbsDiff (Kan.apply s splineOnly x) reference
                Expect.isLessThan diff 1e-9 (sprintf "range [%g, %g]: max difference %g" lo hi diff)
        }

        test "bad update settings are refused with messages naming them" {
            let s = Kan.defaults 1 2
            let p = kanParams s [| 1 |] 1 1
            let x = uniform 1 [| 1L; 5L; 1L |] -1.0 1.0
            TestUtil.throwsUserError [ "eps"; "0" ] (fun () -> Kan.updateGrid s 0.0 0.01 p x)
            TestUtil.throwsUserError [ "margin"; "-1" ] (fun () -> Kan.updateGrid s 0.5 -1.0 p x)
        }
    ]

/// K3 with a learned LF source and a small KAN, trained briefly with and without the grid update.
let private k3 = Problems.MengKarniadakis.k3
let private hfX = Experiment.hfPoints k3 16 0
let private hf = { X = hfX; Y = Experiment.evaluate k3.Hf hfX }
let private lfX = Experiment.lfPoints k3.Sources.Head 200 0
let private learned = Learned("LF", Some k3.Sources.Head.Domain, lfX, Experiment.evaluate k3.Sources.Head.Eval lfX)

let private fitWith (family: Architecture) (gridUpdate: bool) (strategy: Strategy) =
    let spec = ModelOptions.spec { ModelOptions.defaults with Architecture = family; Depth = 1; Width = 4 }
    let schedule = { AdamEpochs = 30; LearningRate = 1e-2; LbfgsIterations = 0 }
    let cfg = { TrainConfig.defaults with Schedule = schedule; SurrogateSchedule = schedule; KanGridUpdate = gridUpdate; Strategy = strategy }
    Fit.fit cfg spec k3.Domain hf [ learned ] [| 5 |]

let private predictions (f: FitResult) = (Emulator.predict f.Emulator hfX).Value

[<Tests>]
let training =
    testList "KAN grid update in training" [
        test "F_nl's knots cover its HF features and the surrogate's cover its LF inputs, in both strategies" {
            for strategy in [ PretrainFreeze; EndToEnd ] do
                let f = fitWith Architecture.Kan true strategy
                let m = f.Emulator
                let u = Tensors.toArray ((Emulator.features m (Emulator.scaleInputs m hfX)).select(0L, 0L).select(-1L, 1L))
                let k = knotsOf m.Nonlinear 0 0 1
                // F_nl's input 1 is the standardized y_L; the knots were set before training (the surrogate is
                // frozen in the freeze strategy, so its values at the HF points are the ones the grid saw).
                if strategy = PretrainFreeze then
                    Expect.isLessThanOrEqual k[3] (Array.min u) "F_nl grid starts below y_L"
                    Expect.isGreaterThanOrEqual k[8] (Array.max u) "F_nl grid ends above y_L"
                let ks = knotsOf m.Sources.Head.Surrogate.Value 0 0 0
                // the LF domain is [0, 1], scaled to [-1, 1] for the surrogate
                let scaled = lfX |> Array.map (fun r -> 2.0 * r[0] - 1.0)
                Expect.isLessThanOrEqual ks[3] (Array.min scaled) "surrogate grid starts below the LF points"
                Expect.isGreaterThanOrEqual ks[8] (Array.max scaled) "surrogate grid ends above the LF points"
                Expect.isTrue (predictions f |> Array.forall System.Double.IsFinite) "finite predictions"
        }

        test "training with grid update is deterministic and differs from the fixed grid" {
            let a = predictions (fitWith Architecture.Kan true PretrainFreeze)
            let b = predictions (fitWith Architecture.Kan true PretrainFreeze)
            Expect.equal a b "same seed, same numbers"
            let fixedGrid = predictions (fitWith Architecture.Kan false PretrainFreeze)
            Expect.notEqual a fixedGrid "the update changes the KAN"
        }

        test "the option leaves other families untouched" {
            Expect.equal (predictions (fitWith Architecture.Mlp true PretrainFreeze)) (predictions (fitWith Architecture.Mlp false PretrainFreeze)) "MLP"
        }

        test "a model trained with grid update saves its knots and reloads to the same predictions" {
            let f = fitWith Architecture.Kan true PretrainFreeze
            let dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), sprintf "kan-grid-%d" (System.Random().Next()))
            try
                ModelFile.save dir ModelFile.emptyMetadata f.Emulator
                let loaded = (ModelFile.load dir (fun _ -> None)).Emulator
                Expect.equal ((Emulator.predict loaded hfX).Value) (predictions f) "bitwise the same predictions"
                Expect.isTrue (Emulator.parameters loaded |> List.exists (fun (n, _) -> n = "nonlinear.@knots0")) "knots saved"
            finally
                if System.IO.Directory.Exists dir then System.IO.Directory.Delete(dir, true)
        }
    ]
