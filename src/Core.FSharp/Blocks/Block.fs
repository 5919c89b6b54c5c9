/// The one block contract: every family (affine, MLP, later SIREN and KAN) is an `init` and an `apply`, so the
/// correlation network, the LF surrogates, the encoders and the single-fidelity baselines can use any of them.
namespace Emulators

open Emulators.Mlp

type BlockSpec =
    | AffineBlock
    | MlpBlock of MlpSpec

module Block =
    let init (spec: BlockSpec) (ctx: InitContext) (dIn: int) (dOut: int) : Params =
        match spec with
        | AffineBlock -> Affine.init ctx dIn dOut
        | MlpBlock s -> Mlp.init s ctx dIn dOut

    /// x [E, N, dIn] -> [E, N, dOut].
    let apply (spec: BlockSpec) (p: Params) (x: Tensors.Tensor) : Tensors.Tensor =
        match spec with
        | AffineBlock -> Affine.apply p x
        | MlpBlock s -> Mlp.apply s p x

    /// Whether the family has a hand-written reverse pass (`forwardTape` and `backward`); the training loop uses
    /// it instead of autograd where it can, since on small networks autograd's per-node cost dominates a step.
    let hasBackward (spec: BlockSpec) =
        match spec with
        | AffineBlock
        | MlpBlock _ -> true

    /// The output and what `backward` needs (the input of every layer). Records no graph: call under no_grad.
    let forwardTape (spec: BlockSpec) (p: Params) (x: Tensors.Tensor) : Tensors.Tensor * Tensors.Tensor list =
        match spec with
        | AffineBlock -> Affine.forwardTape p x
        | MlpBlock s -> Mlp.forwardTape s p x

    /// Reverse pass from the output gradient d: adds the parameter gradients to their .grad, returns the input
    /// gradient when `wantInput`. Only for families where `hasBackward` holds.
    let backward (spec: BlockSpec) (p: Params) (tape: Tensors.Tensor list) (d: Tensors.Tensor) (wantInput: bool) =
        match spec with
        | AffineBlock -> Affine.backward p tape d wantInput
        | MlpBlock s -> Mlp.backward s p tape d wantInput

    /// The weight matrices (not biases) an L2 penalty acts on.
    let weights (spec: BlockSpec) (p: Params) =
        match spec with
        | AffineBlock -> Affine.weights p
        | MlpBlock s -> Mlp.weights s p

    let name =
        function
        | AffineBlock -> "affine"
        | MlpBlock s -> sprintf "mlp %dx%d" s.Depth s.Width

    /// The family name as the CLI spells it.
    let family =
        function
        | AffineBlock -> "affine"
        | MlpBlock _ -> "mlp"

    /// A block of the named family with the given depth and width.
    let ofName (name: string) (depth: int) (width: int) =
        if depth < 1 then Errors.fail "depth must be at least 1 (got %d)" depth
        if width < 1 then Errors.fail "width must be at least 1 (got %d)" width
        match name.Trim().ToLowerInvariant() with
        | "mlp" -> MlpBlock { Depth = depth; Width = width }
        | "affine" | "linear" -> AffineBlock
        | other -> Errors.fail "unknown architecture '%s' (expected one of: mlp)" other
