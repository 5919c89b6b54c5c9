/// FIGURES.md: every figure of a preset with its caption, in the order rendered, and the tables.
module Emulators.Figures.Index

open System.IO
open System.Text
open Emulators.Figures.Export

let FileName = "FIGURES.md"

let markdown (preset: string) (records: int) (figures: Figure list) (tables: string list) =
    let sb = StringBuilder()
    let line (s: string) = sb.Append(s).Append('\n') |> ignore
    line (sprintf "# Figures: the %s preset" preset)
    line ""
    line (sprintf "Rendered from the %d run records of `results/%s.jsonl` by `emulators figures --preset %s` (no training)." records preset preset)
    line "Every figure is a PNG and an SVG with its caption under the plots; the captions are repeated here."
    if not tables.IsEmpty then
        line (sprintf "Tables: %s." (tables |> List.map (fun t -> sprintf "[`%s`](%s)" t t) |> String.concat ", "))
    for f in figures do
        line ""
        line (sprintf "## %s" f.Name)
        line ""
        line (sprintf "![%s](%s.png)" f.Name f.Name)
        line ""
        line f.Caption
        line ""
        line (sprintf "Files: [`%s.png`](%s.png), [`%s.svg`](%s.svg)." f.Name f.Name f.Name f.Name)
    sb.ToString()

/// Write the index into `dir`; returns its path.
let write (dir: string) (records: int) (figures: Figure list) (tables: string list) =
    let path = Path.Combine(dir, FileName)
    File.WriteAllText(path, markdown (Path.GetFileName(Path.TrimEndingDirectorySeparator dir)) records figures tables)
    path
