/// Input spaces (boxes) and the affine maps that scale inputs and outputs for the networks.
namespace Emulators.Core

open TorchSharp
open Emulators.Core.Tensors

/// An axis-aligned box: the input space of a model or data source.
type Box =
    { Lower: float[]
      Upper: float[] }
    member b.Dim = b.Lower.Length

module Box =
    let create (lower: float[]) (upper: float[]) =
        if lower.Length <> upper.Length then
            Errors.fail "box bounds have different lengths (%d lower, %d upper)" lower.Length upper.Length
        if lower.Length = 0 then Errors.fail "a box needs at least one dimension"
        for i in 0 .. lower.Length - 1 do
            if not (lower[i] < upper[i]) then
                Errors.fail "box dimension %d: lower bound %g is not below upper bound %g" i lower[i] upper[i]
        { Lower = Array.copy lower; Upper = Array.copy upper }

    let unit dim = create (Array.create dim 0.0) (Array.create dim 1.0)
    let cube dim lo hi = create (Array.create dim lo) (Array.create dim hi)

    /// Smallest box holding every row; a degenerate axis is widened by ±0.5 so scaling stays finite.
    let ofRows (rows: float[][]) =
        if rows.Length = 0 then Errors.fail "cannot take the range of an empty data set"
        let d = rows[0].Length
        let lo = Array.init d (fun j -> rows |> Array.map (fun r -> r[j]) |> Array.min)
        let hi = Array.init d (fun j -> rows |> Array.map (fun r -> r[j]) |> Array.max)
        for j in 0 .. d - 1 do
            if lo[j] = hi[j] then
                lo[j] <- lo[j] - 0.5
                hi[j] <- hi[j] + 0.5
        create lo hi

    let union (a: Box) (b: Box) =
        create (Array.map2 min a.Lower b.Lower) (Array.map2 max a.Upper b.Upper)

    let contains (b: Box) (x: float[]) =
        x.Length = b.Dim && Array.forall id (Array.init b.Dim (fun i -> x[i] >= b.Lower[i] && x[i] <= b.Upper[i]))

/// Per-column affine map y = (x - shift) / scale, stored as plain numbers so it can be saved with a model.
type Affine1 = { Shift: float[]; Scale: float[] }

module Affine1 =
    /// Box -> [-1, 1]^d: the networks see centred inputs of unit range (needed for SIREN frequencies and KAN grids).
    let ofBox (b: Box) =
        { Shift = Array.init b.Dim (fun i -> 0.5 * (b.Lower[i] + b.Upper[i]))
          Scale = Array.init b.Dim (fun i -> 0.5 * (b.Upper[i] - b.Lower[i])) }

    /// Standardize a scalar output: zero mean, unit standard deviation (1 when the data are constant).
    let standardize (ys: float[]) =
        let m = Array.average ys
        let sd = sqrt (ys |> Array.averageBy (fun y -> (y - m) * (y - m)))
        { Shift = [| m |]; Scale = [| (if sd > 0.0 then sd else 1.0) |] }

    /// `standardize` with a non-negative weight per value: weighted mean and standard deviation. With weights of 0
    /// and 1 it gives exactly (bit for bit) `standardize` of the values of weight 1.
    let standardizeWeighted (w: float[]) (ys: float[]) =
        let mutable sw = 0.0
        let mutable swy = 0.0
        for i in 0 .. ys.Length - 1 do
            sw <- sw + w[i]
            swy <- swy + w[i] * ys[i]
        let m = swy / sw
        let mutable ss = 0.0
        for i in 0 .. ys.Length - 1 do
            ss <- ss + w[i] * ((ys[i] - m) * (ys[i] - m))
        let sd = sqrt (ss / sw)
        { Shift = [| m |]; Scale = [| (if sd > 0.0 then sd else 1.0) |] }

    let identity d = { Shift = Array.zeroCreate d; Scale = Array.create d 1.0 }

    let private asTensor (like: Tensor) (v: float[]) =
        Tensors.create v [| int64 v.Length |] like.dtype

    /// Forward map on the last axis of a tensor.
    let apply (a: Affine1) (x: Tensor) : Tensor =
        (x - asTensor x a.Shift) / asTensor x a.Scale

    /// Inverse map on the last axis of a tensor.
    let invert (a: Affine1) (x: Tensor) : Tensor =
        Tensors.plus (x * asTensor x a.Scale) (asTensor x a.Shift)

    let applyRow (a: Affine1) (x: float[]) = Array.init x.Length (fun i -> (x[i] - a.Shift[i]) / a.Scale[i])
    let invertScalar (a: Affine1) (y: float) = y * a.Scale[0] + a.Shift[0]
