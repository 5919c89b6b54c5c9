/// The outer loops: input gradients, propagation, Sobol' indices, optimization and suggestion, on functions with
/// known answers (Forrester K1, Ishigami, linear functions) and through trained emulators.
module OuterTests

open System
open System.IO
open Expecto
open TorchSharp
open Emulators.Core
open Emulators.Core.Outer

let private schedule adam lbfgs = { AdamEpochs = adam; LearningRate = 1e-3; LbfgsIterations = lbfgs }

let private trainCfg adam lbfgs =
    { TrainConfig.defaults with Schedule = schedule adam lbfgs; SurrogateSchedule = schedule adam lbfgs }

let private mlp = MlpBlock { Depth = 3; Width = 16 }
let private spec block enc = { Correlation = block; Surrogate = block; Encoding = enc; Precision = Tensors.Float64 }

/// K1 with the exact LF function, an ensemble of 3 members (trained once, shared).
let private k1Ensemble =
    lazy
        (let p = Problems.Forrester.k1
         let x = Experiment.hfPoints p 8 0
         let hf = { X = x; Y = Experiment.evaluate p.Hf x }
         (Fit.fit (trainCfg 1000 600) (spec mlp NoEncoding) p.Domain hf [ Exact p.Sources.Head ] [| 11; 12; 13 |]).Emulator)

/// Forrester's y_H on [0, 1] by Gauss–Legendre quadrature: mean and standard deviation.
let private k1Moments =
    lazy
        (let f (x: float) = (Experiment.evaluate Problems.Forrester.hf [| [| x |] |])[0]
         let m1 = MathNet.Numerics.Integrate.GaussLegendre((fun x -> f x), 0.0, 1.0, 1024)
         let m2 = MathNet.Numerics.Integrate.GaussLegendre((fun x -> f x * f x), 0.0, 1.0, 1024)
         m1, sqrt (m2 - m1 * m1))

/// A 2-D problem whose exact LF source shares the HF inputs (for every encoding) on a non-unit box.
let private box2 = Box.create [| 0.0; -1.0 |] [| 1.0; 2.0 |]
let private lf2: SourceFunction =
    { Name = "LF"
      Domain = box2
      Eval = (fun x -> torch.sin (x.select(-1, 0L) * 3.0) + x.select(-1, 1L) * x.select(-1, 0L))
      Differentiable = true }

let private gradientCheck (m: Emulator) (x: float[][]) =
    let g = Gradients.ofMembers m x
    let d = m.Domain.Dim
    let mutable worst = 0.0
    for j in 0 .. d - 1 do
        let h = 1e-6 * (m.Domain.Upper[j] - m.Domain.Lower[j])
        let shift s = x |> Array.map (fun r -> r |> Array.mapi (fun i v -> if i = j then v + s * h else v))
        let up = Emulator.predictMembers m (shift 1.0)
        let down = Emulator.predictMembers m (shift -1.0)
        for e in 0 .. m.Members - 1 do
            for i in 0 .. x.Length - 1 do
                let fd = (up[e].Value[i] - down[e].Value[i]) / (2.0 * h)
                let ad = g.Gradients[e][i][j]
                worst <- max worst (abs (fd - ad) / max 1e-3 (max (abs fd) (abs ad)))
    g, worst

let private points2 = Sampling.sobolScrambled 3 0 2 6 |> Sampling.scaleTo box2.Lower box2.Upper

