/// The LF and HF functions of a problem: 1-D curves on a 500-point grid (HF black, at most MaxSources LF sources,
/// each on its own input domain); 2-D heat maps (HF plus up to three 2-D sources) side by side, and
/// functions-<problem>-lf with the sources that are not 2-D as curves; higher dimensions as slices along x1
/// through the domain centre (each source through the centre of its own domain).
module Emulators.Figures.FunctionsFigure

open OxyPlot
open OxyPlot.Axes
open OxyPlot.Series
open Emulators.Core
open Emulators.Core.Assessment.Aggregate
open Emulators.Figures.Plots
open Emulators.Figures.Marks
open Emulators.Figures.Export

/// At most this many LF sources are drawn in a function plot.
let MaxSources = 10

/// Points of a 1-D function curve, and per axis of a 2-D heatmap.
let CurvePoints = 500
let HeatmapPoints = 100

let private linspace (lo: float) (hi: float) (n: int) =
    Array.init n (fun i -> lo + (hi - lo) * float i / float (n - 1))

/// Points of a 1-D curve or of a slice along x1 through the box centre.
let private sliceRows (b: Box) =
    let centre = Array.init b.Dim (fun j -> 0.5 * (b.Lower[j] + b.Upper[j]))
    let xs = linspace b.Lower[0] b.Upper[0] CurvePoints
    xs, xs |> Array.map (fun x -> Array.init b.Dim (fun j -> if j = 0 then x else centre[j]))

let private heatmapModel (title: string) (b: Box) (f: Model) =
    let xs = linspace b.Lower[0] b.Upper[0] HeatmapPoints
    let ys = linspace b.Lower[1] b.Upper[1] HeatmapPoints
    let rows = [| for x in xs do for y in ys -> [| x; y |] |]
    let v = Experiment.evaluate f rows
    let data = Array2D.init xs.Length ys.Length (fun i j -> v[i * ys.Length + j])
    let m = newModel title
    m.Axes.Add(linearAxis AxisPosition.Bottom "x1")
    m.Axes.Add(linearAxis AxisPosition.Left "x2")
    m.Axes.Add(LinearColorAxis(Position = AxisPosition.Right, Palette = OxyPalettes.Viridis 256, Title = "y"))
    m.Series.Add(
        HeatMapSeries(
            X0 = xs[0],
            X1 = xs[xs.Length - 1],
            Y0 = ys[0],
            Y1 = ys[ys.Length - 1],
            Data = data,
            Interpolate = true,
            RenderMethod = HeatMapRenderMethod.Bitmap
        )
    )
    m

type private Drawn =
    { Label: string
      Domain: Box
      Eval: Model }

let private curvesModel (title: string) (xTitle: string) (hf: Drawn option) (sources: Drawn list) =
    let m = newModel title
    m.Axes.Add(linearAxis AxisPosition.Bottom xTitle)
    m.Axes.Add(linearAxis AxisPosition.Left "y")
    let add (d: Drawn) (style: Style) (thickness: float) =
        let xs, rows = sliceRows d.Domain
        let ys = Experiment.evaluate d.Eval rows
        let s = LineSeries(Title = d.Label, Color = style.Colour, LineStyle = style.Line, StrokeThickness = thickness)
        Array.iter2 (fun x y -> if isFiniteValue y then s.Points.Add(DataPoint(x, y))) xs ys
        m.Series.Add s
    hf |> Option.iter (fun d -> add d { Colour = OxyColors.Black; Marker = MarkerType.None; Line = LineStyle.Solid } 2.5)
    sources |> List.iteri (fun i d -> add d { Colour = colour i; Marker = MarkerType.None; Line = lineStyleFor i } 2.0)
    addLegendRight m
    m

let render (outDir: string) (p: Problem) : Figure list =
    let name = "functions-" + safeName p.Name
    let srcs = p.Sources |> List.truncate MaxSources
    let capped =
        if p.Sources.Length > MaxSources then sprintf " (first %d of %d LF sources)" MaxSources p.Sources.Length else ""
    let label (s: SourceFunction) =
        let own = s.Domain.Dim <> p.Domain.Dim || s.Domain.Lower <> p.Domain.Lower || s.Domain.Upper <> p.Domain.Upper
        if own then s.Name + " (own domain)" else s.Name
    let drawn (s: SourceFunction) = { Label = label s; Domain = s.Domain; Eval = s.Eval }
    let twoD, other = srcs |> List.partition (fun s -> s.Domain.Dim = 2)
    let sliceTitle dim = if dim = 1 then "x" else "x1 (other inputs at the domain centre)"
    let hfDrawn = { Label = "HF"; Domain = p.Domain; Eval = p.Hf }
    let lineWidth = PanelWidth + 250
    let sourcesText = sprintf "%d LF source%s%s" p.Sources.Length (if p.Sources.Length = 1 then "" else "s") capped
    let heatmap (title: string) (b: Box) (f: Model) = heatmapModel title b f, PanelWidth * 2 / 3
    let lfCurves () =
        let dim = other |> List.map (fun s -> s.Domain.Dim) |> List.max
        figure outDir (name + "-lf") PanelHeight
            (sprintf "%s: the LF sources that are not 2-D, as curves on %d points along %s, each on its own input domain." p.Name CurvePoints (sliceTitle dim))
            [ curvesModel (sprintf "%s: LF sources%s" p.Name capped) (sliceTitle dim) None (other |> List.map drawn), lineWidth ]
    if p.Domain.Dim = 2 then
        let maps = heatmap (sprintf "%s: HF" p.Name) p.Domain p.Hf :: (twoD |> List.truncate 3 |> List.map (fun s -> heatmap (sprintf "%s: %s" p.Name (label s)) s.Domain s.Eval))
        let main =
            figure outDir name PanelHeight
                (sprintf "%s (%s): the HF function and its 2-D LF sources as heat maps on a %d × %d grid (colour: y). %s" p.Name sourcesText HeatmapPoints HeatmapPoints p.Summary)
                maps
        main :: (if other.IsEmpty then [] else [ lfCurves () ])
    else
        let title =
            if p.Domain.Dim = 1 then sprintf "%s: HF and LF functions%s" p.Name capped
            else sprintf "%s: slice along x1 through the domain centre (d = %d)%s" p.Name p.Domain.Dim capped
        let what =
            if p.Domain.Dim = 1 then sprintf "the HF function (black) and %s on %d points" sourcesText CurvePoints
            else sprintf "a slice along x1 with the other %d inputs at the domain centre: the HF function (black) and %s" (p.Domain.Dim - 1) sourcesText
        let main =
            figure outDir name PanelHeight (sprintf "%s: %s, each on its own input domain. %s" p.Name what p.Summary)
                [ curvesModel title (sliceTitle p.Domain.Dim) (Some hfDrawn) (other |> List.map drawn), lineWidth ]
        let lf =
            if twoD.IsEmpty then []
            else
                [ twoD
                  |> List.truncate 4
                  |> List.map (fun s -> heatmap (sprintf "%s: %s" p.Name (label s)) s.Domain s.Eval)
                  |> figure outDir (name + "-lf") PanelHeight (sprintf "%s: the 2-D LF sources as heat maps (colour: y)." p.Name) ]
        main :: lf
