/// Points with min–max error bars on a categorical x axis (architectures, numbers of corrupted sources): what the
/// figures draw where the x values are not a continuous axis, so no line joins them. Series are set side by side
/// within a category.
module Emulators.Figures.Categorical

open System
open OxyPlot
open OxyPlot.Axes
open OxyPlot.Series
open Emulators.Figures.Plots
open Emulators.Figures.Marks

/// One series: its legend label, style, and (category index, median, min, max) values.
type Item =
    { Label: string
      Style: Style
      Values: (int * float * float * float) list }

let item (label: string) (style: Style) (values: (int * float * float * float) list) = { Label = label; Style = style; Values = values }

/// A bottom axis with the category names at 0, 1, …, n − 1.
let axis (title: string) (categories: string list) =
    let names = Array.ofList categories
    let a = linearAxis AxisPosition.Bottom title
    a.Minimum <- -0.5
    a.Maximum <- float names.Length - 0.5
    a.MajorStep <- 1.0
    a.MinorStep <- 1.0
    a.MinorTickSize <- 0.0
    a.MajorGridlineStyle <- LineStyle.None
    a.LabelFormatter <-
        Func<float, string>(fun v ->
            let i = int (Math.Round v)
            if abs (v - float i) < 1e-6 && i >= 0 && i < names.Length then names[i] else "")
    a

/// x of series j of m inside a category: spread over at most 70 % of the category's width.
let offset (j: int) (m: int) =
    if m <= 1 then 0.0
    else
        let step = min 0.18 (0.7 / float (m - 1))
        (float j - float (m - 1) / 2.0) * step

let private segment (colour: OxyColor) (x0: float, y0: float) (x1: float, y1: float) =
    let s = LineSeries(Color = colour, StrokeThickness = 1.5, RenderInLegend = false)
    s.Points.Add(DataPoint(x0, y0))
    s.Points.Add(DataPoint(x1, y1))
    s :> Series

/// Add every item's points and bars to the model; values failing `ok` (e.g. non-positive on a log axis) are left
/// out. Returns the (x, median) drawn per item, in the order given.
let addItems (m: PlotModel) (ok: float -> bool) (items: Item list) : (Item * (float * float) list) list =
    items
    |> List.mapi (fun j item ->
        let dx = offset j items.Length
        let marks = ScatterSeries(Title = item.Label, MarkerType = item.Style.Marker, MarkerSize = 6.0, MarkerFill = item.Style.Colour,
                                  MarkerStroke = item.Style.Colour)
        let drawn =
            [ for c, med, lo, hi in item.Values do
                  if ok med then
                      let x = float c + dx
                      if ok lo && ok hi && hi > lo then
                          m.Series.Add(segment item.Style.Colour (x, lo) (x, hi))
                          for y in [ lo; hi ] do
                              m.Series.Add(segment item.Style.Colour (x - 0.03, y) (x + 0.03, y))
                      marks.Points.Add(ScatterPoint(x, med))
                      yield x, med ]
        m.Series.Add marks
        item, drawn)

/// Ring the drawn points whose median is at or above the collapse threshold, and draw the threshold line (for an
/// error axis). Returns whether any point was ringed.
let markCollapsed (m: PlotModel) (placed: (Item * (float * float) list) list) =
    let rings =
        placed |> List.collect (fun (_, xy) -> xy |> List.filter (fun (_, med) -> med >= Emulators.Core.Assessment.Aggregate.CollapseThreshold))
    m.Annotations.Add(collapseLine ())
    m.Series.Add(collapsedRings rings)
    not rings.IsEmpty
