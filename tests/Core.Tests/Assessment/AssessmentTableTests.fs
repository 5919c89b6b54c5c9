/// The assessment's tables from synthetic records: grouping over repetitions, the encoding-effect rule and the
/// encoding ledger, the collapse rule, the MF gain and the best configuration per problem and N_H.
module AssessmentTableTests

open System
open Expecto
open Emulators.Core.Assessment
open Emulators.Core.Assessment.Aggregate
open AssessmentRecords

let private findGroup (gs: Group list) (f: GroupKey -> bool) =
    match gs |> List.filter (fun g -> f g.Key) with
    | [ g ] -> g
    | other -> failwithf "expected one group, found %d" other.Length

/// A record of one run (repetition 0; `with Rep = ...` for others: the grouping does not read the key).
let private mk = AssessmentRecords.run

[<Tests>]
let tests =
    testList "Assessment tables" [
        test "median of odd and even counts" {
            Expect.equal (median [| 3.0; 1.0; 2.0 |]) 2.0 "odd"
            Expect.equal (median [| 4.0; 1.0; 3.0; 2.0 |]) 2.5 "even"
            Expect.isTrue (Double.IsNaN(median [||])) "empty"
        }

        test "groups: median, min, max and count over repetitions; non-finite errors counted as failed" {
            let rs =
                [ for rep, e in [ 0, 4e-3; 1, 1e-3; 2, 2e-3; 3, 8e-3 ] -> record (fun r -> { r with Rep = rep; NormalizedMse = e }) ]
                @ [ record (fun r -> { r with Rep = 4; NormalizedMse = nan })
                    record (fun r -> { r with Nh = 16; NormalizedMse = 5e-4 })
                    record (fun r -> { r with Model = "sf"; Lf = "none"; NormalizedMse = 0.1 }) ]
            let gs = groups rs
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
            let gs = groups rs
            Expect.equal gs.Length 6 "six configurations"
            Expect.equal (findGroup gs (fun k -> k = keyOf baseRecord)).Stats.Count 2 "mlp and MLP pooled"
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
            let rows = Ledger.rows (groups rs)
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


        test "scientific notation with a two-digit exponent" {
            Expect.equal (sci 0.0373) "3.73e-02" "two-digit exponent"
        }

        test "a fit has collapsed when its median error is at least the threshold" {
            let st m = { Median = m; Min = m; Max = m; Count = 1; Failed = 0 }
            Expect.equal CollapseThreshold 0.5 "threshold"
            Expect.isTrue (isCollapsed (st 0.5)) "at the threshold"
            Expect.isTrue (isCollapsed (st 0.84)) "K3's flat SF fit"
            Expect.isFalse (isCollapsed (st 0.49)) "below"
            Expect.isFalse (isCollapsed { st nan with Count = 0; Failed = 2 }) "no finite run: not assessed"
        }

        test "problem labels name corrupted-sources members and sort in catalogue order" {
            let label p c = problemLabel (keyOf (record (fun r -> { r with Problem = p; Corrupted = c })))
            Expect.equal (label "CORR" 3) "CORR-3" "member"
            Expect.equal (label "K1" -1) "K1" "outside the family"
            let sorted = [ "XX"; "CORR-8"; "PDE"; "CORR-0"; "2DU"; "K5"; "GJG9"; "K1" ] |> List.sortBy problemOrder
            Expect.equal sorted [ "K1"; "K5"; "2DU"; "GJG9"; "PDE"; "CORR-0"; "CORR-8"; "XX" ] "catalogue order"
        }

        test "gain: ratio of the medians, band from the per-repetition ratios, SF of the same architecture and N_H" {
            let rs =
                [ mk "K1" "mlp" "mf" "none" 8 1e-4
                  { mk "K1" "mlp" "mf" "none" 8 1e-2 with Rep = 1 }
                  mk "K1" "mlp" "sf" "none" 8 1e-1
                  { mk "K1" "mlp" "sf" "none" 8 1e-1 with Rep = 1 }
                  mk "K1" "kan" "sf" "none" 8 1e3 // another architecture: not the baseline
                  mk "K1" "mlp" "mf" "none" 16 1e-3 // no SF at N_H = 16: no point
                  mk "K1" "kan" "mf" "none" 8 0.0 ] // zero error: no finite gain
            match Gain.points rs with
            | [ p ] ->
                Expect.equal (p.Mf.Key.Nh, p.Sf.Key.Architecture, p.Sf.Key.Model) (8, "mlp", "sf") "matched baseline"
                Expect.floatClose Accuracy.veryHigh p.Orders (log10 (1e-1 / 5.05e-3)) "log10 of median SF / median MF"
                Expect.floatClose Accuracy.veryHigh p.OrdersMin 1.0 "repetition 1: 1e-1 / 1e-2"
                Expect.floatClose Accuracy.veryHigh p.OrdersMax 3.0 "repetition 0: 1e-1 / 1e-4"
            | ps -> failtestf "expected one gain point, got %d" ps.Length
        }

        test "gain per architecture keeps the MF configuration of lowest median error" {
            let rs =
                [ mk "K1" "mlp" "mf" "none" 8 1e-3
                  record (fun r -> { r with Encoding = "affine"; NormalizedMse = 1e-5 })
                  mk "K1" "mlp" "sf" "none" 8 1e-1 ]
            let best = Gain.points rs |> Gain.bestPerArchitecture
            Expect.equal (best |> List.map (fun p -> p.Mf.Key.Encoding)) [ "affine" ] "the affine configuration"
            Expect.floatClose Accuracy.veryHigh best.Head.Orders 4.0 "its gain"
        }

        test "best configuration per problem and N_H, corrupted members as their own problems" {
            let rs =
                [ mk "K3" "kan" "mf" "none" 8 1e-2
                  mk "K3" "mlp" "mf" "none" 8 1e-3
                  mk "K3" "mlp" "sf" "none" 8 0.7 // collapsed SF baseline
                  mk "K3" "kan" "mf" "none" 16 1e-4
                  record (fun r -> { r with Experiment = "corrupted"; Problem = "CORR"; Corrupted = 3; Nh = 16; NormalizedMse = 1e-20 })
                  record (fun r -> { r with Experiment = "corrupted"; Problem = "CORR"; Corrupted = 3; Nh = 16; Model = "sf"; Lf = "none"; NormalizedMse = 1e-2 }) ]
            let rows = BestConfigurations.rows rs
            Expect.equal (rows |> List.map (fun r -> r.Problem, r.Nh)) [ "K3", 8; "K3", 16; "CORR-3", 16 ] "rows in catalogue order"
            let k3 = rows.Head
            Expect.equal (k3.Best.Key.Architecture, k3.Best.Stats.Median) ("mlp", 1e-3) "best at N_H = 8"
            Expect.floatClose Accuracy.veryHigh k3.Baseline.Value.Orders (log10 700.0) "gain over the SF of the same architecture"
            Expect.isNone rows[1].Baseline "no SF at N_H = 16"
            Expect.floatClose Accuracy.veryHigh rows[2].Baseline.Value.Orders 18.0 "CORR-3"
            let md = BestConfigurations.toMarkdown rows
            Expect.stringContains md "| K3 | 8 | 1 | mlp | no enc., exact LF | 1.00e-03 [1.00e-03, 1.00e-03] | 7.00e-01 [7.00e-01, 7.00e-01] | 7.00e+02 | 2.8 | SF collapsed |" "K3 row"
            Expect.stringContains md "| CORR-3 | 16 |" "CORR-3 row"
            let csv = BestConfigurations.toCsv rows
            Expect.equal (csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length) 4 "header + 3 rows"
            Expect.stringContains csv "K3,8,1,0,mlp,none,exact,none,0.001,0.001,0.001,0.7,0.7,0.7," "K3 line"
        }
    ]
