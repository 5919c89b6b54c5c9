/// The batched L-BFGS: exact minima of quadratics, each member of a batch on the path it would follow alone, members
/// that stop stay put, and the iteration and evaluation bounds.
module LbfgsTests

open Expecto
open TorchSharp
open Emulators.Core

let private none = System.Threading.CancellationToken.None

/// A leaf parameter [E, ...] from rows.
let private param (rows: float[][]) =
    let e = rows.Length
    let n = rows[0].Length
    (Tensors.create (Array.concat rows) [| int64 e; int64 n |] torch.ScalarType.Float64).requires_grad_(true)

let private rowsOf (t: Tensors.Tensor) = Tensors.toRows t

/// Per member e: ½ Σ_j a_ej (x_ej − c_ej)², a separable quadratic with its own curvatures and minimum.
let private quadratic (a: float[][]) (c: float[][]) (x: Tensors.Tensor) =
    let at = Tensors.create (Array.concat a) x.shape torch.ScalarType.Float64
    let ct = Tensors.create (Array.concat c) x.shape torch.ScalarType.Float64
    fun () -> Tensors.mulBy 0.5 ((x - ct).square().mul(at).sum(1L))

/// Per member e: Rosenbrock's valley with its own scale b_e, (1 − u)² + b_e (v − u²)², on x = [u, v].
let private rosenbrock (b: float[]) (x: Tensors.Tensor) =
    let bt = Tensors.create b [| int64 b.Length |] torch.ScalarType.Float64
    fun () ->
        let u = x.select(1L, 0L)
        let v = x.select(1L, 1L)
        (Tensors.addBy -1.0 u).square() + (v - u.square()).square().mul(bt)

let private run iterations (x: Tensors.Tensor) objective =
    Lbfgs.minimizeMembers (Lbfgs.settings iterations) none [ x ] objective

