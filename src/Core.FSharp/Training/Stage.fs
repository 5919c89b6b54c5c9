/// One optimisation stage over chosen parameters and a composed loss: Adam epochs, then L-BFGS.
module Emulators.Core.Stage

open System.Diagnostics
open TorchSharp
open Emulators.Core.Tensors

let private record (stage: string) (step: int) (terms: (string * Tensor) list) : HistoryEntry =
    { Stage = stage
      Step = step
      Terms = terms |> List.map (fun (n, v) -> n, toFloat (v.mean())) }

/// Minimise `loss` over `trainable`, with one Adam learning rate per ensemble member, one dispose scope per step
/// so native memory stays flat. The Adam phase is separable: member e follows exactly the path a lone model with
/// its seed, learning rate and data would follow (up to round-off). The L-BFGS polish that follows is batched too:
/// every member runs its own L-BFGS in lockstep with the others (Lbfgs.minimizeMembers), so members stay independent
/// there as well; L-BFGS amplifies round-off, though, so a member on an HF subset (whose weighted loss rounds
/// differently from a lone model's) ends near, not at, its lone twin. `subset` builds the same stage over some of
/// its members (fresh parameters holding their rows, their loss), which lets L-BFGS drop the members that have
/// stopped (Lbfgs.minimizeMembersWith; RunHooks.CompactLbfgs), in batches of a multiple of `rowMultiple` members: the
/// same numbers, at the cost of the members left.
let private runStage (hooks: RunHooks) (stage: string) (schedule: Schedule) (learningRates: float[]) (trainable: Tensor list) (loss: Loss)
                     (subset: (int[] -> Tensor list * Loss * (unit -> unit)) option) (rowMultiple: int) =
    let clock = Stopwatch.StartNew()
    let history = ResizeArray<HistoryEntry>()
    let steps = max 0 schedule.AdamEpochs + max 0 schedule.LbfgsIterations
    let report phase step value =
        match hooks.Report with
        | Some f ->
            f { Task = "fit"; TaskIndex = 1; Tasks = 1; Stage = stage; StageIndex = 1; Stages = 1
                Phase = phase; Step = step; Steps = steps; Loss = value; Finished = (phase = "done") }
        | None -> ()
    let mutable last = nan
    let mutable epoch = 0
    // Progress also goes out every couple of seconds between logged epochs (with the last logged loss), so a slow
    // stage (a large batched ensemble) never looks stalled; it changes no number.
    let sinceReport = Stopwatch.StartNew()
    let logEvery = max 1 hooks.LogEvery
    if schedule.AdamEpochs > 0 then
        // Adam adds the L2 penalties' gradients itself; autograd sees only the data terms.
        let dataLoss, penalties =
            match Loss.splitPenalties loss with
            | d, _ when d.Terms.IsEmpty -> loss, []
            | split -> split
        let adam = Adam.create learningRates penalties trainable
        let inputs = Array.ofList trainable
        try
            while epoch < schedule.AdamEpochs do
                hooks.Cancel.ThrowIfCancellationRequested()
                use _ = torch.NewDisposeScope()
                let logged = (epoch + 1) % logEvery = 0 || epoch = 0 || epoch + 1 = schedule.AdamEpochs
                if logged then
                    // the whole loss (penalties included) before this step's update
                    use _ = torch.no_grad ()
                    let total, terms = Loss.evaluate loss
                    last <- toFloat total
                    history.Add(record stage (epoch + 1) terms)
                // autograd fills the parameters' .grad, which Adam keeps as views of one flat gradient.
                Adam.zeroGrad adam
                if not dataLoss.Terms.IsEmpty then
                    (Loss.total dataLoss).backward(null, false, false, inputs)
                Adam.step adam
                epoch <- epoch + 1
                // The last epoch's report is the stage's final one (below), so that no step is reported twice.
                if (logged || sinceReport.Elapsed.TotalSeconds >= 2.0) && epoch < schedule.AdamEpochs then
                    report "Adam" epoch last
                    sinceReport.Restart()
        finally
            Adam.release adam
    if schedule.LbfgsIterations > 0 then report "L-BFGS" (max 0 schedule.AdamEpochs) last
    let outcome =
        let subsetFor (make: int[] -> Tensor list * Loss * (unit -> unit)) (members: int[]) : Lbfgs.Subset =
            let ps, l, release = make members
            { Params = ps; PerMember = (fun () -> Loss.perMember l); Release = release }
        let compacting =
            if hooks.CompactLbfgs then subset |> Option.map (fun make -> { Lbfgs.Subset = subsetFor make; Lbfgs.RowMultiple = rowMultiple }) else None
        let r = Lbfgs.minimizeMembersWith (Lbfgs.settings schedule.LbfgsIterations) hooks.Cancel trainable (fun () -> Loss.perMember loss) compacting
        hooks.OnLbfgs |> Option.iter (fun f -> f r)
        {| Iterations = r.Members |> Array.map (fun o -> o.Iterations) |> Array.max
           Reason = r.Members |> Array.map (fun o -> o.Reason) |> Array.distinct |> String.concat "; " |}
    hooks.Cancel.ThrowIfCancellationRequested()
    let final =
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad ()
        let total, terms = Loss.evaluate loss
        history.Add(record (stage + "/final") (schedule.AdamEpochs + outcome.Iterations) terms)
        toFloat total
    report "done" steps final
    List.ofSeq history,
    { Stage = stage
      AdamEpochs = schedule.AdamEpochs
      LbfgsIterations = outcome.Iterations
      LbfgsStop = outcome.Reason
      FinalLoss = final
      Seconds = clock.Elapsed.TotalSeconds }

/// One training stage (see runStage), with the heap's freed top kept while it runs and its free pages returned at
/// its end (Native.duringStage).
let runWith (hooks: RunHooks) (stage: string) (schedule: Schedule) (learningRates: float[]) (trainable: Tensor list) (loss: Loss)
            (subset: (int[] -> Tensor list * Loss * (unit -> unit)) option) (rowMultiple: int) =
    Native.duringStage (fun () -> runStage hooks stage schedule learningRates trainable loss subset rowMultiple)

/// `runWith` with the schedule's learning rate for every one of `members` members.
let run (hooks: RunHooks) (stage: string) (schedule: Schedule) (members: int) (trainable: Tensor list) (loss: Loss) =
    runWith hooks stage schedule (Array.create members schedule.LearningRate) trainable loss None 1
