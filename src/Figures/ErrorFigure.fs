/// Normalized test MSE per configuration of one problem: against N_H where the problem has several N_H
/// (error-vs-nh-<problem>: one panel per architecture, a line per MF configuration and the SF baseline, median
/// and min–max band), or as points with min–max bars per architecture where it has one (error-<problem>).
module Emulators.Figures.ErrorFigure

open System
open Emulators.Core
open Emulators.Core.Assessment
open OxyPlot
open OxyPlot.Axes
open Emulators.Core.Assessment.Aggregate
open Emulators.Figures.Plots
open Emulators.Figures.Marks
open Emulators.Figures.Export

/// What a figure of one problem's configurations needs: the groups, their curves and labels.
type private Setup =
    { Groups: Group list
      Architectures: string list
      MfCurves: GroupKey list
      /// GP baselines (gp-baselines experiment): one curve each, drawn in every architecture's panel.
      GpCurves: GroupKey list
      Styles: Map<GroupKey, Style>
      Label: GroupKey -> string }

/// One curve per configuration independent of architecture (the architecture is the panel or category): its key
/// names none (blank text, and in the typed model the table's first architecture standing for every one).
let private curveOf (k: GroupKey) =
    let anyArchitecture = List.head (Names.values Architecture.names)
    let run =
        match k.Run with
        | RunModel.Network(_, m) -> RunModel.Network(anyArchitecture, m)
        | gp -> gp
    { curveKey k with Architecture = ""; Run = run }

let private setup (gs: Group list) =
    let mf = gs |> List.filter (fun g -> isMultiFidelity g.Key)
    let withStrategy = mf |> List.choose (fun g -> strategyOf g.Key) |> List.distinct |> List.length > 1
    let withExperiment = mf |> List.map (fun g -> g.Key.Experiment) |> List.distinct |> List.length > 1
    let mfCurves = mf |> List.map (fun g -> curveOf g.Key) |> List.distinct |> List.sortBy configSortKey
    let networks = gs |> List.filter (fun g -> not (isGp g.Key))
    { Groups = gs
      Architectures = networks |> List.map (fun g -> g.Key.Architecture) |> List.distinct |> List.sortBy (fun a -> archRank a, a)
      MfCurves = mfCurves
      GpCurves =
        gs |> List.filter (fun g -> isGp g.Key) |> List.map (fun g -> curveKey g.Key) |> List.distinct
        |> List.sortBy (fun k -> (match gpKind k with Some Gp.Ar1 -> 0 | Some Gp.Nargp -> 1 | _ -> 2), k.Lf)
      Styles = stylesFor mfCurves
      Label =
        fun k ->
            let l = configLabel withStrategy k
            if withExperiment then sprintf "%s [%s]" l k.Experiment else l }

let private legendEntries (s: Setup) (anyCollapsed: bool) =
    (s.MfCurves |> List.map (fun k -> s.Label k, s.Styles[k]))
    @ (if s.Groups |> List.exists (fun g -> isSingleFidelity g.Key) then [ "SF baseline", sfStyle ] else [])
    @ (s.GpCurves |> List.map (fun k -> gpLabel k, gpStyle k))
    @ (if anyCollapsed then [ CollapsedLabel, collapsedStyle ] else [])

let private anyCollapsed (gs: Group list) = gs |> List.exists (fun g -> isCollapsed g.Stats)

let private errorRange (gs: Group list) =
    logRange (CollapseThreshold :: (gs |> List.collect (fun g -> [ g.Stats.Min; g.Stats.Max ])))

let private caption (problem: string) (s: Setup) (lines: bool) =
    let nhs = Caption.nhValues (s.Groups |> List.map (fun g -> g.Key.Nh))
    String.concat " " [
        (if lines then sprintf "%s: normalized test MSE e against %s, one panel per architecture." problem nhs
         else sprintf "%s: normalized test MSE e per architecture at %s (a single N_H)." problem nhs)
        Caption.medianAndBand (if lines then "Lines" else "") (Caption.repetitions s.Groups)
        "One series per MF configuration (encoding, LF mode"
        + (if s.MfCurves |> List.exists (fun k -> (strategyOf k).IsSome) then ", strategy)" else ")")
        + "; the single-fidelity (SF) baseline of the same architecture is black and dashed."
        + (if s.GpCurves.IsEmpty then ""
           else
               " Gaussian-process baselines (AR1 co-kriging teal, NARGP brown, SF GP grey; dash-dot with exact LF, dotted"
               + " with learned LF), the same in every panel, were fitted on the same HF points and LF sources; each kernel"
               + " is the one of higher marginal likelihood.")
        Caption.eDefinition
        Caption.nhDefinition
        (if anyCollapsed s.Groups then Caption.collapsed else "") ]

