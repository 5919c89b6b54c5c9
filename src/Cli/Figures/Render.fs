/// The paper's figures and the encoding ledger, rendered from assessment records into a directory.
///
/// Files (each figure as .png and .svg):
/// - functions-<problem>: LF and HF functions. 1-D: curves on a 500-point grid (HF black, at most MaxSources LF
///   sources, each on its own input domain). 2-D: heatmaps (HF plus up to three 2-D sources) side by side, and
///   functions-<problem>-lf with the sources that are not 2-D as curves. Higher dimensions: slices along x1 through
///   the domain centre (each source through the centre of its own domain).
/// - error-vs-nh-<problem>: median normalized test MSE vs N_H with the min–max band, one panel per architecture,
///   a curve per MF configuration and the SF baseline (black, dashed), shared log y range, and one legend panel
///   on the right. The PNG and the SVG are both the composed image.
/// - prediction-<problem>: truth, best MF and SF predictions and HF training points at the smallest N_H that has
///   example predictions (1-D problems).
/// - corrupted-sources: error vs number of corrupted LF sources (records with Corrupted >= 0), SF as a dashed
///   horizontal reference per architecture. With several problems: corrupted-sources-<problem> for each.
/// - ledger.md, ledger.csv: see Ledger.
module Emulators.Cli.Figures.Render

open System
open System.IO
open OxyPlot
open OxyPlot.Axes
open OxyPlot.Series
open Emulators.Core
open Emulators.Core.Assessment
open Emulators.Cli.Figures.Aggregate
open Emulators.Cli.Figures.Plots

/// At most this many LF sources are drawn in a function plot.
let MaxSources = 10

/// Points of a 1-D function curve, and per axis of a 2-D heatmap.
let CurvePoints = 500
let HeatmapPoints = 100

/// A figure's outcome: files written, or a one-line note on why it was skipped.
type Outcome = Result<string list, string>

let private safeName (s: string) =
    s |> String.map (fun c -> if Char.IsLetterOrDigit c || c = '-' || c = '_' || c = '.' then c else '_')

// ---------------------------------------------------------------------------------------------------------------
// 1. Functions

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

let renderFunctions (outDir: string) (p: Problem) : Outcome =
    let name = safeName p.Name
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
    if p.Domain.Dim = 2 then
        let heatmaps =
            (heatmapModel (sprintf "%s: HF" p.Name) p.Domain p.Hf, PanelWidth * 2 / 3)
            :: (twoD
                |> List.truncate 3
                |> List.map (fun s -> heatmapModel (sprintf "%s: %s" p.Name (label s)) s.Domain s.Eval, PanelWidth * 2 / 3))
        let main = saveComposed outDir ("functions-" + name) PanelHeight heatmaps
        let lf =
            if other.IsEmpty then []
            else
                let dim = other |> List.map (fun s -> s.Domain.Dim) |> List.max
                curvesModel (sprintf "%s: LF sources%s" p.Name capped) (sliceTitle dim) None (other |> List.map drawn)
                |> save outDir ("functions-" + name + "-lf") lineWidth PanelHeight
        Ok(main @ lf)
    else
        let title =
            if p.Domain.Dim = 1 then sprintf "%s: HF and LF functions%s" p.Name capped
            else sprintf "%s: slice along x1 through the domain centre (d = %d)%s" p.Name p.Domain.Dim capped
        let main =
            curvesModel title (sliceTitle p.Domain.Dim) (Some hfDrawn) (other |> List.map drawn)
            |> save outDir ("functions-" + name) lineWidth PanelHeight
        let lf =
            if twoD.IsEmpty then []
            else
                twoD
                |> List.truncate 4
                |> List.map (fun s -> heatmapModel (sprintf "%s: %s" p.Name (label s)) s.Domain s.Eval, PanelWidth * 2 / 3)
                |> saveComposed outDir ("functions-" + name + "-lf") PanelHeight
        Ok(main @ lf)

