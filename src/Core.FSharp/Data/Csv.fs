/// Numeric CSV files with a header row: the format of users' own LF and HF data.
/// Every problem is reported with the file, the line number and the column name.
module Emulators.Core.Csv

open System
open System.Globalization
open System.IO

type Table =
    { File: string
      Columns: string[]
      Rows: float[][]
      /// 1-based line number of each row in the file, for messages.
      Lines: int[] }

let private splitLine (line: string) = line.Split(',') |> Array.map (fun c -> c.Trim())

/// Read a comma-separated file: one header row of column names, then numeric rows. Blank lines and lines
/// starting with '#' are skipped.
let read (path: string) : Table =
    if String.IsNullOrWhiteSpace path then Errors.fail "no file name given"
    if not (File.Exists path) then Errors.fail "%s: file not found" path
    let lines = File.ReadAllLines path
    let content =
        lines
        |> Array.mapi (fun i l -> i + 1, l)
        |> Array.filter (fun (_, l) -> not (String.IsNullOrWhiteSpace l) && not (l.TrimStart().StartsWith "#"))
    if content.Length = 0 then Errors.fail "%s: the file is empty (expected a header row and data rows)" path
    let headerLine, header = content[0]
    let columns = splitLine header
    columns |> Array.iteri (fun j c ->
        if c = "" then Errors.fail "%s, line %d: column %d has an empty name" path headerLine (j + 1)
        let mutable v = 0.0
        if Double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, &v) then
            Errors.fail "%s, line %d: the first row must name the columns, but column %d is the number %s" path headerLine (j + 1) c)
    match columns |> Array.countBy id |> Array.tryFind (fun (_, n) -> n > 1) with
    | Some(c, _) -> Errors.fail "%s, line %d: column name '%s' appears twice" path headerLine c
    | None -> ()
    let data = content[1..]
    if data.Length = 0 then Errors.fail "%s: the file has a header but no data rows" path
    let rows =
        data
        |> Array.map (fun (lineNo, line) ->
            let cells = splitLine line
            if cells.Length <> columns.Length then
                Errors.fail "%s, line %d: %d values, but the header has %d columns" path lineNo cells.Length columns.Length
            cells
            |> Array.mapi (fun j cell ->
                let mutable v = 0.0
                if not (Double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, &v)) then
                    Errors.fail "%s, line %d, column '%s': '%s' is not a number" path lineNo columns[j] cell
                if Double.IsNaN v || Double.IsInfinity v then
                    Errors.fail "%s, line %d, column '%s': %s is not a finite number" path lineNo columns[j] cell
                v))
    { File = path; Columns = columns; Rows = rows; Lines = data |> Array.map fst }

let private indexOf (t: Table) (name: string) =
    match Array.tryFindIndex ((=) name) t.Columns with
    | Some j -> j
    | None -> Errors.fail "%s: no column named '%s' (columns: %s)" t.File name (String.Join(", ", t.Columns))

/// The named columns as rows of inputs.
let columns (t: Table) (names: string[]) : float[][] =
    let idx = names |> Array.map (indexOf t)
    t.Rows |> Array.map (fun r -> idx |> Array.map (fun j -> r[j]))

/// Split a table into inputs and one output. Defaults: the output is the last column, the inputs all others.
let split (t: Table) (inputs: string[] option) (output: string option) : string[] * float[][] * string * float[] =
    let out = defaultArg output t.Columns[t.Columns.Length - 1]
    let outIdx = indexOf t out
    let ins = defaultArg inputs (t.Columns |> Array.filter ((<>) out))
    if ins.Length = 0 then Errors.fail "%s: no input columns (the file has only the output column '%s')" t.File out
    if Array.contains out ins then Errors.fail "%s: column '%s' cannot be both an input and the output" t.File out
    ins, columns t ins, out, t.Rows |> Array.map (fun r -> r[outIdx])

/// Write a CSV file with a header, via a temporary file so readers never see half a file.
let write (path: string) (header: string[]) (rows: float[][]) =
    let tmp = path + ".tmp"
    use w = new StreamWriter(tmp)
    w.WriteLine(String.Join(",", header))
    for r in rows do
        w.WriteLine(String.Join(",", r |> Array.map (fun v -> v.ToString("R", CultureInfo.InvariantCulture))))
    w.Close()
    File.Move(tmp, path, true)
