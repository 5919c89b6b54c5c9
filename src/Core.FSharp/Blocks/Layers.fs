/// The one dense layer every block is made of, batched over ensemble members.
module Emulators.Core.Layers

open TorchSharp
open Emulators.Core.Tensors

/// x [E, N, in] times W [E, in, out] plus b [E, 1, out]. (torch.bmm then add: TorchSharp's baddbmm maps its
/// arguments differently from PyTorch's, so it is avoided on purpose.)
let dense (w: Tensor) (b: Tensor) (x: Tensor) : Tensor = plus (torch.bmm(x, w)) b

/// Widths of a block's layers: its input, `depth` hidden layers of `width` units, its output.
let sizes (depth: int) (width: int) (dIn: int) (dOut: int) = [ dIn ] @ List.replicate depth width @ [ dOut ]