// ---------------------------------------------------------------------------------------------------------------
// 2. Error vs N_H

let private markerFor (encoding: string) =
    match encoding with
    | "none" -> MarkerType.Circle
    | "affine" | "linear" -> MarkerType.Square
    | "nonlinear" -> MarkerType.Triangle
    | _ -> MarkerType.Diamond

let private sfStyle = { Colour = OxyColors.Black; Marker = MarkerType.Diamond; Line = LineStyle.Dash }

/// Styles for MF curve keys: colour by position in the sorted list, marker by encoding.
let private stylesFor (keys: GroupKey list) =
    keys
    |> List.sortBy configSortKey
    |> List.mapi (fun i k -> k, { Colour = colour i; Marker = markerFor k.Encoding; Line = lineStyleFor i })
    |> Map.ofList

let private points (gs: Group list) (x: Group -> float) =
    gs |> List.sortBy x |> List.map (fun g -> x g, g.Stats.Median, g.Stats.Min, g.Stats.Max)

let renderErrorVsNh (outDir: string) (problem: string) (gs: Group list) : Outcome =
    let gs = gs |> usable |> List.filter (fun g -> g.Key.Problem = problem && g.Key.Corrupted < 0)
    let mf = gs |> List.filter (fun g -> g.Key.Model = "mf")
    if mf.IsEmpty then Error(sprintf "error-vs-nh-%s: no MF results" problem)
    else
        let archs = gs |> List.map (fun g -> g.Key.Architecture) |> List.distinct |> List.sortBy (fun a -> archRank a, a)
        let withStrategy = mf |> List.map (fun g -> g.Key.Strategy) |> List.filter ((<>) "none") |> List.distinct |> List.length > 1
        let withExperiment = gs |> List.map (fun g -> g.Key.Experiment) |> List.distinct |> List.length > 1
        // one curve per configuration independent of architecture (architecture = panel)
        let curveOf (k: GroupKey) = { curveKey k with Architecture = "" }
        let mfCurves = mf |> List.map (fun g -> curveOf g.Key) |> List.distinct
        let styles = stylesFor mfCurves
        let label (k: GroupKey) =
            let l = configLabel withStrategy k
            if withExperiment then sprintf "%s [%s]" l k.Experiment else l
        let lo, hi = logRange (gs |> List.collect (fun g -> [ g.Stats.Min; g.Stats.Max ]))
        let nhs = gs |> List.map (fun g -> g.Key.Nh)
        let panel (arch: string) =
            let m = newModel (sprintf "%s: %s" problem (arch.ToUpperInvariant()))
            m.Axes.Add(nhAxis nhs)
            m.Axes.Add(errorAxis ErrorAxisTitle lo hi)
            let mine = gs |> List.filter (fun g -> g.Key.Architecture = arch)
            for k in mfCurves do
                let cg = mine |> List.filter (fun g -> g.Key.Model = "mf" && curveOf g.Key = k)
                if not cg.IsEmpty then
                    for s in curve (label k) styles[k] true (points cg (fun g -> Math.Log2(float g.Key.Nh))) do
                        m.Series.Add s
            let sf = mine |> List.filter (fun g -> g.Key.Model = "sf")
            for k in sf |> List.map (fun g -> curveKey g.Key) |> List.distinct do
                let cg = sf |> List.filter (fun g -> curveKey g.Key = k)
                for s in curve "SF baseline" sfStyle true (points cg (fun g -> Math.Log2(float g.Key.Nh))) do
                    m.Series.Add s
            m
        let entries =
            (mfCurves |> List.sortBy configSortKey |> List.map (fun k -> label k, styles[k]))
            @ (if gs |> List.exists (fun g -> g.Key.Model = "sf") then [ "SF baseline", sfStyle ] else [])
        let panelWidth = if archs.Length = 1 then PanelWidth else 620
        let panels = archs |> List.map (fun a -> panel a, panelWidth)
        let legend = legendPanel entries, legendWidth (entries |> List.map fst)
        Ok(saveComposed outDir ("error-vs-nh-" + safeName problem) PanelHeight (panels @ [ legend ]))

