/// One optimisation stage over chosen parameters and a composed loss: Adam epochs, then L-BFGS.
module Emulators.Stage

open System.Diagnostics
open TorchSharp
open Emulators.Tensors

let private record (stage: string) (step: int) (terms: (string * Tensor) list) : HistoryEntry =
    { Stage = stage
      Step = step
      Terms = terms |> List.map (fun (n, v) -> n, v.mean().ToDouble()) }

/// Minimise `loss` over `trainable`, one dispose scope per step so native memory stays flat.
let run (cfg: TrainConfig) (stage: string) (schedule: Schedule) (members: int) (trainable: Tensor list) (loss: Loss) =
    let clock = Stopwatch.StartNew()
    let history = ResizeArray<HistoryEntry>()
    let report step steps value =
        match cfg.Report with
        | Some f -> f { Stage = stage; Step = step; Steps = steps; Loss = value }
        | None -> ()
    let adam = Adam.create (Array.create members schedule.LearningRate) trainable
    let ps = Array.ofList trainable
    let mutable last = nan
    let mutable epoch = 0
    let logEvery = max 1 cfg.LogEvery
    while epoch < schedule.AdamEpochs do
        cfg.Cancel.ThrowIfCancellationRequested()
        use _ = torch.NewDisposeScope()
        let total, terms = Loss.evaluate loss
        let grads = torch.autograd.grad([| total |], ps) |> List.ofSeq
        Adam.step adam grads
        epoch <- epoch + 1
        if epoch % logEvery = 0 || epoch = 1 || epoch = schedule.AdamEpochs then
            last <- total.ToDouble()
            history.Add(record stage epoch terms)
            report epoch schedule.AdamEpochs last
    let outcome =
        Lbfgs.minimize schedule.LbfgsIterations cfg.Cancel trainable (fun () -> fst (Loss.evaluate loss))
    cfg.Cancel.ThrowIfCancellationRequested()
    let final =
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad ()
        let total, terms = Loss.evaluate loss
        history.Add(record (stage + "/final") (schedule.AdamEpochs + max 0 outcome.Iterations) terms)
        total.ToDouble()
    report schedule.AdamEpochs schedule.AdamEpochs final
    List.ofSeq history,
    { Stage = stage
      AdamEpochs = schedule.AdamEpochs
      LbfgsIterations = outcome.Iterations
      LbfgsStop = outcome.Reason
      FinalLoss = final
      Seconds = clock.Elapsed.TotalSeconds }
