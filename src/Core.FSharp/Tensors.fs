/// Small helpers between .NET arrays and TorchSharp tensors.
module Emulators.Core.Tensors

open TorchSharp
open System.Runtime.CompilerServices

type Tensor = torch.Tensor

/// Floating-point precision of a model. Float64 is the default: the paper's K1 result needs it.
type Precision =
    | Float64
    | Float32

let scalarType =
    function
    | Float64 -> torch.ScalarType.Float64
    | Float32 -> torch.ScalarType.Float32

module Precision =
    let names = Names.table "precision" [ "float64", [ "double"; "f64" ], Float64; "float32", [ "single"; "float"; "f32" ], Float32 ]

let precisionName (p: Precision) = Names.name Precision.names p

/// A tensor of the given shape and type from row-major data.
let create (data: float[]) (shape: int64[]) (st: torch.ScalarType) : Tensor =
    use flat = torch.tensor(data: float[])
    use shaped = flat.reshape(shape)
    shaped.to_type(st)

// Every native Scalar of the library is made here (and owned by its caller, or by a static field).
//
// TorchSharp 0.107 turns numbers into native Scalars inside many of its members: `t * 2.0`, `t - 1.0`, `t.square()`
// (pow 2), the default alpha 1 of `t + u` and `t.add(u)`, `t.ToDouble()` (through `ToScalar()`). It hands them to the
// native call and leaves them to the garbage collector. The member stops referencing a Scalar once it has read its
// handle, so a collection triggered on another thread can free the Scalar while libtorch is still reading it: a
// crash, or a wrong number fed silently into training. The helpers below make each Scalar explicitly and keep it
// alive until the native call has returned (`use`, or a static field), and call the same libtorch kernels with the
// same values, so results are bit for bit those of the operators they replace. A test reads the compiled library
// and fails when code outside this module calls a TorchSharp member that hides a Scalar (ScalarAuditTests).

// The helpers that create a Scalar are never inlined: inlined, the Scalar would be created in the caller's code.

/// A native Scalar the caller owns: bind it with `use` so that it lives until the call that reads it has returned.
[<MethodImpl(MethodImplOptions.NoInlining)>]
let scalar (x: float) : TorchSharp.Scalar = TorchSharp.Scalar.op_Implicit x

// Long-lived Scalars shared by every thread (libtorch only reads them). Integers, as TorchSharp's own defaults are:
// the alpha of an addition and the exponent of square().
let private one = lazy (TorchSharp.Scalar.op_Implicit 1)
let private two = lazy (TorchSharp.Scalar.op_Implicit 2)

/// a + b (tensors; the `+` operator would create alpha = 1 for the call).
let plus (a: Tensor) (b: Tensor) : Tensor = a.add(b, one.Value)

/// a += b, in place; returns a.
let plusInPlace (a: Tensor) (b: Tensor) : Tensor = a.add_(b, one.Value)

/// a += v, in place; returns a.
[<MethodImpl(MethodImplOptions.NoInlining)>]
let addInPlace (v: float) (a: Tensor) : Tensor =
    use s = scalar v
    a.add_(s, one.Value)

/// t² elementwise (what `t.square()` computes: pow with the integer exponent 2).
let square (t: Tensor) : Tensor = t.pow(two.Value)

/// t · v
[<MethodImpl(MethodImplOptions.NoInlining)>]
let mulBy (v: float) (t: Tensor) : Tensor =
    use s = scalar v
    t.mul(s)

/// t / v
[<MethodImpl(MethodImplOptions.NoInlining)>]
let divBy (v: float) (t: Tensor) : Tensor =
    use s = scalar v
    t.div(s)

/// t + v
[<MethodImpl(MethodImplOptions.NoInlining)>]
let addBy (v: float) (t: Tensor) : Tensor =
    use s = scalar v
    t.add(s, one.Value)

/// t − v
[<MethodImpl(MethodImplOptions.NoInlining)>]
let subBy (v: float) (t: Tensor) : Tensor =
    use s = scalar v
    t.sub(s)

/// v − t (as TorchSharp computes `v - t`: −t + v).
[<MethodImpl(MethodImplOptions.NoInlining)>]
let subFrom (v: float) (t: Tensor) : Tensor =
    use s = scalar v
    use n = t.negative()
    n.add(s, one.Value)

/// v / t (as TorchSharp computes `v / t`: (1/t) · v).
[<MethodImpl(MethodImplOptions.NoInlining)>]
let divInto (v: float) (t: Tensor) : Tensor =
    use s = scalar v
    use r = t.reciprocal()
    r.mul(s)

