/// OxyPlot helpers shared by the figures: a common look, axes, curve styles and series. Export is in Export.
module Emulators.Figures.Plots

open System
open OxyPlot
open OxyPlot.Annotations
open OxyPlot.Axes
open OxyPlot.Legends
open OxyPlot.Series
open Emulators.Core.Assessment

[<Literal>]
let Font = "DejaVu Sans"

[<Literal>]
let FontSize = 14.0

/// Default size of one plot or panel, in pixels (PNG at 96 dpi) and SVG user units.
let PanelWidth = 900
let PanelHeight = 600

let ErrorAxisTitle = "normalized test MSE"
let NhAxisTitle = "N_H (Sobol' HF points)"

/// Colour-blind friendly categorical palette (matplotlib tab10, without its grey).
let palette =
    [| 0x1f77b4; 0xff7f0e; 0x2ca02c; 0xd62728; 0x9467bd; 0x8c564b; 0xe377c2; 0xbcbd22; 0x17becf |]
    |> Array.map (fun c -> OxyColor.FromRgb(byte (c >>> 16), byte ((c >>> 8) &&& 0xff), byte (c &&& 0xff)))

let colour (i: int) = palette[((i % palette.Length) + palette.Length) % palette.Length]

/// Line styles cycled once the palette is exhausted, so a large legend stays unambiguous.
let lineStyleFor (i: int) =
    match (i / palette.Length) % 3 with
    | 0 -> LineStyle.Solid
    | 1 -> LineStyle.DashDot
    | _ -> LineStyle.LongDash

let newModel (title: string) =
    PlotModel(
        Title = title,
        DefaultFont = Font,
        DefaultFontSize = FontSize,
        TitleFontSize = 16.0,
        TitleFontWeight = FontWeights.Normal,
        Background = OxyColors.White,
        PlotAreaBorderColor = OxyColors.Black,
        Padding = OxyThickness(10.0, 10.0, 20.0, 10.0)
    )

let private superscripts = "⁰¹²³⁴⁵⁶⁷⁸⁹"

let private superscript (n: int) =
    (string n) |> String.map (fun c -> if c = '-' then '⁻' else superscripts[int c - int '0'])

/// "10⁻⁵" for powers of ten, a short number otherwise.
let logLabel (v: float) =
    if v <= 0.0 then string v
    else
        let e = Math.Round(log10 v)
        if abs (log10 v - e) < 1e-9 then "10" + superscript (int e)
        else v.ToString("g3", Globalization.CultureInfo.InvariantCulture)

let private grid (a: Axis) =
    a.MajorGridlineStyle <- LineStyle.Solid
    a.MajorGridlineColor <- OxyColor.FromRgb(215uy, 215uy, 215uy)
    a.MinorGridlineStyle <- LineStyle.None
    a.AxisTitleDistance <- 8.0

/// A base-10 log axis whose labelled ticks fall on multiples of a "nice" number of decades (1, 2, 3, 5, 10, ...)
/// so that at most about ten labels are shown; OxyPlot's own choice over wide ranges starts at odd exponents.
type DecadeAxis() =
    inherit LogarithmicAxis()

    static member Step(decades: float) =
        [ 1; 2; 3; 5; 10; 20; 25; 50; 100 ] |> List.tryFind (fun k -> decades / float k <= 10.0) |> Option.defaultValue 200

    override this.GetTickValues
        (
            majorLabelValues: byref<Collections.Generic.IList<float>>,
            majorTickValues: byref<Collections.Generic.IList<float>>,
            minorTickValues: byref<Collections.Generic.IList<float>>
        ) =
        let lo, hi = log10 this.ActualMinimum, log10 this.ActualMaximum
        if not (Double.IsFinite lo && Double.IsFinite hi) || hi <= lo then
            base.GetTickValues(&majorLabelValues, &majorTickValues, &minorTickValues)
        else
            let eps = 1e-9
            let k = DecadeAxis.Step(hi - lo)
            let e0, e1 = int (Math.Floor(lo - eps)), int (Math.Ceiling(hi + eps))
            let inRange (v: float) = let l = log10 v in l >= lo - eps && l <= hi + eps
            let major = [ for e in e0..e1 do if e % k = 0 then 10.0 ** float e ] |> List.filter inRange
            let minor =
                if k = 1 then [ for e in e0..e1 do for m in 2..9 -> float m * 10.0 ** float e ] |> List.filter inRange
                elif k <= 10 then [ for e in e0..e1 do if e % k <> 0 then 10.0 ** float e ] |> List.filter inRange
                else []
            if major.Length < 2 then base.GetTickValues(&majorLabelValues, &majorTickValues, &minorTickValues)
            else
                majorTickValues <- ResizeArray major
                majorLabelValues <- ResizeArray major
                minorTickValues <- ResizeArray minor

