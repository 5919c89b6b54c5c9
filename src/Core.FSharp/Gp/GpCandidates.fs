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

/// Cross-validate the GP candidates named in `names` (gp, ar1, nargp; MF models only when there are sources).
/// Fold f holds out the points with foldOf[j] = f; errors are normalized by `norm` as for the neural candidates.
/// Returns each candidate's report line and a function that refits it on all HF points.
let crossValidate (st: FitSettings) (names: string list) (hfBox: Box) (hf: HfData) (sources: Workflow.Source list)
                  (k: int) (foldOf: int[]) (norm: float) (report: (ProgressReport -> unit) option)
                  (cancel: System.Threading.CancellationToken) : (SelectionCandidate * (unit -> FitResult)) list =
    let chosen = names |> List.map GpKind.parse |> List.distinct
    let kindsHere = chosen |> List.filter (fun kd -> kd = SingleFidelity || not sources.IsEmpty)
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
    let total = kindsHere.Length * kernels.Length
    [ for ki, kind in List.indexed kindsHere do
          for kj, kernel in List.indexed kernels do
              cancel.ThrowIfCancellationRequested()
              let label =
                  if kind = SingleFidelity then sprintf "SF GP, %s kernel" (Kernel.name kernel)
                  else sprintf "GP %s, %s kernel, %s LF" (GpKind.name kind) (Kernel.name kernel) lfMode
              report |> Option.iter (fun f ->
                  f { Task = sprintf "GP candidate %d/%d: %s" (ki * kernels.Length + kj + 1) total label
                      TaskIndex = ki * kernels.Length + kj + 1; Tasks = total
                      Stage = "Gaussian process"; StageIndex = 1; Stages = 1
                      Phase = "L-BFGS"; Step = 0; Steps = 1; Loss = nan; Finished = false })
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
              let mean = Array.average foldErrors
              let sd = sqrt (foldErrors |> Array.averageBy (fun v -> (v - mean) ** 2.0))
              let cand =
                  { SelectionCandidate.Structure = label; Family = GpKind.name kind; Depth = 0; Width = 0; Encoding = "none"
                    Lf = (if kind = SingleFidelity then "none" else lfMode); LearningRate = 0.0; Lambda = 0.0
                    CvError = (if System.Double.IsFinite mean then mean else infinity)
                    CvSpread = (if System.Double.IsFinite sd then sd else infinity) }
              let refit () =
                  let clock = Stopwatch.StartNew()
                  let g = (GpFit.fitSubsets st p hf [| Array.create n 1.0 |])[0]
                  { Emulator = asEmulator g; History = []; Stages = []; Seconds = clock.Elapsed.TotalSeconds }
              yield cand, refit ]
