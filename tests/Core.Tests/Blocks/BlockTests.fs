module BlockTests

open Expecto
open TorchSharp
open Emulators.Core
open Emulators.Core.Tensors

let private f64 = torch.ScalarType.Float64

let private ctx seeds = InitContext.create Float64 seeds

/// Uniform in [lo, hi], reproducible from `seed`.
let private uniform (seed: int) (shape: int64[]) (lo: float) (hi: float) =
    use g = new torch.Generator(uint64 seed)
    torch.rand(shape, dtype = f64, generator = g) * (hi - lo) + lo

let private allFinite (t: Tensor) = Tensors.toArray t |> Array.forall System.Double.IsFinite

let private std (t: Tensor) =
    let v = Tensors.toArray t
    let m = Array.average v
    sqrt (Array.averageBy (fun a -> (a - m) * (a - m)) v)

/// Central finite differences (h = 1e-6, float64) of sum(f()) against autograd at `probes` random entries of
/// every parameter tensor. The error of an entry is |fd − ad| relative to the larger of |fd|, |ad| and 1e-3 times
/// the largest gradient entry of its tensor: entries whose gradient is tiny next to the rest of the tensor (a
/// spline basis that barely touches the data) are judged against the tensor's gradient scale rather than against
/// rounding noise. Returns the worst error and a description of it.
let gradientCheck (ps: Params) (f: unit -> Tensor) (probes: int) (seed: int) =
    let rng = System.Random seed
    let tensors = Params.tensors ps |> Array.ofList
    let names = ps |> List.map fst |> List.filter (Params.isBuffer >> not) |> Array.ofList
    let loss () = (f ()).sum()
    let grads = torch.autograd.grad([| loss () |], tensors) |> Seq.map Tensors.toArray |> Array.ofSeq
    let h = 1e-6
    let mutable worst = 0.0, ""
    for ti in 0 .. tensors.Length - 1 do
        let t = tensors[ti]
        let n = int (t.numel ())
        let scale = grads[ti] |> Array.map abs |> Array.max
        let flat = t.view(-1L)
        for _ in 1 .. probes do
            let k = rng.Next n
            let orig = flat[int64 k].ToDouble()
            let eval v =
                use _ = torch.no_grad ()
                flat[int64 k] <- torch.tensor(v: float).to_type(t.dtype)
                (loss ()).ToDouble()
            let fd = (eval (orig + h) - eval (orig - h)) / (2.0 * h)
            eval orig |> ignore
            let ad = grads[ti][k]
            let err = abs (fd - ad) / List.max [ abs fd; abs ad; 1e-3 * scale; 1e-12 ]
            if err > fst worst then
                worst <- err, sprintf "%s[%d]: fd %g, autograd %g" names[ti] k fd ad
    worst

/// Sizes and a seed for one random case of the contract property.
type private Case =
    { E: int; N: int; DIn: int; DOut: int; Depth: int; Width: int; Grid: int; Order: int; Seed: int }

let private caseOf (a: int, b: int, c: int, d: int, e: int, f: int, g: int) =
    let m k v = abs (v % k)
    { E = 1 + m 3 a
      N = 1 + m 6 b
      DIn = 1 + m 3 c
      DOut = 1 + m 2 d
      Depth = 1 + m 3 e
      Width = 1 + m 6 f
      Grid = 2 + m 4 g
      Order = 1 + m 3 (g / 4)
      Seed = m 100000 g }

let private families (c: Case) =
    [ AffineBlock
      MlpBlock { Depth = c.Depth; Width = c.Width }
      SirenBlock(Siren.defaults c.Depth c.Width)
      KanBlock { Kan.defaults c.Depth c.Width with GridSize = c.Grid; SplineOrder = c.Order } ]