/// Log10 axis for errors on [lo, hi], labelled 10ⁿ.
let errorAxis (title: string) (lo: float) (hi: float) =
    let a = DecadeAxis(Position = AxisPosition.Left, Title = title, Base = 10.0, Minimum = lo, Maximum = hi)
    grid a
    a.LabelFormatter <- Func<float, string>(logLabel)
    a.MinorTickSize <- 2.0
    a

/// Range [lo, hi] of a log axis covering the values, padded by a fraction of the span (at least half a decade).
let logRange (values: float seq) =
    let vs = values |> Seq.filter (fun v -> v > 0.0 && Aggregate.isFiniteValue v) |> Array.ofSeq
    if vs.Length = 0 then 1e-3, 1.0
    else
        let lo, hi = log10 (Array.min vs), log10 (Array.max vs)
        let pad = max 0.25 (0.06 * (hi - lo))
        10.0 ** (Math.Floor((lo - pad) * 2.0) / 2.0), 10.0 ** (Math.Ceiling((hi + pad) * 2.0) / 2.0)

/// N_H axis: data are plotted at log2(N_H), ticks fall on powers of two and are labelled with plain integers.
let nhAxis (nhs: int seq) =
    let ls = nhs |> Seq.map (float >> Math.Log2) |> Array.ofSeq
    let lo, hi = Array.min ls, Array.max ls
    let a = LinearAxis(Position = AxisPosition.Bottom, Title = NhAxisTitle, Minimum = lo - 0.35, Maximum = hi + 0.35)
    grid a
    a.MajorStep <- max 1.0 (Math.Ceiling((hi - lo) / 8.0))
    a.MinorStep <- a.MajorStep
    a.MinorTickSize <- 0.0
    a.LabelFormatter <- Func<float, string>(fun v -> Math.Round(2.0 ** v).ToString(Globalization.CultureInfo.InvariantCulture))
    a

let linearAxis (pos: AxisPosition) (title: string) =
    let a = LinearAxis(Position = pos, Title = title)
    grid a
    a

/// Legend outside the plot area on the right, so it never covers data.
let addLegendRight (m: PlotModel) =
    m.Legends.Add(
        Legend(
            LegendPlacement = LegendPlacement.Outside,
            LegendPosition = LegendPosition.RightTop,
            LegendOrientation = LegendOrientation.Vertical,
            LegendBorder = OxyColors.Gray,
            LegendBackground = OxyColors.White,
            LegendFontSize = 13.0,
            LegendSymbolLength = 30.0
        )
    )

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
    m.Legends.Add(
        Legend(
            LegendPlacement = LegendPlacement.Inside,
            LegendPosition = LegendPosition.TopLeft,
            LegendOrientation = LegendOrientation.Vertical,
            LegendBorder = OxyColors.Gray,
            LegendBackground = OxyColors.White,
            LegendFontSize = 13.0,
            LegendSymbolLength = 30.0,
            LegendMargin = 0.0
        )
    )
    m

/// Width that fits a legend of these labels (13 px DejaVu Sans: about 7.8 px per character).
let legendWidth (labels: string seq) =
    let longest = if Seq.isEmpty labels then 10 else labels |> Seq.map String.length |> Seq.max
    int (float longest * 7.8) + 90

/// Marker of an MF curve by its encoding.
let markerFor (encoding: string) =
    match encoding with
    | "none" -> MarkerType.Circle
    | "affine" | "linear" -> MarkerType.Square
    | "nonlinear" -> MarkerType.Triangle
    | _ -> MarkerType.Diamond

/// The SF baseline: black, dashed, diamonds.
let sfStyle = { Colour = OxyColors.Black; Marker = MarkerType.Diamond; Line = LineStyle.Dash }

/// Styles for curve keys: colour and dash by position in the sorted list, marker by encoding.
let stylesFor (keys: Aggregate.GroupKey list) =
    keys
    |> List.sortBy Aggregate.configSortKey
    |> List.mapi (fun i k -> k, { Colour = colour i; Marker = markerFor k.Encoding; Line = lineStyleFor i })
    |> Map.ofList

let CollapsedLabel = sprintf "collapsed fit (median e ≥ %g)" Aggregate.CollapseThreshold

/// Rings around the given points (x, y) marking collapsed fits; not in the legend (see `collapsedLegendEntry`).
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
