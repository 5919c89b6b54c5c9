/// The fault matrix in one process: the cases of bench/faults/matrix.sh (bad CSV input, bad numbers, model-directory
/// faults, output faults, full and read-only file systems, run, reproduce and the facade), run through the CLI's
/// `main` and the facade directly, which takes seconds where a process per case takes minutes on a busy machine.
/// Not part of the test suite: `Core.Tests --fault-matrix` runs it and prints every case and the totals.
module FaultMatrix

open System
open System.IO
open System.Diagnostics
open System.Security.Cryptography
open System.Text.Json.Nodes
open Emulators.Core

type private Expect =
    | Err
    | Ok
    | Any

let private run (args: string list) = CliTests.run args

let private quick = [ "--select"; "off"; "--depth"; "1"; "--width"; "4"; "--epochs"; "5"; "--lbfgs"; "0" ]

let private facade (f: unit -> unit) () =
    try
        f ()
        0, "", ""
    with
    | :? Emulators.EmulatorException as e -> (if e.IsEnvironmentFault then 3 else 2), "", "error: " + e.Message
    | e -> 70, "", e.ToString()

let private sh (cmd: string) (args: string) =
    let psi = ProcessStartInfo(cmd, args, RedirectStandardError = true, RedirectStandardOutput = true)
    use p = Process.Start psi
    p.WaitForExit()
    p.ExitCode = 0

let private hashDir (dir: string) =
    if not (Directory.Exists dir) then ""
    else
        Directory.GetFiles dir |> Array.sort
        |> Array.map (fun f -> Path.GetFileName f + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes f)))
        |> String.concat ";"

let private noTmp (dir: string) =
    Directory.GetFileSystemEntries dir |> Array.forall (fun p -> not ((Path.GetFileName p).Contains ".tmp-" || (Path.GetFileName p).Contains ".old-"))

/// The model-file re-sealing of the fault tests.
let private reseal = FaultTests.reseal

let private copyDir (src: string) (dst: string) =
    if Directory.Exists dst then Directory.Delete(dst, true)
    Directory.CreateDirectory dst |> ignore
    for f in Directory.GetFiles src do File.Copy(f, Path.Combine(dst, Path.GetFileName f))

