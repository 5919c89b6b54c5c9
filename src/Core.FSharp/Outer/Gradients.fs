/// Input gradients ∂ŷ/∂x of an emulator, per ensemble member, by autograd through the whole network (encoders,
/// exact or learned LF sources, F_l and F_nl), in physical units of x and y.
module Emulators.Core.Outer.Gradients

open TorchSharp
open Emulators.Core
open Emulators.Core.Tensors

/// Values [member][point] and input gradients [member][point][dimension] at physical points.
type MemberGradients =
    { Values: float[][]
      Gradients: float[][][]
      /// False when an exact LF source is a black box (no autograd path through it): the gradients were then
      /// taken by central finite differences of the emulator instead.
      ByAutograd: bool }

/// Does autograd reach through every exact LF source? A black-box function (Workflow.functionSource) returns a
/// tensor built from numbers, which carries no graph back to its input.
let private differentiable (m: Emulator) =
    m.Sources
    |> List.forall (fun s ->
        match s.Exact with
        | None -> true
        | Some f ->
            use _ = torch.NewDisposeScope()
            use _ = torch.enable_grad ()
            let z = torch.zeros([| 1L; int64 s.Domain.Dim |], dtype = scalarType m.Spec.Precision)
            let probe = Affine1.invert s.InputScale (z.requires_grad_(true))
            (f probe).requires_grad)

/// Per-member output scales as a [E, 1, 1] tensor.
let private memberScales (m: Emulator) (like: Tensor) =
    Tensors.create (Array.init m.Members (fun e -> (Emulator.outputScale m e).Scale[0])) [| int64 m.Members; 1L; 1L |] like.dtype

let private memberShifts (m: Emulator) = Array.init m.Members (fun e -> (Emulator.outputScale m e).Shift[0])

/// Points per autograd pass: bounds the memory of the graph for large batches.
let private chunk = 4096

let private byAutograd (m: Emulator) (x: float[][]) : float[][] * float[][][] =
    let e = m.Members
    let d = m.Domain.Dim
    let shifts = memberShifts m
    let parts =
        x
        |> Array.chunkBySize chunk
        |> Array.map (fun xc ->
            use _ = torch.NewDisposeScope()
            use _ = torch.enable_grad ()
            let n = xc.Length
            // One copy of the points per member: member e's output depends on its own copy only, so the gradient
            // of the summed outputs holds every member's gradient at every point.
            let xe = (Tensors.ofRows m.Spec.Precision xc).unsqueeze(0).expand(int64 e, -1L, -1L).contiguous().requires_grad_(true)
            let y = Emulator.forwardScaled m (Affine1.apply m.InputScale xe) * memberScales m xe
            let g = torch.autograd.grad([| y.sum() |], [| xe |])
            let values = Tensors.toArray y |> Array.chunkBySize n |> Array.mapi (fun k row -> row |> Array.map (fun v -> v + shifts[k]))
            let grads = Tensors.toArray g[0] |> Array.chunkBySize (n * d) |> Array.map (Array.chunkBySize d)
            values, grads)
    Array.init e (fun k -> parts |> Array.collect (fun (v, _) -> v[k])),
    Array.init e (fun k -> parts |> Array.collect (fun (_, g) -> g[k]))

let private byDifferences (m: Emulator) (x: float[][]) : float[][] * float[][][] =
    let d = m.Domain.Dim
    let values = Emulator.predictMembers m x |> Array.map (fun p -> p.Value)
    let hs = Array.init d (fun j -> 1e-6 * (m.Domain.Upper[j] - m.Domain.Lower[j]))
    let shifted j (sign: float) = x |> Array.map (fun r -> r |> Array.mapi (fun i v -> if i = j then v + sign * hs[j] else v))
    let columns =
        Array.init d (fun j ->
            let up = Emulator.predictMembers m (shifted j 1.0)
            let down = Emulator.predictMembers m (shifted j -1.0)
            Array.init m.Members (fun k -> Array.init x.Length (fun i -> (up[k].Value[i] - down[k].Value[i]) / (2.0 * hs[j]))))
    values, Array.init m.Members (fun k -> Array.init x.Length (fun i -> Array.init d (fun j -> columns[j][k][i])))

/// Values and input gradients of every member at the physical points `x` ([point][dimension]).
let ofMembers (m: Emulator) (x: float[][]) : MemberGradients =
    if x.Length = 0 then Errors.fail "gradient: no points given"
    Errors.requireMatrix "gradient input" m.Domain.Dim x
    // A Gaussian-process model predicts from arrays, not a tensor graph: its gradients are central differences.
    if m.Gaussian.IsNone && differentiable m then
        let v, g = byAutograd m x
        { Values = v; Gradients = g; ByAutograd = true }
    else
        let v, g = byDifferences m x
        { Values = v; Gradients = g; ByAutograd = false }

/// Gradient of the ensemble mean ([point][dimension]): the mean of the members' gradients.
let meanOf (g: MemberGradients) : float[][] =
    let e = float g.Gradients.Length
    g.Gradients[0]
    |> Array.mapi (fun i row -> row |> Array.mapi (fun j _ -> (g.Gradients |> Array.sumBy (fun mg -> mg[i][j])) / e))

/// Value and gradient of a differentiable vectorised function (a problem's HF model, built from torch operations).
let ofModel (f: Model) (x: float[][]) : float[] * float[][] =
    if x.Length = 0 then Errors.fail "gradient: no points given"
    use _ = torch.NewDisposeScope()
    use _ = torch.enable_grad ()
    let xt = (Tensors.ofRows Float64 x).requires_grad_(true)
    let y = f xt
    if not y.requires_grad then Errors.fail "gradient: the function is not differentiable by autograd"
    let g = torch.autograd.grad([| y.sum() |], [| xt |])
    Tensors.toArray y, Tensors.toRows g[0]
