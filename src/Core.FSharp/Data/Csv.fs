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

/// The cells of one line: comma-separated, each trimmed; a cell in double quotes may hold commas, and "" inside
/// it is one quote (RFC 4180). The quotes themselves are not part of the value (a quoted header keeps no quotes).
let private splitLine (line: string) =
    let cells = ResizeArray<string>()
    let cell = Text.StringBuilder()
    let mutable quoted = false
    let mutable i = 0
    while i < line.Length do
        let c = line[i]
        if quoted then
            if c = '"' && i + 1 < line.Length && line[i + 1] = '"' then
                cell.Append '"' |> ignore
                i <- i + 1
            elif c = '"' then quoted <- false
            else cell.Append c |> ignore
        elif c = '"' && cell.ToString().Trim() = "" then
            cell.Clear() |> ignore
            quoted <- true
        elif c = ',' then
            cells.Add(cell.ToString().Trim())
            cell.Clear() |> ignore
        else cell.Append c |> ignore
        i <- i + 1
    cells.Add(cell.ToString().Trim())
    cells.ToArray()

/// Read a comma-separated file: one header row of column names, then numeric rows. Blank lines and lines
/// starting with '#' are skipped.
let read (path: string) : Table =
    if String.IsNullOrWhiteSpace path then Errors.fail "no file name given"
    if Directory.Exists path then Errors.fail "%s is a directory, not a CSV file" path
    if not (File.Exists path) then Errors.fail "%s: file not found" path
    let lines = Errors.io (sprintf "cannot read '%s'" path) (fun () -> File.ReadAllLines path)
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
    match ins |> Array.countBy id |> Array.tryFind (fun (_, n) -> n > 1) with
    | Some(c, _) -> Errors.fail "%s: input column '%s' is named twice" t.File c
    | None -> ()
    if ins.Length = 0 then Errors.fail "%s: no input columns (the file has only the output column '%s')" t.File out
    if Array.contains out ins then Errors.fail "%s: column '%s' cannot be both an input and the output" t.File out
    ins, columns t ins, out, t.Rows |> Array.map (fun r -> r[outIdx])

/// Rows whose inputs (the values of the columns `names`) repeat an earlier row's: (line, earlier line, same output
/// value too). Repeated points weigh twice in a fit; repeated inputs with different outputs are noise or a mistake.
let repeatedInputs (t: Table) (names: string[]) (output: string) =
    let idx = names |> Array.map (indexOf t)
    let o = indexOf t output
    let seen = Collections.Generic.Dictionary<string, int>()
    [ for r in 0 .. t.Rows.Length - 1 do
          let row = t.Rows[r]
          let key = String.Join(",", idx |> Array.map (fun j -> row[j].ToString("R", CultureInfo.InvariantCulture)))
          match seen.TryGetValue key with
          | true, first -> yield t.Lines[r], t.Lines[first], t.Rows[r][o] = t.Rows[first][o]
          | _ -> seen[key] <- r ]

/// Write a CSV table (a header, then full-precision rows) to a text writer.
let writeTo (w: TextWriter) (header: string[]) (rows: float[][]) =
    let cell (name: string) = if name.IndexOfAny([| ','; '"' |]) >= 0 then "\"" + name.Replace("\"", "\"\"") + "\"" else name
    w.WriteLine(String.Join(",", header |> Array.map cell))
    for r in rows do
        w.WriteLine(String.Join(",", r |> Array.map (fun v -> v.ToString("R", CultureInfo.InvariantCulture))))

/// Write a CSV file with a header (OutputFile.write: "-" is standard output, a device is written in place, a
/// regular file is replaced atomically, so readers never see half a file and a failed write leaves the old one).
let write (path: string) (header: string[]) (rows: float[][]) =
    OutputFile.write path (fun w -> writeTo w header rows)