/// Run every case; print one line each and the totals; return the number of defects.
let runAll () =
    let w = Path.Combine(Path.GetTempPath(), "emulators-matrix-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory w |> ignore
    let p (name: string) = Path.Combine(w, name)
    let file (name: string) (text: string) = File.WriteAllText(p name, text); p name
    let code, _, err = run [ "export"; "--problem"; "K1"; "-o"; p "k1" ]
    if code <> 0 then failwithf "export failed: %s" err
    let hf, lf, test = p "k1/hf.csv", p "k1/lf-LF.csv", p "k1/test.csv"
    let model = p "model"
    let code, _, err = run ([ "train"; "--hf"; hf; "--lf"; "LF=" + lf; "-o"; model ] @ quick)
    if code <> 0 then failwithf "fixture model failed: %s" err
    let modelHash = hashDir model
    let scaled (src: string) (name: string) (factor: float) =
        let lines = File.ReadAllLines src
        let rows =
            lines[1..] |> Array.map (fun l ->
                let c = l.Split(',')
                let v = Double.Parse(c[c.Length - 1], Globalization.CultureInfo.InvariantCulture) * factor
                String.Join(",", Array.append c[.. c.Length - 2] [| v.ToString("R", Globalization.CultureInfo.InvariantCulture) |]))
        File.WriteAllLines(p name, Array.append [| lines[0] |] rows)
        p name
    let csv =
        [ "empty.csv", ""; "header.csv", "x,y\n"; "onerow.csv", "x,y\n0.5,1\n"; "text.csv", "x,y\n0.1,1\n0.5,oops\n0.9,2\n"
          "nan.csv", "x,y\n0.1,1\nNaN,2\n0.9,3\n"; "inf.csv", "x,y\n0.1,1\n0.5,Infinity\n0.9,3\n"; "e400.csv", "x,y\n0.1,1\n0.5,1e400\n0.9,3\n"
          "ragged.csv", "x,y\n0.1,1\n0.5,2,3\n0.9,3\n"; "duphead.csv", "x,x\n0.1,1\n0.5,2\n"; "emptyname.csv", "x,\n0.1,1\n0.5,2\n"
          "numhead.csv", "1,2\n0.1,1\n0.5,2\n"; "onecol.csv", "y\n1\n2\n3\n"; "comments.csv", "# only\n# comments\n"
          "semi.csv", "x;y\n0.1;1\n0.5;2\n"; "span308.csv", "x,y\n-1e308,1\n0,2\n1e308,3\n"; "constin.csv", "x,y\n0.5,1\n0.5,2\n0.5,3\n"
          "quoted.csv", "\"x\",\"y\"\n0.1,1\n0.4,2\n0.7,1.5\n0.9,3\n"; "quotedcomma.csv", "\"x, m\",\"y\"\n0.1,1\n0.4,2\n0.7,1.5\n0.9,3\n"
          "bomcrlf.csv", "\uFEFFx,y\r\n0.1,1\r\n0.4,2\r\n0.7,1.5\r\n0.9,3\r\n"; "constout.csv", "x,y\n0.1,1\n0.4,1\n0.7,1\n0.9,1\n"
          "dups.csv", "x,y\n0,1\n0.5,2\n0.5,2\n1,3\n1,4\n"; "zeros.csv", "x,y\n0.1,0\n0.4,0\n0.7,0\n0.9,0\n"
          "lfextra.csv", "x,z,y\n0,0,1\n0.3,1,2\n0.6,2,1\n1,0,3\n"; "lfrenamed.csv", "t,y\n0,1\n0.3,2\n0.6,1\n1,3\n"
          "lfnan.csv", "x,y\n0,1\nnan,2\n1,3\n"; "in_nan.csv", "x1\n0.5\nNaN\n"; "in_big.csv", "x1\n1e308\n-1e308\n0.5\n"
          "in_missing.csv", "q\n0.5\n"; "in_ragged.csv", "x1,y\n0.5,1\n0.6\n"; "eval_nocol.csv", "x1\n0.5\n0.6\n"
          "copy.csv", "x,y\n0,1\n0.25,2\n0.5,1.5\n0.75,0.5\n1,3\n" ]
        |> List.map (fun (n, t) -> n, file n t) |> Map.ofList
    let c (n: string) = csv[n]
    File.WriteAllBytes(p "garbage.csv", Array.init 3000 (fun i -> byte ((i * 7919) % 251)))
    let big300, big160, big100, tiny = scaled hf "big300.csv" 1e300, scaled hf "big160.csv" 1e160, scaled hf "big100.csv" 1e100, scaled hf "tiny.csv" 1e-300
    let lfbig, evalBig = scaled lf "lfbig.csv" 1e300, scaled test "eval_big.csv" 1e300
    Directory.CreateDirectory(p "adir") |> ignore
    Directory.CreateDirectory(p "notmodel") |> ignore
    File.WriteAllText(p "notmodel/notes.txt", "mine")
    let afile = file "afile" "file"
    // model-directory faults
    let m (name: string) = copyDir model (p name); p name
    let mflip = m "mflip"
    (let b = File.ReadAllBytes(Path.Combine(mflip, "weights.bin")) in b[3] <- b[3] ^^^ 0xFFuy; File.WriteAllBytes(Path.Combine(mflip, "weights.bin"), b))
    let mtrunc = m "mtrunc"
    File.WriteAllBytes(Path.Combine(mtrunc, "weights.bin"), (File.ReadAllBytes(Path.Combine(model, "weights.bin")))[0..19])
    let mjson = m "mjson"
    File.WriteAllText(Path.Combine(mjson, "model.json"), "garbage")
    let mhalf = m "mhalf"
    File.WriteAllText(Path.Combine(mhalf, "model.json"), (File.ReadAllText(Path.Combine(model, "model.json"))).Substring(0, 200))
    let mnewer = m "mnewer"
    File.WriteAllText(Path.Combine(mnewer, "model.json"), (File.ReadAllText(Path.Combine(mnewer, "model.json"))).Replace("\"formatVersion\": 2", "\"formatVersion\": 99"))
    let mscale0 = m "mscale0"
    File.WriteAllText(Path.Combine(mscale0, "model.json"), (File.ReadAllText(Path.Combine(mscale0, "model.json"))).Replace("\"members\": 1", "\"members\": 2"))
    let mnoweights = m "mnoweights"
    File.Delete(Path.Combine(mnoweights, "weights.bin"))
    let mnojson = m "mnojson"
    File.Delete(Path.Combine(mnojson, "model.json"))
    Directory.CreateDirectory(p "memptydir") |> ignore
    let arr (n: JsonNode) = n :?> JsonArray
    let first (r: JsonObject) = (arr r["parameters"])[0] :?> JsonObject
    let edits : (string * (JsonObject -> unit)) list =
        [ "input scale 0", (fun r -> (arr (r["inputScale"]["scale"]))[0] <- JsonValue.Create 0.0)
          "input scale 1e999", (fun r -> (arr (r["inputScale"]["scale"]))[0] <- JsonValue.Create "1e999")
          "output scale 0", (fun r -> (arr (r["outputScale"]["scale"]))[0] <- JsonValue.Create 0.0)
          "a shape [1,8,16]", (fun r -> (first r)["shape"] <- JsonArray(JsonValue.Create 1L, JsonValue.Create 8L, JsonValue.Create 16L))
          "members 3", (fun r -> r["members"] <- JsonValue.Create 3)
          "members 1e9", (fun r -> r["members"] <- JsonValue.Create 1e9)
          "precision float32", (fun r -> r["precision"] <- JsonValue.Create "float32")
          "precision float16", (fun r -> r["precision"] <- JsonValue.Create "float16")
          "no sources", (fun r -> r["sources"] <- JsonArray())
          "width 5", (fun r -> r["correlation"]["width"] <- JsonValue.Create 5)
          "width 100000", (fun r -> r["correlation"]["width"] <- JsonValue.Create 100000)
          "depth 40", (fun r -> r["correlation"]["depth"] <- JsonValue.Create 40)
          "family kan", (fun r -> r["correlation"]["family"] <- JsonValue.Create "kan")
          "family unknown", (fun r -> r["correlation"]["family"] <- JsonValue.Create "resnet")
          "encoding affine", (fun r -> r["encoding"] <- JsonObject(dict [ "kind", JsonValue.Create "affine" :> JsonNode ]))
          "offset 1e12", (fun r -> (first r)["offset"] <- JsonValue.Create 1000000000000L)
          "bytes -8", (fun r -> (first r)["bytes"] <- JsonValue.Create -8)
          "a renamed parameter", (fun r -> (first r)["name"] <- JsonValue.Create "nonlinear.Q")
          "a parameter removed", (fun r -> (arr r["parameters"]).RemoveAt 0)
          "a parameter twice", (fun r -> (arr r["parameters"]).Add((first r).DeepClone()))
          "domain inverted", (fun r -> (arr (r["domain"]["lower"]))[0] <- JsonValue.Create 5.0)
          "domain 1e999", (fun r -> (arr (r["domain"]["upper"]))[0] <- JsonValue.Create "1e999")
          "domain 2-D", (fun r -> (arr (r["domain"]["lower"])).Add(JsonValue.Create 0.0); (arr (r["domain"]["upper"])).Add(JsonValue.Create 1.0))
          "source kind magic", (fun r -> ((arr r["sources"])[0])["kind"] <- JsonValue.Create "magic")
          "source 2-D domain", (fun r -> (arr (((arr r["sources"])[0])["domain"]["lower"])).Add(JsonValue.Create 0.0); (arr (((arr r["sources"])[0])["domain"]["upper"])).Add(JsonValue.Create 1.0))
          "source scale NaN-ish", (fun r -> (arr (((arr r["sources"])[0])["outputScale"]["scale"]))[0] <- JsonValue.Create 0.0)
          "member output scales", (fun r -> r["memberOutputScales"] <- JsonArray(JsonObject(dict [ "shift", JsonArray(JsonValue.Create 0.0) :> JsonNode; "scale", JsonArray(JsonValue.Create 1.0) ]), JsonObject(dict [ "shift", JsonArray(JsonValue.Create 0.0) :> JsonNode; "scale", JsonArray(JsonValue.Create 1.0) ])))
          "linearBranch false", (fun r -> r["linearBranch"] <- JsonValue.Create false)
          "format missing", (fun r -> r.Remove "format" |> ignore)
          "weights checksum missing", (fun r -> r.Remove "weightsSha256" |> ignore) ]
    let resealed =
        edits |> List.mapi (fun i (n, e) ->
            let d = m (sprintf "mr%d" i)
            reseal d e
            n, d)
    let nanWeights = m "mnanw"
    (let wpath = Path.Combine(nanWeights, "weights.bin")
     let b = File.ReadAllBytes wpath
     Array.blit (BitConverter.GetBytes nan) 0 b 0 8
     File.WriteAllBytes(wpath, b)
     reseal nanWeights (fun r -> r["weightsSha256"] <- JsonValue.Create(Convert.ToHexString(SHA256.HashData b).ToLowerInvariant())))
    let mextra = m "mextra"
    File.WriteAllText(Path.Combine(mextra, "notes.txt"), "mine")
    let mrepl, mkeep, mkeep2 = m "mrepl", m "mkeep", m "mkeep2"
    let mlinked = m "mlinked"
    Directory.CreateSymbolicLink(p "mlink", mlinked) |> ignore
    File.CreateSymbolicLink(p "nullink", "/dev/null") |> ignore
    let real = file "real.csv" "old"
    File.CreateSymbolicLink(p "reallink", real) |> ignore
    let existing = file "existing.csv" "old"
    Directory.CreateDirectory(p "pf/experiments") |> ignore
    Directory.CreateDirectory(p "pf/results") |> ignore
    File.WriteAllText(p "pf/experiments/bad.json", "{ not json")
    let rootfile = file "rootfile" ""
    let fullMnt, roMnt = p "mnt_full", p "mnt_ro"
    Directory.CreateDirectory fullMnt |> ignore
    Directory.CreateDirectory roMnt |> ignore
    let mounted =
        OperatingSystem.IsLinux() && sh "mount" (sprintf "-t tmpfs -o size=32k tmpfs %s" fullMnt) && sh "mount" (sprintf "-t tmpfs -o size=1m tmpfs %s" roMnt)
    let fullModel, roModel = Path.Combine(fullMnt, "m"), Path.Combine(roMnt, "m")
    if mounted then
        copyDir model fullModel
        copyDir model roModel
        sh "mount" (sprintf "-o remount,ro %s" roMnt) |> ignore
    let fullHash, roHash = hashDir fullModel, hashDir roModel
    let fit (o: Emulators.EmulatorOptions) =
        let e = Emulators.MultiFidelityEmulator(o)
        e.SetHighFidelityData(Array2D.init 6 1 (fun i _ -> float i / 5.0), Array.init 6 (fun i -> sin (float i))) |> ignore
        e
    let trained () =
        let e = fit (Emulators.EmulatorOptions(Epochs = 2, LbfgsIterations = 0, Selection = Emulators.ModelSelection.Off, Depth = 1, Width = 4))
        e.Fit()
        e
    let fx = Func<float[], float>(fun x -> x[0])
    let none () = true
    let cli name expect post args = name, expect, (fun () -> run args), post
    let cases =
        [ // train: bad CSV input
          for f in [ "nosuch.csv"; "empty.csv"; "header.csv"; "onerow.csv"; "text.csv"; "nan.csv"; "inf.csv"; "e400.csv"; "ragged.csv"; "duphead.csv"
                     "emptyname.csv"; "numhead.csv"; "onecol.csv"; "comments.csv"; "semi.csv"; "span308.csv" ] do
              let path = if f = "nosuch.csv" then p f else c f
              cli ("train --hf " + f) Err (fun () -> not (Directory.Exists(p ("m_" + f)))) ([ "train"; "--hf"; path; "-o"; p ("m_" + f) ] @ quick)
          for f, path in [ "garbage.csv", p "garbage.csv"; "big300.csv", big300; "big160.csv", big160; "(a directory)", p "adir" ] do
              cli ("train --hf " + f) Err none ([ "train"; "--hf"; path; "-o"; p "m_x" ] @ quick)
          for f, path in [ "constin.csv (warned)", c "constin.csv"; "bomcrlf.csv", c "bomcrlf.csv"; "quoted.csv", c "quoted.csv"; "quotedcomma.csv", c "quotedcomma.csv"; "big100.csv", big100
                           "tiny.csv", tiny; "constout.csv", c "constout.csv"; "dups.csv", c "dups.csv"; "zeros.csv", c "zeros.csv"; "copy.csv", c "copy.csv" ] do
              let out = p ("m_ok_" + f)
              cli ("train --hf " + f + " (works)") Ok (fun () -> File.Exists(Path.Combine(out, "model.json")) && not ((File.ReadAllText(Path.Combine(out, "model.json"))).Contains "NaN")) ([ "train"; "--hf"; path; "-o"; out ] @ quick)
          for name, extra in [ "--output nosuch", [ "--output"; "nosuch" ]; "--inputs nosuch", [ "--inputs"; "nosuch" ]; "--inputs x1,x1", [ "--inputs"; "x1,x1" ]
                               "--inputs y", [ "--inputs"; "y" ]; "--inputs ''", [ "--inputs"; "" ]; "--output ''", [ "--output"; "" ] ] do
              cli ("train " + name) Err none ([ "train"; "--hf"; hf; "-o"; p "m_x" ] @ quick @ extra)
          // train: LF sources
          for name, lfs in [ "--lf nofile", [ "nofile" ]; "--lf =x.csv", [ "=x.csv" ]; "--lf A=", [ "A=" ]; "--lf A=nosuch.csv", [ "A=" + p "nosuch.csv" ]
                             "--lf A=text.csv", [ "A=" + c "text.csv" ]; "--lf A=lfnan.csv", [ "A=" + c "lfnan.csv" ]; "--lf A=lfbig.csv", [ "A=" + lfbig ]
                             "two --lf named A", [ "A=" + lf; "A=" + lf ]; "--lf A=onerow.csv", [ "A=" + c "onerow.csv" ] ] do
              cli ("train " + name) Err none ([ "train"; "--hf"; hf ] @ (lfs |> List.collect (fun l -> [ "--lf"; l ])) @ [ "-o"; p "m_x" ] @ quick)
          cli "train LF with an extra column, encoding none" Err none ([ "train"; "--hf"; c "copy.csv"; "--lf"; "A=" + c "lfextra.csv"; "-o"; p "m_x" ] @ quick)
          cli "train LF with an extra column, affine encoding" Ok (fun () -> File.Exists(p "m_lfx/model.json")) ([ "train"; "--hf"; c "copy.csv"; "--lf"; "A=" + c "lfextra.csv"; "-o"; p "m_lfx" ] @ quick @ [ "--encoding"; "affine" ])
          cli "train LF with a renamed input (warned)" Ok (fun () -> File.Exists(p "m_lfr/model.json")) ([ "train"; "--hf"; c "copy.csv"; "--lf"; "A=" + c "lfrenamed.csv"; "-o"; p "m_lfr" ] @ quick)
          // train: bad numbers and names
          for flag, value in
              [ "--lambda", "nan"; "--lambda", "Infinity"; "--lambda", "-Infinity"; "--lambda", "-1"; "--lambda", "1e308"; "--lambda", "1e7"
                "--lr", "0"; "--lr", "-1"; "--lr", "nan"; "--lr", "Infinity"; "--lr", "100"; "--encoder-lambda", "nan"; "--encoder-lambda", "-1"
                "--epochs", "-1"; "--lbfgs", "-1"; "--members", "0"; "--members", "-1"; "--members", "1001"; "--depth", "0"; "--depth", "-1"
                "--depth", "65"; "--width", "0"; "--width", "5000"; "--precision", "float16"; "--arch", "resnet"; "--encoding", "fourier"
                "--strategy", "sideways"; "--select", "maybe"; "--budget", "huge"; "--threads", "0"; "--threads", "-1"; "--epochs", "abc"
                "--lr", "abc"; "--kan-grid", "0" ] do
              let o = p (sprintf "m_opt_%s_%s" (flag.TrimStart('-')) (value.Replace('/', '_')))
              cli (sprintf "train %s %s" flag value) Err (fun () -> not (Directory.Exists o)) ([ "train"; "--hf"; hf; "--lf"; "LF=" + lf ] @ quick @ [ flag; value; "-o"; o ])
          for extra in [ "--arch siren --omega0 nan"; "--arch siren --omega0 0"; "--arch siren --omega0 -1"; "--arch siren --omega0 Infinity"; "--arch siren --omega0 1e5"
                         "--arch kan --kan-grid -1"; "--arch kan --kan-grid 2000"; "--arch kan --kan-order -1"; "--arch kan --kan-order 11"; "--arch kan --kan-range a,b"
                         "--arch kan --kan-range 1,1"; "--arch kan --kan-range 2,1"; "--arch kan --kan-range nan,1"; "--arch kan --kan-range -1e308,1e308"
                         "--arch kan --kan-range 1"; "--no-such-flag 1" ] do
              let o = p ("m_opt_" + extra.Replace(' ', '_').Replace(',', '_'))
              cli ("train " + extra) Err (fun () -> not (Directory.Exists o)) ([ "train"; "--hf"; hf; "--lf"; "LF=" + lf ] @ quick @ List.ofArray (extra.Split ' ') @ [ "-o"; o ])
          cli "train --seed -5 (works)" Ok (fun () -> File.Exists(p "m_seed/model.json")) ([ "train"; "--hf"; hf; "-o"; p "m_seed" ] @ quick @ [ "--seed"; "-5" ])
          cli "train --lr 10 (finite model or a clear divergence error)" Any (fun () -> not (Directory.Exists(p "m_lr10")) || not ((File.ReadAllText(p "m_lr10/model.json")).Contains "NaN"))
              [ "train"; "--hf"; hf; "--select"; "off"; "--lr"; "10"; "--epochs"; "50"; "--lbfgs"; "20"; "-o"; p "m_lr10" ]
          // train: model directories
          cli "train -o ''" Err none ([ "train"; "--hf"; hf ] @ quick @ [ "-o"; "" ])
          cli "train -o -" Err (fun () -> not (File.Exists "-")) ([ "train"; "--hf"; hf ] @ quick @ [ "-o"; "-" ])
          cli "train -o (an existing file)" Err (fun () -> File.ReadAllText afile = "file") ([ "train"; "--hf"; hf ] @ quick @ [ "-o"; afile ])
          cli "train -o (a non-empty non-model dir)" Err (fun () -> Directory.GetFiles(p "notmodel").Length = 1) ([ "train"; "--hf"; hf ] @ quick @ [ "-o"; p "notmodel" ])
          cli "train -o (a model dir with other files)" Err (fun () -> File.Exists(Path.Combine(mextra, "notes.txt"))) ([ "train"; "--hf"; hf ] @ quick @ [ "-o"; mextra ])
          cli "train -o (an existing model: replaced)" Ok (fun () -> hashDir mrepl <> modelHash && noTmp w) ([ "train"; "--hf"; hf ] @ quick @ [ "--seed"; "3"; "-o"; mrepl ])
          cli "train x1e300 onto an existing model (kept)" Err (fun () -> hashDir mkeep = modelHash && noTmp w) ([ "train"; "--hf"; big300 ] @ quick @ [ "-o"; mkeep ])
          cli "train --lambda nan onto an existing model (kept)" Err (fun () -> hashDir mkeep2 = modelHash) ([ "train"; "--hf"; hf ] @ quick @ [ "--lambda"; "nan"; "-o"; mkeep2 ])
          cli "train -o deep/missing/parents" Ok (fun () -> File.Exists(p "deep/missing/parents/model.json")) ([ "train"; "--hf"; hf ] @ quick @ [ "-o"; p "deep/missing/parents" ])
          cli "train -o 'with space/m/'" Ok (fun () -> File.Exists(p "with space/m/model.json")) ([ "train"; "--hf"; hf ] @ quick @ [ "-o"; p "with space/m/" ])
          cli "train -o /dev/null" Err (fun () -> OutputFile.kind "/dev/null" <> OutputFile.Regular) ([ "train"; "--hf"; hf ] @ quick @ [ "-o"; "/dev/null" ])
          cli "train -o (a symlink to a model dir)" Ok (fun () -> FileInfo(p "mlink").LinkTarget <> null && File.Exists(Path.Combine(mlinked, "model.json"))) ([ "train"; "--hf"; hf ] @ quick @ [ "-o"; p "mlink" ])
          // predict and evaluate: model directories
          for name, dir in [ "nosuch", p "nosuch"; "afile", afile; "memptydir", p "memptydir"; "mnojson", mnojson; "mnoweights", mnoweights; "mflip", mflip
                             "mtrunc", mtrunc; "mjson", mjson; "mhalf", mhalf; "mnewer", mnewer; "members edited", mscale0; "NaN weights (resealed)", nanWeights ] @ (resealed |> List.map (fun (n, d) -> n + " (resealed)", d)) do
              cli ("predict -m " + name) Err (fun () -> not (File.Exists(p "p_model.csv"))) [ "predict"; "-m"; dir; "--input"; test; "-o"; p "p_model.csv" ]
          for name, dir in [ "mflip", mflip; "mnewer", mnewer ] @ (resealed |> List.truncate 6) do
              cli ("evaluate -m " + name) Err none [ "evaluate"; "-m"; dir; "--data"; test ]
          // predict: inputs and outputs
          for name, input in [ "nosuch.csv", p "nosuch.csv"; "in_missing.csv", c "in_missing.csv"; "in_nan.csv", c "in_nan.csv"; "in_ragged.csv", c "in_ragged.csv" ] do
              cli ("predict --input " + name) Err none [ "predict"; "-m"; model; "--input"; input; "-o"; p "p.csv" ]
          cli "predict --input in_big.csv (±1e308)" Any (fun () -> not (File.Exists(p "p_big.csv")) || not ((File.ReadAllText(p "p_big.csv")).Contains "Infinity")) [ "predict"; "-m"; model; "--input"; c "in_big.csv"; "-o"; p "p_big.csv" ]
          cli "predict -o ''" Err none [ "predict"; "-m"; model; "--input"; test; "-o"; "" ]
          cli "predict -o (a directory)" Err (fun () -> Directory.Exists(p "adir")) [ "predict"; "-m"; model; "--input"; test; "-o"; p "adir" ]
          cli "predict -o missing/dir/p.csv" Err (fun () -> not (Directory.Exists(p "missing"))) [ "predict"; "-m"; model; "--input"; test; "-o"; p "missing/dir/p.csv" ]
          cli "predict -o - (stdout)" Ok (fun () -> not (File.Exists "-")) [ "predict"; "-m"; model; "--input"; test; "-o"; "-" ]
          cli "predict -o /dev/full (exit 3)" Err (fun () -> OutputFile.kind "/dev/full" = OutputFile.Special "character device") [ "predict"; "-m"; model; "--input"; test; "-o"; "/dev/full" ]
          cli "predict -o /dev/null (in place)" Ok (fun () -> OutputFile.kind "/dev/null" = OutputFile.Special "character device") [ "predict"; "-m"; model; "--input"; test; "-o"; "/dev/null" ]
          cli "predict -o (a symlink to /dev/null)" Ok (fun () -> FileInfo(p "nullink").LinkTarget = "/dev/null") [ "predict"; "-m"; model; "--input"; test; "-o"; p "nullink" ]
          cli "predict -o (a symlink to a regular file)" Ok (fun () -> FileInfo(p "reallink").LinkTarget <> null && (File.ReadAllText real).StartsWith "x1") [ "predict"; "-m"; model; "--input"; test; "-o"; p "reallink" ]
          cli "predict -o (an existing file: replaced)" Ok (fun () -> (File.ReadAllText existing).StartsWith "x1" && noTmp w) [ "predict"; "-m"; model; "--input"; test; "-o"; existing ]
          // evaluate: data
          for name, data in [ "nosuch.csv", p "nosuch.csv"; "eval_nocol.csv", c "eval_nocol.csv"; "eval_big.csv (x1e300)", evalBig; "nan.csv", c "nan.csv"
                              "empty.csv", c "empty.csv"; "(a directory)", p "adir" ] do
              cli ("evaluate --data " + name) Err none [ "evaluate"; "-m"; model; "--data"; data ]
          cli "evaluate --data zeros1.csv (said so)" Ok none [ "evaluate"; "-m"; model; "--data"; file "zeros1.csv" "x1,y\n0.1,0\n0.4,0\n0.7,0\n0.9,0\n" ]
          // run
          for extra in [ "--problem K99"; "--problem K1 --lambda nan"; "--problem K1 --lambda Infinity"; "--problem K1 --lr Infinity"; "--problem K1 --lr nan"
                         "--problem K1 --epochs -1"; "--problem K1 --lbfgs -1"; "--problem K1 --nh 0"; "--problem K1 --nh -1"; "--problem K1 --threads 0"
                         "--problem K1 --width 0"; "--problem K1 --depth 100"; "--problem K1 --arch kan --kan-range -1e308,1e308"; "--problem K1 --precision half"
                         "--problem K1 --lf maybe"; "--problem K1 --design halton"; "--problem K1 --arch siren --omega0 nan"
                         "--problem 2DU --encoding affine --encoder-lambda -1"; "--problem K1 --encoder-lambda nan"; "--problem K1 --lambda 1e308" ] do
              cli ("run " + extra) Err none ([ "run"; "--epochs"; "2"; "--lbfgs"; "0" ] @ List.ofArray (extra.Split ' '))
          cli "run --problem K1 (works)" Ok none [ "run"; "--problem"; "K1"; "--epochs"; "2"; "--lbfgs"; "0" ]
          // reproduce and the other commands
          for extra in [ "--preset foo"; "--only nosuch"; "--shard 0/3"; "--shard 4/3"; "--shard abc"; "--shard 1/0"; "--jobs 0"; "--jobs -1"; "--within 0"; "--within -1"; "--within nan"; "--within abc" ] do
              cli ("reproduce " + extra) Err none ([ "reproduce"; "--root"; p "pf" ] @ List.ofArray (extra.Split ' '))
          cli "reproduce --root missingdir" Err none [ "reproduce"; "--root"; p "missingdir" ]
          cli "reproduce --root (a file)" Err none [ "reproduce"; "--root"; rootfile ]
          cli "reproduce --root (a bad experiment file)" Err none [ "reproduce"; "--root"; p "pf" ]
          cli "figures --results nosuch.jsonl" Err none [ "figures"; "--root"; p "pf"; "--results"; p "nosuch.jsonl" ]
          cli "figures --preset foo" Err none [ "figures"; "--root"; p "pf"; "--preset"; "foo" ]
          cli "merge (no shards)" Err none [ "merge"; "--root"; p "pf" ]
          cli "slurm --shards 0" Err none [ "slurm"; "--shards"; "0"; "-o"; p "s.sh" ]
          cli "slurm -o missing/dir/s.sh" Err none [ "slurm"; "-o"; p "missing/dir/s.sh" ]
          cli "slurm -o (a directory)" Err none [ "slurm"; "-o"; p "adir" ]
          cli "export --problem K99" Err none [ "export"; "--problem"; "K99"; "-o"; p "ex" ]
          cli "export -o (an existing file)" Err (fun () -> File.ReadAllText afile = "file") [ "export"; "--problem"; "K1"; "-o"; afile ]
          // full and read-only file systems
          if mounted then
              cli "train onto a full disk (model kept, exit 3)" Err (fun () -> hashDir fullModel = fullHash && noTmp fullMnt) [ "train"; "--hf"; hf; "--select"; "off"; "--width"; "64"; "--epochs"; "2"; "--lbfgs"; "0"; "-o"; fullModel ]
              cli "train a new model onto a full disk" Err (fun () -> not (Directory.Exists(Path.Combine(fullMnt, "new"))) && noTmp fullMnt) [ "train"; "--hf"; hf; "--select"; "off"; "--width"; "64"; "--epochs"; "2"; "--lbfgs"; "0"; "-o"; Path.Combine(fullMnt, "new") ]
              cli "predict onto a full disk (no partial file)" Err (fun () -> not (File.Exists(Path.Combine(fullMnt, "p.csv"))) && noTmp fullMnt) [ "predict"; "-m"; model; "--input"; test; "-o"; Path.Combine(fullMnt, "p.csv") ]
              cli "export onto a full disk" Err none [ "export"; "--problem"; "K1"; "--nh"; "64"; "-o"; Path.Combine(fullMnt, "ex") ]
              cli "train onto a read-only fs (exit 3)" Err (fun () -> hashDir roModel = roHash) ([ "train"; "--hf"; hf ] @ quick @ [ "-o"; roModel ])
              cli "predict onto a read-only fs (exit 3)" Err none [ "predict"; "-m"; model; "--input"; test; "-o"; Path.Combine(roMnt, "p.csv") ]
              cli "predict from a model on a read-only fs (works)" Ok (fun () -> File.Exists(p "p_ro.csv")) [ "predict"; "-m"; roModel; "--input"; test; "-o"; p "p_ro.csv" ]
              cli "slurm -o onto a read-only fs" Err none [ "slurm"; "-o"; Path.Combine(roMnt, "s.sh") ]
              "facade Save onto a read-only fs", Err, facade (fun () -> (trained ()).Save(Path.Combine(roMnt, "fm"))), (fun () -> hashDir roModel = roHash)
              "facade Save onto a full disk", Err,
              facade (fun () ->
                  let e = fit (Emulators.EmulatorOptions(Epochs = 2, LbfgsIterations = 0, Selection = Emulators.ModelSelection.Off, Width = 64))
                  e.Fit()
                  e.Save(Path.Combine(fullMnt, "fm"))),
              (fun () -> noTmp fullMnt)
          // the facade
          for name, lower, upper in [ "inverted", [| 1.0 |], [| 0.0 |]; "mismatched", [| 0.0; 0.0 |], [| 1.0 |]; "null lower", null, [| 1.0 |]; "null upper", [| 0.0 |], null
                                      "NaN", [| nan |], [| 1.0 |]; "Infinity", [| 0.0 |], [| infinity |]; "empty", [||], [||] ] do
              "facade FromFunction " + name + " bounds", Err, facade (fun () -> Emulators.LowFidelitySource.FromFunction("lf", fx, lower, upper) |> ignore), none
          for name, lower, upper in [ "lone lower", [| 0.0 |], null; "lone upper", null, [| 1.0 |]; "inverted", [| 1.0 |], [| 0.0 |]; "1e300 wide", [| -1e300 |], [| 1e300 |] ] do
              "facade FromData " + name + " bounds", Err,
              facade (fun () ->
                  let e = fit (Emulators.EmulatorOptions(Epochs = 2, LbfgsIterations = 0, Selection = Emulators.ModelSelection.Off))
                  e.AddSource(Emulators.LowFidelitySource.FromData("lf", Array2D.init 4 1 (fun i _ -> float i / 3.0), [| 0.0; 1.0; 0.5; 0.2 |], lower, upper)).Fit()), none
          let off = Emulators.ModelSelection.Off
          for name, o in [ "Lambda NaN", Emulators.EmulatorOptions(Lambda = nan, Epochs = 2, LbfgsIterations = 0, Selection = off)
                           "LearningRate Infinity", Emulators.EmulatorOptions(LearningRate = infinity, Epochs = 2, LbfgsIterations = 0, Selection = off)
                           "EncoderPenalty -1", Emulators.EmulatorOptions(EncoderPenalty = -1.0, Epochs = 2, LbfgsIterations = 0, Selection = off)
                           "Members 0", Emulators.EmulatorOptions(Members = 0, Epochs = 2, LbfgsIterations = 0, Selection = off)
                           "Width 100000", Emulators.EmulatorOptions(Width = 100000, Epochs = 2, LbfgsIterations = 0, Selection = off)
                           "KanGridMin NaN", Emulators.EmulatorOptions(Architecture = Emulators.Architecture.Kan, KanGridMin = nan, Epochs = 2, LbfgsIterations = 0, Selection = off)
                           "SirenOmega0 Infinity", Emulators.EmulatorOptions(Architecture = Emulators.Architecture.Siren, SirenOmega0 = infinity, Epochs = 2, LbfgsIterations = 0, Selection = off)
                           "Epochs -1", Emulators.EmulatorOptions(Epochs = -1, LbfgsIterations = 0, Selection = off) ] do
              "facade Fit with " + name, Err, facade (fun () -> (fit o).Fit()), none
          "facade HF outputs x1e300", Err, facade (fun () ->
              let e = Emulators.MultiFidelityEmulator(Emulators.EmulatorOptions(Epochs = 2, LbfgsIterations = 0, Selection = Emulators.ModelSelection.Off))
              e.SetHighFidelityData(Array2D.init 5 1 (fun i _ -> float i), Array.init 5 (fun i -> 1e300 * float i)).Fit()), none
          "facade Save onto a file", Err, facade (fun () -> (trained ()).Save afile), (fun () -> File.ReadAllText afile = "file")
          "facade Save onto a non-model dir", Err, facade (fun () -> (trained ()).Save(p "notmodel")), (fun () -> Directory.GetFiles(p "notmodel").Length = 1)
          "facade Save with an empty name", Err, facade (fun () -> (trained ()).Save ""), none
          for name, dir in [ "nosuch", p "nosuch"; "afile", afile; "mflip", mflip; "mjson", mjson; "mnewer", mnewer ] @ (resealed |> List.truncate 8) do
              "facade Load " + name, Err, facade (fun () -> Emulators.MultiFidelityEmulator.Load dir |> ignore), none
          "facade CsvData.Read nan.csv", Err, facade (fun () -> Emulators.CsvData.Read(c "nan.csv") |> ignore), none
          "facade Predict with NaN", Err, facade (fun () -> (trained ()).Predict(Array2D.init 2 1 (fun _ _ -> nan)) |> ignore), none
          "facade works end to end", Ok, facade (fun () -> (trained ()).Save(p "f_ok")), (fun () -> File.Exists(p "f_ok/model.json")) ]
    let mutable clear = 0
    let defects = ResizeArray<string>()
    for name, expect, action, post in cases do
        let code, out, err =
            try action ()
            with e -> 70, "", "escaped: " + e.ToString()
        let errorLine = err.Split('\n') |> Array.tryFind (fun l -> l.StartsWith "error:" || l.StartsWith "ERROR:")
        let why =
            if err.Contains "   at " || err.Contains "internal error" then Some "stack trace or internal error"
            elif code = 2 || code = 3 then
                if expect = Ok then Some("error where a result was due: " + defaultArg errorLine err)
                elif errorLine.IsNone then Some "no error line"
                else None
            elif code = 0 then (if expect = Err then Some "exit 0 where an error was due" else None)
            else Some(sprintf "exit code %d" code)
        let why =
            match why with
            | None when not (try post () with _ -> false) -> Some "file system check failed"
            | w -> w
        let shown = (defaultArg errorLine (err.Split('\n') |> Array.tryFind (fun l -> l.StartsWith "warning" || l.StartsWith "note") |> Option.defaultValue (out.Split('\n')[0])))
        let shown = if shown.Length > 120 then shown.Substring(0, 120) else shown
        match why with
        | None ->
            clear <- clear + 1
            printfn "clear  rc=%-3d %-60s %s" code name shown
        | Some w ->
            defects.Add(sprintf "%s: %s" name w)
            printfn "DEFECT rc=%-3d %-60s %s\n       why: %s" code name shown w
    if mounted then
        sh "umount" fullMnt |> ignore
        sh "umount" roMnt |> ignore
    else printfn "(mounting a tmpfs is not allowed here: the disk-full and read-only cases were skipped)"
    printfn "\ntried %d, clear %d, defects %d" cases.Length clear defects.Count
    for d in defects do printfn "  defect: %s" d
    (try Directory.Delete(w, true) with _ -> ())
    defects.Count
