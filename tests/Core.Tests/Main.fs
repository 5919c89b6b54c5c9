module Main

open Expecto

let private suite argv =
    let mutable counts = None
    let printer =
        { defaultConfig.printer with
            summary =
                fun cfg s ->
                    async {
                        counts <- Some(s.passed.Length, s.failed.Length + s.errored.Length, s.ignored.Length)
                        do! defaultConfig.printer.summary cfg s
                    } }
    // libtorch's thread count is global; tests run one at a time so timings and results stay reproducible.
    let rc = runTestsInAssemblyWithCLIArgs [ Printer printer; No_Spinner; Colours 0; Sequenced ] argv
    match counts with
    | Some(p, f, s) ->
        // Expecto's Console.Out pads lines; write the CI line to the raw stream.
        use raw = new System.IO.StreamWriter(System.Console.OpenStandardOutput())
        raw.Write(sprintf "\n%d passed, %d failed, %d skipped\n" p f s)
    | None -> ()
    rc

[<EntryPoint>]
let main argv =
    Emulators.Core.Native.init 1
    // The CLI runs in-process with its output captured: its progress must be plain lines, never a live display.
    System.Environment.SetEnvironmentVariable("EMULATORS_PROGRESS", "plain")
    // the fault matrix (bench/faults): not a test list, a report of tried / clear / defects
    if Array.contains "--fault-matrix" argv then (if FaultMatrix.runAll () = 0 then 0 else 1)
    else suite argv
