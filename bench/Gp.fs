/// The exact GP at the assessment's largest size: K5's single-fidelity GP (Matérn 5/2, the assessment's restarts) at
/// N_H HF points, fitted and then predicting K5's test set, with the process's CPU split into user and kernel time,
/// its minor page faults and peak memory. bench/run.sh runs it with Native's default allocator setting (every buffer
/// from the heap, 4 kB pages) and with the previous one (EMULATORS_ALLOCATOR=mapped: buffers above 32 MB mapped afresh,
/// huge pages), alternately, so the kernel's share of a large GP is measured, not guessed.
module Bench.Gp

open System
open System.Diagnostics
open System.IO
open Emulators.Core
open Emulators.Core.Gp

open Bench.Common

let private minorFaults () =
    // /proc/self/stat field 10 is minflt; the command name (field 2) is in parentheses and has no spaces here
    let fields = File.ReadAllText("/proc/self/stat").Split(' ')
    int64 fields[9]

let private peakRssMb () =
    File.ReadAllLines "/proc/self/status"
    |> Array.tryFind (fun l -> l.StartsWith "VmHWM:")
    |> Option.map (fun l -> float (l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0)
    |> Option.defaultValue nan

let gp (out: string) (nh: int) =
    let setting =
        if Environment.GetEnvironmentVariable "EMULATORS_ALLOCATOR" = "mapped" then "mapped buffers, huge pages (EMULATORS_ALLOCATOR=mapped)"
        else "heap buffers, 4 kB pages (the default)"
    Native.init 1
    let p = Problems.Catalogue.find "K5"
    let x = Experiment.hfPoints p nh 0
    let hf = { X = x; Y = Experiment.evaluate p.Hf x }
    let xt = Experiment.testPoints p
    let me = Process.GetCurrentProcess()
    let cpu () =
        me.Refresh()
        me.UserProcessorTime.TotalSeconds, me.PrivilegedProcessorTime.TotalSeconds
    let u0, s0 = cpu ()
    let f0 = minorFaults ()
    let clock = Stopwatch.StartNew()
    let g = GpFit.fit { FitSettings.defaults with Seed = 1 } SingleFidelity Matern52 p.Domain hf []
    let fitSeconds = clock.Elapsed.TotalSeconds
    let mean = (GpEmulator.predict g xt).Mean
    let totalSeconds = clock.Elapsed.TotalSeconds
    let u1, s1 = cpu ()
    let f1 = minorFaults ()
    let row =
        {| nh = nh; points = x.Length; testPoints = xt.Length
           fitSeconds = fitSeconds; predictSeconds = totalSeconds - fitSeconds
           userSeconds = u1 - u0; systemSeconds = s1 - s0; systemShare = (s1 - s0) / (u1 - u0 + s1 - s0)
           minorFaults = f1 - f0; peakRssMb = peakRssMb ()
           negLogLikelihood = g.Hf.NegLogLikelihood; firstPrediction = mean[0]
           setting = setting |}
    eprintfn "GP K5 N_H=%d (%s): fit %.1f s, predict %.1f s, user %.1f s, system %.1f s (%.1f %%), %d minor faults, peak %.0f MB, nll %.17g"
        nh row.setting row.fitSeconds row.predictSeconds row.userSeconds row.systemSeconds (100.0 * row.systemShare)
        row.minorFaults row.peakRssMb row.negLogLikelihood
    writeJson out (box row)

/// The RESULTS.md section of the GP runs in dir (gp.default.R.json and gp.mapped.R.json, R = 1, 2, ...), and the
/// median system share with the default setting; None when run.sh did not run them.
let section (dir: string) : string list * float option =
    let load (setting: string) =
        Directory.GetFiles(dir, sprintf "gp.%s.*.json" setting)
        |> Array.sort
        |> Array.map (fun f -> Text.Json.JsonDocument.Parse(File.ReadAllText f).RootElement)
    let byDefault, mapped = load "default", load "mapped"
    if byDefault.Length = 0 || mapped.Length = 0 then [], None
    else
        let get (name: string) (d: Text.Json.JsonElement) = d.GetProperty(name).GetDouble()
        let med name (ds: Text.Json.JsonElement[]) = ds |> Array.map (get name) |> median
        let row label (ds: Text.Json.JsonElement[]) =
            sprintf "| %s | %.1f | %.1f | %.1f | %.1f | %.1f %% | %.0f | %.0f |" label (med "fitSeconds" ds) (med "predictSeconds" ds)
                (med "userSeconds" ds) (med "systemSeconds" ds) (100.0 * med "systemShare" ds) (med "minorFaults" ds) (med "peakRssMb" ds)
        let sameNumbers =
            Array.append byDefault mapped
            |> Array.forall (fun d -> get "negLogLikelihood" d = get "negLogLikelihood" byDefault[0] && get "firstPrediction" d = get "firstPrediction" byDefault[0])
        let h0 = byDefault[0]
        let defaultShare = med "systemShare" byDefault
        [ ""
          "## The exact GP at the assessment's largest size"
          ""
          sprintf "`bench gp`: K5's single-fidelity GP (Matérn 5/2, %d restarts, batched L-BFGS), N_H = %d (%d points), fitted and then predicting the %d test points, one thread; with the library's default allocator setting (every buffer from glibc's heap, whose top a fitting stage keeps until its end; 4 kB pages) and with the previous one (`EMULATORS_ALLOCATOR=mapped`: buffers above 32 MB get a fresh mapping, backed by libtorch's huge pages), alternately, %d times each. CPU times are the process's own over fit and prediction; faults are minor page faults."
              FitSettings.defaults.Restarts (h0.GetProperty("nh").GetInt32()) (h0.GetProperty("points").GetInt32())
              (h0.GetProperty("testPoints").GetInt32()) byDefault.Length
          ""
          "| allocator | fit (s) | predict (s) | user CPU (s) | system CPU (s) | system share | minor faults | peak RSS (MB) |"
          "|---|---|---|---|---|---|---|---|"
          row "heap, 4 kB pages (default)" byDefault
          row "mapped, huge pages" mapped
          ""
          sprintf "Wall time ratio (default / mapped, fit + predict) = %.3f; system share with the default %.1f %% (target < 10 %%: %s); the same likelihood and predictions bit for bit both ways: %b."
              ((med "fitSeconds" byDefault + med "predictSeconds" byDefault) / (med "fitSeconds" mapped + med "predictSeconds" mapped))
              (100.0 * defaultShare) (if defaultShare < 0.10 then "met" else "**missed**") sameNumbers ],
        Some defaultShare

/// `bench gp-report <dir> <out.md>`: the GP section alone (run.sh --gp-only), with its summary line.
let report (dir: string) (out: string) =
    match section dir with
    | lines, Some share ->
        let head =
            [ "# The exact GP at the assessment's largest size"
              ""
              "Generated by `bash bench/run.sh --gp-only`; do not edit by hand. The full `bash bench/run.sh` writes the same section into RESULTS.md."
              ""
              sprintf "- date: %s UTC; .NET %s; one thread (`Native.init 1`, `OMP_NUM_THREADS=1`)" (DateTime.UtcNow.ToString "yyyy-MM-dd HH:mm") (Environment.Version.ToString()) ]
        File.WriteAllLines(out, head @ (lines |> List.skip 2))
        eprintfn "wrote %s" out
        printfn "gp-system-share: %.3f" share
    | _ -> failwithf "bench gp-report: no gp.default.*.json and gp.mapped.*.json in %s" dir
