/// How a batch of members is cut into pieces that train one after another, each its own batched ensemble, without
/// changing any member's numbers.
module Emulators.Core.Assessment.Pieces

/// `blocks` blocks of `unit` members cut into k contiguous pieces as even as can be: (start, length) in members.
let private evenCuts (unit: int) (k: int) (blocks: int) =
    let small, extra = blocks / k, blocks % k
    let lengths = List.init k (fun i -> unit * (if i < extra then small + 1 else small))
    List.scan (+) 0 lengths |> List.pairwise |> List.map (fun (a, b) -> a, b - a)

/// Split n members into pieces of at most `size` (balanced), none of one member unless n is 1: a batch of one
/// rounds differently from a batch of several, while batches of two or more give every member the same bits
/// whatever else shares the batch (tested), so how a round is cut into pieces does not change any record. For a
/// KAN that holds for batches of a multiple of its row multiple only (Fit.rowMultiple): `piecesIn`.
let piecesOf (size: int) (n: int) : (int * int) list =
    if n <= 0 then [] else evenCuts 1 (max 1 (min ((n + (max 2 size) - 1) / max 2 size) (n / 2))) n

/// `piecesOf`, in pieces of a multiple of `multiple` members where n is such a multiple (blocks of `multiple`
/// members cut as evenly as `piecesOf` cuts members), so that every piece gives each member the bits of the whole
/// batch (Fit.rowMultiple). A round of another size is not free of the row effect to begin with: cut as `piecesOf`.
let piecesIn (multiple: int) (size: int) (n: int) : (int * int) list =
    if multiple <= 1 || n <= 0 || n % multiple <> 0 then piecesOf size n
    else
        let blocks = n / multiple
        evenCuts multiple (max 1 (min ((n + size - 1) / max 1 size) blocks)) blocks