// ---------------------------------------------------------------------------------------------------------------
// 3. Example predictions

let renderPrediction (outDir: string) (problem: string) (records: RunRecord list) (gs: Group list) : Outcome =
    let withExample =
        records
        |> List.filter (fun r ->
            r.Problem = problem && r.Corrupted < 0
            && (match r.Example with
                | Some e -> e.X.Length > 0 && e.X.Length = e.Prediction.Length && e.X.Length = e.Truth.Length
                | None -> false))
    let mfEx = withExample |> List.filter (fun r -> (keyOf r).Model = "mf")
    if mfEx.IsEmpty then Error(sprintf "prediction-%s: no MF example predictions" problem)
    else
        let nh = mfEx |> List.map (fun r -> r.Nh) |> List.min
        let atNh = withExample |> List.filter (fun r -> r.Nh = nh)
        let exampleKeys = atNh |> List.map keyOf |> Set.ofList
        let candidates model = gs |> List.filter (fun g -> g.Key.Model = model && exampleKeys.Contains g.Key)
        let mfBest = (best (candidates "mf")).Value
        let sfBest =
            let sf = candidates "sf"
            match best (sf |> List.filter (fun g -> g.Key.Architecture = mfBest.Key.Architecture)) with
            | Some g -> Some g
            | None -> best sf
        let exampleOf (g: Group) = atNh |> List.filter (fun r -> keyOf r = g.Key) |> List.minBy (fun r -> r.Rep)
        let mfRec = exampleOf mfBest
        let ex = mfRec.Example.Value
        let m = newModel (sprintf "%s: example predictions at N_H = %d (repetition %d)" problem nh mfRec.Rep)
        m.Axes.Add(linearAxis AxisPosition.Bottom "x")
        m.Axes.Add(linearAxis AxisPosition.Left "y")
        let lineOf (title: string) (style: Style) (thickness: float) (xs: float[]) (ys: float[]) =
            let s = LineSeries(Title = title, Color = style.Colour, LineStyle = style.Line, StrokeThickness = thickness)
            Array.zip xs ys |> Array.sortBy fst |> Array.iter (fun (x, y) -> if isFiniteValue y then s.Points.Add(DataPoint(x, y)))
            s
        m.Series.Add(lineOf "truth (HF)" { Colour = OxyColors.Black; Marker = MarkerType.None; Line = LineStyle.Solid } 3.0 ex.X ex.Truth)
        sfBest
        |> Option.iter (fun g ->
            let r = exampleOf g
            let e = r.Example.Value
            m.Series.Add(
                lineOf (sprintf "SF %s (e = %s)" g.Key.Architecture (sci r.NormalizedMse)) { Colour = colour 3; Marker = MarkerType.None; Line = LineStyle.Dash } 2.0 e.X e.Prediction
            ))
        m.Series.Add(
            lineOf
                (sprintf "MF %s, %s (e = %s)" mfBest.Key.Architecture (configLabel true mfBest.Key) (sci mfRec.NormalizedMse))
                { Colour = colour 0; Marker = MarkerType.None; Line = LineStyle.Solid }
                2.0
                ex.X
                ex.Prediction
        )
        if ex.HfX.Length > 0 && ex.HfX.Length = ex.HfY.Length then
            let pts =
                ScatterSeries(
                    Title = sprintf "HF training points (%d)" ex.HfX.Length,
                    MarkerType = MarkerType.Circle,
                    MarkerSize = 6.0,
                    MarkerFill = OxyColors.White,
                    MarkerStroke = OxyColors.Black,
                    MarkerStrokeThickness = 2.0
                )
            Array.iter2 (fun x y -> pts.Points.Add(ScatterPoint(x, y))) ex.HfX ex.HfY
            m.Series.Add pts
        addLegendRight m
        Ok(save outDir ("prediction-" + safeName problem) (PanelWidth + 380) PanelHeight m)

