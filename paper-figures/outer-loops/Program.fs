/// The active-learning loop of `emulators suggest` on built-in problems: start from N_H = 8 Sobol' points, add 4
/// points per round for 4 rounds, chosen either by the ensemble's largest spread (spread out by the distance
/// penalty) or as the next points of the same Sobol' sequence, retrain from scratch each round, and score the
/// ensemble mean on the problem's test set.
/// Usage: dotnet run -c Release --project paper-figures/outer-loops -- [out-dir] [problem ...]
module OuterLoops.Program

open System
open System.IO
open OxyPlot
open OxyPlot.Axes
open OxyPlot.Series
open Emulators.Core
open Emulators.Core.Outer
open Emulators.Figures

let startN = 8
let perRound = 4
let rounds = 4
let members = 4
let block = MlpBlock { Depth = 3; Width = 16 }
let schedule = { AdamEpochs = 2000; LearningRate = 1e-3; LbfgsIterations = 1000 }

let train (p: Problem) (x: float[][]) =
    let hf = { X = x; Y = Experiment.evaluate p.Hf x }
    let encoding = if p.Sources |> List.exists (fun s -> s.Domain.Dim <> p.Domain.Dim) then AffineEncoding else NoEncoding
    let spec = { Correlation = block; Surrogate = block; Encoding = encoding; Precision = Tensors.Float64 }
    let cfg = { TrainConfig.defaults with Schedule = schedule; SurrogateSchedule = schedule }
    (Fit.fit cfg spec p.Domain hf (Experiment.sources p Experiment.ExactLf 0) (Array.init members (fun e -> 1000 + 7 * e))).Emulator

let testError (p: Problem) =
    let xt = Experiment.testPoints p
    let yt = Experiment.evaluate p.Hf xt
    fun (m: Emulator) -> (Metrics.all p.NormSq (Uncertainty.predict m xt).Mean yt).NormalizedMse

type Row = { Problem: string; Round: int; NHf: int; Suggested: float; Sobol: float }

let study (p: Problem) =
    let score = testError p
    // The same design as `emulators run`: Sobol' points from a power-of-two offset (nested as N grows), plus the
    // two boundary points in 1-D.
    let sobolAt n = Experiment.hfPoints p n 0
    let start = sobolAt startN
    let mutable x = start
    [ for r in 0 .. rounds do
          let xs = sobolAt (startN + perRound * r)
          let mSuggested = train p x
          let eSuggested = score mSuggested
          let eSobol = if r = 0 then eSuggested else score (train p xs)
          let row = { Problem = p.Name; Round = r; NHf = x.Length; Suggested = eSuggested; Sobol = eSobol }
          printfn "%s round %d: N_H = %d  suggested %.3e  Sobol' %.3e" p.Name r x.Length eSuggested eSobol
          yield row
          if r < rounds then
              let pts = Suggest.run { Suggest.defaults with Count = perRound } x None (Predictor.ofEmulator mSuggested)
              x <- Array.append x (pts |> List.map (fun q -> q.X) |> Array.ofList) ]

let panel (name: string) (rows: Row list) =
    let m = Plots.newModel name
    let nh = rows |> List.map (fun r -> float r.NHf)
    let all = rows |> List.collect (fun r -> [ r.Suggested; r.Sobol ])
    let lo, hi = Plots.logRange all
    m.Axes.Add(Plots.errorAxis Plots.ErrorAxisTitle lo hi)
    m.Axes.Add(LinearAxis(Position = AxisPosition.Bottom, Title = "N_H (HF points, boundary included)", Minimum = List.min nh - 1.0, Maximum = List.max nh + 1.0, MajorStep = 4.0))
    let line (title: string) (i: int) (pick: Row -> float) =
        let s = LineSeries(Title = title, Color = Plots.colour i, StrokeThickness = 2.0, MarkerType = MarkerType.Circle, MarkerSize = 4.0, MarkerFill = Plots.colour i)
        for r in rows do s.Points.Add(DataPoint(float r.NHf, pick r))
        m.Series.Add s
    line "suggested (largest ensemble spread)" 0 (fun r -> r.Suggested)
    line "next Sobol' points" 1 (fun r -> r.Sobol)
    m.Legends.Add(Legends.Legend(LegendPosition = Legends.LegendPosition.TopRight, LegendBackground = OxyColors.White, LegendBorder = OxyColors.Gray))
    m

[<EntryPoint>]
let main argv =
    Native.init 1
    let dir = if argv.Length > 0 then argv[0] else "paper-figures/outer-loops"
    let names = if argv.Length > 1 then List.ofArray argv[1..] else [ "K3"; "2DU" ]
    let results = names |> List.map (fun n -> let p = Ishigami.findProblem n in p.Name, study p)
    let files = Export.saveComposed dir "suggest-loop" 520 "" [ for name, rows in results -> panel name rows, 640 ]
    let fmt (v: float) = v.ToString("0.00e+00", Globalization.CultureInfo.InvariantCulture)
    let table =
        [ yield "| problem | round | N_H | suggested | Sobol' | Sobol' / suggested |"
          yield "|---|---|---|---|---|---|"
          for _, rows in results do
              for r in rows do
                  yield sprintf "| %s | %d | %d | %s | %s | %.2f |" r.Problem r.Round r.NHf (fmt r.Suggested) (fmt r.Sobol) (r.Sobol / r.Suggested) ]
    File.WriteAllLines(Path.Combine(dir, "suggest-loop.md"), table)
    table |> List.iter (printfn "%s")
    printfn "wrote %s" (String.concat ", " files)
    0
