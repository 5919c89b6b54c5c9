/// Text forms of the assessment's tables: Markdown for reading, CSV (full precision) for other tools.
module Emulators.Core.Assessment.TableText

open System
open System.Globalization

/// A Markdown table; `alignments` holds one of "---" (left) or "---:" (right) per column.
let markdown (header: string list) (alignments: string list) (rows: string list list) =
    let line (cells: string list) = "| " + String.Join(" | ", cells) + " |\n"
    line header + line alignments + (rows |> List.map line |> String.concat "")

let private csvField (s: string) =
    if s.IndexOfAny([| ','; '"'; '\n' |]) >= 0 then "\"" + s.Replace("\"", "\"\"") + "\"" else s

/// A CSV document: the header line, then one line per row, fields quoted where needed.
let csv (header: string list) (rows: string list list) =
    (header :: rows) |> List.map (fun fields -> String.Join(",", fields |> List.map csvField) + "\n") |> String.concat ""

/// A number as CSV holds it: round-trip precision, invariant culture.
let number (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

/// An optional number for CSV: empty when missing.
let optionalNumber (x: float option) = x |> Option.map number |> Option.defaultValue ""

/// An optional value for Markdown: "—" when missing.
let orDash (f: 'a -> string) (x: 'a option) = x |> Option.map f |> Option.defaultValue "—"
