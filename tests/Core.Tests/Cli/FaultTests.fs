/// Faults as a user meets them, one table row each: the exit code, the one-line message, no stack trace, and what
/// the file system holds afterwards (nothing half-written, an earlier model intact). Disk-full and read-only cases
/// run on small tmpfs mounts where the machine allows mounting (as root), and are skipped with a message otherwise.
module FaultTests

open System
open System.IO
open System.Diagnostics
open System.Security.Cryptography
open System.Text.Json.Nodes
open Expecto

let private run = CliTests.run

/// Small training runs: the faults are the point, not the fit.
let private quick = [ "--select"; "off"; "--depth"; "1"; "--width"; "4"; "--epochs"; "5"; "--lbfgs"; "0" ]

let private writeCsv (path: string) (header: string) (rows: float[][]) =
    let num (v: float) = v.ToString("R", Globalization.CultureInfo.InvariantCulture)
    File.WriteAllLines(path, Array.append [| header |] (rows |> Array.map (fun r -> String.Join(",", r |> Array.map num))))
    path

/// A fresh directory with hf.csv (x, y), lf.csv (x, y) and test.csv, scaled by `scale` (outputs) and `xs` (inputs).
let private dataDir (xs: float) (scale: float) =
    let d = CliTests.tempDir ()
    let pts n = Array.init n (fun i -> float i / float (n - 1))
    writeCsv (Path.Combine(d, "hf.csv")) "x,y" (pts 8 |> Array.map (fun x -> [| x * xs; scale * sin (6.0 * x) |])) |> ignore
    writeCsv (Path.Combine(d, "lf.csv")) "x,y" (pts 20 |> Array.map (fun x -> [| x * xs; scale * sin (6.0 * x) * 0.8 |])) |> ignore
    writeCsv (Path.Combine(d, "test.csv")) "x,y" (pts 15 |> Array.map (fun x -> [| x * xs; scale * sin (6.0 * x) |])) |> ignore
    d

let private trainModelAt (d: string) (model: string) =
    let code, _, err = run ([ "train"; "--hf"; Path.Combine(d, "hf.csv"); "--lf"; "LF=" + Path.Combine(d, "lf.csv"); "-o"; model ] @ quick)
    Expect.equal code 0 (sprintf "training the fixture model (stderr: %s)" err)
    model

let private trainModel (d: string) (name: string) = trainModelAt d (Path.Combine(d, name))

/// Every file under a directory with its bytes' hash: "intact" means this is unchanged.
let private snapshot (dir: string) =
    if not (Directory.Exists dir) then Map.empty
    else
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
        |> Array.map (fun f -> Path.GetRelativePath(dir, f), Convert.ToHexString(SHA256.HashData(File.ReadAllBytes f)))
        |> Map.ofArray

/// Temporary siblings a failed write could leave behind.
let private leftovers (dir: string) =
    if not (Directory.Exists dir) then [||]
    else Directory.GetFileSystemEntries dir |> Array.filter (fun p -> (Path.GetFileName p).Contains ".tmp-" || (Path.GetFileName p).Contains ".old-")

/// Exit code, message fragments, one error line, no stack trace.
let private expectFailure (code: int) (fragments: string list) (args: string list) =
    let c, _, err = run args
    Expect.equal c code (sprintf "exit code of %A (stderr: %s)" args err)
    for f in fragments do Expect.stringContains err f (sprintf "message of %A" args)
    Expect.isFalse (err.Contains "   at ") "no stack trace"
    Expect.isFalse (err.Contains "internal error") "not an internal error"
    Expect.equal (err.Split('\n') |> Array.filter (fun l -> l.StartsWith "error:") |> Array.length) 1 "one error line"

// ---- model-file tampering ----------------------------------------------------------------------------------

