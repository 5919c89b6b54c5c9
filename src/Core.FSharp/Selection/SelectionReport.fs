/// What automatic model selection reports: every candidate with its cross-validation error, and the choice.
namespace Emulators.Core

type SelectionCandidate =
    { Structure: string
      Family: string
      Depth: int
      Width: int
      Encoding: string
      /// The LF mode's name ("exact", "learned"), or SelectionCandidate.singleFidelity.
      Lf: string
      LearningRate: float
      Lambda: float
      /// Mean over folds of the held-out normalized MSE, and its standard deviation over folds.
      CvError: float
      CvSpread: float }

module SelectionCandidate =
    /// The `Lf` of a single-fidelity candidate.
    let singleFidelity = "none"

type SelectionReport =
    { Method: string
      Folds: int
      Budget: string
      Candidates: SelectionCandidate list
      Chosen: SelectionCandidate
      /// The chosen candidate's CV error: the estimate of its generalization error (normalized MSE).
      EstimatedError: float
      Seconds: float }

