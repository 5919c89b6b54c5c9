/// The paper's claims checked against hand-made records whose verdicts are known: each rule, its ties and the cells
/// it cannot assess.
module ClaimsTests

open Expecto
open Emulators.Core.Assessment
open AssessmentRecords

/// One run: an MF network (exact LF unless `lf` is "learned", then pre-train-and-freeze) or, with model "sf", its
/// SF baseline.
let private run problem arch model enc lf nh e =
    let r = AssessmentRecords.run problem arch model enc nh e
    if lf = "learned" && model <> "sf" then record (fun _ -> { r with Lf = "learned"; Strategy = "freeze" }) else r

let private claimAbout (text: string) (claims: Claims.Claim list) =
    claims |> List.find (fun c -> c.Statement.Contains text)

let private verdicts (c: Claims.Claim) = c.Cells |> List.map (fun x -> (x.Problem, x.Nh), x.Verdict) |> Map.ofList

[<Tests>]
let tests =
    testList "Claims" [
        test "MF beats SF: a gain of one order or more agrees, less disagrees; corrupted runs have a claim of their own" {
            let rs =
                [ run "K2" "mlp" "mf" "none" "exact" 8 1e-4
                  run "K2" "mlp" "sf" "none" "none" 8 1e-2      // 2 orders
                  run "K2" "mlp" "mf" "none" "exact" 16 1e-4
                  run "K2" "mlp" "sf" "none" "none" 16 5e-4     // 0.7 orders
                  record (fun r -> { r with Experiment = "corrupted"; Problem = "CORR"; Corrupted = 8; NormalizedMse = 1e-3 })
                  record (fun r -> { r with Experiment = "corrupted"; Problem = "CORR"; Corrupted = 8; Model = "sf"; Lf = "none"; NormalizedMse = 5e-4 }) ]
            let claims = Claims.check rs
            let gain = claimAbout "MF beats SF" claims |> verdicts
            Expect.equal gain (Map.ofList [ ("K2", 8), Claims.Agrees; ("K2", 16), Claims.Disagrees ]) "per N_H, no corrupted cell"
            let corrupted = claimAbout "corrupted" claims |> verdicts
            Expect.equal corrupted (Map.ofList [ ("CORR-8", 8), Claims.Disagrees ]) "MF worse than SF with 8 corrupted sources"
            Expect.equal (Claims.tally (claimAbout "MF beats SF" claims)) (1, 2, 0) "one of two"
        }

        test "the gain is largest where data are scarcest only when the smallest N_H has the largest gain" {
            let rs =
                [ for nh, mf, sf in [ 8, 1e-4, 1e-1; 16, 1e-5, 1e-3; 32, 1e-6, 1e-5 ] do
                      yield run "K3" "mlp" "mf" "none" "exact" nh mf
                      yield run "K3" "mlp" "sf" "none" "none" nh sf
                  for nh, mf, sf in [ 8, 1e-2, 1e-1; 16, 1e-6, 1e-2 ] do
                      yield run "K4" "mlp" "mf" "none" "exact" nh mf
                      yield run "K4" "mlp" "sf" "none" "none" nh sf ]
            let v = Claims.check rs |> claimAbout "data-scarce" |> verdicts
            Expect.equal v (Map.ofList [ ("K3", 8), Claims.Agrees; ("K4", 8), Claims.Disagrees ]) "3 > 2 > 1 orders; 1 < 4 orders"
        }

        test "KAN strongest: lower by more than the tie factor agrees, within it ties; K1 is out of scope" {
            let rs =
                [ run "K3" "mlp" "mf" "none" "exact" 8 1e-3
                  run "K3" "kan" "mf" "none" "exact" 8 1e-4      // KAN 10x better
                  run "K3" "mlp" "mf" "none" "exact" 16 1e-4
                  run "K3" "kan" "mf" "none" "exact" 16 1.5e-4   // within 2x: tie
                  run "K3" "mlp" "mf" "none" "exact" 32 1e-6
                  run "K3" "kan" "mf" "none" "exact" 32 1e-5     // MLP 10x better
                  run "K3" "mlp" "mf" "none" "exact" 64 1e-6     // no KAN at 64
                  run "K1" "mlp" "mf" "none" "exact" 8 1e-3
                  run "K1" "kan" "mf" "none" "exact" 8 1e-6 ]
            let c = Claims.check rs |> claimAbout "KAN"
            Expect.equal (verdicts c)
                (Map.ofList [ ("K3", 8), Claims.Agrees; ("K3", 16), Claims.Tie; ("K3", 32), Claims.Disagrees; ("K3", 64), Claims.NotAssessed ])
                "K1 left out"
            Expect.equal (Claims.tally c) (1, 2, 1) "ties and unassessed cells are not counted"
        }

        test "SIREN underperforms: against the better of MLP and KAN" {
            let rs =
                [ run "K2" "mlp" "mf" "none" "exact" 8 1e-3
                  run "K2" "kan" "mf" "none" "exact" 8 1e-5
                  run "K2" "siren" "mf" "none" "exact" 8 1e-4    // beats MLP, not KAN: underperforms
                  run "K2" "mlp" "mf" "none" "exact" 16 1e-3
                  run "K2" "siren" "mf" "none" "exact" 16 1e-5 ] // best: disagrees
            let v = Claims.check rs |> claimAbout "SIREN" |> verdicts
            Expect.equal v (Map.ofList [ ("K2", 8), Claims.Agrees; ("K2", 16), Claims.Disagrees ]) "verdicts"
        }

        test "encoding: best encoded vs best unencoded against Table 5; one side missing is not assessed" {
            let rs =
                [ run "K4" "mlp" "mf" "affine" "exact" 8 1e-4
                  run "K4" "kan" "mf" "none" "exact" 8 1e-3      // helped, as the paper says
                  run "K1" "mlp" "mf" "affine" "exact" 8 1e-3
                  run "K1" "mlp" "mf" "none" "exact" 8 1.2e-3    // no clear effect; the paper says hurt
                  run "2DU" "mlp" "mf" "affine" "exact" 16 1e-3  // only encoded
                  run "K2" "mlp" "mf" "affine" "exact" 8 1e-3    // the paper says nothing on K2
                  run "K2" "mlp" "mf" "none" "exact" 8 1e-1 ]
            let v = Claims.check rs |> claimAbout "encoding" |> verdicts
            Expect.equal v (Map.ofList [ ("K1", 8), Claims.Disagrees; ("K4", 8), Claims.Agrees; ("2DU", 16), Claims.NotAssessed ]) "verdicts"
        }

        test "exact LF as the upper bound, and K1 at the paper's 1e-26" {
            let rs =
                [ run "K1" "mlp" "mf" "none" "exact" 8 1e-31
                  run "K1" "mlp" "mf" "none" "learned" 8 1e-7
                  run "K1" "mlp" "mf" "none" "exact" 16 1e-20
                  run "K1" "mlp" "mf" "none" "learned" 16 1.5e-20
                  run "K3" "mlp" "mf" "none" "exact" 8 1e-2
                  run "K3" "mlp" "mf" "none" "learned" 8 1e-3 ]
            let claims = Claims.check rs
            Expect.equal (claimAbout "upper bound" claims |> verdicts)
                (Map.ofList [ ("K1", 8), Claims.Agrees; ("K1", 16), Claims.Tie; ("K3", 8), Claims.Disagrees ]) "exact vs learned"
            Expect.equal (claimAbout "1e-26" claims |> verdicts)
                (Map.ofList [ ("K1", 8), Claims.Agrees; ("K1", 16), Claims.Disagrees ]) "at most 1e-24 agrees"
        }

        test "claims.md lists every claim with its tally and every cell" {
            let md = Claims.check (syntheticRecords ()) |> Claims.toMarkdown
            for text in [ "MF beats SF"; "KAN is the strongest"; "SIREN"; "coordinate encoding"; "upper bound"; "1e-26"; "corrupted" ] do
                Expect.stringContains md text text
            Expect.stringContains md "| K1 | 8 |" "a cell row"
            Expect.stringContains md " of " "tallies"
        }
    ]
