/// A loss is a value: a list of named terms, each evaluated on demand to one value per ensemble member ([E]).
/// Losses add with `+`, so the composite loss of the paper (§2.4) is literally LF terms + HF term + penalty.
namespace Emulators.Core

open TorchSharp
open Emulators.Core.Tensors

/// An L2 penalty λ_e Σ w² over weight tensors (each [E, ...]): one λ for every member, or one per member.
type Penalty = { Weights: Tensor list; Lambdas: float[] }

type Loss =
    { Terms: (string * (unit -> Tensor)) list
      /// The terms that are L2 penalties, by name. Their gradient is 2 λ_e w, so an optimiser may add it itself
      /// instead of differentiating the term (Adam does: it saves a dozen graph nodes per step); the term stays in
      /// `Terms` for the value and for L-BFGS.
      Penalties: (string * Penalty) list
      /// Cheaper graphs for some terms' sum over members, by name: the same value and the same gradient as
      /// summing the term's per-member values, in fewer operations (what a training step needs).
      Totals: (string * (unit -> Tensor)) list }
    static member (+)(a: Loss, b: Loss) =
        { Terms = a.Terms @ b.Terms
          Penalties = a.Penalties @ b.Penalties
          Totals = a.Totals @ b.Totals }
    static member Zero = { Terms = []; Penalties = []; Totals = [] }

module Loss =
    let term name (f: unit -> Tensor) = { Terms = [ name, f ]; Penalties = []; Totals = [] }

    /// Mean squared error per member: predictions [E, N, 1] against targets [E or 1, N, 1].
    /// Its total over members is one fused mse_loss (sum) / N, whose gradient 2 r / N is the same, bit for bit,
    /// as that of the per-member means.
    let mse (name: string) (predict: unit -> Tensor) (target: Tensor) =
        let total () =
            let p = predict ()
            let t = if p.shape = target.shape then target else target.expand_as(p)
            use n = scalar (float (p.shape[1] * p.shape[2]))
            torch.nn.functional.mse_loss(p, t, torch.nn.Reduction.Sum).div(n)
        { term name (fun () -> (square (predict () - target)).mean([| 1L; 2L |])) with Totals = [ name, total ] }

    /// Weighted mean squared error per member: Σ_j w_ej r_ej² / Σ_j w_ej, with weights [E, N, 1] (≥ 0) and their
    /// per-member sums [E]. Entries of weight 1 enter exactly as in `mse` (its gradient is identical); entries of
    /// weight 0 drop out.
    let weightedMse (name: string) (predict: unit -> Tensor) (target: Tensor) (weights: Tensor) (weightSums: Tensor) =
        term name (fun () -> (square (predict () - target)).mul(weights).sum([| 1L; 2L |]).div(weightSums))

    /// Σ w² per member over tensors that each have the member axis first: [E].
    let private sumOfSquares (ts: Tensor list) =
        ts |> List.map (fun w -> (square w).flatten(1L).sum(1L)) |> List.reduce plus

    /// λ Σ w² per member over the given weight tensors (each [E, ...]); no term at all when λ = 0.
    let l2 (name: string) (lambda: float) (weights: Tensor list) =
        if lambda = 0.0 then Loss.Zero
        else
            { term name (fun () -> Tensors.mulBy lambda (sumOfSquares weights)) with
                Penalties = [ name, { Weights = weights; Lambdas = [| lambda |] } ] }

    /// λ_e Σ w² for member e, one λ per member; no term at all when every λ is 0. A member with λ = 0 gets a zero
    /// term and a zero gradient from it, exactly as a lone model without the term.
    let l2Members (name: string) (lambdas: float[]) (weights: Tensor list) =
        if lambdas |> Array.forall (fun l -> l = 0.0) then Loss.Zero
        else
            let w0 = List.head weights
            let lam =
                use _ = torch.no_grad ()
                (Tensors.create lambdas [| int64 lambdas.Length |] w0.dtype).DetachFromDisposeScope()
            { term name (fun () -> sumOfSquares weights * lam) with
                Penalties = [ name, { Weights = weights; Lambdas = Array.copy lambdas } ] }

    /// λ Σ (w − w₀)² per member towards given anchors w₀ (each like its weight tensor): a pull back towards a
    /// starting point (the encoders' identity or projection start) rather than towards zero. Autograd
    /// differentiates it like any term.
    let anchoredTo (name: string) (lambda: float) (weights: Tensor list) (anchors: Tensor list) =
        if lambda = 0.0 || weights.IsEmpty then Loss.Zero
        else
            term name (fun () ->
                Tensors.mulBy lambda (sumOfSquares (List.map2 (fun (w: Tensor) (a: Tensor) -> w - a) weights anchors)))

    /// Detached copies of the weights' values now: the anchors of `anchoredTo` that pull towards where they start.
    let anchorsOf (weights: Tensor list) =
        use _ = torch.no_grad ()
        weights |> List.map (fun w -> w.detach().clone().DetachFromDisposeScope())

    /// `anchoredTo` the weights' values now.
    let anchored (name: string) (lambda: float) (weights: Tensor list) =
        if lambda = 0.0 || weights.IsEmpty then Loss.Zero else anchoredTo name lambda weights (anchorsOf weights)

    /// The scalar to minimise (sum over terms and members) and each term's per-member values.
    let evaluate (loss: Loss) : Tensor * (string * Tensor) list =
        if loss.Terms.IsEmpty then Errors.fail "the loss has no terms"
        let values = loss.Terms |> List.map (fun (n, f) -> n, f ())
        let total = values |> List.map (fun (_, v) -> v.sum()) |> List.reduce plus
        total, values

    /// Each member's total loss, [E].
    let perMember (loss: Loss) : Tensor =
        if loss.Terms.IsEmpty then Errors.fail "the loss has no terms"
        loss.Terms |> List.map (fun (_, f) -> f ()) |> List.reduce plus

    /// The loss without its penalty terms (what remains for autograd when the optimiser adds the penalties'
    /// gradients itself) and the penalties.
    let splitPenalties (loss: Loss) : Loss * Penalty list =
        let names = loss.Penalties |> List.map fst |> Set.ofList
        { Terms = loss.Terms |> List.filter (fun (n, _) -> not (names.Contains n))
          Penalties = []
          Totals = loss.Totals |> List.filter (fun (n, _) -> not (names.Contains n)) },
        loss.Penalties |> List.map snd

    /// The scalar to minimise alone (no per-member values), through each term's cheaper total when it has one.
    let total (loss: Loss) : Tensor =
        if loss.Terms.IsEmpty then Errors.fail "the loss has no terms"
        loss.Terms
        |> List.map (fun (n, f) ->
            match List.tryFind (fun (m, _) -> m = n) loss.Totals with
            | Some(_, t) -> t ()
            | None -> (f ()).sum())
        |> List.reduce plus