[<Tests>]
let tests =
    testList "outer loops" [
        testList "input gradients" [
            for family in Names.values Architecture.names do
                for enc in Names.values EncodingKind.names do
                    test (sprintf "%s, encoding %s, 2 members: autograd = finite differences" (Names.name Architecture.names family) (Names.name EncodingKind.names enc)) {
                        let block = Block.ofArchitecture BlockSettings.defaults family 2 8
                        let encoding = Encoding.ofKind BlockSettings.defaults family enc
                        let hfY = Experiment.evaluate lf2.Eval points2
                        let m = Emulator.create (spec block encoding) box2 hfY [ Exact lf2 ] [| 5; 6 |]
                        let g, worst = gradientCheck m points2
                        Expect.isTrue g.ByAutograd "autograd path"
                        Expect.isLessThan worst 1e-5 "relative error of every member's gradient"
                        let predicted = Emulator.predictMembers m points2
                        for e in 0 .. 1 do
                            for i in 0 .. points2.Length - 1 do
                                Expect.floatClose Accuracy.high (g.Values[e][i]) (predicted[e].Value[i]) "values equal predict"
                    }
            test "learned LF surrogate and single-fidelity network: autograd = finite differences" {
                let hfY = Experiment.evaluate lf2.Eval points2
                let lfX = Sampling.sobol 2 1 32 |> Sampling.scaleTo box2.Lower box2.Upper
                let learned = Learned("LF", Some box2, lfX, Experiment.evaluate lf2.Eval lfX)
                for sources in [ [ learned ]; [] ] do
                    let m = Emulator.create (spec mlp NoEncoding) box2 hfY sources [| 1; 2; 3 |]
                    let _, worst = gradientCheck m points2
                    Expect.isLessThan worst 1e-5 "relative error"
            }
            test "a black-box LF function falls back to finite differences, with the same gradients" {
                let f = Workflow.functionSource "LF" box2 (fun r -> sin (3.0 * r[0]) + r[1] * r[0])
                let hfY = Experiment.evaluate lf2.Eval points2
                let mBlack = Emulator.create (spec mlp NoEncoding) box2 hfY [ Exact f ] [| 4 |]
                let mTorch = Emulator.create (spec mlp NoEncoding) box2 hfY [ Exact lf2 ] [| 4 |]
                let gb = Gradients.ofMembers mBlack points2
                let gt = Gradients.ofMembers mTorch points2
                Expect.isFalse gb.ByAutograd "finite differences"
                for i in 0 .. points2.Length - 1 do
                    for j in 0 .. 1 do
                        Expect.floatClose { absolute = 1e-6; relative = 1e-5 } (gb.Gradients[0][i][j]) (gt.Gradients[0][i][j]) "same gradient"
            }
            test "the predictor's mean gradient is the average of its members'" {
                let m = Emulator.create (spec mlp NoEncoding) box2 (Experiment.evaluate lf2.Eval points2) [ Exact lf2 ] [| 7; 8; 9 |]
                let g = (Predictor.ofEmulator m).Gradient points2
                let members = g.Members.Value
                for i in 0 .. points2.Length - 1 do
                    for j in 0 .. 1 do
                        Expect.floatClose Accuracy.veryHigh (g.Mean[i][j]) ((members |> Array.sumBy (fun mg -> mg[i][j])) / 3.0) "mean"
            }
            test "exact HF of K1: autograd gradient = analytic derivative" {
                let x = [| [| 0.1 |]; [| 0.5 |]; [| 0.9 |] |]
                let _, g = Gradients.ofModel Problems.Forrester.hf x
                for i in 0 .. 2 do
                    let t = x[i][0]
                    let a = 6.0 * t - 2.0
                    let exact = 12.0 * a * sin (12.0 * t - 4.0) + 12.0 * a * a * cos (12.0 * t - 4.0)
                    Expect.floatClose Accuracy.veryHigh (g[i][0]) exact "dy/dx"
            }
        ]
        testList "distributions" [
            test "sample mean and standard deviation match the closed forms" {
                let ds = [| Uniform(-1.0, 3.0); Normal(2.0, 0.5); TruncatedNormal(0.0, 1.0, -0.5, 2.0); LogNormal(0.1, 0.4) |]
                let u = McDesign.unitPoints SobolMc 1 0 4 16384
                let x = InputSpace.transform ds u
                for j in 0 .. 3 do
                    let col = x |> Array.map (fun r -> r[j])
                    let m, s = InputDistribution.moments (ds[j])
                    Expect.floatClose { absolute = 2e-3; relative = 2e-3 } (Stats.mean col) m (sprintf "mean of %A" (ds[j]))
                    Expect.floatClose { absolute = 2e-3; relative = 3e-3 } (Stats.std col) s (sprintf "sd of %A" (ds[j]))
                let tn = x |> Array.map (fun r -> r[2])
                Expect.isTrue (tn |> Array.forall (fun v -> v >= -0.5 && v <= 2.0)) "truncated normal stays in its interval"
            }
            test "CLI text and JSON give the same distributions" {
                let text = [ "x1=normal(0.5, 0.1)"; "x2=truncnormal(0,1,-1,1)"; "x3=lognormal(0,0.25)"; "x4=uniform(2,3)" ] |> List.map InputSpace.parseItem
                let json =
                    InputSpace.parseJson "spec.json"
                        """{"inputs": {"x1": {"type": "normal", "mean": 0.5, "sd": 0.1},
                                       "x2": {"type": "truncnormal", "mean": 0, "sd": 1, "lower": -1, "upper": 1},
                                       "x3": "lognormal(0,0.25)", "x4": {"type": "uniform", "lower": 2, "upper": 3}}}"""
                Expect.equal json text "same"
                let space = InputSpace.withOverrides (Box.unit 5) [| "x1"; "x2"; "x3"; "x4"; "x5" |] text
                Expect.equal (space[4]) (Uniform(0.0, 1.0)) "unnamed inputs stay uniform over the box"
            }
            test "bad specs name what is wrong" {
                TestUtil.throwsUserError [ "unknown distribution 'gamma'" ] (fun () -> InputSpace.parseItem "x1=gamma(1,2)")
                TestUtil.throwsUserError [ "normal takes 2 parameters, got 3" ] (fun () -> InputSpace.parseItem "x1=normal(1,2,3)")
                TestUtil.throwsUserError [ "input 'x1'"; "standard deviation"; "positive" ] (fun () -> InputSpace.parseItem "x1=normal(1,0)")
                TestUtil.throwsUserError [ "lower bound 2"; "not below" ] (fun () -> InputSpace.parseItem "x1=uniform(2,1)")
                TestUtil.throwsUserError [ "'abc' is not a number" ] (fun () -> InputSpace.parseItem "x1=uniform(abc,1)")
                TestUtil.throwsUserError [ "expected NAME=kind" ] (fun () -> InputSpace.parseItem "normal(0,1)")
                TestUtil.throwsUserError [ "keeps no probability" ] (fun () -> InputSpace.parseItem "x1=truncnormal(0,1,50,60)")
                TestUtil.throwsUserError [ "spec.json"; "not valid JSON" ] (fun () -> InputSpace.parseJson "spec.json" "{x1:")
                TestUtil.throwsUserError [ "input 'x1'"; "no \"sd\" field" ] (fun () -> InputSpace.parseJson "spec.json" """{"x1": {"type": "normal", "mean": 1}}""")
                TestUtil.throwsUserError [ "unknown input 'z'"; "x1, x2" ] (fun () ->
                    InputSpace.withOverrides (Box.unit 2) [| "x1"; "x2" |] [ "z", Normal(0.0, 1.0) ])
                TestUtil.throwsUserError [ "two distributions" ] (fun () ->
                    InputSpace.withOverrides (Box.unit 2) [| "x1"; "x2" |] [ "x1", Normal(0.0, 1.0); "X1", Normal(0.0, 2.0) ])
            }
        ]
        testList "propagation" [
            test "K1, exact LF emulator: mean and std within 1e-3 (relative) of quadrature" {
                let m1, sd = k1Moments.Force()
                let r = Propagation.run Propagation.defaults (InputSpace.ofBox (Box.unit 1)) (Predictor.ofEmulator (k1Ensemble.Force()))
                Expect.floatClose { absolute = 0.0; relative = 1e-3 } r.Mean.Value m1 "mean"
                Expect.floatClose { absolute = 0.0; relative = 1e-3 } r.Std.Value sd "std"
                Expect.isSome r.Mean.Emulator "an ensemble has an emulator interval"
                Expect.isTrue (r.Mean.Combined.Lower <= r.Mean.MonteCarlo.Lower && r.Mean.Combined.Upper >= r.Mean.MonteCarlo.Upper) "combined holds the MC interval"
                Expect.equal r.OutsideDomain 0.0 "uniform over the box stays inside"
            }
            test "exact K1 function: quadrature mean and std inside the Monte Carlo intervals; LHS agrees" {
                let m1, sd = k1Moments.Force()
                let p = Predictor.ofModel "K1 HF" (Box.unit 1) Problems.Forrester.hf
                for design in [ SobolMc; LatinHypercubeMc ] do
                    let r = Propagation.run { Propagation.defaults with Design = design } (InputSpace.ofBox (Box.unit 1)) p
                    Expect.isTrue (r.Mean.MonteCarlo.Lower <= m1 && m1 <= r.Mean.MonteCarlo.Upper) (sprintf "%A mean %g in %A" design m1 r.Mean.MonteCarlo)
                    Expect.isTrue (r.Std.MonteCarlo.Lower <= sd && sd <= r.Std.MonteCarlo.Upper) (sprintf "%A std %g in %A" design sd r.Std.MonteCarlo)
                    Expect.isNone r.Mean.Emulator "no members, no emulator interval"
            }
            test "linear function of normal and lognormal inputs: analytic mean, std and median" {
                // y = 2 x1 + 3 x2, x1 ~ N(1, 0.5), x2 ~ N(-1, 0.2): y ~ N(-1, sqrt(1 + 0.36))
                let f: Model = fun x -> x.select(-1, 0L) * 2.0 + x.select(-1, 1L) * 3.0
                let p = Predictor.ofModel "linear" (Box.unit 2) f
                let r = Propagation.run Propagation.defaults [| Normal(1.0, 0.5); Normal(-1.0, 0.2) |] p
                Expect.floatClose { absolute = 2e-3; relative = 0.0 } r.Mean.Value -1.0 "mean"
                Expect.floatClose { absolute = 0.0; relative = 2e-3 } r.Std.Value (sqrt 1.36) "std"
                let median = r.Quantiles |> List.find (fun (q, _) -> q = 0.5) |> snd
                Expect.floatClose { absolute = 5e-3; relative = 0.0 } median.Value -1.0 "median"
                let q95 = r.Quantiles |> List.find (fun (q, _) -> q = 0.95) |> snd
                Expect.floatClose { absolute = 1e-2; relative = 0.0 } q95.Value (-1.0 + 1.6448536 * sqrt 1.36) "95 % quantile"
                Expect.isGreaterThan r.OutsideDomain 0.5 "normal inputs leave the unit box"
            }
            test "same seed, same numbers; bad settings are rejected" {
                let p = Predictor.ofModel "K1 HF" (Box.unit 1) Problems.Forrester.hf
                let s = { Propagation.defaults with Samples = 2048 }
                let a = Propagation.run s (InputSpace.ofBox (Box.unit 1)) p
                let b = Propagation.run s (InputSpace.ofBox (Box.unit 1)) p
                Expect.equal a.Outputs b.Outputs "deterministic"
                TestUtil.throwsUserError [ "2 input distributions"; "1 inputs" ] (fun () -> Propagation.run s [| Normal(0.0, 1.0); Normal(0.0, 1.0) |] p)
                TestUtil.throwsUserError [ "quantile 1.5" ] (fun () -> Propagation.run { s with Quantiles = [ 1.5 ] } (InputSpace.ofBox (Box.unit 1)) p)
                TestUtil.throwsUserError [ "at least 2 replicates" ] (fun () -> Propagation.run { s with Replicates = 1 } (InputSpace.ofBox (Box.unit 1)) p)
            }
        ]
        testList "sensitivity" [
            test "exact Ishigami: analytic indices inside the bootstrap intervals and within 0.02" {
                let p = Predictor.ofModel "Ishigami" Ishigami.domain Ishigami.hf
                let r = Sensitivity.run Sensitivity.defaults (InputSpace.ofBox Ishigami.domain) p
                for i in 0 .. 2 do
                    for what, est, exact in [ "S", r.FirstOrder[i], Ishigami.firstOrder[i]; "ST", r.Total[i], Ishigami.total[i] ] do
                        Expect.isTrue (est.Bootstrap.Lower <= exact && exact <= est.Bootstrap.Upper) (sprintf "%s%d = %g in %A" what (i + 1) exact est.Bootstrap)
                        Expect.floatClose { absolute = 0.02; relative = 0.0 } est.Value exact (sprintf "%s%d" what (i + 1))
                Expect.floatClose { absolute = 0.0; relative = 0.02 } r.Variance Ishigami.variance "variance"
            }
            test "additive linear function: S_i = ST_i = a_i² / Σ a_j² under uniform inputs" {
                let f: Model = fun x -> x.select(-1, 0L) * 1.0 + x.select(-1, 1L) * 2.0 + x.select(-1, 2L) * 3.0
                let p = Predictor.ofModel "linear" (Box.unit 3) f
                let r = Sensitivity.run { Sensitivity.defaults with BaseSamples = 2048 } (InputSpace.ofBox (Box.unit 3)) p
                for i in 0 .. 2 do
                    let exact = float ((i + 1) * (i + 1)) / 14.0
                    Expect.floatClose { absolute = 5e-3; relative = 0.0 } (r.FirstOrder[i].Value) exact "S_i"
                    Expect.floatClose { absolute = 5e-3; relative = 0.0 } (r.Total[i].Value) exact "ST_i"
            }
            test "Ishigami emulator (MF, exact LF, 256 HF points, lambda 1e-6, 2 members): every index within 0.02 of analytic" {
                let p = Ishigami.problem
                let x = Sampling.sobolScrambled 0 0 3 256 |> Sampling.scaleTo p.Domain.Lower p.Domain.Upper
                let hf = { X = x; Y = Experiment.evaluate p.Hf x }
                let block = MlpBlock { Depth = 2; Width = 32 }
                let m = (Fit.fit { trainCfg 1000 500 with Lambda = 1e-6 } (spec block NoEncoding) p.Domain hf [ Exact p.Sources.Head ] [| 1; 2 |]).Emulator
                let r = Sensitivity.run { Sensitivity.defaults with BaseSamples = 32768 } (InputSpace.ofBox p.Domain) (Predictor.ofEmulator m)
                for i in 0 .. 2 do
                    Expect.floatClose { absolute = 0.02; relative = 0.0 } (r.FirstOrder[i].Value) (Ishigami.firstOrder[i]) (sprintf "S%d" (i + 1))
                    Expect.floatClose { absolute = 0.02; relative = 0.0 } (r.Total[i].Value) (Ishigami.total[i]) (sprintf "ST%d" (i + 1))
                    Expect.equal (r.FirstOrder[i].MemberValues.Value.Length) 2 "per-member indices"
                    Expect.isSome (r.Total[i].Emulator) "across-member interval"
            }
        ]
        testList "optimize" [
            test "exact Forrester HF: the minimiser 0.7572 to 1e-6, derivative zero" {
                let p = Predictor.ofModel "K1 HF" (Box.unit 1) Problems.Forrester.hf
                let r = Optimize.run Optimize.defaults None p
                Expect.floatClose { absolute = 1e-4; relative = 0.0 } (r.X[0]) 0.7572 "x*"
                let _, g = Gradients.ofModel Problems.Forrester.hf [| r.X |]
                Expect.isLessThan (abs (g[0][0])) 1e-5 "stationary"
                Expect.floatClose { absolute = 1e-6; relative = 0.0 } r.Value -6.02074 "y*"
            }
            test "K1 emulator (exact LF ensemble): minimiser within 1e-4 of the true one, with its spread" {
                let truth = Optimize.run Optimize.defaults None (Predictor.ofModel "K1 HF" (Box.unit 1) Problems.Forrester.hf)
                let r = Optimize.run Optimize.defaults None (Predictor.ofEmulator (k1Ensemble.Force()))
                Expect.floatClose { absolute = 1e-4; relative = 0.0 } (r.X[0]) (truth.X[0]) "x*"
                Expect.isSome r.Std "ensemble spread at x*"
                Expect.equal r.MemberValues.Value.Length 3 "member values"
            }
            test "bounds are respected: the maximum of Forrester on [0, 1] is at x = 1; a quadratic's box corner" {
                let p = Predictor.ofModel "K1 HF" (Box.unit 1) Problems.Forrester.hf
                let r = Optimize.run { Optimize.defaults with Goal = Optimize.Maximize } None p
                Expect.equal (r.X[0]) 1.0 "upper bound"
                let q: Model = fun x -> (x.select(-1, 0L) - 2.0).square() + (x.select(-1, 1L) + 0.3).square()
                let b = Box.create [| -1.0; 0.0 |] [| 1.0; 1.0 |]
                let rq = Optimize.run Optimize.defaults None (Predictor.ofModel "quadratic" b q)
                Expect.floatClose Accuracy.high (rq.X[0]) 1.0 "x1 at its upper bound"
                Expect.floatClose Accuracy.high (rq.X[1]) 0.0 "x2 at its lower bound"
                for s in rq.Starts do
                    Expect.isTrue (Box.contains b s.X) "every run stays in the box"
            }
        ]
        testList "suggest" [
            test "spread: the first point has the largest spread; a batch is spread out; EI prefers low means" {
                let m = k1Ensemble.Force()
                let p = Predictor.ofEmulator m
                let s = { Suggest.defaults with Count = 4; Candidates = 512 }
                let pts = Suggest.run s [||] None p
                Expect.equal pts.Length 4 "K points"
                let cands = Sampling.sobolScrambled (s.Seed + 7) 0 1 512
                let sd = (p.Predict cands).Std.Value
                Expect.floatClose Accuracy.veryHigh pts.Head.Std (Array.max sd) "largest spread first"
                let xs = pts |> List.map (fun q -> q.X[0]) |> Array.ofList |> Array.sort
                Expect.isTrue (Array.pairwise xs |> Array.forall (fun (a, b) -> b - a > 0.02)) (sprintf "spread out: %A" xs)
                let ei = Suggest.run { s with Criterion = Suggest.ExpectedImprovement Optimize.Minimize } [||] None p
                Expect.isLessThan ei.Head.Mean (Array.average (p.Predict cands).Mean) "EI point below the average"
            }
            test "expected improvement: closed form limits; no uncertainty is an error" {
                Expect.floatClose Accuracy.veryHigh (Suggest.expectedImprovement 1.0 0.0 0.0) 1.0 "sd = 0: improvement"
                Expect.floatClose Accuracy.veryHigh (Suggest.expectedImprovement 0.0 0.0 1.0) (1.0 / sqrt (2.0 * Math.PI)) "z = 0: sd φ(0)"
                let p = Predictor.ofModel "K1 HF" (Box.unit 1) Problems.Forrester.hf
                TestUtil.throwsUserError [ "needs a predictor with uncertainty" ] (fun () -> Suggest.run Suggest.defaults [||] None p)
            }
        ]
        testList "command line" [
            test "every outer-loop command has --help and --json" {
                for cmd in [ "propagate"; "sensitivity"; "optimize"; "suggest" ] do
                    let code, out, _ = CliTests.run [ cmd; "--help" ]
                    Expect.equal code 0 (sprintf "%s --help" cmd)
                    Expect.stringContains out "--json" (sprintf "%s documents --json" cmd)
                let code, out, _ = CliTests.run [ "predict"; "--help" ]
                Expect.equal code 0 "predict --help"
                Expect.stringContains out "--gradient" "predict documents --gradient"
            }
            test "the four commands read the shared model options alike, by name; the last occurrence wins" {
                let argv = [| "--problem"; "K1"; "--nh"; "8"; "--nh"; "16"; "--members"; "3"; "--arch"; "kan"; "--lf"; "learned"
                              "--epochs"; "7"; "--lbfgs"; "5"; "--seed"; "11" |]
                let parse (p: Argu.ArgumentParser<'T>) extra = p.ParseCommandLine(Array.append argv extra)
                let read = Emulators.Cli.Outer.OuterModel.choiceOf
                let expected: Emulators.Cli.Outer.OuterModel.Choice =
                    { Model = None; Problem = Some "K1"; Exact = false; Nh = Some 16; Members = 3; Arch = Architecture.Kan
                      Lf = Experiment.LearnedLf; Epochs = 7; Lbfgs = 5; Seed = 11 }
                let propagate = read (parse (Argu.ArgumentParser.Create<Emulators.Cli.Outer.PropagateCommand.Args>()) [||])
                let sensitivity = read (parse (Argu.ArgumentParser.Create<Emulators.Cli.Outer.SensitivityCommand.Args>()) [| "--exact" |])
                let optimize = read (parse (Argu.ArgumentParser.Create<Emulators.Cli.Outer.OptimizeCommand.Args>()) [||])
                let suggest = read (parse (Argu.ArgumentParser.Create<Emulators.Cli.Outer.SuggestCommand.Args>()) [||])
                Expect.equal propagate expected "propagate"
                Expect.equal sensitivity { expected with Exact = true } "sensitivity with --exact"
                Expect.equal optimize expected "optimize"
                Expect.equal suggest expected "suggest (it has no --exact)"
                let defaults = read ((Argu.ArgumentParser.Create<Emulators.Cli.Outer.OptimizeCommand.Args>()).ParseCommandLine [| "--problem"; "K2" |])
                Expect.equal (defaults.Nh, defaults.Arch, defaults.Lf, defaults.Seed) (None, OptionSpec.architecture.Default, Experiment.ExactLf, OptionSpec.seed.Default) "defaults"
            }
            test "propagate and optimize on K1's exact HF: quadrature mean, the true minimiser, one JSON line" {
                let json (out: string) = System.Text.Json.Nodes.JsonNode.Parse((out.Trim().Split('\n') |> Array.last))
                let code, out, err = CliTests.run [ "propagate"; "--problem"; "K1"; "--exact"; "--json" ]
                Expect.equal code 0 err
                let m1, sd = k1Moments.Force()
                let j = json out
                Expect.floatClose { absolute = 0.0; relative = 1e-3 } (j.["mean"].["value"].GetValue<float>()) m1 "mean"
                Expect.floatClose { absolute = 0.0; relative = 1e-3 } (j.["std"].["value"].GetValue<float>()) sd "std"
                let code, out, err = CliTests.run [ "optimize"; "--problem"; "K1"; "--exact"; "--json" ]
                Expect.equal code 0 err
                let j = json out
                Expect.floatClose { absolute = 1e-6; relative = 0.0 } (j.["x"].[0].GetValue<float>()) 0.757249 "x*"
                Expect.floatClose { absolute = 1e-9; relative = 0.0 } (j.["trueValue"].GetValue<float>()) (j.["value"].GetValue<float>()) "true value at x*"
                let code, out, err = CliTests.run [ "sensitivity"; "--problem"; "ishigami"; "--exact"; "--samples"; "1024"; "--bootstrap"; "20"; "--json" ]
                Expect.equal code 0 err
                Expect.equal ((json out).["inputs"].AsArray().Count) 3 "three inputs"
            }
            test "bad distribution specs and model choices exit with 2 and a clear message" {
                let dir = CliTests.tempDir ()
                let spec = Path.Combine(dir, "spec.json")
                File.WriteAllText(spec, "{\"x1\": {\"type\": \"normal\", \"mean\": 0.5}}")
                CliTests.expectUserError [ "propagate"; "--problem"; "K1"; "--exact"; "--dist"; "x1=weibull(1,2)" ] [ "unknown distribution 'weibull'" ]
                CliTests.expectUserError [ "propagate"; "--problem"; "K1"; "--exact"; "--dist"; "x1=normal(0.5)" ] [ "normal takes 2 parameters, got 1" ]
                CliTests.expectUserError [ "sensitivity"; "--problem"; "K1"; "--exact"; "--dist"; "y=normal(0,1)" ] [ "unknown input 'y'"; "x1" ]
                CliTests.expectUserError [ "propagate"; "--problem"; "K1"; "--exact"; "--spec"; spec ] [ "spec.json"; "no \"sd\" field" ]
                CliTests.expectUserError [ "propagate"; "--problem"; "K1"; "--exact"; "--spec"; Path.Combine(dir, "missing.json") ] [ "does not exist" ]
                CliTests.expectUserError [ "propagate"; "--problem"; "K1"; "--exact"; "--quantiles"; "0.5,2" ] [ "quantile 2" ]
                CliTests.expectUserError [ "optimize"; "--problem"; "K1"; "--exact"; "--goal"; "up" ] [ "unknown goal 'up'" ]
                CliTests.expectUserError [ "optimize" ] [ "--model"; "--problem" ]
                CliTests.expectUserError [ "suggest"; "--problem"; "nope" ] [ "unknown problem 'nope'" ]
            }
            test "suggest writes K points as CSV; predict --gradient adds gradient columns equal to finite differences" {
                let dir = CliTests.tempDir ()
                let out = Path.Combine(dir, "next.csv")
                let code, _, err = CliTests.run [ "suggest"; "--problem"; "K1"; "--members"; "2"; "--epochs"; "200"; "--lbfgs"; "20"; "-n"; "3"; "-o"; out ]
                Expect.equal code 0 err
                let t = Csv.read out
                Expect.equal t.Columns [| "x1"; "y_mean"; "y_std" |] "header"
                Expect.equal t.Rows.Length 3 "three points"
                // a saved model: train on K1's exported data, then predict with gradients
                let data = Path.Combine(dir, "data")
                Expect.equal (let c, _, _ = CliTests.run [ "export"; "--problem"; "K1"; "-o"; data ] in c) 0 "export"
                let model = Path.Combine(dir, "model")
                let c, _, e = CliTests.run [ "train"; "--hf"; Path.Combine(data, "hf.csv"); "--lf"; "LF=" + Path.Combine(data, "lf-LF.csv"); "--select"; "off"; "--members"; "2"; "--epochs"; "200"; "--lbfgs"; "20"; "-o"; model ]
                Expect.equal c 0 e
                let pred = Path.Combine(dir, "pred.csv")
                let c, _, e = CliTests.run [ "predict"; "-m"; model; "--input"; out; "-o"; pred; "--gradient" ]
                Expect.equal c 0 e
                let p = Csv.read pred
                Expect.equal p.Columns [| "x1"; "y"; "y_std"; "dy/dx1" |] "gradient column"
                let m = (ModelFile.load model (fun _ -> None)).Emulator
                for r in p.Rows do
                    let h = 1e-6
                    let f x = (Uncertainty.predict m [| [| x |] |]).Mean[0]
                    let fd = (f (r[0] + h) - f (r[0] - h)) / (2.0 * h)
                    Expect.floatClose { absolute = 1e-5; relative = 1e-5 } (r[3]) fd "dy/dx1"
            }
        ]
    ]
