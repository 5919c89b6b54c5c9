/// The one thing the outer loops (propagation, sensitivity, optimization, suggestion) need from a model: a mean,
/// optionally a predictive standard deviation and joint samples (members), and input gradients. A deep ensemble,
/// an exact function and any later model family (a Gaussian process: mean, variance, posterior sample paths) all
/// fit behind it, so the loops never look inside a model.
namespace Emulators.Core.Outer

open Emulators.Core

/// A prediction at N points.
type Predictive =
    { Mean: float[]
      /// Predictive standard deviation per point (ensemble spread, GP posterior sd); None: a deterministic model.
      Std: float[] option
      /// Joint samples of the model at the N points, [sample][point] (ensemble members, or GP posterior sample
      /// paths). Statistics of an output distribution take their emulator interval from these; None: not available.
      Members: float[][] option }

/// Input gradients at N points, physical units.
type PredictiveGradient =
    { /// ŷ at each point (the mean).
      Value: float[]
      /// ∂(mean)/∂x, [point][dimension].
      Mean: float[][]
      /// ∂(member)/∂x, [member][point][dimension], when the predictor has members.
      Members: float[][][] option }

type Predictor =
    { /// What the predictor is, for reports ("emulator (5 members)", "exact HF of K1").
      Name: string
      /// The input box the model was trained on (the default input space of every loop).
      Domain: Box
      Predict: float[][] -> Predictive
      Gradient: float[][] -> PredictiveGradient }

module Predictor =
    /// Rows per prediction call: keeps the member × point tensors of large Monte Carlo samples small.
    let private chunk = 8192

    let private inChunks (f: float[][] -> Predictive) (x: float[][]) : Predictive =
        if x.Length <= chunk then f x
        else
            let parts = x |> Array.chunkBySize chunk |> Array.map f
            { Mean = parts |> Array.collect (fun p -> p.Mean)
              Std = (if parts[0].Std.IsSome then Some(parts |> Array.collect (fun p -> p.Std.Value)) else None)
              Members =
                match parts[0].Members with
                | Some ms -> Some(Array.init ms.Length (fun k -> parts |> Array.collect (fun p -> p.Members.Value[k])))
                | None -> None }

    /// A trained emulator: members and their spread when it is an ensemble (Members > 1).
    let ofEmulator (m: Emulator) : Predictor =
        let predict (x: float[][]) =
            let u = Uncertainty.predict m x
            if m.Members > 1 then { Mean = u.Mean; Std = Some u.Std; Members = Some u.Members }
            else { Mean = u.Mean; Std = None; Members = None }
        { Name = (if m.Members > 1 then sprintf "emulator (%d members)" m.Members else "emulator")
          Domain = m.Domain
          Predict = inChunks predict
          Gradient =
            fun x ->
                let g = Gradients.ofMembers m x
                let mean = Array.init x.Length (fun i -> (g.Values |> Array.sumBy (fun v -> v[i])) / float m.Members)
                { Value = mean
                  Mean = Gradients.meanOf g
                  Members = (if m.Members > 1 then Some g.Gradients else None) } }

    /// An exact vectorised function (a problem's HF model) on a box: no uncertainty, gradients by autograd.
    let ofModel (name: string) (domain: Box) (f: Model) : Predictor =
        { Name = name
          Domain = domain
          Predict = inChunks (fun x -> { Mean = Experiment.evaluate f x; Std = None; Members = None })
          Gradient =
            fun x ->
                let v, g = Gradients.ofModel f x
                { Value = v; Mean = g; Members = None } }
