/// The Sobol' indices of `emulators sensitivity`: bars of S_i and S_Ti per input with whiskers, the bootstrap
/// interval (thick) and the across-member one (thin).
module Emulators.Figures.SobolFigure

open OxyPlot
open OxyPlot.Axes
open OxyPlot.Series
open Emulators.Core.Outer
open Emulators.Figures.Plots

/// The bar chart of `r`, input i at x = i labelled `names[i]`.
let barChart (r: Sensitivity.Result) (names: string[]) =
    let m = newModel (sprintf "Sobol' indices: %s" r.Predictor)
    let d = names.Length
    let series (title: string) (c: OxyColor) (offset: float) (idx: Sensitivity.Index[]) =
        let bars = RectangleBarSeries(Title = title, FillColor = c, StrokeThickness = 0.0)
        for i in 0 .. d - 1 do
            bars.Items.Add(RectangleBarItem(float i + offset - 0.16, 0.0, float i + offset + 0.16, idx[i].Value))
        m.Series.Add bars
        for i in 0 .. d - 1 do
            let x = float i + offset
            let whisker (lo: float) (hi: float) (thickness: float) =
                let l = LineSeries(Color = OxyColors.Black, StrokeThickness = thickness)
                l.Points.Add(DataPoint(x, lo))
                l.Points.Add(DataPoint(x, hi))
                m.Series.Add l
            whisker idx[i].Bootstrap.Lower idx[i].Bootstrap.Upper 3.0
            match idx[i].Emulator with
            | Some e -> whisker e.Lower e.Upper 1.0
            | None -> ()
    series "first order S_i" (colour 0) -0.18 r.FirstOrder
    series "total S_Ti" (colour 1) 0.18 r.Total
    m.Axes.Add(LinearAxis(Position = AxisPosition.Bottom, Minimum = -0.6, Maximum = float d - 0.4, MajorStep = 1.0, MinorStep = 1.0,
                          LabelFormatter = (fun v -> let i = int (round v) in if i >= 0 && i < d && abs (v - float i) < 1e-9 then names[i] else ""),
                          Title = "input (thick whisker: bootstrap interval; thin: across members)"))
    m.Axes.Add(LinearAxis(Position = AxisPosition.Left, Title = "index", Minimum = min 0.0 (r.FirstOrder |> Array.map (fun i -> i.Bootstrap.Lower) |> Array.min), Maximum = 1.0))
    m.Legends.Add(Legends.Legend(LegendPosition = Legends.LegendPosition.TopRight, LegendBackground = OxyColors.White, LegendBorder = OxyColors.Gray))
    m
