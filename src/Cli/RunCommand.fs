/// `emulators run`: one MF emulator and its SF baseline on a built-in problem.
module Emulators.Cli.RunCommand

open Argu
open Emulators.Core
open Emulators.Cli.Args

let execute (args: ParseResults<RunArgs>) =
    Native.useThreads (args.TryGetResult RunArgs.Threads)
    let problem = Problems.Catalogue.find (args.GetResult RunArgs.Problem)
    let blocks =
        BlockOptions.settings (args.TryGetResult RunArgs.Omega0) (args.TryGetResult RunArgs.Kan_Grid)
            (args.TryGetResult RunArgs.Kan_Order) (args.TryGetResult RunArgs.Kan_Range)
    let arch = Read.option OptionSpec.architecture Architecture.names (args.TryGetResult RunArgs.Arch)
    let block =
        Block.ofArchitecture blocks arch
            (args.GetResult(RunArgs.Depth, defaultValue = OptionSpec.depth.Default))
            (args.GetResult(RunArgs.Width, defaultValue = OptionSpec.width.Default))
    let precision = Read.option OptionSpec.precision Tensors.Precision.names (args.TryGetResult RunArgs.Precision)
    let lfMode = Read.named "lf" Experiment.LfMode.names Experiment.ExactLf (args.TryGetResult RunArgs.Lf)
    let encoding = Encoding.ofKind blocks arch (Read.option OptionSpec.encoding EncodingKind.names (args.TryGetResult RunArgs.Encoding))
    let nh = args.GetResult(RunArgs.Nh, defaultValue = List.head problem.HfSizes)
    let d = TrainConfig.defaults
    // Fit checks every value
    let schedule =
        { AdamEpochs = args.GetResult(RunArgs.Epochs, defaultValue = d.Schedule.AdamEpochs)
          LearningRate = args.GetResult(RunArgs.Lr, defaultValue = d.Schedule.LearningRate)
          LbfgsIterations = args.GetResult(RunArgs.Lbfgs, defaultValue = d.Schedule.LbfgsIterations) }
    let json = args.Contains RunArgs.Json
    let train =
        { d with
            Schedule = schedule
            SurrogateSchedule = schedule
            Lambda = args.GetResult(RunArgs.Lambda, defaultValue = d.Lambda)
            EncoderLambda = args.GetResult(RunArgs.Encoder_Lambda, defaultValue = d.EncoderLambda)
            KanGridUpdate = args.Contains RunArgs.Kan_Grid_Update
            Strategy = Read.option OptionSpec.strategy Strategy.names (args.TryGetResult RunArgs.Strategy) }
    let cfg: Experiment.SingleRun =
        { Problem = problem
          Spec = { Correlation = block; Surrogate = block; Encoding = encoding; Precision = precision }
          LfMode = lfMode
          NHf = nh
          Design = Read.named "design" Experiment.HfDesign.names Experiment.SobolOffset (args.TryGetResult RunArgs.Design)
          Seed = args.GetResult(RunArgs.Seed, defaultValue = OptionSpec.seed.Default)
          Train = train
          SfTrain = train }
    let clock = System.Diagnostics.Stopwatch.StartNew()
    // Two tasks: the MF emulator, then its SF baseline.
    let r, mf, _ =
        LiveProgress.run (not json) (fun report ->
            Experiment.runWith { RunHooks.defaults with Report = report } cfg)
    let encoders = Emulator.affineEncoders mf.Emulator
    let seconds = clock.Elapsed.TotalSeconds
    printfn "%s  %s  LF %s  encoding %s  strategy %s  N_H = %d (%d with boundary, %s design)  seed %d  %s"
        r.Problem r.Architecture r.LfMode r.Encoding r.Strategy r.NHf r.NHfTotal r.Design r.Seed (Tensors.precisionName precision)
    printfn "%-18s %14s %12s %12s %9s" "model" "normalized MSE" "RMSE" "max error" "seconds"
    let e (v: float) = v.ToString("0.000e+00", System.Globalization.CultureInfo.InvariantCulture)
    printfn "%-18s %14s %12s %12s %9.1f" "multi-fidelity" (e r.Mf.NormalizedMse) (e r.Mf.Rmse) (e r.Mf.MaxError) r.MfSeconds
    printfn "%-18s %14s %12s %12s %9.1f" "single-fidelity" (e r.Sf.NormalizedMse) (e r.Sf.Rmse) (e r.Sf.MaxError) r.SfSeconds
    printfn "MF gain over SF: %.1f orders of magnitude" (log10 (r.Sf.NormalizedMse / r.Mf.NormalizedMse))
    let num (v: float) = v.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)
    for name, a, c in encoders do
        for i in 0 .. c.Length - 1 do
            let terms = a[i] |> Array.mapi (fun j v -> sprintf "%s x%d" (num v) (j + 1)) |> String.concat " + "
            let sign = if c[i] < 0.0 then "-" else "+"
            printfn "encoder of %s: z%d = %s %s %s" name (i + 1) terms sign (num (abs c[i]))
    if json then
        printfn "%s"
            (Json.line
                [ "problem", box r.Problem
                  "architecture", box r.Architecture
                  "lf", box r.LfMode
                  "encoding", box r.Encoding
                  "strategy", box r.Strategy
                  "nh", box r.NHf
                  "nhTotal", box r.NHfTotal
                  "design", box r.Design
                  "seed", box r.Seed
                  "precision", box (Tensors.precisionName precision)
                  "normalizedMse", box r.Mf.NormalizedMse
                  "rmse", box r.Mf.Rmse
                  "maxError", box r.Mf.MaxError
                  "singleFidelityNormalizedMse", box r.Sf.NormalizedMse
                  "singleFidelityRmse", box r.Sf.Rmse
                  "seconds", box seconds
                  "encoders", box [ for name, a, c in encoders -> dict [ "source", box name; "A", box a; "c", box c ] ] ])
    0
