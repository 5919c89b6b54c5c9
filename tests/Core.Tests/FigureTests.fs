/// Figures and ledger from synthetic assessment records: aggregation, the encoding-effect rule, rendered files.
module FigureTests

open System
open System.IO
open Expecto
open Emulators.Core.Assessment
open Emulators.Cli.Figures

let private baseRecord =
    { Key = ""
      Experiment = "main"
      Problem = "K1"
      Architecture = "mlp"
      Depth = 3
      Width = 16
      Model = "mf"
      Encoding = "none"
      Lf = "exact"
      Strategy = "none"
      Nh = 8
      NhTotal = 10
      Rep = 0
      Corrupted = -1
      Design = "sobol"
      NormalizedMse = 1e-3
      Rmse = 0.0
      MaxError = 0.0
      LearningRate = 1e-3
      Lambda = 1e-3
      SearchCandidates = 0
      ValidationNormalizedMse = 0.0
      Seconds = 1.0
      LibraryVersion = "test"
      FinishedUtc = "2025-01-01T00:00:00Z"
      Example = None }

let private record (f: RunRecord -> RunRecord) =
    let r = f baseRecord
    { r with Key = sprintf "%s/%s/%s/%s/%s/%s/%s/%d/%d/%d" r.Experiment r.Problem r.Architecture r.Model r.Encoding r.Lf r.Strategy r.Nh r.Corrupted r.Rep }

let private forresterHf (x: float) = (6.0 * x - 2.0) ** 2.0 * sin (12.0 * x - 4.0)

let private example (nh: int) (noise: float) =
    let xs = Array.init 200 (fun i -> float i / 199.0)
    let truth = xs |> Array.map forresterHf
    let hfX = Array.init (nh + 2) (fun i -> float i / float (nh + 1))
    { X = xs
      Truth = truth
      Prediction = xs |> Array.map (fun x -> forresterHf x + noise * sin (7.0 * x))
      HfX = hfX
      HfY = hfX |> Array.map forresterHf }

/// K1, two architectures, three N_H, two repetitions, MF configurations, SF baselines, examples, corrupted runs.
let syntheticRecords () =
    let rng = Random 7
    let jitter () = 10.0 ** (0.3 * (rng.NextDouble() - 0.5))
    [ for arch, archFactor in [ "mlp", 1.0; "kan", 0.1 ] do
          for nh in [ 8; 16; 32 ] do
              let nhFactor = (8.0 / float nh) ** 3.0
              for rep in 0..1 do
                  for enc, encFactor in [ "none", 1.0; "affine", 10.0; "nonlinear", 30.0 ] do
                      for lf, strategy, lfFactor in [ "exact", "none", 1e-6; "learned", "freeze", 1e-3; "learned", "end-to-end", 3e-3 ] do
                          let e = archFactor * nhFactor * encFactor * lfFactor * jitter ()
                          yield
                              record (fun r ->
                                  { r with
                                      Architecture = arch
                                      Nh = nh
                                      Rep = rep
                                      Encoding = enc
                                      Lf = lf
                                      Strategy = strategy
                                      NormalizedMse = e
                                      Example = (if nh = 8 && rep = 0 then Some(example nh (sqrt e)) else None) })
                  let sf = archFactor * nhFactor * 0.3 * jitter ()
                  yield
                      record (fun r ->
                          { r with
                              Architecture = arch
                              Model = "sf"
                              Lf = "none"
                              Nh = nh
                              Rep = rep
                              NormalizedMse = sf
                              Example = (if nh = 8 && rep = 0 then Some(example nh (sqrt sf)) else None) })
      for arch in [ "mlp"; "kan" ] do
          for c in 0..3 do
              for rep in 0..1 do
                  yield
                      record (fun r ->
                          { r with
                              Experiment = "corrupted"
                              Architecture = arch
                              Lf = "learned"
                              Strategy = "end-to-end"
                              Corrupted = c
                              Rep = rep
                              NormalizedMse = 1e-4 * 5.0 ** float c * jitter () })
              yield
                  record (fun r ->
                      { r with
                          Experiment = "corrupted"
                          Architecture = arch
                          Model = "sf"
                          Lf = "none"
                          Corrupted = 0
                          NormalizedMse = 0.2 * jitter () }) ]

let private pngSignature = [| 0x89uy; 0x50uy; 0x4Euy; 0x47uy; 0x0Duy; 0x0Auy; 0x1Auy; 0x0Auy |]

let private tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "emulators-figures-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory d |> ignore
    d

let private findGroup (gs: Aggregate.Group list) (f: Aggregate.GroupKey -> bool) =
    match gs |> List.filter (fun g -> f g.Key) with
    | [ g ] -> g
    | other -> failwithf "expected one group, found %d" other.Length

