/// Small helpers between .NET arrays and TorchSharp tensors.
module Emulators.Core.Tensors

open TorchSharp

type Tensor = torch.Tensor

/// Floating-point precision of a model. Float64 is the default: the paper's K1 result needs it.
type Precision =
    | Float64
    | Float32

let scalarType =
    function
    | Float64 -> torch.ScalarType.Float64
    | Float32 -> torch.ScalarType.Float32

let precisionName =
    function
    | Float64 -> "float64"
    | Float32 -> "float32"

let parsePrecision (s: string) =
    match s.Trim().ToLowerInvariant() with
    | "float64" | "double" | "f64" -> Float64
    | "float32" | "single" | "float" | "f32" -> Float32
    | other -> Errors.fail "unknown precision '%s' (expected float64 or float32)" other

/// A tensor of the given shape and type from row-major data.
let create (data: float[]) (shape: int64[]) (st: torch.ScalarType) : Tensor =
    use flat = torch.tensor(data: float[])
    use shaped = flat.reshape(shape)
    shaped.to_type(st)

let inline scalar (x: float) : TorchSharp.Scalar = TorchSharp.Scalar.op_Implicit x

// Tensor-by-number arithmetic that disposes its native Scalar after the call. `t * 2.0` makes a Scalar that only the
// garbage collector frees, and a collection on another thread during the native call can free it while it is in
// use (a rare crash inside libtorch); `use` keeps it alive until the call has returned. Same arithmetic, same bits.

/// t · v
let mulBy (v: float) (t: Tensor) : Tensor =
    use s = scalar v
    t.mul(s)

/// t / v
let divBy (v: float) (t: Tensor) : Tensor =
    use s = scalar v
    t.div(s)

/// t + v
let addBy (v: float) (t: Tensor) : Tensor =
    use s = scalar v
    t.add(s)

/// t clamped to [lo, hi]
let clampTo (lo: float) (hi: float) (t: Tensor) : Tensor =
    use l = scalar lo
    use h = scalar hi
    t.clamp(l, h)

/// Rows (points) to a [rows, cols] tensor.
let ofRows (p: Precision) (rows: float[][]) : Tensor =
    let n = rows.Length
    let d = if n = 0 then 0 else rows[0].Length
    let flat = Array.zeroCreate (n * d)
    for i in 0 .. n - 1 do
        Array.blit rows[i] 0 flat (i * d) d
    create flat [| int64 n; int64 d |] (scalarType p)

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

/// A scalar tensor to float.
let toFloat (t: Tensor) = t.ToDouble()
