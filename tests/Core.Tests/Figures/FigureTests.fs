/// Figures, tables and the figures index rendered from synthetic assessment records (the tables' rules are tested
/// in AssessmentTableTests).
module FigureTests

open System
open System.IO
open Expecto
open Emulators.Core.Assessment
open Emulators.Figures
open AssessmentRecords

let private pngSignature = [| 0x89uy; 0x50uy; 0x4Euy; 0x47uy; 0x0Duy; 0x0Auy; 0x1Auy; 0x0Auy |]

let private tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "emulators-figures-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory d |> ignore
    d

[<Tests>]
let tests =
    testList "Figures" [
        test "log axis labels: powers of ten as 10ⁿ, tick steps of nice decades" {
            Expect.equal (Plots.logLabel 1e-5) "10⁻⁵" "negative exponent"
            Expect.equal (Plots.logLabel 1.0) "10⁰" "zero"
            Expect.equal (Plots.logLabel 1e12) "10¹²" "two digits"
            Expect.equal (Plots.DecadeAxis.Step 9.0) 1 "every decade up to ten decades"
            Expect.equal (Plots.DecadeAxis.Step 14.0) 2 "14 decades"
            Expect.equal (Plots.DecadeAxis.Step 33.0) 5 "33 decades"
        }

        test "renderAll writes every figure as PNG and SVG with its caption, the tables and the index" {
            let dir = tempDir ()
            try
                let files, notes = Render.renderAllWithNotes (syntheticRecords ()) dir
                let names = files |> List.map Path.GetFileName |> Set.ofList
                let stems = [ "summary-gain"; "functions-K1"; "error-vs-nh-K1"; "gain-K1"; "prediction-K1"; "corrupted-sources" ]
                for stem in stems do
                    for ext in [ ".png"; ".svg" ] do
                        Expect.isTrue (names.Contains(stem + ext)) (sprintf "%s%s written (notes: %A)" stem ext notes)
                for table in [ "ledger.md"; "ledger.csv"; "best-configurations.csv"; "claims.md"; "claims.csv"; "FIGURES.md" ] do
                    Expect.isTrue (names.Contains table) table
                Expect.isEmpty notes "nothing skipped"
                for f in files do
                    Expect.isTrue (File.Exists f && FileInfo(f).Length > 0L) (sprintf "%s non-empty" f)
                    if f.EndsWith ".png" then
                        let head = Array.sub (File.ReadAllBytes f) 0 8
                        Expect.equal head pngSignature (sprintf "%s is a PNG" f)
                    if f.EndsWith ".svg" then
                        let text = File.ReadAllText f
                        Expect.stringContains text "<svg" (sprintf "%s is an SVG" f)
                        Expect.isTrue (text.TrimEnd().EndsWith "</svg>") (sprintf "%s complete" f)
                let ledger = File.ReadAllText(Path.Combine(dir, "ledger.md"))
                Expect.stringContains ledger "| K1 | 8 | kan |" "encoding ledger, K1 row: kan best at N_H = 8"
                Expect.stringContains ledger "hurt" "encoding hurt in the synthetic K1"
                Expect.stringContains ledger "## Best configuration per problem and N_H" "second table"
                for nh in [ 8; 16; 32 ] do
                    Expect.stringContains ledger (sprintf "| K1 | %d | 2 | kan |" nh) (sprintf "best configuration at N_H = %d" nh)
                // every figure is in the index with a caption, and the caption is in the SVG too
                let index = File.ReadAllText(Path.Combine(dir, "FIGURES.md"))
                let sections = index.Split("\n## ") |> Array.tail
                Expect.equal (sections |> Array.map (fun s -> s.Split('\n')[0]) |> Set.ofArray) (Set.ofList stems) "one section per figure"
                for section in sections do
                    let stem = section.Split('\n')[0]
                    let lines = section.Split('\n')
                    let caption = lines[(lines |> Array.findIndex (fun l -> l = sprintf "![%s](%s.png)" stem stem)) + 2]
                    if not (stem.StartsWith "functions-") then
                        Expect.stringContains caption "e = normalized test MSE" (sprintf "%s: e is defined" stem)
                    let svg = File.ReadAllText(Path.Combine(dir, stem + ".svg"))
                    Expect.stringContains svg (Security.SecurityElement.Escape(caption.Split(' ') |> Array.take 4 |> String.concat " ")) (sprintf "%s: caption in the SVG" stem)
                let errorCaption = sections |> Array.find (fun s -> s.StartsWith "error-vs-nh-K1")
                Expect.stringContains errorCaption "median over 2 repetitions" "repetitions named"
                Expect.stringContains errorCaption "N_H ∈ {8, 16, 32}" "N_H named"
                Expect.stringContains errorCaption "minimum to maximum" "band defined"
            finally
                Directory.Delete(dir, true)
        }

        test "a problem with one N_H gets points per architecture, not lines; collapsed fits are marked" {
            let dir = tempDir ()
            try
                let rs =
                    [ for arch in [ "mlp"; "kan" ] do
                          for rep in 0..1 do
                              yield record (fun r -> { r with Problem = "K5"; Architecture = arch; Nh = 64; Rep = rep; NormalizedMse = 1e-4 })
                              yield record (fun r -> { r with Problem = "K5"; Architecture = arch; Nh = 64; Rep = rep; Model = "sf"; Lf = "none"; NormalizedMse = 0.8 }) ]
                let files, _ = Render.renderAllWithNotes rs dir
                let names = files |> List.map Path.GetFileName |> Set.ofList
                Expect.isTrue (names.Contains "error-K5.png" && names.Contains "gain-K5.png") "point charts"
                Expect.isFalse (names.Contains "error-vs-nh-K5.png") "no lines over a single N_H"
                let index = File.ReadAllText(Path.Combine(dir, "FIGURES.md"))
                Expect.stringContains index "K5: normalized test MSE e per architecture at N_H = 64 (a single N_H)." "error caption"
                Expect.stringContains index "Ringed: collapsed fits, median e ≥ 0.5" "collapse rule stated in the error caption"
                Expect.stringContains index "Ringed: the SF baseline collapsed" "and in the gain caption"
            finally
                Directory.Delete(dir, true)
        }

        test "captions wrap within the figure's width, keeping every word" {
            let text = String.replicate 40 "normalized test MSE against N_H, "
            let lines = Export.wrap 600 text
            Expect.isGreaterThan lines.Length 3 "several lines"
            Expect.equal (String.concat " " lines) (text.Trim()) "all words, in order"
            for l in lines do
                Expect.isLessThanOrEqual (Export.textWidth l) 600.0 (sprintf "fits: %s" l)
        }

        test "renderAll skips figures without data with a note instead of failing" {
            let dir = tempDir ()
            try
                let onlySf = [ record (fun r -> { r with Problem = "NOPE"; Model = "sf"; Lf = "none" }) ]
                let files, notes = Render.renderAllWithNotes onlySf dir
                Expect.isEmpty files "nothing to draw"
                Expect.isTrue (notes |> List.exists (fun n -> n.StartsWith "functions-NOPE")) "unknown problem noted"
                Expect.isTrue (notes |> List.exists (fun n -> n.StartsWith "error-vs-nh-NOPE")) "no MF noted"
                Expect.isTrue (notes |> List.exists (fun n -> n.StartsWith "corrupted-sources")) "no corrupted noted"
                Expect.isTrue (notes |> List.exists (fun n -> n.StartsWith "ledger")) "no ledger noted"
                let files2, _ = Render.renderAllWithNotes [] dir
                Expect.isEmpty files2 "empty input"
            finally
                Directory.Delete(dir, true)
        }
    ]
