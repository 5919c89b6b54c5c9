/// Deep-ensemble uncertainty: an emulator trained with several seeds (and, if wanted, different learning rates,
/// penalties or bootstrap subsets per member; see TrainConfig) predicts with every member, and the spread of the
/// members says how far the data pin the prediction down.
namespace Emulators.Core

/// Ensemble prediction at N points.
type EnsemblePrediction =
    { /// Mean of the members' predictions, per point.
      Mean: float[]
      /// Sample standard deviation across members (denominator E - 1), per point; 0 when there is one member.
      Std: float[]
      /// Every member's prediction, [member][point], physical units.
      Members: float[][] }

module Uncertainty =
    /// Mean and sample standard deviation of member predictions given as [member][point].
    let ofMembers (members: float[][]) : EnsemblePrediction =
        if members.Length = 0 then Errors.fail "an ensemble prediction needs at least one member"
        let n = members[0].Length
        if members |> Array.exists (fun m -> m.Length <> n) then Errors.fail "ensemble members predict different numbers of points"
        let e = members.Length
        let mean = Array.init n (fun j -> (Array.sumBy (fun (m: float[]) -> m[j]) members) / float e)
        let std =
            Array.init n (fun j ->
                if e < 2 then 0.0
                else sqrt ((members |> Array.sumBy (fun m -> (m[j] - mean[j]) * (m[j] - mean[j]))) / float (e - 1)))
        { Mean = mean; Std = std; Members = members }

    /// Predict with every member of `m` at the physical points `x` ([point][dimension]). A Gaussian-process
    /// emulator returns its posterior mean and predictive standard deviation, as its one member.
    let predict (m: Emulator) (x: float[][]) : EnsemblePrediction =
        match m.Gaussian with
        | Some g ->
            Errors.requireMatrix "predict input" m.Domain.Dim x
            let p = Gp.GpEmulator.predict g x
            { Mean = p.Mean; Std = p.Std; Members = [| p.Mean |] }
        | None -> Emulator.predictMembers m x |> Array.map (fun p -> p.Value) |> ofMembers

    /// Pointwise band mean ± z·std (z = 1.96 for a nominal 95 % band under a Gaussian reading of the spread).
    let band (z: float) (p: EnsemblePrediction) : (float * float)[] =
        Array.map2 (fun m s -> m - z * s, m + z * s) p.Mean p.Std