let private linesFigure (outDir: string) (problem: string) (s: Setup) =
    let lo, hi = errorRange s.Groups
    let nhs = s.Groups |> List.map (fun g -> g.Key.Nh)
    let x (g: Group) = Math.Log2(float g.Key.Nh)
    let panel (arch: string) =
        let m = newModel (sprintf "%s: %s" problem (arch.ToUpperInvariant()))
        m.Axes.Add(nhAxis nhs)
        m.Axes.Add(errorAxis ErrorAxisTitle lo hi)
        let mine = s.Groups |> List.filter (fun g -> g.Key.Architecture = arch)
        let add (title: string) (style: Style) (cg: Group list) =
            let pts = cg |> List.sortBy x |> List.map (fun g -> x g, g.Stats.Median, g.Stats.Min, g.Stats.Max)
            for series in curve title style true pts do
                m.Series.Add series
        for k in s.MfCurves do
            let cg = mine |> List.filter (fun g -> isMultiFidelity g.Key && curveOf g.Key = k)
            if not cg.IsEmpty then add (s.Label k) s.Styles[k] cg
        let sf = mine |> List.filter (fun g -> isSingleFidelity g.Key)
        for k in sf |> List.map (fun g -> curveKey g.Key) |> List.distinct do
            add "SF baseline" sfStyle (sf |> List.filter (fun g -> curveKey g.Key = k))
        for k in s.GpCurves do
            add (gpLabel k) (gpStyle k) (s.Groups |> List.filter (fun g -> isGp g.Key && curveKey g.Key = k))
        m.Annotations.Add(collapseLine ())
        m.Series.Add(collapsedRings [ for g in mine do if isCollapsed g.Stats then yield x g, g.Stats.Median ])
        m
    let entries = legendEntries s (anyCollapsed s.Groups)
    let panelWidth = if s.Architectures.Length = 1 then PanelWidth else 620
    let panels = s.Architectures |> List.map (fun a -> panel a, panelWidth)
    let legend = legendPanel entries, legendWidth (entries |> List.map fst)
    figure outDir ("error-vs-nh-" + safeName problem) PanelHeight (caption problem s true) (panels @ [ legend ])

let private pointsFigure (outDir: string) (problem: string) (s: Setup) =
    let lo, hi = errorRange s.Groups
    let nh = s.Groups |> List.filter (fun g -> not (isGp g.Key)) |> List.map (fun g -> g.Key.Nh) |> List.min
    let m = newModel (sprintf "%s: error per architecture at N_H = %d" problem nh)
    // The GP baselines have no architecture: they sit in a category of their own, after the networks'.
    let gpCategory = s.Architectures.Length
    let categories = (s.Architectures |> List.map (fun a -> a.ToUpperInvariant())) @ (if s.GpCurves.IsEmpty then [] else [ "GP" ])
    m.Axes.Add(Categorical.axis "architecture" categories)
    m.Axes.Add(errorAxis ErrorAxisTitle lo hi)
    let item (label: string) (style: Style) (pick: Group -> bool) =
        Categorical.item label style
            [ for i, a in List.indexed s.Architectures do
                  for g in s.Groups do
                      if g.Key.Architecture = a && pick g then yield i, g.Stats.Median, g.Stats.Min, g.Stats.Max ]
    let items =
        (s.MfCurves |> List.map (fun k -> item (s.Label k) s.Styles[k] (fun g -> isMultiFidelity g.Key && curveOf g.Key = k)))
        @ [ item "SF baseline" sfStyle (fun g -> isSingleFidelity g.Key) ]
        @ (s.GpCurves
           |> List.map (fun k ->
               Categorical.item (gpLabel k) (gpStyle k)
                   [ for g in s.Groups do
                         if isGp g.Key && curveKey g.Key = k && g.Key.Nh = nh then yield gpCategory, g.Stats.Median, g.Stats.Min, g.Stats.Max ]))
        |> List.filter (fun i -> not i.Values.IsEmpty)
    let ringed = Categorical.addItems m (fun v -> v > 0.0 && isFiniteValue v) items |> Categorical.markCollapsed m
    let entries =
        (items |> List.map (fun i -> i.Label, { i.Style with Line = LineStyle.None }))
        @ (if ringed then [ CollapsedLabel, collapsedStyle ] else [])
    let legend = legendPanel entries, legendWidth (entries |> List.map fst)
    figure outDir ("error-" + safeName problem) PanelHeight (caption problem s false) [ m, PanelWidth; legend ]

/// The error figure of one problem (records outside the corrupted-sources experiment).
let render (outDir: string) (problem: string) (gs: Group list) : Result<Figure, string> =
    let gs = gs |> usable |> List.filter (fun g -> g.Key.Problem = problem && g.Key.Corrupted < 0)
    let mf = gs |> List.filter (fun g -> isMultiFidelity g.Key)
    if mf.IsEmpty then Error(sprintf "error-vs-nh-%s: no MF results" problem)
    else
        let s = setup gs
        if (mf |> List.map (fun g -> g.Key.Nh) |> List.distinct |> List.length) > 1 then Ok(linesFigure outDir problem s)
        else Ok(pointsFigure outDir problem s)