[<Tests>]
let tests =
    testList "L-BFGS" [
        test "a quadratic: every member reaches its own exact minimum" {
            let a = [| [| 1.0; 10.0; 100.0; 3.0 |]; [| 2.0; 2.0; 2.0; 2.0 |]; [| 1e3; 1.0; 0.5; 7.0 |] |]
            let c = [| [| 1.0; -2.0; 3.0; 0.5 |]; [| -1.0; 0.0; 4.0; 2.0 |]; [| 0.25; 8.0; -3.0; 1.0 |] |]
            let x = param (Array.init 3 (fun _ -> Array.zeroCreate 4))
            let r = run 100 x (quadratic a c x)
            let ends = rowsOf x
            for e in 0 .. 2 do
                for j in 0 .. 3 do
                    Expect.floatClose { absolute = 1e-12; relative = 1e-12 } (ends[e][j]) (c[e][j]) (sprintf "member %d, coordinate %d" e j)
                Expect.isLessThan (r.Members[e].Loss) 1e-24 (sprintf "member %d loss" e)
                Expect.isLessThan (r.Members[e].Iterations) 100 (sprintf "member %d converged before the limit (%s)" e (r.Members[e].Reason))
        }
        test "a batch that drops its stopped members ends every member where the full batch does, bit for bit" {
            let b = [| 100.0; 1.0; 30.0; 3.0; 10.0; 0.5 |]
            let starts = [| [| -1.2; 1.0 |]; [| 0.0; 2.0 |]; [| 2.0; -1.0 |]; [| -0.5; 0.5 |]; [| 1.5; 1.5 |]; [| 0.9; 0.8 |] |]
            let x = param starts
            let full = run 300 x (rosenbrock b x)
            let xc = param starts
            let subsets = ResizeArray<int[]>()
            let subset (members: int[]) : Lbfgs.Subset =
                subsets.Add members
                let xs = param (members |> Array.map (fun e -> starts[e]))
                { Params = [ xs ]; PerMember = rosenbrock (members |> Array.map (fun e -> b[e])) xs; Release = fun () -> xs.Dispose() }
            let compacted = Lbfgs.minimizeMembersWith (Lbfgs.settings 300) none [ xc ] (rosenbrock b xc) (Some { Subset = subset; RowMultiple = 1 })
            Expect.equal (rowsOf xc) (rowsOf x) "every member's end, bit for bit"
            Expect.equal compacted.Members full.Members "every member's iterations, evaluations, loss and stop"
            Expect.equal compacted.BatchEvaluations full.BatchEvaluations "the same batched evaluations"
            Expect.isNonEmpty subsets "members stopped at different iterations, so the batch shrank"
            Expect.isTrue (subsets |> Seq.forall (fun m -> m.Length >= 2)) "never below two members"
            Expect.isTrue (subsets |> Seq.pairwise |> Seq.forall (fun (a, c) -> c.Length < a.Length && Array.forall (fun e -> Array.contains e a) c)) "each subset is a smaller part of the one before"
            Expect.isLessThan compacted.RowEvaluations (full.BatchEvaluations * b.Length) "fewer rows evaluated"
            Expect.equal full.RowEvaluations (full.BatchEvaluations * b.Length) "the full batch evaluates every row every time"
        }
        test "a batch that must keep a multiple of its row multiple pads with stopped members, and one that is not such a multiple never shrinks" {
            let b = [| 100.0; 1.0; 30.0; 3.0; 10.0; 0.5 |]
            let starts = [| [| -1.2; 1.0 |]; [| 0.0; 2.0 |]; [| 2.0; -1.0 |]; [| -0.5; 0.5 |]; [| 1.5; 1.5 |]; [| 0.9; 0.8 |] |]
            let x = param starts
            let full = run 300 x (rosenbrock b x)
            for multiple, shrinks in [ 2, true; 4, false ] do
                let xc = param starts
                let sizes = ResizeArray<int>()
                let subset (members: int[]) : Lbfgs.Subset =
                    sizes.Add members.Length
                    let xs = param (members |> Array.map (fun e -> starts[e]))
                    { Params = [ xs ]; PerMember = rosenbrock (members |> Array.map (fun e -> b[e])) xs; Release = fun () -> xs.Dispose() }
                let r = Lbfgs.minimizeMembersWith (Lbfgs.settings 300) none [ xc ] (rosenbrock b xc) (Some { Subset = subset; RowMultiple = multiple })
                Expect.equal (rowsOf xc) (rowsOf x) (sprintf "multiple %d: every member's end, bit for bit" multiple)
                Expect.equal r.Members full.Members (sprintf "multiple %d: every member's outcome" multiple)
                Expect.equal (sizes.Count > 0) shrinks (sprintf "multiple %d: 6 members %s" multiple (if shrinks then "shrink" else "are not a multiple, so they stay"))
                Expect.isTrue (sizes |> Seq.forall (fun n -> n % multiple = 0)) (sprintf "multiple %d: every batch a multiple (%A)" multiple (List.ofSeq sizes))
        }
        test "each member of a batch follows the path it follows alone" {
            let b = [| 100.0; 10.0; 1.0; 30.0 |]
            let starts = [| [| -1.2; 1.0 |]; [| 0.0; 2.0 |]; [| 2.0; -1.0 |]; [| -0.5; 0.5 |] |]
            let x = param starts
            let together = run 200 x (rosenbrock b x)
            let ends = rowsOf x
            for e in 0 .. b.Length - 1 do
                let xe = param [| starts[e] |]
                let alone = run 200 xe (rosenbrock [| b[e] |] xe)
                let o, t = alone.Members[0], together.Members[e]
                Expect.equal t.Iterations o.Iterations (sprintf "member %d: iterations" e)
                Expect.equal t.Evaluations o.Evaluations (sprintf "member %d: evaluations" e)
                Expect.equal t.Reason o.Reason (sprintf "member %d: stop" e)
                let xa = (rowsOf xe)[0]
                for j in 0 .. 1 do
                    Expect.floatClose { absolute = 1e-14; relative = 1e-12 } (ends[e][j]) (xa[j]) (sprintf "member %d, coordinate %d" e j)
                // and the search went somewhere: Rosenbrock's minimum is (1, 1)
                Expect.floatClose { absolute = 1e-8; relative = 1e-8 } (ends[e][0]) 1.0 (sprintf "member %d reached the minimum" e)
            // the batch evaluated together: no more batched evaluations than the slowest member needed
            let slowest = together.Members |> Array.map (fun o -> o.Evaluations) |> Array.max
            Expect.isLessThan together.BatchEvaluations (together.Members |> Array.sumBy (fun o -> o.Evaluations)) "batched"
            Expect.isGreaterThanOrEqual together.BatchEvaluations slowest "at least the slowest member's evaluations"
        }
        test "a member that converges early stays where it stopped while the others go on" {
            // member 0: a well-conditioned quadratic (a few iterations); member 1: a long Rosenbrock valley
            let x = param [| [| 3.0; -2.0 |]; [| -1.2; 1.0 |] |]
            let quad = quadratic [| [| 1.0; 2.0 |]; [| 0.0; 0.0 |] |] [| [| 0.5; 0.25 |]; [| 0.0; 0.0 |] |] x
            let rosen = rosenbrock [| 0.0; 100.0 |] x
            let mask = Tensors.create [| 1.0; 0.0 |] [| 2L |] torch.ScalarType.Float64
            let objective () = quad().mul(mask) + rosen().mul(Tensors.addBy 1.0 (mask.neg()))
            let r = run 500 x objective
            let ends = rowsOf x
            let x0 = param [| [| 3.0; -2.0 |] |]
            let alone = run 500 x0 (quadratic [| [| 1.0; 2.0 |] |] [| [| 0.5; 0.25 |] |] x0)
            Expect.equal (ends[0]) ((rowsOf x0)[0]) "member 0 ends exactly where it ends alone"
            Expect.equal (r.Members[0].Iterations) (alone.Members[0].Iterations) "member 0: its own iterations"
            Expect.isLessThan (r.Members[0].Iterations) (r.Members[1].Iterations) "member 0 stopped first"
            Expect.floatClose { absolute = 1e-8; relative = 1e-8 } (ends[1][0]) 1.0 "member 1 went on to its minimum"
        }
        test "the iteration limit stops every member after that many accepted steps" {
            let x = param [| [| -1.2; 1.0 |]; [| 0.0; 2.0 |] |]
            let r = run 3 x (rosenbrock [| 100.0; 10.0 |] x)
            for o in r.Members do
                Expect.equal o.Iterations 3 "iterations"
                Expect.equal o.Reason "iteration limit" "reason"
        }
        test "the evaluation limit stops a member at its last accepted point" {
            let x = param [| [| -1.2; 1.0 |] |]
            let objective = rosenbrock [| 100.0 |] x
            let r = Lbfgs.minimizeMembers { Lbfgs.settings 1000 with MaxEvaluations = 7 } none [ x ] objective
            let o = r.Members[0]
            Expect.equal o.Reason "evaluation limit (7)" "reason"
            Expect.isLessThanOrEqual o.Evaluations 7 "evaluations within the limit"
            Expect.isGreaterThan o.Iterations 0 "some steps were accepted"
            // the parameters hold the accepted point whose loss is reported, not a later trial
            let f = (Tensors.toArray (objective ()))[0]
            Expect.equal f o.Loss "loss at the parameters = reported loss"
            Expect.isLessThan o.Loss 24.2 "below the start (24.2)"
            // and the default bound allows the whole search
            let settings = Lbfgs.settings 3000
            Expect.equal settings.MaxEvaluations (4 * 3000 + 25) "default: four evaluations per iteration plus one search"
        }
        test "zero iterations change nothing" {
            let x = param [| [| -1.2; 1.0 |] |]
            let r = run 0 x (rosenbrock [| 100.0 |] x)
            Expect.equal (r.Members[0].Reason) "skipped" "reason"
            Expect.equal ((rowsOf x)[0]) [| -1.2; 1.0 |] "unchanged"
        }
    ]