/// Shape, finiteness, ensemble/lone agreement and finite-difference gradients of one block on one case.
let private checkContract (c: Case) (spec: BlockSpec) =
    use _ = torch.NewDisposeScope()
    let what = sprintf "%s on %A" (Block.name spec) c
    let seeds = Array.init c.E (fun i -> c.Seed + i)
    let p = Block.init spec (ctx seeds) c.DIn c.DOut
    let x = uniform c.Seed [| int64 c.E; int64 c.N; int64 c.DIn |] -1.0 1.0
    let y = Block.apply spec p x
    Expect.sequenceEqual y.shape [| int64 c.E; int64 c.N; int64 c.DOut |] ("output shape, " + what)
    Expect.isTrue (allFinite y) ("finite outputs, " + what)
    // member 0 of the ensemble is the lone model with the same seed: identical parameters, and the same outputs
    // up to rounding (a batched matmul may sum in a different order for another batch size)
    let lone = Block.init spec (ctx [| c.Seed |]) c.DIn c.DOut
    for (_, te), (_, tl) in List.zip p lone do
        Expect.sequenceEqual (Tensors.toArray tl) (Tensors.toArray (te.narrow(0L, 0L, 1L))) ("member 0 parameters, " + what)
    let yLone = Tensors.toArray (Block.apply spec lone (x.narrow(0L, 0L, 1L)))
    let yEns = Tensors.toArray (y.narrow(0L, 0L, 1L))
    for i in 0 .. yLone.Length - 1 do
        Expect.floatClose { absolute = 1e-14; relative = 1e-12 } yEns[i] yLone[i] ("member 0 = lone model, " + what)
    Expect.isNonEmpty (Block.weights spec p) ("penalised weights, " + what)
    let err, where = gradientCheck p (fun () -> (Block.apply spec p x).sin()) 6 c.Seed
    Expect.isLessThan err 1e-5 (sprintf "relative gradient error at %s, %s" where what)
    for (_, t) in p do
        t.Dispose()
    for (_, t) in lone do
        t.Dispose()

let private fsConfig =
    { FsCheckConfig.defaultConfig with
        maxTest = 15
        replay = Some(20260101UL, 7UL, None) }