[<Tests>]
let tests =
    testList "Figures" [
        test "median of odd and even counts" {
            Expect.equal (Aggregate.median [| 3.0; 1.0; 2.0 |]) 2.0 "odd"
            Expect.equal (Aggregate.median [| 4.0; 1.0; 3.0; 2.0 |]) 2.5 "even"
            Expect.isTrue (Double.IsNaN(Aggregate.median [||])) "empty"
        }

        test "groups: median, min, max and count over repetitions; non-finite errors counted as failed" {
            let rs =
                [ for rep, e in [ 0, 4e-3; 1, 1e-3; 2, 2e-3; 3, 8e-3 ] -> record (fun r -> { r with Rep = rep; NormalizedMse = e }) ]
                @ [ record (fun r -> { r with Rep = 4; NormalizedMse = nan })
                    record (fun r -> { r with Nh = 16; NormalizedMse = 5e-4 })
                    record (fun r -> { r with Model = "sf"; Lf = "none"; NormalizedMse = 0.1 }) ]
            let gs = Aggregate.groups rs
            Expect.equal gs.Length 3 "three configurations"
            let g = findGroup gs (fun k -> k.Model = "mf" && k.Nh = 8)
            Expect.floatClose Accuracy.veryHigh g.Stats.Median 3e-3 "median of 1,2,4,8 (e-3)"
            Expect.equal g.Stats.Min 1e-3 "min"
            Expect.equal g.Stats.Max 8e-3 "max"
            Expect.equal g.Stats.Count 4 "count"
            Expect.equal g.Stats.Failed 1 "the NaN run"
            let g16 = findGroup gs (fun k -> k.Nh = 16)
            Expect.equal (g16.Stats.Median, g16.Stats.Min, g16.Stats.Max, g16.Stats.Count) (5e-4, 5e-4, 5e-4, 1) "single run"
        }

        test "groups keep experiment, encoding, LF, strategy and corrupted count apart, case-insensitively" {
            let rs =
                [ record id
                  record (fun r -> { r with Architecture = "MLP"; Rep = 1 })
                  record (fun r -> { r with Encoding = "affine" })
                  record (fun r -> { r with Lf = "learned"; Strategy = "freeze" })
                  record (fun r -> { r with Lf = "learned"; Strategy = "end-to-end" })
                  record (fun r -> { r with Experiment = "other" })
                  record (fun r -> { r with Corrupted = 2 }) ]
            let gs = Aggregate.groups rs
            Expect.equal gs.Length 6 "six configurations"
            Expect.equal (findGroup gs (fun k -> k = Aggregate.keyOf baseRecord)).Stats.Count 2 "mlp and MLP pooled"
        }

        test "log axis labels: powers of ten as 10ⁿ, tick steps of nice decades" {
            Expect.equal (Plots.logLabel 1e-5) "10⁻⁵" "negative exponent"
            Expect.equal (Plots.logLabel 1.0) "10⁰" "zero"
            Expect.equal (Plots.logLabel 1e12) "10¹²" "two digits"
            Expect.equal (Plots.DecadeAxis.Step 9.0) 1 "every decade up to ten decades"
            Expect.equal (Plots.DecadeAxis.Step 14.0) 2 "14 decades"
            Expect.equal (Plots.DecadeAxis.Step 33.0) 5 "33 decades"
            Expect.equal (Aggregate.sci 0.0373) "3.73e-02" "two-digit exponent"
        }

        test "encoding effect rule with the factor-2 threshold" {
            Expect.equal Ledger.EncodingEffectFactor 2.0 "threshold"
            Expect.equal (Ledger.encodingEffect 1e-3 1e-2) Ledger.Helped "10x lower"
            Expect.equal (Ledger.encodingEffect 1e-3 2.1e-3) Ledger.Helped "just over 2x lower"
            Expect.equal (Ledger.encodingEffect 1e-3 2e-3) Ledger.NoClearEffect "exactly 2x"
            Expect.equal (Ledger.encodingEffect 1e-3 1.5e-3) Ledger.NoClearEffect "1.5x"
            Expect.equal (Ledger.encodingEffect 1.9e-3 1e-3) Ledger.NoClearEffect "1.9x worse"
            Expect.equal (Ledger.encodingEffect 2.1e-3 1e-3) Ledger.Hurt "2.1x worse"
            Expect.equal (Ledger.encodingEffect 1e-20 1e-26) Ledger.Hurt "K1-like"
            Expect.equal (Ledger.encodingEffect nan 1e-3) Ledger.NotAssessed "failed runs"
        }

        test "ledger rows: best architecture at the smallest N_H, encoding effect within it, gain, paper agreement" {
            let mk problem arch model enc nh e =
                record (fun r ->
                    { r with
                        Problem = problem
                        Architecture = arch
                        Model = model
                        Encoding = enc
                        Lf = (if model = "sf" then "none" else "exact")
                        Nh = nh
                        NormalizedMse = e })
            let rs =
                [ // K3: kan is best at N_H = 8 with encoding (10x better than unencoded kan) -> helped, agrees
                  mk "K3" "kan" "mf" "nonlinear" 8 1e-5
                  mk "K3" "kan" "mf" "none" 8 1e-4
                  mk "K3" "mlp" "mf" "none" 8 5e-5
                  mk "K3" "mlp" "mf" "affine" 8 1e-2
                  mk "K3" "kan" "mf" "none" 16 1e-12 // larger N_H: ignored by the rule
                  mk "K3" "kan" "sf" "none" 8 1e-1
                  mk "K3" "mlp" "sf" "none" 8 1e-3
                  // K1: unencoded far better -> hurt, agrees
                  mk "K1" "mlp" "mf" "none" 8 1e-20
                  mk "K1" "mlp" "mf" "affine" 8 1e-10
                  mk "K1" "mlp" "sf" "none" 8 1e-2
                  // K5: within 2x -> no clear effect; the paper's "unnecessary" agrees
                  mk "K5" "mlp" "mf" "none" 8 1e-3
                  mk "K5" "mlp" "mf" "affine" 8 1.5e-3
                  // K4: encoding hurt, the paper says helped -> disagrees; no SF -> no gain
                  mk "K4" "siren" "mf" "none" 8 1e-3
                  mk "K4" "siren" "mf" "nonlinear" 8 1e-1
                  // XX: only unencoded runs -> not assessed
                  mk "XX" "mlp" "mf" "none" 8 1e-3 ]
            let rows = Ledger.rows (Aggregate.groups rs)
            let row p = rows |> List.find (fun r -> r.Problem = p)
            Expect.equal (rows |> List.map (fun r -> r.Problem)) [ "K1"; "K3"; "K4"; "K5"; "XX" ] "one row per problem"
            let k3 = row "K3"
            Expect.equal (k3.Nh, k3.BestArchitecture, k3.BestEncoding, k3.Effect) (8, "kan", "nonlinear", Ledger.Helped) "K3"
            Expect.equal k3.BestMfError 1e-5 "K3 best MF"
            Expect.equal k3.BestSfError (Some 1e-1) "SF of the same architecture"
            Expect.floatClose Accuracy.high k3.Gain.Value 1e4 "gain"
            Expect.floatClose Accuracy.high k3.GainOrders.Value 4.0 "orders"
            Expect.equal (k3.PaperClaim, k3.Agrees) ("helped", "yes") "K3 agrees"
            let k1 = row "K1"
            Expect.equal (k1.Effect, k1.PaperClaim, k1.Agrees) (Ledger.Hurt, "hurt", "yes") "K1"
            Expect.floatClose Accuracy.high k1.GainOrders.Value 18.0 "K1 orders"
            let k5 = row "K5"
            Expect.equal (k5.Effect, k5.PaperClaim, k5.Agrees) (Ledger.NoClearEffect, "unnecessary", "yes") "K5"
            let k4 = row "K4"
            Expect.equal (k4.Effect, k4.Agrees, k4.Gain) (Ledger.Hurt, "no", None) "K4"
            let xx = row "XX"
            Expect.equal (xx.Effect, xx.PaperClaim, xx.Agrees) (Ledger.NotAssessed, "—", "—") "XX"
            let csv = Ledger.toCsv rows
            Expect.equal (csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length) 6 "header + 5 rows"
            Expect.stringContains (Ledger.toMarkdown rows) "| K3 | 8 | kan |" "markdown row"
        }

        test "renderAll writes PNG and SVG figures and the ledger for a synthetic result set" {
            let dir = tempDir ()
            try
                let files, notes = Render.renderAllWithNotes (syntheticRecords ()) dir
                let names = files |> List.map Path.GetFileName |> Set.ofList
                for stem in [ "functions-K1"; "error-vs-nh-K1"; "prediction-K1"; "corrupted-sources" ] do
                    for ext in [ ".png"; ".svg" ] do
                        Expect.isTrue (names.Contains(stem + ext)) (sprintf "%s%s written (notes: %A)" stem ext notes)
                Expect.isTrue (names.Contains "ledger.md" && names.Contains "ledger.csv") "ledger"
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
                Expect.stringContains ledger "| K1 | 8 | kan |" "K1 row: kan best at N_H = 8"
                Expect.stringContains ledger "hurt" "encoding hurt in the synthetic K1"
            finally
                Directory.Delete(dir, true)
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
