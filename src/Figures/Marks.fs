/// Curve styles, series and legends shared by the figures, and how collapsed fits are marked.
module Emulators.Figures.Marks

open OxyPlot
open OxyPlot.Annotations
open OxyPlot.Axes
open OxyPlot.Legends
open OxyPlot.Series
open Emulators.Core
open Emulators.Core.Assessment
open Emulators.Figures.Plots

/// The figures' legend look: vertical, boxed, 13 px.
let private legend (placement: LegendPlacement) (position: LegendPosition) =
    Legend(
        LegendPlacement = placement,
        LegendPosition = position,
        LegendOrientation = LegendOrientation.Vertical,
        LegendBorder = OxyColors.Gray,
        LegendBackground = OxyColors.White,
        LegendFontSize = 13.0,
        LegendSymbolLength = 30.0
    )

/// Legend outside the plot area on the right, so it never covers data.
let addLegendRight (m: PlotModel) =
    m.Legends.Add(legend LegendPlacement.Outside LegendPosition.RightTop)

/// A curve style: colour, marker and dash pattern.
type Style =
    { Colour: OxyColor
      Marker: MarkerType
      Line: LineStyle }

/// A line with markers in a curve style (also the legend entry of that curve).
let styledLine (title: string) (style: Style) =
    LineSeries(
        Title = title,
        Color = style.Colour,
        StrokeThickness = 2.0,
        LineStyle = style.Line,
        MarkerType = style.Marker,
        MarkerSize = 5.0,
        MarkerFill = style.Colour,
        MarkerStroke = style.Colour
    )

/// Median line with markers, plus the min–max band (semi-transparent, not in the legend) when `band` is set.
/// Points: (x, median, min, max); non-positive or non-finite values are left out (log axes).
let curve (title: string) (style: Style) (band: bool) (points: (float * float * float * float) list) : Series list =
    let ok v = v > 0.0 && Aggregate.isFiniteValue v
    let line = styledLine title style
    for x, med, _, _ in points do
        if ok med then line.Points.Add(DataPoint(x, med))
    if band then
        let area =
            AreaSeries(
                Fill = OxyColor.FromAColor(45uy, style.Colour),
                Color = OxyColors.Transparent,
                Color2 = OxyColors.Transparent,
                StrokeThickness = 0.0,
                RenderInLegend = false
            )
        for x, _, lo, hi in points do
            if ok lo && ok hi then
                area.Points.Add(DataPoint(x, lo))
                area.Points2.Add(DataPoint(x, hi))
        [ area :> Series; line :> Series ]
    else [ line :> Series ]

/// How collapsed fits are marked: a large grey ring around the point (legend entry without a line).
let collapsedStyle = { Colour = OxyColor.FromRgb(120uy, 120uy, 120uy); Marker = MarkerType.Circle; Line = LineStyle.None }

/// A model holding only a legend (for figures composed of several panels that share one legend).
let legendPanel (entries: (string * Style) list) =
    let m = newModel ""
    m.PlotAreaBorderThickness <- OxyThickness(0.0)
    m.Padding <- OxyThickness(0.0, 40.0, 10.0, 10.0)
    m.Axes.Add(LinearAxis(Position = AxisPosition.Bottom, IsAxisVisible = false, Minimum = 0.0, Maximum = 1.0))
    m.Axes.Add(LinearAxis(Position = AxisPosition.Left, IsAxisVisible = false, Minimum = 0.0, Maximum = 1.0))
    for title, style in entries do
        let s = styledLine title style
        // the collapsed-fit marking is a ring
        if style = collapsedStyle then
            s.MarkerFill <- OxyColors.Transparent
            s.MarkerSize <- 8.0
            s.MarkerStrokeThickness <- 2.0
        m.Series.Add s
    let l = legend LegendPlacement.Inside LegendPosition.TopLeft
    l.LegendMargin <- 0.0
    m.Legends.Add l
    m

/// Width that fits a legend of these labels (13 px DejaVu Sans: about 7.8 px per character).
let legendWidth (labels: string seq) =
    let longest = if Seq.isEmpty labels then 10 else labels |> Seq.map String.length |> Seq.max
    int (float longest * 7.8) + 90

/// Marker of an MF curve by its encoding (a circle, as for no encoder, where none applies).
let markerFor (k: Aggregate.GroupKey) =
    match Aggregate.encodingOf k with
    | None
    | Some EncodingKind.None -> MarkerType.Circle
    | Some EncodingKind.Affine -> MarkerType.Square
    | Some EncodingKind.Nonlinear -> MarkerType.Triangle

/// The SF baseline: black, dashed, diamonds.
let sfStyle = { Colour = OxyColors.Black; Marker = MarkerType.Diamond; Line = LineStyle.Dash }

/// A Gaussian-process baseline's style: colour by model (AR1 teal, NARGP brown, SF GP grey), dash-dot for exact LF
/// and dotted for learned LF, so that the GP curves read as a family apart from the networks' coloured lines.
let gpStyle (k: Aggregate.GroupKey) =
    let colour, marker =
        match Aggregate.gpKind k with
        | Some Gp.Ar1 -> OxyColor.FromRgb(0uy, 128uy, 128uy), MarkerType.Triangle
        | Some Gp.Nargp -> OxyColor.FromRgb(160uy, 82uy, 45uy), MarkerType.Square
        | _ -> OxyColor.FromRgb(110uy, 110uy, 110uy), MarkerType.Cross
    { Colour = colour; Marker = marker; Line = (if Aggregate.isLearnedLf k then LineStyle.Dot else LineStyle.DashDot) }

/// Styles for curve keys: colour and dash by position in the sorted list, marker by encoding.
let stylesFor (keys: Aggregate.GroupKey list) =
    keys
    |> List.sortBy Aggregate.configSortKey
    |> List.mapi (fun i k -> k, { Colour = colour i; Marker = markerFor k; Line = lineStyleFor i })
    |> Map.ofList

let CollapsedLabel = sprintf "collapsed fit (median e ≥ %g)" Aggregate.CollapseThreshold

/// Rings around the given points (x, y) marking collapsed fits; not in the legend (its legend entry: `CollapsedLabel`, `collapsedStyle`).
let collapsedRings (points: (float * float) list) =
    let s =
        ScatterSeries(
            MarkerType = MarkerType.Circle,
            MarkerSize = 11.0,
            MarkerFill = OxyColors.Transparent,
            MarkerStroke = collapsedStyle.Colour,
            MarkerStrokeThickness = 2.0,
            RenderInLegend = false
        )
    for x, y in points do
        s.Points.Add(ScatterPoint(x, y))
    s

/// The horizontal dotted line at the collapse threshold, labelled at its right end.
let collapseLine () =
    LineAnnotation(
        Type = LineAnnotationType.Horizontal,
        Y = Aggregate.CollapseThreshold,
        Color = collapsedStyle.Colour,
        LineStyle = LineStyle.Dot,
        StrokeThickness = 1.5,
        Text = sprintf "e = %g" Aggregate.CollapseThreshold,
        TextColor = collapsedStyle.Colour,
        FontSize = 12.0
    )

/// A horizontal line at y (e.g. "no gain" at log10 gain = 0).
let referenceLine (y: float) (text: string) =
    LineAnnotation(Type = LineAnnotationType.Horizontal, Y = y, Color = OxyColors.Black, LineStyle = LineStyle.Dot, StrokeThickness = 1.5,
                   Text = text, FontSize = 12.0)
