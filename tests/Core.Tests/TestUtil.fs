/// Shared helpers for the tests.
module TestUtil

open TorchSharp
open Emulators.Core

/// Expect an EmulatorError whose message contains every fragment.
let throwsUserError (fragments: string list) (f: unit -> 'a) =
    try
        f () |> ignore
        failwithf "expected an error mentioning %A, but nothing was raised" fragments
    with EmulatorError msg ->
        for frag in fragments do
            if not (msg.Contains frag) then failwithf "error message '%s' does not mention '%s'" msg frag

/// Central finite-difference check of d(sum f(params))/d(param) against autograd, float64.
/// Returns the largest relative error over `probes` randomly chosen entries of every tensor.
let gradientError (ps: Params) (f: unit -> Tensors.Tensor) (probes: int) (seed: int) =
    let rng = System.Random seed
    let tensors = Params.tensors ps |> Array.ofList
    let loss () = (f ()).sum()
    let grads =
        let l = loss ()
        torch.autograd.grad([| l |], tensors) |> Seq.map Tensors.toArray |> Array.ofSeq
    let h = 1e-6
    let mutable worst = 0.0
    for ti in 0 .. tensors.Length - 1 do
        let t = tensors[ti]
        let n = int (t.numel())
        for _ in 1 .. probes do
            let k = rng.Next n
            let flat = t.view(-1L)
            let orig = flat[int64 k].ToDouble()
            let eval v =
                use _ = torch.no_grad ()
                flat[int64 k] <- torch.tensor(v: float).to_type(t.dtype)
                (loss ()).ToDouble()
            let up = eval (orig + h)
            let down = eval (orig - h)
            eval orig |> ignore
            let fd = (up - down) / (2.0 * h)
            let ad = grads[ti][k]
            let err = abs (fd - ad) / max 1e-6 (max (abs fd) (abs ad))
            worst <- max worst err
    worst

/// The repository's paper-figures directory (experiments and committed results).
let paperFigures = System.IO.Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "paper-figures")

/// Every run the committed experiment files expand to for a preset.
let presetRuns (preset: string) =
    Emulators.Core.Assessment.Sweep.discover (System.IO.Path.Combine(paperFigures, "experiments"))
    |> List.collect (fun f -> Emulators.Core.Assessment.Sweep.expand (Emulators.Core.Assessment.Sweep.load f preset))
