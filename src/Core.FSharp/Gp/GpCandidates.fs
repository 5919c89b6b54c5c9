/// Gaussian-process candidates of model selection: each (model, kernel) pair is cross-validated on the same folds as
/// the neural candidates, all folds and restarts of one candidate trained as one batch (Marginal's masks). The LF
/// GPs do not depend on the HF folds: they are fitted once per kernel (the candidate's own) and shared by the AR1 and
/// NARGP candidates of that kernel.
module Emulators.Core.Gp.GpCandidates

open System.Diagnostics
open Emulators.Core

/// The model names model selection knows, in report order.
let kinds = [ "gp"; "ar1"; "nargp" ]

/// The kernels tried for each model.
let kernels = [ Matern52; SquaredExponential ]

/// A GP emulator as an Emulator value: the network fields are empty and `Gaussian` carries the model.
let asEmulator (g: GpEmulator) : Emulator =
    { Spec = { Correlation = AffineBlock; Surrogate = AffineBlock; Encoding = NoEncoding; Precision = Tensors.Float64 }
      Domain = g.Domain
      InputScale = g.InputScale
      OutputScale = g.OutputScale
      Sources =
        g.Sources
        |> List.map (fun s ->
            { Name = s.Name; Domain = s.Domain; InputScale = s.InputScale; OutputScale = s.OutputScale
              Exact = s.Exact; Surrogate = None; Encoder = None })
      Linear = None
      Nonlinear = []
      Members = 1
      MemberOutputScales = None
      Gaussian = Some g }

/// How the user's sources enter a GP: functions exactly, data through their own GP.
let sourceSpecs (sources: Workflow.Source list) : SourceSpec list =
    sources
    |> List.map (function
        | Workflow.FromData s -> Learned(s.Name, s.Domain, s.X, s.Y)
        | Workflow.FromFunction f -> Exact f)

/// The (model, kernel) pairs cross-validated for the names given (gp, ar1, nargp), in report order; the MF models
/// only when there are sources.
let plan (names: string list) (sources: Workflow.Source list) : (GpKind * Kernel) list =
    let chosen = names |> List.map GpKind.parse |> List.distinct
    [ for kind in chosen do
          if kind = SingleFidelity || not sources.IsEmpty then
              for kernel in kernels -> kind, kernel ]

/// Whether the best GP candidate replaces the best network: only when its CV error is lower by more than one
/// standard error of the difference, sqrt((s²_gp + s²_net) / k) from the spreads over the k folds. Two reasons
/// for the margin. The networks' CV errors come from Adam-only training and overstate what their L-BFGS refit
/// reaches, while a GP's CV fit is its refit's procedure, so equal CV errors favour the GP. And with a handful of
/// HF points a flexible model can have a low CV error and still go wrong between the points (NARGP on K3: CV
/// 0.27, beside the network's 0.28, and a test error of 5.8e2): a difference inside the noise is no evidence.
let replacesNetwork (k: int) (gp: SelectionCandidate) (network: SelectionCandidate) =
    let margin = sqrt ((gp.CvSpread * gp.CvSpread + network.CvSpread * network.CvSpread) / float (max 1 k))
    System.Double.IsFinite gp.CvError && gp.CvError + margin < network.CvError

/// Cross-validate the candidates of `plan names sources`. Fold f holds out the points with foldOf[j] = f, every
/// fold refits the hyperparameters on its own points; errors are normalized by `norm` as for the neural candidates.
/// `taskReport i label` is the progress callback of candidate i (0-based). Returns each candidate's report line and
/// a function that refits it on all HF points, reporting to the callback it is given.
let crossValidate (st: FitSettings) (names: string list) (hfBox: Box) (hf: HfData) (sources: Workflow.Source list)
                  (k: int) (foldOf: int[]) (norm: float) (taskReport: int -> string -> (ProgressReport -> unit) option)
                  (cancel: System.Threading.CancellationToken) : (SelectionCandidate * ((ProgressReport -> unit) option -> FitResult)) list =
    let specs = sourceSpecs sources
    let lfMode =
        if sources.IsEmpty then "none"
        elif sources |> List.forall (function Workflow.FromFunction _ -> true | _ -> false) then "exact"
        elif sources |> List.exists (function Workflow.FromFunction _ -> true | _ -> false) then "exact+learned"
        else "learned"
    let lfOf =
        let cache = System.Collections.Generic.Dictionary<Kernel, GpSource list>()
        fun kernel ->
            match cache.TryGetValue kernel with
            | true, v -> v
            | _ ->
                let v = specs |> List.map (GpFit.source st kernel)
                cache[kernel] <- v
                v
    let n = hf.Y.Length
    let masks = Array.init k (fun f -> Array.init n (fun j -> if foldOf[j] = f then 0.0 else 1.0))
    // One stage per candidate: started, then finished (the L-BFGS runs every fold and restart as one batch).
    let stage (report: (ProgressReport -> unit) option) (finished: bool) =
        report |> Option.iter (fun f ->
            f { Task = ""; TaskIndex = 1; Tasks = 1; Stage = "Gaussian process"; StageIndex = 1; Stages = 1
                Phase = (if finished then "done" else "L-BFGS"); Step = (if finished then 1 else 0); Steps = 1
                Loss = nan; Finished = finished })
    [ for i, (kind, kernel) in List.indexed (plan names sources) do
          cancel.ThrowIfCancellationRequested()
          let label =
              if kind = SingleFidelity then sprintf "SF GP, %s kernel" (Kernel.name kernel)
              else sprintf "GP %s, %s kernel, %s LF" (GpKind.name kind) (Kernel.name kernel) lfMode
          let report = taskReport i label
          stage report false
          let lf = if kind = SingleFidelity then [] else lfOf kernel
          let p = GpFit.prepare kind kernel hfBox hf lf
          let foldErrors =
              try
                  let models = GpFit.fitSubsets st p hf masks
                  Array.init k (fun f ->
                      let held = [| for j in 0 .. n - 1 do if foldOf[j] = f then yield j |]
                      let pred = (GpEmulator.predict models[f] (held |> Array.map (fun j -> hf.X[j]))).Mean
                      (Array.map2 (fun (pv: float) j -> (pv - hf.Y[j]) ** 2.0) pred held |> Array.average) / norm)
              with EmulatorError _ -> [| infinity |]
          stage report true
          let mean = Array.average foldErrors
          let sd = sqrt (foldErrors |> Array.averageBy (fun v -> (v - mean) ** 2.0))
          let cand =
              { SelectionCandidate.Structure = label; Family = GpKind.name kind; Depth = 0; Width = 0; Encoding = "none"
                Lf = (if kind = SingleFidelity then "none" else lfMode); LearningRate = 0.0; Lambda = 0.0
                CvError = (if System.Double.IsFinite mean then mean else infinity)
                CvSpread = (if System.Double.IsFinite sd then sd else infinity) }
          let refit (refitReport: (ProgressReport -> unit) option) =
              let clock = Stopwatch.StartNew()
              stage refitReport false
              let g = (GpFit.fitSubsets st p hf [| Array.create n 1.0 |])[0]
              stage refitReport true
              { Emulator = asEmulator g; History = []; Stages = []; Seconds = clock.Elapsed.TotalSeconds }
          yield cand, refit ]