// ---------------------------------------------------------------------------------------------------------------
// 4. Corrupted LF sources

let private renderCorruptedFor (outDir: string) (name: string) (problem: string) (records: RunRecord list) (gs: Group list) : Outcome =
    let mine = gs |> usable |> List.filter (fun g -> g.Key.Problem = problem && g.Key.Corrupted >= 0)
    let mf = mine |> List.filter (fun g -> g.Key.Model = "mf")
    if mf.IsEmpty then Error(sprintf "%s: no MF results with corrupted sources" name)
    else
        let nhs = mf |> List.map (fun g -> g.Key.Nh) |> List.distinct |> List.sort
        let archs = mf |> List.map (fun g -> g.Key.Architecture) |> List.distinct
        let withStrategy = mf |> List.map (fun g -> g.Key.Strategy) |> List.filter ((<>) "none") |> List.distinct |> List.length > 1
        let curveOf (k: GroupKey) = { k with Corrupted = 0 }
        let curves = mf |> List.map (fun g -> curveOf g.Key) |> List.distinct |> List.sortBy (fun k -> configSortKey k, k.Nh)
        let label (k: GroupKey) =
            let l = sprintf "%s, %s" k.Architecture (configLabel withStrategy k)
            if nhs.Length > 1 then sprintf "%s, N_H = %d" l k.Nh else l
        // SF does not use the LF sources: pool its repetitions over the corrupted counts; fall back to the main runs.
        let sfRefs =
            [ for arch in archs do
                  for nh in nhs do
                      let pick corrupted =
                          records
                          |> List.filter (fun r ->
                              let k = keyOf r
                              k.Problem = problem && k.Model = "sf" && k.Architecture = arch && k.Nh = nh && corrupted k.Corrupted)
                      let rs = match pick (fun c -> c >= 0) with [] -> pick (fun c -> c < 0) | rs -> rs
                      let st = stats (rs |> List.map (fun r -> r.NormalizedMse))
                      if st.Count > 0 then
                          yield ((if nhs.Length > 1 then sprintf "SF %s, N_H = %d" arch nh else sprintf "SF %s" arch), st.Median) ]
        let cs = mf |> List.map (fun g -> g.Key.Corrupted)
        let xlo, xhi = float (List.min cs) - 0.3, float (List.max cs) + 0.3
        let lo, hi = logRange ((mf |> List.collect (fun g -> [ g.Stats.Min; g.Stats.Max ])) @ (sfRefs |> List.map snd))
        let m = newModel (sprintf "%s: error vs corrupted LF sources" problem)
        let xa = linearAxis AxisPosition.Bottom "number of corrupted LF sources"
        xa.Minimum <- xlo
        xa.Maximum <- xhi
        xa.MajorStep <- max 1.0 (Math.Ceiling((xhi - xlo) / 10.0))
        xa.MinorStep <- xa.MajorStep
        m.Axes.Add xa
        m.Axes.Add(errorAxis ErrorAxisTitle lo hi)
        curves
        |> List.iteri (fun i k ->
            let cg = mf |> List.filter (fun g -> curveOf g.Key = k)
            let style = { Colour = colour i; Marker = markerFor k.Encoding; Line = lineStyleFor i }
            for s in curve (label k) style true (points cg (fun g -> float g.Key.Corrupted)) do
                m.Series.Add s)
        let sfLines = [| LineStyle.Dash; LineStyle.Dot; LineStyle.DashDashDot; LineStyle.LongDash |]
        sfRefs
        |> List.iteri (fun i (title, v) ->
            let s = LineSeries(Title = title, Color = OxyColors.Black, LineStyle = sfLines[i % sfLines.Length], StrokeThickness = 2.0)
            s.Points.Add(DataPoint(xlo, v))
            s.Points.Add(DataPoint(xhi, v))
            m.Series.Add s)
        addLegendRight m
        let width = PanelWidth + max 300 (legendWidth ((curves |> List.map label) @ (sfRefs |> List.map fst)))
        Ok(save outDir name width PanelHeight m)

