/// A loss is a value: a list of named terms, each evaluated on demand to one value per ensemble member ([E]).
/// Losses add with `+`, so the composite loss of the paper (§2.4) is literally LF terms + HF term + penalty.
namespace Emulators

open TorchSharp
open Emulators.Tensors

type Loss =
    { Terms: (string * (unit -> Tensor)) list }
    static member (+)(a: Loss, b: Loss) = { Terms = a.Terms @ b.Terms }
    static member Zero = { Terms = [] }

module Loss =
    let term name (f: unit -> Tensor) = { Terms = [ name, f ] }

    /// Mean squared error per member: predictions [E, N, 1] against targets [E or 1, N, 1].
    let mse (name: string) (predict: unit -> Tensor) (target: Tensor) =
        term name (fun () -> (predict () - target).square().mean([| 1L; 2L |]))

    /// λ Σ w² per member over the given weight tensors (each [E, ...]); no term at all when λ = 0.
    let l2 (name: string) (lambda: float) (weights: Tensor list) =
        if lambda = 0.0 then Loss.Zero
        else
            term name (fun () ->
                weights
                |> List.map (fun w -> w.square().flatten(1L).sum(1L))
                |> List.reduce (+)
                |> fun s -> s * lambda)

    /// The scalar to minimise (sum over terms and members) and each term's per-member values.
    let evaluate (loss: Loss) : Tensor * (string * Tensor) list =
        if loss.Terms.IsEmpty then Errors.fail "the loss has no terms"
        let values = loss.Terms |> List.map (fun (n, f) -> n, f ())
        let total = values |> List.map (fun (_, v) -> v.sum()) |> List.reduce (+)
        total, values