/// Re-seal model.json after an edit, as a deliberate editor could: the metadata checksum made valid again, so
/// only the structural checks stand between the edit and libtorch.
let reseal (model: string) (edit: JsonObject -> unit) =
    let path = Path.Combine(model, "model.json")
    let root = JsonNode.Parse(File.ReadAllText path) :?> JsonObject
    edit root
    let zero = String('0', 64)
    root["metadataSha256"] <- JsonValue.Create zero
    // JSON cannot hold an infinity: an edit writes the string "1e999" where the number goes
    let text = root.ToJsonString(Text.Json.JsonSerializerOptions(WriteIndented = true)).Replace("\"1e999\"", "1e999")
    let hash = Convert.ToHexString(SHA256.HashData(Text.Encoding.UTF8.GetBytes text)).ToLowerInvariant()
    File.WriteAllText(path, text.Replace(sprintf "\"metadataSha256\": \"%s\"" zero, sprintf "\"metadataSha256\": \"%s\"" hash))

let private setWeights (model: string) (f: byte[] -> unit) =
    let w = Path.Combine(model, "weights.bin")
    let bytes = File.ReadAllBytes w
    f bytes
    File.WriteAllBytes(w, bytes)
    reseal model (fun root -> root["weightsSha256"] <- JsonValue.Create(Convert.ToHexString(SHA256.HashData bytes).ToLowerInvariant()))

let private tamperCases : (string * (JsonObject -> unit) * string list) list =
    let first (root: JsonObject) = (root["parameters"] :?> JsonArray)[0] :?> JsonObject
    [ "input scale 0", (fun r -> (r["inputScale"]["scale"] :?> JsonArray)[0] <- JsonValue.Create 0.0), [ "inputScale.scale[0]"; "non-zero" ]
      "input scale 1e999", (fun r -> (r["inputScale"]["scale"] :?> JsonArray)[0] <- JsonValue.Create "1e999"), [ "model.json" ]
      "a parameter's shape", (fun r -> (first r)["shape"] <- JsonArray(JsonValue.Create 1L, JsonValue.Create 8L, JsonValue.Create 16L)), [ "shape [1, 8, 16]"; "needs" ]
      "members", (fun r -> r["members"] <- JsonValue.Create 2), [ "shape"; "2 member(s)" ]
      "precision", (fun r -> r["precision"] <- JsonValue.Create "float32"), [ "bytes" ]
      "sources removed", (fun r -> r["sources"] <- JsonArray()), [ "linearBranch" ]
      "width", (fun r -> r["correlation"]["width"] <- JsonValue.Create 5), [ "shape" ]
      "width beyond the limit", (fun r -> r["correlation"]["width"] <- JsonValue.Create 100000), [ "width"; "4096" ]
      "unknown parameter", (fun r -> (first r)["name"] <- JsonValue.Create "nonlinear.Q"), [ "'nonlinear.Q'"; "does not belong" ]
      "domain inverted", (fun r -> (r["domain"]["lower"] :?> JsonArray)[0] <- JsonValue.Create 5.0), [ "domain"; "not below" ] ]

// ---- mounts for disk-full and read-only cases ----------------------------------------------------------------

let private sh (cmd: string) (args: string) =
    let psi = ProcessStartInfo(cmd, args, RedirectStandardError = true, RedirectStandardOutput = true)
    use p = Process.Start psi
    p.WaitForExit()
    p.ExitCode = 0

/// Run `f` on a tmpfs of `size` mounted at a fresh directory; None when mounting is not allowed here.
let private withTmpfs (size: string) (f: string -> unit) =
    let d = CliTests.tempDir ()
    if not (OperatingSystem.IsLinux()) || not (sh "mount" (sprintf "-t tmpfs -o size=%s tmpfs %s" size d)) then false
    else
        try f d; true
        finally sh "umount" d |> ignore

let private mounted (name: string) (size: string) (f: string -> unit) =
    testCase name (fun () ->
        if not (withTmpfs size f) then skiptestf "mounting a tmpfs is not allowed here (needs root): %s not checked" name)

