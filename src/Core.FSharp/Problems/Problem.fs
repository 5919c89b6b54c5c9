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
