/// The whole assessment in one figure (summary-gain): a heat map of log10 MF gain, one row per problem and N_H
/// (corrupted-sources members as CORR-n), one column per MF configuration (architecture, encoding, LF mode,
/// strategy), each cell written out.
module Emulators.Figures.SummaryFigure

open System
open OxyPlot
open OxyPlot.Annotations
open OxyPlot.Axes
open OxyPlot.Series
open Emulators.Core.Assessment
open Emulators.Core.Assessment.Aggregate
open Emulators.Figures.Plots
open Emulators.Figures.Marks
open Emulators.Figures.Export

let private CellWidth, CellHeight = 62, 26

/// A column: the configuration without problem, experiment, N_H and corruption.
let private columnOf (k: GroupKey) = { k with Experiment = ""; Problem = ""; Nh = 0; Corrupted = 0 }

let private columnLabel (withDesign: bool) (k: GroupKey) =
    let lf = if (strategyOf k).IsSome then sprintf "%s/%s" k.Lf k.Strategy else k.Lf
    let l = sprintf "%s · %s · %s" (k.Architecture.ToUpperInvariant()) k.Encoding lf
    if withDesign then sprintf "%s · %s" l k.Design else l

/// Category labels on a linear axis at 0 … n − 1 (rotated for the columns).
let private labelled (pos: AxisPosition) (names: string list) (angle: float) =
    let a = Categorical.axis "" names
    a.Position <- pos
    a.Angle <- angle
    a.MajorGridlineStyle <- LineStyle.None
    a

/// Blue where MF is better, red where SF is better, white at no gain.
let private palette () = OxyPalette(Seq.rev (OxyPalettes.BlueWhiteRed(255).Colors))

/// One decimal, without a negative zero.
let private orders (v: float) =
    let r = Math.Round(v, 1)
    (if r = 0.0 then 0.0 else r).ToString("0.0", Globalization.CultureInfo.InvariantCulture)

let render (outDir: string) (points: Gain.Point list) : Result<Figure, string> =
    if points.IsEmpty then Error "summary-gain: no MF results with an SF baseline"
    else
        let rowOf (p: Gain.Point) = problemLabel p.Mf.Key, p.Mf.Key.Nh
        // with several experiments on one cell, the best MF configuration is shown
        let cells =
            points
            |> List.groupBy (fun p -> rowOf p, columnOf p.Mf.Key)
            |> List.map (fun (key, ps) -> key, ps |> List.minBy (fun p -> p.Mf.Stats.Median))
            |> Map.ofList
        let rows = points |> List.map rowOf |> List.distinct |> List.sortBy (fun (l, nh) -> problemOrder l, nh)
        let columns = points |> List.map (fun p -> columnOf p.Mf.Key) |> List.distinct |> List.sortBy configSortKey
        let withDesign = columns |> List.map (fun c -> c.Design) |> List.distinct |> List.length > 1
        let extreme = points |> List.map (fun p -> abs p.Orders) |> List.max
        let range = min 6.0 (max 1.0 (Math.Ceiling extreme))
        let data =
            Array2D.init columns.Length rows.Length (fun i j ->
                match cells.TryFind(rows[j], columns[i]) with
                | Some p -> p.Orders
                | None -> nan)
        let m = newModel "MF gain over the SF baseline, log10 (SF e / MF e)"
        m.Axes.Add(labelled AxisPosition.Bottom (columns |> List.map (columnLabel withDesign)) -50.0)
        let y = labelled AxisPosition.Left (rows |> List.map (fun (l, nh) -> sprintf "%s, N_H = %d" l nh)) 0.0
        y.StartPosition <- 1.0
        y.EndPosition <- 0.0
        m.Axes.Add y
        let pal = palette ()
        m.Axes.Add(
            LinearColorAxis(Position = AxisPosition.Right, Palette = pal, Minimum = -range, Maximum = range, Title = "log10 gain",
                            HighColor = pal.Colors[pal.Colors.Count - 1], LowColor = pal.Colors[0],
                            InvalidNumberColor = OxyColor.FromRgb(235uy, 235uy, 235uy))
        )
        m.Series.Add(
            HeatMapSeries(X0 = 0.0, X1 = float (columns.Length - 1), Y0 = 0.0, Y1 = float (rows.Length - 1), Data = data,
                          CoordinateDefinition = HeatMapCoordinateDefinition.Center, Interpolate = false,
                          RenderMethod = HeatMapRenderMethod.Rectangles)
        )
        for KeyValue((row, column), p) in cells do
            let marks = (if isCollapsed p.Sf.Stats then "*" else "") + (if isCollapsed p.Mf.Stats then "†" else "")
            m.Annotations.Add(
                TextAnnotation(
                    Text = orders p.Orders + marks,
                    TextPosition = DataPoint(float (List.findIndex ((=) column) columns), float (List.findIndex ((=) row) rows)),
                    TextHorizontalAlignment = HorizontalAlignment.Center,
                    TextVerticalAlignment = VerticalAlignment.Middle,
                    FontSize = 11.0,
                    Stroke = OxyColors.Transparent,
                    TextColor = (if abs p.Orders > 0.65 * range then OxyColors.White else OxyColors.Black)
                )
            )
        let width = 190 + columns.Length * CellWidth + 130
        let height = 60 + rows.Length * CellHeight + 210
        let reps = Caption.repetitions ((points |> List.map (fun p -> p.Mf)) @ (points |> List.map (fun p -> p.Sf)))
        let caption =
            String.concat " " [
                "The whole assessment: log10 of the MF gain, the median SF error over the median MF error (over " + reps + "),"
                "for every problem and N_H (rows; CORR-n: the corrupted-sources problem with n corrupted LF sources) and every MF configuration"
                "(columns: architecture · encoding · LF mode[/strategy]); the SF baseline has the same architecture and N_H."
                sprintf "Blue: MF better; red: SF better; the colour saturates at ±%g orders, the numbers do not; grey: not run." range
                sprintf "* the SF baseline collapsed, † the MF fit collapsed (median e ≥ %g)." CollapseThreshold
                Caption.eDefinition ]
        Ok(figure outDir "summary-gain" height caption [ m, width ])
