module Emulators.Cli.Program

open System
open Argu
open Emulators.Core
open Emulators.Cli.Args

/// Exit codes (README, "Bad input and faults"): 0 success, 2 a mistake in the input (arguments, data, files),
/// 3 a fault of the environment (disk full, read-only file system, no permission, out of memory), 70 an internal
/// error (a bug: please report it), 130 cancelled.
let exitUserError = 2
let exitEnvironment = 3
let exitInternal = 70

/// `--verbose` is accepted anywhere on the command line (before or after the command); `problems` has its own.
let private splitVerbose (argv: string[]) =
    let command = argv |> Array.tryFind (fun a -> not (a.StartsWith "-"))
    if command = Some "problems" then false, argv
    else Array.contains "--verbose" argv, argv |> Array.filter ((<>) "--verbose")

let private report (verbose: bool) (code: int) (message: string) (e: exn) =
    eprintfn "error: %s" message
    if verbose then eprintfn "%O" e
    code

[<EntryPoint>]
let main argv =
    let verbose, argv = splitVerbose argv
    let parser = ArgumentParser.Create<Command>(programName = "emulators")
    try
        let args = parser.ParseCommandLine(argv, raiseOnUsage = true)
        match args.GetSubCommand() with
        | Problems a -> ProblemsCommand.execute a
        | Run a -> RunCommand.execute a
        | Reproduce a -> ReproduceCommand.reproduce a
        | Figures a -> ReproduceCommand.figures a
        | Merge a -> ReproduceCommand.merge a
        | Verify a -> VerifyCommand.execute a
        | Slurm a -> ReproduceCommand.slurm a
        | Export a -> ExportCommand.execute a
        | Train a -> UserDataCommands.train a
        | Predict a -> UserDataCommands.predict a
        | Evaluate a -> UserDataCommands.evaluate a
        | Worker a -> Workers.serve (a.GetResult WorkerArgs.Root) (a.GetResult WorkerArgs.Preset) (a.TryGetResult WorkerArgs.Threads) (a.TryGetResult WorkerArgs.Piece_Size)
        | Propagate a -> Emulators.Cli.Outer.PropagateCommand.execute a
        | Sensitivity a -> Emulators.Cli.Outer.SensitivityCommand.execute a
        | Optimize a -> Emulators.Cli.Outer.OptimizeCommand.execute a
        | Suggest a -> Emulators.Cli.Outer.SuggestCommand.execute a
    with
    | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText ->
        printfn "%s" e.Message
        printfn "\nEvery command also takes --verbose: on failure, print the exception's details too. Exit codes: 0 done,"
        printfn "2 bad input (arguments, data, files), 3 a fault of the environment (disk full, read-only, no permission)."
        0
    | :? ArguParseException as e ->
        // the error itself, without the full usage text that Argu appends
        let text = e.Message
        let cut = text.IndexOf "USAGE:"
        let first = (if cut > 0 then text.Substring(0, cut) else text).Trim()
        eprintfn "%s" (if first = "" then text else first + " (see --help)")
        exitUserError
    | EmulatorError msg as e -> report verbose exitUserError msg e
    | EnvironmentError(msg, _) as e -> report verbose exitEnvironment msg e
    | :? OperationCanceledException ->
        eprintfn "cancelled"
        130
    | :? IO.IOException | :? UnauthorizedAccessException as e ->
        match Errors.ofIo "file access failed" e with
        | EmulatorError msg -> report verbose exitUserError msg e
        | EnvironmentError(msg, _) -> report verbose exitEnvironment msg e
        | _ -> report verbose exitEnvironment e.Message e
    | :? OutOfMemoryException as e ->
        report verbose exitEnvironment "out of memory: use smaller blocks, fewer members or fewer points" e
    | e ->
        report verbose exitInternal
            (sprintf "internal error (%s: %s). This is a bug in Emulators: rerun with --verbose for the details and report it"
                (e.GetType().Name) (e.Message.Split('\n')[0]))
            e