/// t clamped to [lo, hi]
[<MethodImpl(MethodImplOptions.NoInlining)>]
let clampTo (lo: float) (hi: float) (t: Tensor) : Tensor =
    use l = scalar lo
    use h = scalar hi
    t.clamp(l, h)

/// An integer tensor clamped to [lo, hi], with integer bounds (a float bound would promote it to float)
[<MethodImpl(MethodImplOptions.NoInlining)>]
let clampIndex (lo: int64) (hi: int64) (t: Tensor) : Tensor =
    use l = TorchSharp.Scalar.op_Implicit lo
    use h = TorchSharp.Scalar.op_Implicit hi
    t.clamp(l, h)

/// lo ≤ t ≤ hi elementwise (bool), for an integer tensor with integer bounds
[<MethodImpl(MethodImplOptions.NoInlining)>]
let indexWithin (lo: int64) (hi: int64) (t: Tensor) : Tensor =
    use l = TorchSharp.Scalar.op_Implicit lo
    use h = TorchSharp.Scalar.op_Implicit hi
    use above = t.ge(l)
    use below = t.le(h)
    above.logical_and(below)

/// t clamped below at lo
[<MethodImpl(MethodImplOptions.NoInlining)>]
let clampMin (lo: float) (t: Tensor) : Tensor =
    use l = scalar lo
    t.clamp_min(l)

/// t > v elementwise (bool)
[<MethodImpl(MethodImplOptions.NoInlining)>]
let greaterThan (v: float) (t: Tensor) : Tensor =
    use s = scalar v
    t.gt(s)

/// t ≥ v elementwise (bool)
[<MethodImpl(MethodImplOptions.NoInlining)>]
let atLeast (v: float) (t: Tensor) : Tensor =
    use s = scalar v
    t.ge(s)

/// t < v elementwise (bool)
[<MethodImpl(MethodImplOptions.NoInlining)>]
let lessThan (v: float) (t: Tensor) : Tensor =
    use s = scalar v
    t.lt(s)

/// A tensor like t filled with v.
[<MethodImpl(MethodImplOptions.NoInlining)>]
let fullLike (v: float) (t: Tensor) : Tensor =
    use s = scalar v
    torch.full_like(t, s)

/// The operators with a number, spelled with a dot on the number's side (`t *. 2.0`, `t -. 1.0`), and `.+` for
/// the sum of two tensors. Same precedence as `*`, `/`, `+`, `-`. (`-`, `*` and `/` between two tensors create no
/// Scalar and stay as they are.)
let ( *. ) (t: Tensor) (v: float) = mulBy v t
let ( /. ) (t: Tensor) (v: float) = divBy v t
let ( +. ) (t: Tensor) (v: float) = addBy v t
let ( -. ) (t: Tensor) (v: float) = subBy v t
let ( .+ ) (a: Tensor) (b: Tensor) = plus a b

/// Rows (points) to a [rows, cols] tensor.
let ofRows (p: Precision) (rows: float[][]) : Tensor =
    let n = rows.Length
    let d = if n = 0 then 0 else rows[0].Length
    let flat = Array.zeroCreate (n * d)
    for i in 0 .. n - 1 do
        Array.blit rows[i] 0 flat (i * d) d
    create flat [| int64 n; int64 d |] (scalarType p)

/// Row indices [n] (int64), e.g. for `index_select` and `index_copy_` over the member axis.
let indices (rows: int[]) : Tensor = torch.tensor (rows |> Array.map int64)

/// A vector to a [n] tensor.
let ofVector (p: Precision) (v: float[]) : Tensor = create v [| int64 v.Length |] (scalarType p)

/// Any tensor to a flat float array (row-major), detached and converted to float64.
let toArray (t: Tensor) : float[] =
    use c = t.detach().cpu().to_type(torch.ScalarType.Float64).contiguous()
    c.data<float>().ToArray()

/// A [rows, cols] tensor to rows.
let toRows (t: Tensor) : float[][] =
    let flat = toArray t
    let d = int (t.shape[t.shape.Length - 1])
    Array.chunkBySize d flat

/// A one-element tensor to float (`t.ToDouble()` would leave its Scalar to the collector).
[<MethodImpl(MethodImplOptions.NoInlining)>]
let toFloat (t: Tensor) : float =
    use s = t.ToScalar()
    s.ToDouble()

/// Whether every element of a tensor is finite (`ToBoolean()` would leave its Scalar to the collector).
[<MethodImpl(MethodImplOptions.NoInlining)>]
let allFinite (t: Tensor) : bool =
    use _ = torch.no_grad ()
    use finite = torch.isfinite(t)
    use all = finite.all()
    use s = all.ToScalar()
    s.ToBoolean()
