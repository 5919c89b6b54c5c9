/// The command line as a user meets it: exit codes and messages, never a stack trace.
module CliTests

open System
open System.IO
open Expecto

/// Run the CLI's main in-process, capturing stdout and stderr.
let run (args: string list) =
    let out, err = new StringWriter(), new StringWriter()
    let oldOut, oldErr = Console.Out, Console.Error
    Console.SetOut out
    Console.SetError err
    try
        let code = Emulators.Cli.Program.main (Array.ofList args)
        code, out.ToString(), err.ToString()
    finally
        Console.SetOut oldOut
        Console.SetError oldErr

let tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "emulators-cli-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory d |> ignore
    d

let expectUserError (args: string list) (fragments: string list) =
    let code, _, err = run args
    Expect.equal code 2 (sprintf "exit code for %A (stderr: %s)" args err)
    for f in fragments do
        Expect.stringContains err f "message"
    Expect.isFalse (err.Contains "   at ") "no stack trace"

[<Tests>]
let tests =
    testList "CLI" [
        test "problems lists K1" {
            let code, out, _ = run [ "problems" ]
            Expect.equal code 0 "exit code"
            Expect.stringContains out "K1" "K1 listed"
        }
        test "--help on every command exits 0" {
            for cmd in [ []; [ "run" ]; [ "train" ]; [ "predict" ]; [ "evaluate" ]; [ "export" ]; [ "problems" ] ] do
                let code, out, _ = run (cmd @ [ "--help" ])
                Expect.equal code 0 (sprintf "help of %A" cmd)
                Expect.stringContains out "USAGE" "usage text"
        }
        test "run --json ends with one JSON object with the required fields" {
            let code, out, _ = run [ "run"; "--problem"; "K1"; "--epochs"; "300"; "--lbfgs"; "200"; "--json" ]
            Expect.equal code 0 "exit code"
            let last = out.Trim().Split('\n') |> Array.last
            let doc = Text.Json.JsonDocument.Parse last
            for field in [ "problem"; "normalizedMse"; "singleFidelityNormalizedMse"; "seconds" ] do
                Expect.isTrue (doc.RootElement.TryGetProperty(field) |> fst) (sprintf "field %s" field)
        }
        test "unknown problem, architecture and encoding are user errors" {
            expectUserError [ "run"; "--problem"; "K99" ] [ "unknown problem 'K99'"; "K1" ]
            expectUserError [ "run"; "--problem"; "K1"; "--arch"; "resnet" ] [ "unknown architecture 'resnet'" ]
            expectUserError [ "run"; "--problem"; "K1"; "--encoding"; "fourier" ] [ "unknown encoding 'fourier'" ]
            expectUserError [ "run"; "--problem"; "K1"; "--lf"; "maybe" ] [ "unknown LF mode 'maybe'" ]
            expectUserError [ "run"; "--problem"; "2DU"; "--encoding"; "affine"; "--encoder-lambda"; "-1"; "--epochs"; "1" ] [ "encoder penalty"; "-1" ]
        }
        test "family settings reach the blocks, and bad ones are user errors naming the setting" {
            let code, out, err = run [ "run"; "--problem"; "K1"; "--arch"; "kan"; "--depth"; "1"; "--width"; "4"; "--kan-grid"; "3"
                                       "--kan-order"; "2"; "--kan-range"; "0,2"; "--kan-grid-update"; "--design"; "scrambled"
                                       "--epochs"; "5"; "--lbfgs"; "0" ]
            Expect.equal code 0 (sprintf "exit code (stderr: %s)" err)
            Expect.stringContains out "kan 1x4 grid=3 order=2 range=[0,2]" "the KAN settings are used"
            Expect.stringContains out "scrambled design" "the HF design is reported"
            let code, out, err = run [ "run"; "--problem"; "K1"; "--arch"; "siren"; "--omega0"; "10"; "--epochs"; "5"; "--lbfgs"; "0" ]
            Expect.equal code 0 (sprintf "exit code (stderr: %s)" err)
            Expect.stringContains out "w0=10" "the SIREN frequency is used"
            for form in [ [ "--kan-range=-2,2" ]; [ "--kan-range"; "-2,2" ] ] do
                let code, out, err = run ([ "run"; "--problem"; "K1"; "--arch"; "kan"; "--depth"; "1"; "--width"; "2"; "--epochs"; "1"; "--lbfgs"; "0" ] @ form)
                Expect.equal code 0 (sprintf "%A accepted (stderr: %s)" form err)
                Expect.stringContains out "range=[-2,2]" (sprintf "%A sets the range" form)
            expectUserError [ "run"; "--problem"; "K1"; "--arch"; "kan"; "--kan-range"; "1" ] [ "--kan-range"; "LO,HI"; "'1'" ]
            expectUserError [ "run"; "--problem"; "K1"; "--arch"; "kan"; "--kan-range"; "1,1" ] [ "grid range"; "[1, 1]" ]
            expectUserError [ "run"; "--problem"; "K1"; "--arch"; "kan"; "--kan-grid"; "0" ] [ "grid size"; "0" ]
            expectUserError [ "run"; "--problem"; "K1"; "--arch"; "siren"; "--omega0"; "-3" ] [ "omega0"; "-3" ]
            expectUserError [ "run"; "--problem"; "K3"; "--design"; "halton" ] [ "unknown HF design 'halton'"; "scrambled" ]
        }
        test "missing mandatory argument is a usage error" {
            let code, _, err = run [ "train" ]
            Expect.equal code 2 "exit code"
            Expect.stringContains err "--hf" "names the missing argument"
        }
        test "export, train, evaluate and predict on CSV files" {
            let d = tempDir ()
            let code, _, err = run [ "export"; "--problem"; "K1"; "-o"; d ]
            Expect.equal code 0 err
            let model = Path.Combine(d, "model")
            let code, _, err =
                run [ "train"; "--hf"; Path.Combine(d, "hf.csv"); "--lf"; "LF=" + Path.Combine(d, "lf-LF.csv")
                      "--epochs"; "300"; "--lbfgs"; "300"; "-o"; model ]
            Expect.equal code 0 err
            // Progress off a terminal: one plain line per finished stage, no ANSI codes; the refit comes last.
            // (a stage longer than 30 s also prints a line while it runs: only the finished-stage lines are counted)
            let progress = err.Split('\n', StringSplitOptions.RemoveEmptyEntries) |> Array.filter (fun l -> l.Contains ": done, ")
            Expect.isFalse (err.Contains "\u001b") "no ANSI escape codes in redirected progress"
            // SF and MF network CV stages (3), one line per GP candidate (6), then the refit of the chosen AR1 GP.
            Expect.equal progress.Length 10 (sprintf "network CV stages, GP candidates, refit: %s" err)
            Expect.stringStarts progress[0] "[1/9] CV 1/8: SF mlp 2x16 (3 of 12 candidates, 10 folds) | correlation: done, 2000/2000 steps" "first line"
            Expect.stringStarts progress[3] "[3/9] CV 3/8: SF GP, matern52 kernel (1 of 12 candidates, 10 folds) | Gaussian process: done, 1/1 steps" "first GP line"
            Expect.stringStarts progress[9] "[9/9] refit: GP ar1, se kernel, learned LF | Gaussian process: done, 1/1 steps" "last line"
            let code, out, err = run [ "evaluate"; "-m"; model; "--data"; Path.Combine(d, "test.csv"); "--json" ]
            Expect.equal code 0 err
            let doc = Text.Json.JsonDocument.Parse(out.Trim().Split('\n') |> Array.last)
            Expect.isTrue (doc.RootElement.GetProperty("normalizedMse").GetDouble() < 1.0) "a trained model beats predicting zero"
            Expect.isTrue (doc.RootElement.TryGetProperty("rmse") |> fst) "rmse field"
            let pred = Path.Combine(d, "pred.csv")
            let code, _, err = run [ "predict"; "-m"; model; "--input"; Path.Combine(d, "test.csv"); "-o"; pred ]
            Expect.equal code 0 err
            Expect.equal (File.ReadAllLines pred).Length 1001 "header + 1000 predictions"
            Expect.equal (File.ReadAllLines pred).[0] "x1,y,y_std" "the GP's mean and predictive std"
        }
        test "an ensemble model predicts a mean and a spread" {
            let d = tempDir ()
            let code, _, err = run [ "export"; "--problem"; "K1"; "-o"; d ]
            Expect.equal code 0 err
            let model = Path.Combine(d, "ens")
            let code, _, err = run [ "train"; "--hf"; Path.Combine(d, "hf.csv"); "--members"; "3"; "--select"; "off"; "--epochs"; "100"; "--lbfgs"; "0"; "-o"; model ]
            Expect.equal code 0 err
            let pred = Path.Combine(d, "pred.csv")
            let code, _, err = run [ "predict"; "-m"; model; "--input"; Path.Combine(d, "test.csv"); "-o"; pred ]
            Expect.equal code 0 err
            Expect.equal (File.ReadAllLines pred).[0] "x1,y,y_std" "mean and std columns"
        }
        test "bad CSV input names file, line and column" {
            let d = tempDir ()
            let hf = Path.Combine(d, "hf.csv")
            File.WriteAllLines(hf, [| "x,y"; "0.1,1"; "0.5,oops"; "0.9,2" |])
            expectUserError [ "train"; "--hf"; hf; "-o"; Path.Combine(d, "m") ] [ "hf.csv"; "line 3"; "column 'y'"; "'oops' is not a number" ]
            File.WriteAllLines(hf, [| "x,y"; "0.1,1"; "0.5,2"; "0.9,3" |])
            let lf = Path.Combine(d, "lf.csv")
            File.WriteAllLines(lf, [| "a,b,y"; "0.1,0.2,1"; "0.5,0.1,2" |])
            expectUserError [ "train"; "--hf"; hf; "--lf"; "coarse=" + lf; "--select"; "off"; "--epochs"; "2"; "-o"; Path.Combine(d, "m") ] [ "coarse"; "2 inputs"; "encoding" ]
            expectUserError [ "train"; "--hf"; hf; "--select"; "maybe"; "-o"; Path.Combine(d, "m") ] [ "unknown selection mode 'maybe'" ]
            expectUserError [ "train"; "--hf"; hf; "--budget"; "huge"; "-o"; Path.Combine(d, "m") ] [ "unknown budget 'huge'" ]
            expectUserError [ "train"; "--hf"; Path.Combine(d, "none.csv"); "-o"; Path.Combine(d, "m") ] [ "none.csv"; "not found" ]
            expectUserError [ "train"; "--hf"; hf; "--lf"; "nofile"; "-o"; Path.Combine(d, "m") ] [ "NAME=file.csv" ]
            expectUserError [ "train"; "--hf"; hf; "--output"; "z"; "-o"; Path.Combine(d, "m") ] [ "no column named 'z'" ]
        }
        test "a corrupted model directory is a user error" {
            let d = tempDir ()
            File.WriteAllText(Path.Combine(d, "model.json"), "garbage")
            let x = Path.Combine(d, "x.csv")
            File.WriteAllLines(x, [| "x"; "0.5" |])
            expectUserError [ "predict"; "-m"; d; "--input"; x; "-o"; Path.Combine(d, "y.csv") ] [ "model.json"; "corrupted" ]
        }
    ]
