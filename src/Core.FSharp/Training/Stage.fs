/// One optimisation stage over chosen parameters and a composed loss: Adam epochs, then L-BFGS.
module Emulators.Stage

open System.Diagnostics
open TorchSharp
open Emulators.Tensors

let private record (stage: string) (step: int) (terms: (string * Tensor) list) : HistoryEntry =
    { Stage = stage
      Step = step
      Terms = terms |> List.map (fun (n, v) -> n, v.mean().ToDouble()) }

/// Minimise `loss` over `trainable`, with one Adam learning rate per ensemble member, one dispose scope per step
/// so native memory stays flat. The Adam phase is separable: member e follows exactly the path a lone model with
/// its seed, learning rate and data would follow (up to round-off). The L-BFGS polish that follows minimises the
/// sum of the member losses with one shared line search, so it couples the members: the Adam-only path is the
/// reference for member-versus-alone equality.
let runWith (cfg: TrainConfig) (stage: string) (schedule: Schedule) (learningRates: float[]) (trainable: Tensor list) (loss: Loss) =
    let clock = Stopwatch.StartNew()
    let history = ResizeArray<HistoryEntry>()
    let report step steps value =
        match cfg.Report with
        | Some f -> f { Stage = stage; Step = step; Steps = steps; Loss = value }
        | None -> ()
    let mutable last = nan
    let mutable epoch = 0
    let logEvery = max 1 cfg.LogEvery
    if schedule.AdamEpochs > 0 then
        // Adam adds the L2 penalties' gradients itself; autograd sees only the data terms.
        let dataLoss, penalties =
            match Loss.splitPenalties loss with
            | d, _ when d.Terms.IsEmpty -> loss, []
            | split -> split
        // Terms with a hand-written reverse pass skip autograd too.
        let autoLoss, manual = Loss.splitGradients dataLoss
        let adam = Adam.create learningRates penalties trainable
        let inputs = Array.ofList trainable
        try
            while epoch < schedule.AdamEpochs do
                cfg.Cancel.ThrowIfCancellationRequested()
                use _ = torch.NewDisposeScope()
                let logged = (epoch + 1) % logEvery = 0 || epoch = 0 || epoch + 1 = schedule.AdamEpochs
                if logged then
                    // the whole loss (penalties included) before this step's update
                    use _ = torch.no_grad ()
                    let total, terms = Loss.evaluate loss
                    last <- total.ToDouble()
                    history.Add(record stage (epoch + 1) terms)
                // Both passes add into the parameters' .grad, which Adam keeps as views of one flat gradient.
                Adam.zeroGrad adam
                for addGradient in manual do
                    addGradient ()
                if not autoLoss.Terms.IsEmpty then
                    (Loss.total autoLoss).backward(null, false, false, inputs)
                Adam.step adam
                epoch <- epoch + 1
                if logged then report epoch schedule.AdamEpochs last
        finally
            Adam.release adam
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

/// `runWith` with the schedule's learning rate for every one of `members` members.
let run (cfg: TrainConfig) (stage: string) (schedule: Schedule) (members: int) (trainable: Tensor list) (loss: Loss) =
    runWith cfg stage schedule (Array.create members schedule.LearningRate) trainable loss
