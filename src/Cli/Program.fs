module Emulators.Cli.Program

open Argu
open Emulators.Core
open Emulators.Cli.Args

[<EntryPoint>]
let main argv =
    let parser = ArgumentParser.Create<Command>(programName = "emulators")
    try
        let args = parser.ParseCommandLine(argv, raiseOnUsage = true)
        match args.GetSubCommand() with
        | Problems a -> ProblemsCommand.execute a
        | Run a -> RunCommand.execute a
        | Reproduce a -> ReproduceCommand.reproduce a
        | Figures a -> ReproduceCommand.figures a
        | Merge a -> ReproduceCommand.merge a
        | Slurm a -> ReproduceCommand.slurm a
        | Export a -> ExportCommand.execute a
        | Train a -> UserDataCommands.train a
        | Predict a -> UserDataCommands.predict a
        | Evaluate a -> UserDataCommands.evaluate a
        | Worker a -> Workers.serve (a.GetResult WorkerArgs.Root) (a.GetResult WorkerArgs.Preset) (a.TryGetResult WorkerArgs.Threads)
        | Propagate a -> Emulators.Cli.Outer.PropagateCommand.execute a
        | Sensitivity a -> Emulators.Cli.Outer.SensitivityCommand.execute a
        | Optimize a -> Emulators.Cli.Outer.OptimizeCommand.execute a
        | Suggest a -> Emulators.Cli.Outer.SuggestCommand.execute a
    with
    | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText ->
        printfn "%s" e.Message
        0
    | :? ArguParseException as e ->
        eprintfn "%s" e.Message
        2
    | EmulatorError msg ->
        eprintfn "error: %s" msg
        2
    | :? System.OperationCanceledException ->
        eprintfn "cancelled"
        130
