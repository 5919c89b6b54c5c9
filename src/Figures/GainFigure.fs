/// The MF gain of one problem (gain-<problem>): log10 (SF error / MF error) per architecture, for the MF
/// configuration of that architecture with the lowest median error at each N_H; against N_H where there are
/// several, as points per architecture where there is one.
module Emulators.Figures.GainFigure

open System
open OxyPlot
open OxyPlot.Axes
open Emulators.Core
open Emulators.Core.Assessment
open Emulators.Core.Assessment.Aggregate
open Emulators.Figures.Plots
open Emulators.Figures.Marks
open Emulators.Figures.Export

let GainAxisTitle = "MF gain, log10 (SF e / MF e)"

let private archStyle (i: int) (arch: string) =
    let marker =
        match Names.tryParse Architecture.names arch with
        | Some Architecture.Mlp -> MarkerType.Circle
        | Some Architecture.Siren -> MarkerType.Square
        | Some Architecture.Kan -> MarkerType.Triangle
        | None -> MarkerType.Diamond
    { Colour = colour i; Marker = marker; Line = LineStyle.Solid }

let private gainAxis (ps: Gain.Point list) =
    let vs = 0.0 :: (ps |> List.collect (fun p -> [ p.Orders; p.OrdersMin; p.OrdersMax ]) |> List.filter isFiniteValue)
    let lo, hi = List.min vs, List.max vs
    let pad = max 0.5 (0.08 * (hi - lo))
    let a = linearAxis AxisPosition.Left GainAxisTitle
    a.Minimum <- Math.Floor(lo - pad)
    a.Maximum <- Math.Ceiling(hi + pad)
    a

/// Points whose SF baseline collapsed are ringed: their gain is over a near-constant prediction.
let private sfCollapsedRings (xy: (Gain.Point * float) list) =
    collapsedRings [ for p, x in xy do if isCollapsed p.Sf.Stats then yield x, p.Orders ]

let render (outDir: string) (problem: string) (points: Gain.Point list) : Result<Figure, string> =
    let mine =
        points |> List.filter (fun p -> p.Mf.Key.Problem = problem && p.Mf.Key.Corrupted < 0) |> Gain.bestPerArchitecture
    if mine.IsEmpty then Error(sprintf "gain-%s: no MF results with an SF baseline" problem)
    else
        let archs = mine |> List.map (fun p -> p.Mf.Key.Architecture) |> List.distinct |> List.sortBy (fun a -> archRank a, a)
        let nhs = mine |> List.map (fun p -> p.Mf.Key.Nh) |> List.distinct |> List.sort
        let several = nhs.Length > 1
        let m = newModel (sprintf "%s: MF gain over the SF baseline" problem)
        m.Axes.Add(if several then nhAxis nhs :> Axis else Categorical.axis "architecture" (archs |> List.map (fun a -> a.ToUpperInvariant())) :> Axis)
        m.Axes.Add(gainAxis mine)
        m.Annotations.Add(referenceLine 0.0 "no gain")
        let label (a: string) = sprintf "%s, best MF configuration" (a.ToUpperInvariant())
        let placed =
            if several then
                archs
                |> List.mapi (fun i a ->
                    let ps = mine |> List.filter (fun p -> p.Mf.Key.Architecture = a) |> List.sortBy (fun p -> p.Mf.Key.Nh)
                    let x (p: Gain.Point) = Math.Log2(float p.Mf.Key.Nh)
                    let style = archStyle i a
                    let line = styledLine (label a) style
                    let band = OxyPlot.Series.AreaSeries(Fill = OxyColor.FromAColor(45uy, style.Colour), Color = OxyColors.Transparent,
                                                         Color2 = OxyColors.Transparent, StrokeThickness = 0.0, RenderInLegend = false)
                    for p in ps do
                        line.Points.Add(DataPoint(x p, p.Orders))
                        if isFiniteValue p.OrdersMin then
                            band.Points.Add(DataPoint(x p, p.OrdersMin))
                            band.Points2.Add(DataPoint(x p, p.OrdersMax))
                    m.Series.Add band
                    m.Series.Add line
                    ps |> List.map (fun p -> p, x p))
                |> List.concat
            else
                let items =
                    archs
                    |> List.mapi (fun i a ->
                        Categorical.item (label a) { archStyle i a with Line = LineStyle.None }
                            [ for p in mine do if p.Mf.Key.Architecture = a then yield i, p.Orders, p.OrdersMin, p.OrdersMax ])
                Categorical.addItems m isFiniteValue items |> ignore
                archs |> List.mapi (fun i a -> mine |> List.filter (fun p -> p.Mf.Key.Architecture = a) |> List.map (fun p -> p, float i)) |> List.concat
        m.Series.Add(sfCollapsedRings placed)
        let sfCollapsed = mine |> List.exists (fun p -> isCollapsed p.Sf.Stats)
        let entries =
            (archs |> List.mapi (fun i a -> label a, (if several then archStyle i a else { archStyle i a with Line = LineStyle.None })))
            @ (if sfCollapsed then [ sprintf "SF baseline collapsed (median e ≥ %g)" CollapseThreshold, collapsedStyle ] else [])
        let reps = Caption.repetitions ((mine |> List.map (fun p -> p.Mf)) @ (mine |> List.map (fun p -> p.Sf)))
        let caption =
            String.concat " " [
                sprintf "%s: MF gain, log10 of the median SF error over the median MF error (positive: MF better), %s %s." problem
                    (if several then "against" else "per architecture at") (Caption.nhValues nhs)
                "For each architecture and N_H the MF configuration with the lowest median e (see the error figure) against the SF baseline of the same architecture;"
                sprintf "%s: minimum to maximum of the per-repetition gains SF_r / MF_r (the two runs of repetition r share its HF points), over %s."
                    (if several then "shaded bands" else "bars") reps
                Caption.eDefinition
                (if sfCollapsed then
                     sprintf "Ringed: the SF baseline collapsed (median e ≥ %g), so the gain there is over a near-constant prediction." CollapseThreshold
                 else "") ]
        let legend = legendPanel entries, legendWidth (entries |> List.map fst)
        Ok(figure outDir ("gain-" + safeName problem) PanelHeight caption [ m, PanelWidth; legend ])
