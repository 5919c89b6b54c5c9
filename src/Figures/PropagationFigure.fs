/// The output distribution of `emulators propagate`: a density histogram with the mean, its combined interval
/// (Monte Carlo and emulator uncertainty together) and the requested quantiles.
module Emulators.Figures.PropagationFigure

open OxyPlot
open OxyPlot.Axes
open OxyPlot.Series
open Emulators.Core.Outer
open Emulators.Figures.Plots

let private bins = 60

/// The histogram of `r.Outputs`, the x axis titled with the output's name.
let histogram (r: Propagation.Result) (output: string) =
    let m = newModel (sprintf "output distribution: %s, %d samples" r.Predictor r.Samples)
    let ys = r.Outputs
    let lo, hi = Array.min ys, Array.max ys
    let w = (if hi > lo then hi - lo else 1.0) / float bins
    let counts = Array.zeroCreate<int> bins
    for y in ys do
        let b = min (bins - 1) (int ((y - lo) / w))
        counts[b] <- counts[b] + 1
    let bars = RectangleBarSeries(FillColor = OxyColor.FromAColor(160uy, colour 0), StrokeThickness = 0.0, Title = "density")
    let density = counts |> Array.map (fun c -> float c / (float ys.Length * w))
    for i in 0 .. bins - 1 do
        bars.Items.Add(RectangleBarItem(lo + float i * w, 0.0, lo + float (i + 1) * w, density[i]))
    m.Series.Add bars
    let top = Array.max density * 1.05
    let vline (x: float) (title: string) (c: OxyColor) (style: LineStyle) =
        let l = LineSeries(Title = title, Color = c, LineStyle = style, StrokeThickness = 2.0)
        l.Points.Add(DataPoint(x, 0.0))
        l.Points.Add(DataPoint(x, top))
        m.Series.Add l
    vline r.Mean.Value "mean" (colour 3) LineStyle.Solid
    vline r.Mean.Combined.Lower "mean, combined interval" (colour 3) LineStyle.Dot
    vline r.Mean.Combined.Upper "" (colour 3) LineStyle.Dot
    let g (v: float) = v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)
    for i, (_, e) in List.indexed r.Quantiles do
        vline e.Value (if i = 0 then "quantiles " + (r.Quantiles |> List.map (fst >> g) |> String.concat ", ") else "") (colour 2) LineStyle.Dash
    m.Axes.Add(LinearAxis(Position = AxisPosition.Bottom, Title = output))
    m.Axes.Add(LinearAxis(Position = AxisPosition.Left, Title = "density", Minimum = 0.0, Maximum = top))
    m.Legends.Add(Legends.Legend(LegendPosition = Legends.LegendPosition.TopRight, LegendBackground = OxyColors.White, LegendBorder = OxyColors.Gray))
    m