[<Tests>]
let tests =
    testList "Block contract" [
        testPropertyWithConfig fsConfig "every family: shape [E,N,dOut], finite, ensemble = lone, gradients = finite differences"
        <| fun (sizes: int * int * int * int * int * int * int) ->
            let c = caseOf sizes
            for spec in families c do
                checkContract c spec

        test "SIREN hidden pre-activations keep their spread through depth" {
            use _ = torch.NewDisposeScope()
            let spec = Siren.defaults 5 256
            let dIn = 2
            let p = Siren.init spec (ctx [| 42 |]) dIn 1
            let x = uniform 7 [| 1L; 2000L; int64 dIn |] -1.0 1.0
            let hidden = Siren.preActivations spec p x |> List.tail |> List.map std
            let first = List.head hidden
            Expect.isGreaterThan first 0.5 "first hidden pre-activation std"
            for s in hidden do
                Expect.isGreaterThan s 0.1 "hidden pre-activation std well above 0.1"
                Expect.isLessThan (max (s / first) (first / s)) 2.0 "within a factor 2 of the first hidden layer"
            // the first layer draws weights and biases from U(±1/n_in)
            for name in [ "W0"; "b0" ] do
                let v = Tensors.toArray (Params.get name p)
                Expect.isTrue (v |> Array.forall (fun a -> abs a <= 1.0 / float dIn)) (name + " within ±1/n_in")
            Expect.isGreaterThan (Tensors.toArray (Params.get "W0" p) |> Array.map abs |> Array.max) (0.95 / float dIn) "W0 fills its range"
            // The paper's printed hidden bound sqrt(6/(ω0² n)) with sin(W h + b) collapses the spread
            // (why Siren.fs follows siren-pytorch instead).
            let printed =
                p |> List.map (fun (n, t) ->
                    n, (if n = "W0" || n = "b0" then t else (t / spec.Omega0).detach()))
            let collapsed = Siren.preActivations spec printed x |> List.tail |> List.map std
            Expect.isLessThan (List.item 1 collapsed) 0.01 "printed formula: nearly linear hidden stack"
        }

        test "KAN B-spline bases form a partition of unity on the grid range and vanish far outside" {
            use _ = torch.NewDisposeScope()
            for s in
                [ Kan.defaults 1 1
                  { Kan.defaults 1 1 with GridSize = 3; SplineOrder = 2 }
                  { Kan.defaults 1 1 with GridSize = 7; SplineOrder = 1 } ] do
                let x = torch.linspace(-1.0, 1.0, 401L, dtype = f64).reshape(1L, 401L, 1L)
                let b = Kan.bases s x
                Expect.sequenceEqual b.shape [| 1L; 401L; 1L; int64 (Kan.basisCount s) |] "bases shape"
                let sums = Tensors.toArray (b.sum(-1L))
                for v in sums do
                    Expect.floatClose { absolute = 1e-12; relative = 0.0 } v 1.0 (sprintf "Σ bases, %A" s)
                Expect.isTrue (Tensors.toArray b |> Array.forall (fun v -> v >= 0.0)) "bases are non-negative"
                let h = 2.0 / float s.GridSize
                let beyond = 1.0 + float s.SplineOrder * h + 0.01
                let far = Kan.bases s (torch.tensor([| -beyond; beyond; -5.0; 5.0 |], dtype = f64).reshape(1L, 4L, 1L))
                Expect.allEqual (Tensors.toArray far) 0.0 "no basis is active beyond the extended grid"
        }

        test "KAN outputs are finite for inputs in [-3, 3]" {
            use _ = torch.NewDisposeScope()
            let spec = KanBlock(Kan.defaults 3 16)
            let p = Block.init spec (ctx [| 1; 2 |]) 2 1
            let x = uniform 3 [| 2L; 500L; 2L |] -3.0 3.0
            let y = Block.apply spec p x
            Expect.isTrue (allFinite y) "finite outputs"
            Expect.isGreaterThan (std y) 0.0 "inputs outside the grid still reach the output (SiLU path)"
        }

        test "a KAN fits sin(3x) with Adam" {
            let spec = KanBlock(Kan.defaults 1 8)
            let p = Block.init spec (ctx [| 0 |]) 1 1
            let ps = Params.tensors p
            let x = torch.linspace(-1.0, 1.0, 64L, dtype = f64).reshape(1L, 64L, 1L)
            let y = (x * 3.0).sin()
            let mse () = (Block.apply spec p x - y).square().mean()
            let adam = Adam.create [| 1e-2 |] [] ps
            for _ in 1 .. 400 do
                use _ = torch.NewDisposeScope()
                Adam.zeroGrad adam
                (mse ()).backward()
                Adam.step adam
            let final =
                use _ = torch.no_grad ()
                (mse ()).ToDouble()
            Expect.isLessThan final 1e-3 "MSE after 400 Adam steps"
        }

        test "Block.ofName knows mlp, siren and kan and rejects anything else" {
            for f in [ "mlp"; "siren"; "kan" ] do
                Expect.equal (Block.family (Block.ofName f 2 8)) f "family round-trip"
            Expect.equal (Block.ofName "siren" 3 16) (SirenBlock(Siren.defaults 3 16)) "SIREN defaults"
            Expect.equal (Block.ofName "kan" 3 16) (KanBlock(Kan.defaults 3 16)) "KAN defaults"
            TestUtil.throwsUserError [ "unknown"; "mlp"; "siren"; "kan" ] (fun () -> Block.ofName "unknown" 3 16)
            // a name as files hold it: spelled exactly
            TestUtil.throwsUserError [ "' Siren '"; "mlp, siren, kan" ] (fun () -> Block.ofName " Siren " 3 16)
        }
    ]
