// Medians over repetitions of every configuration in configs.txt, from runs.jsonl (see run.sh).
open System
open System.IO
open System.Text.Json

let configs =
    File.ReadAllLines fsi.CommandLineArgs[1]
    |> Array.filter (fun l -> not (l.TrimStart().StartsWith "#") && l.Trim() <> "")
    |> Array.map (fun l -> let parts = l.Split('|', 2) in parts[0].Trim(), parts[1].Trim())
let runs =
    File.ReadAllLines fsi.CommandLineArgs[2]
    |> Array.filter (fun l -> l.Trim() <> "")
    |> Array.map (fun l -> JsonDocument.Parse(l).RootElement)
let sci (v: float) = v.ToString("0.00e+00", Globalization.CultureInfo.InvariantCulture)
let median (xs: float[]) =
    let s = Array.sort xs
    let n = s.Length
    if n % 2 = 1 then s[n / 2] else (s[n / 2 - 1] + s[n / 2]) / 2.0

printfn "# Acceptance measurements"
printfn ""
printfn "Normalized test MSE, median (min–max) over repetitions; `emulators run` defaults unless the arguments say otherwise."
printfn "Regenerate with `paper-figures/acceptance/run.sh`."
printfn ""
printfn "| configuration | `emulators run` arguments | reps | MF median (min–max) | SF median (min–max) | SF / MF |"
printfn "|---|---|---|---|---|---|"
for label, args in configs do
    let mine = runs |> Array.filter (fun r -> r.GetProperty("label").GetString() = label)
    if mine.Length > 0 then
        let mf = mine |> Array.map (fun r -> r.GetProperty("normalizedMse").GetDouble())
        let sf = mine |> Array.map (fun r -> r.GetProperty("singleFidelityNormalizedMse").GetDouble())
        let cell (v: float[]) = sprintf "%s (%s – %s)" (sci (median v)) (sci (Array.min v)) (sci (Array.max v))
        let ratio = median sf / median mf
        let ratioText = if ratio < 1e4 then ratio.ToString("0.0", Globalization.CultureInfo.InvariantCulture) else sci ratio
        printfn "| %s | `%s` | %d | %s | %s | %s |" label args mine.Length (cell mf) (cell sf) ratioText
