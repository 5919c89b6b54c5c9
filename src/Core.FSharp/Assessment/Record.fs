/// One finished assessment run, as stored (one JSON object per line) in a results file.
namespace Emulators.Core.Assessment

open System.Text.Json
open System.Text.Json.Serialization

/// A 1-D example prediction kept for the figures (smallest N_H, first repetition).
type ExamplePrediction =
    { X: float[]
      Truth: float[]
      Prediction: float[]
      HfX: float[]
      HfY: float[] }

[<CLIMutable>]
type RunRecord =
    { /// Identity of the configuration (everything that defines the run, not its results).
      Key: string
      Experiment: string
      Problem: string
      /// Block family: mlp, siren or kan.
      Architecture: string
      Depth: int
      Width: int
      /// "mf" for the multi-fidelity emulator, "sf" for the single-fidelity baseline.
      Model: string
      /// none, affine or nonlinear ("none" for SF).
      Encoding: string
      /// exact or learned ("none" for SF).
      Lf: string
      /// freeze or end-to-end ("none" for SF and exact LF).
      Strategy: string
      /// Sobol' HF points before boundary augmentation, and the total used.
      Nh: int
      NhTotal: int
      Rep: int
      /// Number of corrupted LF sources, for the corrupted-sources experiment (-1 otherwise).
      Corrupted: int
      /// HF design: "sobol" (the paper's offset sets) or "scrambled"; absent (null) in records written before the
      /// option existed, which all used "sobol".
      Design: string
      NormalizedMse: float
      Rmse: float
      MaxError: float
      /// Hyperparameters chosen by the search, and what the search saw.
      LearningRate: float
      Lambda: float
      SearchCandidates: int
      ValidationNormalizedMse: float
      Seconds: float
      LibraryVersion: string
      FinishedUtc: string
      Example: ExamplePrediction option }

module RunRecord =
    let private options =
        let o = JsonSerializerOptions(PropertyNamingPolicy = JsonNamingPolicy.CamelCase)
        o.NumberHandling <- JsonNumberHandling.AllowNamedFloatingPointLiterals
        o

    let toJson (r: RunRecord) = JsonSerializer.Serialize(r, options)

    /// None for a line that is not a complete record (e.g. the tail of a write cut short by a crash).
    let tryParse (line: string) : RunRecord option =
        if System.String.IsNullOrWhiteSpace line then None
        else
            try
                let r = JsonSerializer.Deserialize<RunRecord>(line, options)
                if obj.ReferenceEquals(r, null) || System.String.IsNullOrEmpty r.Key then None else Some r
            with _ -> None
