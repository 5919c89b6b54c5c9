/// Error against the number of corrupted LF sources (corrupted-sources, or corrupted-sources-<problem> when several
/// problems have such records): one panel per N_H, the counts n as categories, an MF point with min–max bars per
/// architecture and configuration, and the SF baseline of each architecture as a dashed level with its band (SF
/// does not use the LF sources, so its repetitions are pooled over n).
module Emulators.Figures.CorruptedFigure

open OxyPlot
open OxyPlot.Series
open Emulators.Core.Assessment
open Emulators.Core.Assessment.Aggregate
open Emulators.Figures.Plots
open Emulators.Figures.Marks
open Emulators.Figures.Export

let private sfLines = [| LineStyle.Dash; LineStyle.Dot; LineStyle.DashDashDot; LineStyle.LongDash |]

/// SF statistics per architecture at one N_H: its corrupted-sources runs pooled over n, else the main runs.
let private sfReference (records: RunRecord list) (problem: string) (arch: string) (nh: int) =
    let pick corrupted =
        records
        |> List.filter (fun r ->
            let k = keyOf r
            k.Problem = problem && isSingleFidelity k && k.Architecture = arch && k.Nh = nh && corrupted k.Corrupted)
    let rs = match pick (fun c -> c >= 0) with [] -> pick (fun c -> c < 0) | rs -> rs
    stats (rs |> List.map (fun r -> r.NormalizedMse))

let private level (m: PlotModel) (x0: float) (x1: float) (style: LineStyle) (s: Stats) =
    let band = AreaSeries(Fill = OxyColor.FromAColor(30uy, OxyColors.Black), Color = OxyColors.Transparent, Color2 = OxyColors.Transparent,
                          StrokeThickness = 0.0, RenderInLegend = false)
    if s.Min > 0.0 && s.Max > s.Min then
        for x in [ x0; x1 ] do
            band.Points.Add(DataPoint(x, s.Min))
            band.Points2.Add(DataPoint(x, s.Max))
        m.Series.Add band
    let line = LineSeries(Color = OxyColors.Black, LineStyle = style, StrokeThickness = 2.0, RenderInLegend = false)
    line.Points.Add(DataPoint(x0, s.Median))
    line.Points.Add(DataPoint(x1, s.Median))
    m.Series.Add line

let private renderFor (outDir: string) (name: string) (problem: string) (records: RunRecord list) (gs: Group list) =
    let mf = gs |> usable |> List.filter (fun g -> g.Key.Problem = problem && g.Key.Corrupted >= 0 && isMultiFidelity g.Key)
    let nhs = mf |> List.map (fun g -> g.Key.Nh) |> List.distinct |> List.sort
    let counts = mf |> List.map (fun g -> g.Key.Corrupted) |> List.distinct |> List.sort
    let archs = mf |> List.map (fun g -> g.Key.Architecture) |> List.distinct |> List.sortBy (fun a -> archRank a, a)
    let withStrategy = mf |> List.choose (fun g -> strategyOf g.Key) |> List.distinct |> List.length > 1
    let curveOf (k: GroupKey) = { k with Corrupted = 0; Nh = 0 }
    let curves = mf |> List.map (fun g -> curveOf g.Key) |> List.distinct |> List.sortBy configSortKey
    let styles = stylesFor curves
    let label (k: GroupKey) = sprintf "MF %s, %s" (k.Architecture.ToUpperInvariant()) (configLabel withStrategy k)
    let sfLabel (arch: string) = sprintf "SF %s (level and band)" (arch.ToUpperInvariant())
    let refs = [ for a in archs do for nh in nhs do yield (a, nh), sfReference records problem a nh ] |> Map.ofList
    let lo, hi =
        logRange (
            (mf |> List.collect (fun g -> [ g.Stats.Min; g.Stats.Max ]))
            @ (refs |> Map.toList |> List.collect (fun (_, s) -> [ s.Min; s.Max ]))
        )
    let panel (nh: int) =
        let m = newModel (sprintf "%s: N_H = %d" problem nh)
        m.Axes.Add(Categorical.axis "number of corrupted LF sources n" (counts |> List.map string))
        m.Axes.Add(errorAxis ErrorAxisTitle lo hi)
        archs |> List.iteri (fun i a -> let s = refs[(a, nh)] in if s.Count > 0 then level m -0.5 (float counts.Length - 0.5) sfLines[i % sfLines.Length] s)
        curves
        |> List.map (fun k ->
            Categorical.item (label k) styles[k]
                [ for g in mf do
                      if curveOf g.Key = k && g.Key.Nh = nh then
                          yield List.findIndex ((=) g.Key.Corrupted) counts, g.Stats.Median, g.Stats.Min, g.Stats.Max ])
        |> Categorical.addItems m (fun v -> v > 0.0 && isFiniteValue v)
        |> Categorical.markCollapsed m
        |> ignore
        m
    let anyCollapsed = mf |> List.exists (fun g -> isCollapsed g.Stats)
    let entries =
        (curves |> List.map (fun k -> label k, { styles[k] with Line = LineStyle.None }))
        @ (archs |> List.mapi (fun i a -> sfLabel a, { Colour = OxyColors.Black; Marker = MarkerType.None; Line = sfLines[i % sfLines.Length] }))
        @ (if anyCollapsed then [ CollapsedLabel, collapsedStyle ] else [])
    let panelWidth = if nhs.Length = 1 then PanelWidth else 560
    let caption =
        String.concat " " [
            sprintf "%s: normalized test MSE e against the number n of corrupted LF sources added to the clean one, %s, one panel per N_H." problem (Caption.nhValues nhs)
            Caption.medianAndBand "" (Caption.repetitions mf)
            "One point per MF architecture and configuration; the SF baseline of each architecture (which does not use the LF sources) is a black level at its median with a grey min–max band."
            Caption.eDefinition
            Caption.nhDefinition
            (if anyCollapsed then Caption.collapsed else "") ]
    let legend = legendPanel entries, legendWidth (entries |> List.map fst)
    figure outDir name PanelHeight caption ((nhs |> List.map (fun nh -> panel nh, panelWidth)) @ [ legend ])

let render (outDir: string) (records: RunRecord list) (gs: Group list) : Result<Figure, string> list =
    let problems =
        gs |> usable |> List.filter (fun g -> g.Key.Corrupted >= 0 && isMultiFidelity g.Key) |> List.map (fun g -> g.Key.Problem) |> List.distinct |> List.sort
    match problems with
    | [] -> [ Error "corrupted-sources: no MF records with corrupted LF sources" ]
    | [ p ] -> [ Ok(renderFor outDir "corrupted-sources" p records gs) ]
    | ps -> ps |> List.map (fun p -> Ok(renderFor outDir ("corrupted-sources-" + safeName p) p records gs))
