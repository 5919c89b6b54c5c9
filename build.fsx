// Build script: `dotnet fsi build.fsx <target>`; targets: build, test, run, bench, figures, clean.
// Plain fsi, no packages, so it works on a fresh machine.
open System
open System.Diagnostics

let root = __SOURCE_DIRECTORY__

let exec (cmd: string) (args: string) =
    printfn "> %s %s" cmd args
    let psi = ProcessStartInfo(cmd, args, WorkingDirectory = root, UseShellExecute = false)
    use p = Process.Start psi
    p.WaitForExit()
    if p.ExitCode <> 0 then
        eprintfn "'%s %s' failed with exit code %d" cmd args p.ExitCode
        exit p.ExitCode

let cli (args: string) = exec "dotnet" ("run --project src/Cli -c Release -- " + args)

let targets: (string * string * (string list -> unit)) list =
    [ "build", "build the whole solution (Release)", fun _ -> exec "dotnet" "build Emulators.sln -c Release"
      "test", "run the test suite (the same command CI runs)", fun _ -> exec "dotnet" "run --project tests/Core.Tests -c Release"
      "run", "train the K1 multi-fidelity emulator and its SF baseline", fun rest -> cli ("run --problem K1 " + String.Join(" ", rest))
      "bench", "side-by-side speed and memory benchmark (writes bench/RESULTS.md)", fun rest -> exec "bash" ("bench/run.sh " + String.Join(" ", rest))
      "figures", "regenerate the paper's figures and tables (quick preset)", fun rest -> cli ("reproduce --preset quick " + String.Join(" ", rest))
      "clean", "remove build outputs", fun _ -> exec "dotnet" "clean Emulators.sln -c Release" ]

match fsi.CommandLineArgs |> Array.toList |> List.tail with
| name :: rest when targets |> List.exists (fun (n, _, _) -> n = name) ->
    let _, _, run = targets |> List.find (fun (n, _, _) -> n = name)
    run rest
| other ->
    if not other.IsEmpty then eprintfn "unknown target '%s'" other.Head
    printfn "usage: dotnet fsi build.fsx <target> [args]"
    for n, d, _ in targets do
        printfn "  %-8s %s" n d
    exit (if other.IsEmpty then 0 else 2)
