/// A test problem: an HF function, its LF sources with their own input spaces, and how it is sampled and scored.
namespace Emulators.Core

open Emulators.Core.Tensors

/// A vectorised model: physical inputs [..., d] -> outputs [...]. Built from torch operations, so it is
/// differentiable with respect to its inputs (needed when an encoder feeds an exact LF function).
type Model = Tensor -> Tensor

type SourceFunction =
    { Name: string
      /// The source's own input space (may differ from the HF space in bounds and dimension).
      Domain: Box
      Eval: Model
      /// False for black-box models (e.g. a solver), which cannot pass gradients to an encoder.
      Differentiable: bool }

type Problem =
    { Name: string
      Summary: string
      Domain: Box
      Hf: Model
      Sources: SourceFunction list
      /// Domain-averaged squared L2 norm of the HF function, the denominator of the normalized MSE.
      NormSq: float
      /// HF training-set sizes the assessment uses (Sobol' points, before 1-D boundary augmentation).
      HfSizes: int list
      /// LF training-set size per source when the LF information is learned.
      LfSize: int
      /// Points per axis for a test grid (low dimension), or None for Monte Carlo test points.
      TestGridPerDim: int option
      TestMonteCarlo: int
      /// Which facts come from the paper and which are this project's choices.
      Provenance: string }

[<RequireQualifiedAccess>]
module Problem =
    /// A problem on [0, 1] sampled as the paper's 1-D cases are: N_H ∈ {8, 16, 32} Sobol' points (before the two
    /// boundary points), N_L = 200 LF points per source and a 1000-point test grid.
    let oneD (name: string) (summary: string) (hf: Model) (sources: SourceFunction list) (normSq: float) (provenance: string) : Problem =
        { Name = name
          Summary = summary
          Domain = Box.unit 1
          Hf = hf
          Sources = sources
          NormSq = normSq
          HfSizes = [ 8; 16; 32 ]
          LfSize = 200
          TestGridPerDim = Some 1000
          TestMonteCarlo = 0
          Provenance = provenance }
