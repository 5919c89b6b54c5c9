/// Example predictions of a 1-D problem (prediction-<problem>): truth, the best MF and SF predictions and the HF
/// training points at the smallest N_H that has example predictions (records keep one, from the first repetition).
module Emulators.Figures.PredictionFigure

open OxyPlot
open OxyPlot.Axes
open OxyPlot.Series
open Emulators.Core.Assessment
open Emulators.Core.Assessment.Aggregate
open Emulators.Figures.Plots
open Emulators.Figures.Marks
open Emulators.Figures.Export

let private hasExample (r: RunRecord) =
    match r.Example with
    | Some e -> e.X.Length > 0 && e.X.Length = e.Prediction.Length && e.X.Length = e.Truth.Length
    | None -> false

let private lineOf (title: string) (colour: OxyColor) (dash: LineStyle) (thickness: float) (xs: float[]) (ys: float[]) =
    let s = LineSeries(Title = title, Color = colour, LineStyle = dash, StrokeThickness = thickness)
    Array.zip xs ys |> Array.sortBy fst |> Array.iter (fun (x, y) -> if isFiniteValue y then s.Points.Add(DataPoint(x, y)))
    s

let private hfPoints (e: ExamplePrediction) =
    let pts =
        ScatterSeries(
            Title = sprintf "HF training points (%d)" e.HfX.Length,
            MarkerType = MarkerType.Circle,
            MarkerSize = 6.0,
            MarkerFill = OxyColors.White,
            MarkerStroke = OxyColors.Black,
            MarkerStrokeThickness = 2.0
        )
    Array.iter2 (fun x y -> pts.Points.Add(ScatterPoint(x, y))) e.HfX e.HfY
    pts

/// "e = 6.13e-01", with the collapse marking when the run's error is at or above the threshold.
let private errorText (e: float) =
    if e >= CollapseThreshold then sprintf "e = %s, collapsed" (sci e) else sprintf "e = %s" (sci e)

/// What the caption says of a flat SF prediction (a spread under 1 % of the truth's): the constant, whether it is
/// the mean of the HF training values, and the search's choice that led to it.
let private flatNote (r: RunRecord) =
    let e = r.Example.Value
    let spread (ys: float[]) = Array.max ys - Array.min ys
    if spread e.Prediction > 0.01 * spread e.Truth then ""
    else
        let c = Array.average e.Prediction
        let atMean = e.HfY.Length > 0 && abs (c - Array.average e.HfY) <= 1e-3 * spread e.Truth
        sprintf "The SF prediction is flat (y = %.3g%s): its search chose λ = %g with learning rate %.2g, the candidate of lowest validation error." c
            (if atMean then ", the mean of the HF training values" else "") r.Lambda r.LearningRate

let render (outDir: string) (problem: string) (records: RunRecord list) (gs: Group list) : Result<Figure, string> =
    let withExample = records |> List.filter (fun r -> r.Problem = problem && r.Corrupted < 0 && hasExample r)
    let mfEx = withExample |> List.filter (fun r -> isMultiFidelity (keyOf r))
    if mfEx.IsEmpty then Error(sprintf "prediction-%s: no MF example predictions" problem)
    else
        let nh = mfEx |> List.map (fun r -> r.Nh) |> List.min
        let atNh = withExample |> List.filter (fun r -> r.Nh = nh)
        let exampleKeys = atNh |> List.map keyOf |> Set.ofList
        let candidates kind = gs |> List.filter (fun g -> kind g.Key && exampleKeys.Contains g.Key)
        let mfBest = (best (candidates isMultiFidelity)).Value
        let sfBest =
            let sf = candidates isSingleFidelity
            best (sf |> List.filter (fun g -> g.Key.Architecture = mfBest.Key.Architecture)) |> Option.orElse (best sf)
        let exampleOf (g: Group) = atNh |> List.filter (fun r -> keyOf r = g.Key) |> List.minBy (fun r -> r.Rep)
        let mfRec = exampleOf mfBest
        let ex = mfRec.Example.Value
        let m = newModel (sprintf "%s: example predictions at N_H = %d (repetition %d)" problem nh mfRec.Rep)
        m.Axes.Add(linearAxis AxisPosition.Bottom "x")
        m.Axes.Add(linearAxis AxisPosition.Left "y")
        m.Series.Add(lineOf "truth (HF)" OxyColors.Black LineStyle.Solid 3.0 ex.X ex.Truth)
        let sfRec = sfBest |> Option.map exampleOf
        sfRec
        |> Option.iter (fun r ->
            let e = r.Example.Value
            m.Series.Add(lineOf (sprintf "SF %s (%s)" r.Architecture (errorText r.NormalizedMse)) (colour 3) LineStyle.Dash 2.0 e.X e.Prediction))
        m.Series.Add(
            lineOf (sprintf "MF %s, %s (%s)" mfBest.Key.Architecture (configLabel true mfBest.Key) (errorText mfRec.NormalizedMse))
                (colour 0) LineStyle.Solid 2.0 ex.X ex.Prediction
        )
        if ex.HfX.Length > 0 && ex.HfX.Length = ex.HfY.Length then m.Series.Add(hfPoints ex)
        addLegendRight m
        let caption =
            String.concat " " [
                sprintf "%s: the HF truth, the HF training points and two predictions of repetition %d at N_H = %d (the smallest N_H):" problem mfRec.Rep nh
                "the MF configuration with the lowest median e over the repetitions, and the best SF baseline of the same architecture (red, dashed)."
                Caption.eDefinition
                sprintf "\"collapsed\": e ≥ %g." CollapseThreshold
                (sfRec |> Option.map flatNote |> Option.defaultValue "") ]
        Ok(figure outDir ("prediction-" + safeName problem) PanelHeight caption [ m, PanelWidth + 380 ])