let renderCorrupted (outDir: string) (records: RunRecord list) (gs: Group list) : Outcome list =
    let problems =
        gs |> List.filter (fun g -> g.Key.Corrupted >= 0) |> List.map (fun g -> g.Key.Problem) |> List.distinct |> List.sort
    match problems with
    | [] -> [ Error "corrupted-sources: no records with corrupted LF sources" ]
    | [ p ] -> [ renderCorruptedFor outDir "corrupted-sources" p records gs ]
    | ps -> ps |> List.map (fun p -> renderCorruptedFor outDir ("corrupted-sources-" + safeName p) p records gs)

// ---------------------------------------------------------------------------------------------------------------
// 5. Ledger

let renderLedger (outDir: string) (gs: Group list) : Outcome =
    match Ledger.rows gs with
    | [] -> Error "ledger: no MF results"
    | rows ->
        Directory.CreateDirectory outDir |> ignore
        let md = Path.Combine(outDir, "ledger.md")
        let csv = Path.Combine(outDir, "ledger.csv")
        File.WriteAllText(md, Ledger.toMarkdown rows)
        File.WriteAllText(csv, Ledger.toCsv rows)
        Ok [ md; csv ]

// ---------------------------------------------------------------------------------------------------------------
// Everything

/// Render every figure the records support. Returns the files written and one note per figure that was skipped
/// (missing data, unknown problem, or an error while rendering it); a failing figure never stops the others.
let renderAllWithNotes (records: RunRecord list) (outDir: string) : string list * string list =
    Directory.CreateDirectory outDir |> ignore
    let gs = groups records
    let attempt (what: string) (f: unit -> Outcome list) =
        try f () with e -> [ Error(sprintf "%s: not rendered (%s)" what e.Message) ]
    let problems = records |> List.map (fun r -> r.Problem) |> List.filter (String.IsNullOrWhiteSpace >> not) |> List.distinct |> List.sort
    let outcomes =
        [ for problem in problems do
              yield!
                  attempt ("functions-" + problem) (fun () ->
                      // The corrupted-sources runs record the family "CORR" and their n: show the most corrupted member.
                      let corr =
                          if problem.Equals("CORR", StringComparison.OrdinalIgnoreCase) then
                              records |> List.filter (fun r -> r.Problem = problem) |> List.map (fun r -> r.Corrupted) |> List.max
                              |> sprintf "CORR-%d" |> Problems.Catalogue.find |> Some
                          else None
                      match corr |> Option.orElse (Problems.Catalogue.all |> List.tryFind (fun p -> p.Name.Equals(problem, StringComparison.OrdinalIgnoreCase))) with
                      | Some p -> [ renderFunctions outDir p ]
                      | None -> [ Error(sprintf "functions-%s: problem not in the catalogue" problem) ])
              yield! attempt ("error-vs-nh-" + problem) (fun () -> [ renderErrorVsNh outDir problem gs ])
              yield! attempt ("prediction-" + problem) (fun () -> [ renderPrediction outDir problem records gs ])
          yield! attempt "corrupted-sources" (fun () -> renderCorrupted outDir records gs)
          yield! attempt "ledger" (fun () -> [ renderLedger outDir gs ]) ]
    let files = outcomes |> List.collect (function Ok fs -> fs | Error _ -> [])
    let notes = outcomes |> List.choose (function Error n -> Some n | Ok _ -> None)
    files, notes

/// Render every figure the records support into `outDir` and return the files written.
/// Figures without data are skipped with a one-line note on stderr.
let renderAll (records: RunRecord list) (outDir: string) : string list =
    let files, notes = renderAllWithNotes records outDir
    for n in notes do
        eprintfn "figures: skipped %s" n
    files

/// Read a JSON-lines results file (lines that are not complete records are ignored).
let readRecords (path: string) : RunRecord list =
    File.ReadLines path |> Seq.choose RunRecord.tryParse |> List.ofSeq
