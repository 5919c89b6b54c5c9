/// OxyPlot helpers shared by the figures: a common look and the axes. Styles, series and legends are in Marks,
/// export in Export.
module Emulators.Figures.Plots

open System
open OxyPlot
open OxyPlot.Axes
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