[<Tests>]
let tests =
    testList "Faults" [
        testList "bad numbers are user errors (exit 2) naming the option" [
            for name, extra, fragments in
                [ "lambda NaN", [ "--lambda"; "nan" ], [ "penalty lambda"; "NaN" ]
                  "lambda Infinity", [ "--lambda"; "Infinity" ], [ "penalty lambda"; "Infinity" ]
                  "lambda 1e308", [ "--lambda"; "1e308" ], [ "penalty lambda"; "1e+308" ]
                  "lr Infinity", [ "--lr"; "Infinity" ], [ "learning rate"; "Infinity" ]
                  "lr 0", [ "--lr"; "0" ], [ "learning rate" ]
                  "lr NaN", [ "--lr"; "NaN" ], [ "learning rate"; "NaN" ]
                  "encoder lambda NaN", [ "--encoder-lambda"; "NaN" ], [ "encoder penalty"; "NaN" ]
                  "epochs -1", [ "--epochs"; "-1" ], [ "epochs"; "-1" ]
                  "members 0", [ "--members"; "0" ], [ "members"; "0" ]
                  "members 100000", [ "--members"; "100000" ], [ "members"; "100000" ]
                  "width 100000", [ "--width"; "100000" ], [ "width"; "100000" ]
                  "omega0 NaN", [ "--arch"; "siren"; "--omega0"; "NaN" ], [ "omega0"; "NaN" ]
                  "kan range ±1e308", [ "--arch"; "kan"; "--kan-range"; "-1e308,1e308" ], [ "grid range" ]
                  "kan order 50", [ "--arch"; "kan"; "--kan-order"; "50" ], [ "spline order"; "50" ] ] do
                test ("train " + name) {
                    let d = dataDir 1.0 1.0
                    let model = Path.Combine(d, "m")
                    // later flags win in Argu, so the bad value overrides the quick defaults
                    expectFailure 2 fragments ([ "train"; "--hf"; Path.Combine(d, "hf.csv"); "-o"; model ] @ quick @ extra)
                    Expect.isFalse (Directory.Exists model) "no model written"
                }
            for name, extra, fragments in
                [ "lambda NaN", [ "--lambda"; "nan" ], [ "penalty lambda"; "NaN" ]
                  "lr Infinity", [ "--lr"; "Infinity" ], [ "learning rate" ]
                  "lambda -1", [ "--lambda"; "-1" ], [ "penalty lambda"; "-1" ] ] do
                test ("run " + name) {
                    expectFailure 2 fragments ([ "run"; "--problem"; "K1"; "--epochs"; "2"; "--lbfgs"; "0" ] @ extra)
                }
        ]
        testList "extreme data values" [
            test "HF outputs x1e300 onto an existing model: a clear error, the model intact" {
                let d = dataDir 1.0 1.0
                let model = trainModel d "m"
                let before = snapshot model
                let big = dataDir 1.0 1e300
                expectFailure 2 [ "HF outputs"; "too large to scale" ] ([ "train"; "--hf"; Path.Combine(big, "hf.csv"); "-o"; model ] @ quick)
                Expect.equal (snapshot model) before "the previous model is intact"
                Expect.isEmpty (leftovers d) "no temporary left"
            }
            test "inputs spanning ±1e308 are a clear error" {
                let d = CliTests.tempDir ()
                let hf = writeCsv (Path.Combine(d, "hf.csv")) "x,y" [| [| -1e308; 1.0 |]; [| 0.0; 2.0 |]; [| 1e308; 3.0 |] |]
                expectFailure 2 [ "too large to scale" ] ([ "train"; "--hf"; hf; "-o"; Path.Combine(d, "m") ] @ quick)
            }
            test "HF outputs x1e100 train to a finite model" {
                let d = dataDir 1.0 1e100
                let model = trainModel d "m"
                let code, out, err = run [ "evaluate"; "-m"; model; "--data"; Path.Combine(d, "test.csv"); "--json" ]
                Expect.equal code 0 err
                let doc = Text.Json.JsonDocument.Parse(out.Trim().Split('\n') |> Array.last)
                Expect.isTrue (Double.IsFinite(doc.RootElement.GetProperty("rmse").GetDouble())) "finite RMSE"
            }
            test "a diverging fit fails instead of saving a NaN model" {
                let d = dataDir 1.0 1.0
                // the largest accepted rate with a wide network on 8 points: Adam jumps far; whatever the outcome,
                // a model is saved only when it is finite
                let model = Path.Combine(d, "m")
                let code, _, err = run [ "train"; "--hf"; Path.Combine(d, "hf.csv"); "--select"; "off"; "--lr"; "10"; "--epochs"; "50"; "--lbfgs"; "20"; "-o"; model ]
                Expect.isFalse (err.Contains "   at ") "no stack trace"
                if code = 0 then
                    Expect.isFalse ((File.ReadAllText(Path.Combine(model, "model.json"))).Contains "NaN") "the saved model is finite"
                else
                    Expect.equal code 2 err
                    Expect.stringContains err "diverged" "says the fit diverged"
                    Expect.isFalse (Directory.Exists model) "no model written"
            }
        ]
        testList "model files verify themselves" [
            test "an edit without resealing is caught by the metadata checksum" {
                let d = dataDir 1.0 1.0
                let model = trainModel d "m"
                let meta = Path.Combine(model, "model.json")
                File.WriteAllText(meta, File.ReadAllText(meta).Replace("\"members\": 1", "\"members\": 3"))
                expectFailure 2 [ "model.json"; "checksum" ] [ "predict"; "-m"; model; "--input"; Path.Combine(d, "test.csv"); "-o"; Path.Combine(d, "p.csv") ]
            }
            for name, edit, fragments in tamperCases do
                test ("resealed edit: " + name) {
                    let d = dataDir 1.0 1.0
                    let model = trainModel d "m"
                    reseal model edit
                    expectFailure 2 ("model.json" :: fragments) [ "evaluate"; "-m"; model; "--data"; Path.Combine(d, "test.csv") ]
                    TestUtil.throwsUserError fragments (fun () -> Emulators.Core.ModelFile.load model (fun _ -> None))
                }
            test "resealed weights with a NaN are refused" {
                let d = dataDir 1.0 1.0
                let model = trainModel d "m"
                setWeights model (fun b -> Array.blit (BitConverter.GetBytes nan) 0 b 0 8)
                expectFailure 2 [ "non-finite" ] [ "evaluate"; "-m"; model; "--data"; Path.Combine(d, "test.csv") ]
            }
            test "the facade raises EmulatorException for a resealed inconsistent model" {
                let d = dataDir 1.0 1.0
                let model = trainModel d "m"
                reseal model (fun r -> r["members"] <- JsonValue.Create 2)
                Expect.throwsT<Emulators.EmulatorException> (fun () -> Emulators.MultiFidelityEmulator.Load model |> ignore) "EmulatorException"
            }
        ]
        testList "output files" [
            test "-o - writes the predictions to standard output" {
                let d = dataDir 1.0 1.0
                let model = trainModel d "m"
                let code, out, err = run [ "predict"; "-m"; model; "--input"; Path.Combine(d, "test.csv"); "-o"; "-" ]
                Expect.equal code 0 err
                let lines = out.Trim().Split('\n')
                Expect.equal lines[0] "x,y,y_linear,y_nonlinear" "CSV header on stdout"
                Expect.equal lines.Length 16 "header + 15 rows, nothing else"
                Expect.isFalse (File.Exists "-") "no file named '-'"
            }
            test "/dev/full is written in place and reported as an environment fault" {
                if not (File.Exists "/dev/full") then skiptest "no /dev/full here"
                let d = dataDir 1.0 1.0
                let model = trainModel d "m"
                expectFailure 3 [ "/dev/full"; "no space" ] [ "predict"; "-m"; model; "--input"; Path.Combine(d, "test.csv"); "-o"; "/dev/full" ]
                Expect.equal (Emulators.Core.OutputFile.kind "/dev/full") (Emulators.Core.OutputFile.Special "character device") "still a device"
            }
            test "a symbolic link to /dev/null is written through and kept" {
                let d = dataDir 1.0 1.0
                let model = trainModel d "m"
                let link = Path.Combine(d, "sink.csv")
                File.CreateSymbolicLink(link, "/dev/null") |> ignore
                let code, _, err = run [ "predict"; "-m"; model; "--input"; Path.Combine(d, "test.csv"); "-o"; link ]
                Expect.equal code 0 err
                Expect.equal (FileInfo(link).LinkTarget) "/dev/null" "the link is kept"
            }
            test "a symbolic link to a regular file keeps the link and replaces the target" {
                let d = dataDir 1.0 1.0
                let model = trainModel d "m"
                let target = Path.Combine(d, "real.csv")
                File.WriteAllText(target, "old")
                let link = Path.Combine(d, "link.csv")
                File.CreateSymbolicLink(link, target) |> ignore
                let code, _, err = run [ "predict"; "-m"; model; "--input"; Path.Combine(d, "test.csv"); "-o"; link ]
                Expect.equal code 0 err
                Expect.isNotNull (FileInfo(link).LinkTarget) "still a link"
                Expect.stringStarts (File.ReadAllText target) "x,y" "the target holds the predictions"
            }
            for name, target, fragments in
                [ "into a missing directory", (fun d -> Path.Combine(d, "no", "such", "p.csv")), [ "does not exist" ]
                  "onto a directory", (fun d -> d), [ "is a directory" ]
                  "an empty name", (fun _ -> ""), [ "empty name" ] ] do
                test ("predict -o " + name) {
                    let d = dataDir 1.0 1.0
                    let model = trainModel d "m"
                    let before = snapshot d
                    expectFailure 2 fragments [ "predict"; "-m"; model; "--input"; Path.Combine(d, "test.csv"); "-o"; target d ]
                    Expect.equal (snapshot d) before "nothing written"
                }
        ]
        testList "model directories" [
            test "train -o onto an existing model replaces it as a whole and says so" {
                let d = dataDir 1.0 1.0
                let model = trainModel d "m"
                let before = snapshot model
                let code, _, err = run ([ "train"; "--hf"; Path.Combine(d, "hf.csv"); "-o"; model; "--seed"; "7" ] @ quick)
                Expect.equal code 0 err
                Expect.stringContains err "replaced" "says the old model was replaced"
                Expect.notEqual (snapshot model) before "a new model"
                Expect.equal (Set.ofSeq (snapshot model |> Map.keys)) (set [ "model.json"; "weights.bin" ]) "only the model's files"
                Expect.isEmpty (leftovers d) "no temporary left"
            }
            for name, prepare, fragments in
                [ "a non-empty directory that holds no model", (fun (m: string) -> Directory.CreateDirectory m |> ignore; File.WriteAllText(Path.Combine(m, "notes.txt"), "mine")), [ "not empty"; "notes.txt" ]
                  "a model directory with other files too", (fun m -> File.WriteAllText(Path.Combine(m, "notes.txt"), "mine")), [ "other files"; "notes.txt" ]
                  "a regular file", (fun m -> Directory.Delete(m, true); File.WriteAllText(m, "a file")), [ "is a file" ] ] do
                test ("train -o onto " + name + " is refused before training") {
                    let d = dataDir 1.0 1.0
                    let m = trainModel d "m"
                    prepare m
                    let before = snapshot d
                    expectFailure 2 fragments ([ "train"; "--hf"; Path.Combine(d, "hf.csv"); "-o"; m ] @ quick)
                    Expect.equal (snapshot d) before "nothing changed"
                }
            test "train -o - and -o \"\" are refused" {
                let d = dataDir 1.0 1.0
                expectFailure 2 [ "standard output" ] ([ "train"; "--hf"; Path.Combine(d, "hf.csv"); "-o"; "-" ] @ quick)
                expectFailure 2 [ "empty name" ] ([ "train"; "--hf"; Path.Combine(d, "hf.csv"); "-o"; "" ] @ quick)
            }
            mounted "disk full during train leaves the previous model intact (exit 3)" "32k" (fun mnt ->
                let d = dataDir 1.0 1.0
                let small = trainModel d "m"
                let model = Path.Combine(mnt, "m")
                for f in Directory.GetFiles small do
                    Directory.CreateDirectory model |> ignore
                    File.Copy(f, Path.Combine(model, Path.GetFileName f))
                let before = snapshot model
                // a wider network needs more room than the mount has left
                expectFailure 3 [ "no space left" ] [ "train"; "--hf"; Path.Combine(d, "hf.csv"); "--select"; "off"; "--width"; "64"; "--epochs"; "2"; "--lbfgs"; "0"; "-o"; model ]
                Expect.equal (snapshot model) before "the previous model is intact"
                Expect.isEmpty (leftovers mnt) "no temporary left"
                let code, _, err = run [ "evaluate"; "-m"; model; "--data"; Path.Combine(d, "test.csv") ]
                Expect.equal code 0 (sprintf "the previous model still loads: %s" err))
            mounted "disk full during predict leaves no partial file (exit 3)" "8k" (fun mnt ->
                let d = dataDir 1.0 1.0
                let model = trainModel d "m"
                let rows = Array.init 2000 (fun i -> [| float i / 2000.0; 0.0 |])
                let input = writeCsv (Path.Combine(d, "big.csv")) "x,y" rows
                expectFailure 3 [ "no space left" ] [ "predict"; "-m"; model; "--input"; input; "-o"; Path.Combine(mnt, "p.csv") ]
                Expect.isEmpty (Directory.GetFileSystemEntries mnt) "nothing left on the full disk")
            mounted "a read-only file system is an environment fault (exit 3), the model intact" "1m" (fun mnt ->
                let d = dataDir 1.0 1.0
                let model = trainModelAt d (Path.Combine(mnt, "m"))
                let before = snapshot model
                if not (sh "mount" (sprintf "-o remount,ro %s" mnt)) then skiptest "cannot remount read-only"
                expectFailure 3 [ "read-only" ] ([ "train"; "--hf"; Path.Combine(d, "hf.csv"); "-o"; model ] @ quick)
                expectFailure 3 [ "read-only" ] [ "predict"; "-m"; model; "--input"; Path.Combine(d, "test.csv"); "-o"; Path.Combine(mnt, "p.csv") ]
                Expect.equal (snapshot model) before "the model is intact")
        ]
        testList "oddities are reported, not silently accepted" [
            test "an LF file with an extra input column: the column is an input, so encoding none is refused" {
                let d = dataDir 1.0 1.0
                let lf = writeCsv (Path.Combine(d, "lf2.csv")) "x,z,y" (Array.init 10 (fun i -> [| float i / 9.0; float (i % 3); float i |]))
                let code, _, err = run ([ "train"; "--hf"; Path.Combine(d, "hf.csv"); "--lf"; "LF=" + lf; "-o"; Path.Combine(d, "m") ] @ quick)
                Expect.equal code 2 err
                Expect.stringContains err "'z' are not HF inputs" "names the extra column"
                Expect.stringContains err "2 inputs" "the source has two inputs"
            }
            test "an LF input of another name is paired by position, with a warning" {
                let d = dataDir 1.0 1.0
                let lf = writeCsv (Path.Combine(d, "lf2.csv")) "t,y" (Array.init 10 (fun i -> [| float i / 9.0; float i |]))
                let code, _, err = run ([ "train"; "--hf"; Path.Combine(d, "hf.csv"); "--lf"; "LF=" + lf; "-o"; Path.Combine(d, "m") ] @ quick)
                Expect.equal code 0 err
                Expect.stringContains err "paired by position ('x' = 't')" "warns about the pairing"
            }
            test "quoted header names lose their quotes" {
                let d = CliTests.tempDir ()
                let hf = Path.Combine(d, "hf.csv")
                File.WriteAllLines(hf, Array.append [| "\"x\",\"y\"" |] (Array.init 8 (fun i -> sprintf "%g,%g" (float i / 7.0) (sin (float i)))))
                let model = Path.Combine(d, "m")
                let code, _, err = run ([ "train"; "--hf"; hf; "--output"; "y"; "-o"; model ] @ quick)
                Expect.equal code 0 err
                let code, out, err = run [ "predict"; "-m"; model; "--input"; hf; "-o"; "-" ]
                Expect.equal code 0 err
                Expect.stringStarts out "x,y," "plain column names"
            }
            test "repeated HF rows are reported" {
                let d = CliTests.tempDir ()
                let hf = writeCsv (Path.Combine(d, "hf.csv")) "x,y" [| [| 0.0; 1.0 |]; [| 0.5; 2.0 |]; [| 0.5; 2.0 |]; [| 1.0; 3.0 |]; [| 1.0; 4.0 |] |]
                let code, _, err = run ([ "train"; "--hf"; hf; "-o"; Path.Combine(d, "m") ] @ quick)
                Expect.equal code 0 err
                Expect.stringContains err "2 row(s) repeat the inputs" "counts the repeats"
                Expect.stringContains err "line 4 repeats line 3" "names the lines"
                Expect.stringContains err "another output" "notes the inconsistent repeat"
            }
            test "all-zero test outputs: the normalized MSE says it is the plain MSE" {
                let d = dataDir 1.0 1.0
                let model = trainModel d "m"
                let zero = writeCsv (Path.Combine(d, "zero.csv")) "x,y" (Array.init 5 (fun i -> [| float i / 4.0; 0.0 |]))
                let code, _, err = run [ "evaluate"; "-m"; model; "--data"; zero ]
                Expect.equal code 0 err
                Expect.stringContains err "plain MSE" "says the MSE is not normalized"
            }
        ]
        testList "facade" [
            let f = Func<float[], float>(fun x -> x[0])
            let throws (fragments: string list) (g: unit -> 'a) =
                try
                    g () |> ignore
                    failtestf "expected an EmulatorException mentioning %A" fragments
                with :? Emulators.EmulatorException as e ->
                    for frag in fragments do Expect.stringContains e.Message frag "message"
            for name, lower, upper, fragments in
                [ "inverted", [| 1.0 |], [| 0.0 |], [ "not below" ]
                  "mismatched", [| 0.0; 0.0 |], [| 1.0 |], [ "2 lower but 1 upper" ]
                  "null lower", null, [| 1.0 |], [ "lower"; "null" ]
                  "null upper", [| 0.0 |], null, [ "upper"; "null" ]
                  "NaN", [| nan |], [| 1.0 |], [ "not finite" ] ] do
                test ("FromFunction with " + name + " bounds") {
                    throws ("'lf'" :: fragments) (fun () -> Emulators.LowFidelitySource.FromFunction("lf", f, lower, upper))
                }
            test "FromData with a lone lower bound" {
                throws [ "upper"; "null" ] (fun () -> Emulators.LowFidelitySource.FromData("lf", Array2D.init 3 1 (fun i _ -> float i), [| 0.0; 1.0; 2.0 |], [| 0.0 |], null))
            }
            test "Fit with a NaN lambda and Save onto a file" {
                let opts = Emulators.EmulatorOptions(Lambda = nan, Epochs = 2, LbfgsIterations = 0, Selection = Emulators.ModelSelection.Off)
                let e = Emulators.MultiFidelityEmulator(opts).SetHighFidelityData(Array2D.init 5 1 (fun i _ -> float i), [| 0.0; 1.0; 0.0; 1.0; 0.0 |])
                throws [ "penalty lambda"; "NaN" ] (fun () -> e.Fit())
                let ok = Emulators.MultiFidelityEmulator(Emulators.EmulatorOptions(Epochs = 2, LbfgsIterations = 0, Selection = Emulators.ModelSelection.Off))
                ok.SetHighFidelityData(Array2D.init 5 1 (fun i _ -> float i), [| 0.0; 1.0; 0.0; 1.0; 0.0 |]).Fit()
                let file = Path.Combine(CliTests.tempDir (), "file")
                File.WriteAllText(file, "x")
                throws [ "is a file" ] (fun () -> ok.Save file)
            }
            mounted "Save on a read-only file system is an environment fault" "1m" (fun mnt ->
                let ok = Emulators.MultiFidelityEmulator(Emulators.EmulatorOptions(Epochs = 2, LbfgsIterations = 0, Selection = Emulators.ModelSelection.Off))
                ok.SetHighFidelityData(Array2D.init 5 1 (fun i _ -> float i), [| 0.0; 1.0; 0.0; 1.0; 0.0 |]).Fit()
                if not (sh "mount" (sprintf "-o remount,ro %s" mnt)) then skiptest "cannot remount read-only"
                try
                    ok.Save(Path.Combine(mnt, "m"))
                    failtest "expected an EmulatorException"
                with :? Emulators.EmulatorException as e ->
                    Expect.isTrue e.IsEnvironmentFault "an environment fault"
                    Expect.isNotNull e.InnerException "the cause is kept"
                    Expect.stringContains e.Message "read-only" "message")
        ]
    ]
