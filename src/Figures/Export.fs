/// PNG + SVG export: single plots and panels composed side by side, with the figure's caption as a text block
/// under the plots in both files.
module Emulators.Figures.Export

open System
open System.IO
open System.Text
open System.Text.RegularExpressions
open OxyPlot
open global.SkiaSharp

/// A figure as written: its file stem, its caption (also in the image) and the files.
type Figure =
    { Name: string
      Caption: string
      Files: string list }

let pngBytes (m: PlotModel) (width: int) (height: int) =
    use ms = new MemoryStream()
    let e = global.OxyPlot.SkiaSharp.PngExporter(Width = width, Height = height)
    e.Export(m, ms)
    ms.ToArray()

let private textMeasurer = lazy (new global.OxyPlot.SkiaSharp.SkiaRenderContext() :> IRenderContext)

/// The plot as a standalone <svg> element (no XML declaration), text measured with SkiaSharp like the PNG.
/// Text is placed without `dominant-baseline` (OxyPlot's vertical-alignment workaround), which librsvg, Inkscape
/// and converters for LaTeX ignore.
let svgElement (m: PlotModel) (width: int) (height: int) =
    let s = SvgExporter.ExportToString(m, float width, float height, false, textMeasurer.Force(), true)
    let i = s.IndexOf("<svg", StringComparison.Ordinal)
    if i > 0 then s.Substring i else s

let private xmlHeader = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"

// ---------------------------------------------------------------------------------------------------------------
// Caption block

let private CaptionFontSize = 14.0f
let private CaptionLineHeight = 20
let private CaptionMargin = 16

let private captionPaint () =
    new SKPaint(Typeface = SKTypeface.FromFamilyName Plots.Font, TextSize = CaptionFontSize, IsAntialias = true, Color = SKColors.Black)

/// Width of a caption text in pixels.
let textWidth (text: string) =
    use paint = captionPaint ()
    float (paint.MeasureText text)

/// The caption broken into lines no wider than `width` pixels (words are never split).
let wrap (width: int) (text: string) : string list =
    use paint = captionPaint ()
    let words = text.Split([| ' '; '\n' |], StringSplitOptions.RemoveEmptyEntries) |> List.ofArray
    let fits (line: string) = paint.MeasureText line <= float32 width
    let rec go (lines: string list) (current: string) (rest: string list) =
        match rest with
        | [] -> List.rev (if current = "" then lines else current :: lines)
        | w :: tail ->
            let candidate = if current = "" then w else current + " " + w
            if current = "" || fits candidate then go lines candidate tail else go (current :: lines) w tail
    go [] "" words

let private captionHeight (lines: string list) =
    if lines.IsEmpty then 0 else 2 * CaptionMargin + lines.Length * CaptionLineHeight

/// Baseline of caption line i, below plots of height `top`.
let private lineY (top: int) (i: int) = top + CaptionMargin + (i + 1) * CaptionLineHeight - 5

// ---------------------------------------------------------------------------------------------------------------
// Files

let private writePng (path: string) (width: int) (height: int) (top: int) (panels: (PlotModel * int) list) (lines: string list) =
    use surface = SKSurface.Create(SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
    let canvas = surface.Canvas
    canvas.Clear SKColors.White
    let mutable x = 0
    for m, w in panels do
        use bmp = SKBitmap.Decode(pngBytes m w top)
        canvas.DrawBitmap(bmp, float32 x, 0.0f)
        x <- x + w
    use paint = captionPaint ()
    lines |> List.iteri (fun i line -> canvas.DrawText(line, float32 CaptionMargin, float32 (lineY top i), paint))
    canvas.Flush()
    use image = surface.Snapshot()
    use data = image.Encode(SKEncodedImageFormat.Png, 100)
    use fs = File.Create path
    data.SaveTo fs

/// The SVG nests each panel's own <svg> in a translated group, with its ids prefixed so clip paths stay distinct.
let private writeSvg (path: string) (width: int) (height: int) (top: int) (panels: (PlotModel * int) list) (lines: string list) =
    let sb = StringBuilder(xmlHeader)
    sb.AppendFormat(
        "<svg width=\"{0}\" height=\"{1}\" version=\"1.1\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        width,
        height
    )
    |> ignore
    sb.AppendFormat("<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"white\" />\n", width, height) |> ignore
    let mutable x = 0
    panels
    |> List.iteri (fun i (m, w) ->
        let prefix = sprintf "p%d_" i
        let body =
            let s = svgElement m w top
            let s = Regex.Replace(s, "id=\"", "id=\"" + prefix)
            let s = Regex.Replace(s, "url\\(#", "url(#" + prefix)
            Regex.Replace(s, "href=\"#", "href=\"#" + prefix)
        sb.AppendFormat("<g transform=\"translate({0},0)\">\n", x).Append(body).Append("\n</g>\n") |> ignore
        x <- x + w)
    lines
    |> List.iteri (fun i line ->
        sb.AppendFormat(
            "<text x=\"{0}\" y=\"{1}\" font-family=\"{2}\" font-size=\"{3}\" fill=\"black\">{4}</text>\n",
            CaptionMargin,
            lineY top i,
            Plots.Font,
            CaptionFontSize,
            Security.SecurityElement.Escape line
        )
        |> ignore)
    sb.Append("</svg>\n") |> ignore
    File.WriteAllText(path, sb.ToString())

/// Compose panels (model and width; common height) side by side, with the caption (if any) wrapped under them,
/// into `<name>.png` and `<name>.svg` in `dir`; returns the two paths.
let saveComposed (dir: string) (name: string) (height: int) (caption: string) (panels: (PlotModel * int) list) =
    Directory.CreateDirectory dir |> ignore
    let width = panels |> List.sumBy snd
    let lines = if String.IsNullOrWhiteSpace caption then [] else wrap (width - 2 * CaptionMargin) caption
    let total = height + captionHeight lines
    let png = Path.Combine(dir, name + ".png")
    let svg = Path.Combine(dir, name + ".svg")
    writePng png width total height panels lines
    writeSvg svg width total height panels lines
    [ png; svg ]

/// One plot without a caption (the outer-loop commands' figures).
let save (dir: string) (name: string) (width: int) (height: int) (m: PlotModel) = saveComposed dir name height "" [ m, width ]

/// A figure of the assessment: panels side by side and the caption under them.
let figure (dir: string) (name: string) (height: int) (caption: string) (panels: (PlotModel * int) list) : Figure =
    { Name = name; Caption = caption; Files = saveComposed dir name height caption panels }

/// File names: letters, digits and - _ . kept, anything else replaced by _.
let safeName (s: string) =
    s |> String.map (fun c -> if Char.IsLetterOrDigit c || c = '-' || c = '_' || c = '.' then c else '_')
