/// The names of option values (architectures, encodings, strategies, precisions...): one table per union gives each
/// value its name and the aliases it is also known by. The code inside works with the union values; names are parsed
/// only where text comes in (command-line arguments, experiment files, model files) and printed where text goes out,
/// both through the table, so that one table also writes the "expected one of ..." message.
module Emulators.Core.Names

/// The names of one union's values: what they are (for messages, e.g. "LF mode") and, per value, its name and its
/// aliases. The first entry is listed first in messages.
type Table<'T when 'T: equality> =
    private
        { What: string
          Entries: (string * string list * 'T) list }

/// A table from (name, aliases, value) entries. Names and aliases must be distinct, and every value listed once.
let table (what: string) (entries: (string * string list * 'T) list) : Table<'T> =
    let spellings = entries |> List.collect (fun (n, aliases, _) -> n :: aliases)
    if List.distinct spellings <> spellings then invalidArg "entries" (sprintf "the names of %s repeat" what)
    let values = entries |> List.map (fun (_, _, v) -> v)
    if List.distinct values <> values then invalidArg "entries" (sprintf "a value of %s is listed twice" what)
    { What = what; Entries = entries }

/// The canonical names, in table order.
let names (t: Table<'T>) = t.Entries |> List.map (fun (n, _, _) -> n)

/// Every value, in table order.
let values (t: Table<'T>) = t.Entries |> List.map (fun (_, _, v) -> v)

/// What the table names, e.g. "LF mode".
let what (t: Table<'T>) = t.What

/// "expected one of: exact, learned"
let expected (t: Table<'T>) = "expected one of: " + String.concat ", " (names t)

/// The value spelled exactly as its name or an alias; None for anything else.
let tryParse (t: Table<'T>) (text: string) : 'T option =
    t.Entries |> List.tryPick (fun (n, aliases, v) -> if n = text || List.contains text aliases then Some v else None)

/// The value of a name or alias, spelled exactly (files: their names become keys of results, so "Learned" is not
/// "learned"); anything else is an EmulatorError naming the text and the expected names.
let parse (t: Table<'T>) (text: string) : 'T =
    match tryParse t text with
    | Some v -> v
    | None -> Errors.fail "unknown %s '%s' (%s)" t.What text (expected t)

/// `parse` forgiving surrounding blanks and case: what a person types on a command line.
let parseIgnoringCase (t: Table<'T>) (text: string) : 'T =
    match tryParse t (if isNull text then text else text.Trim().ToLowerInvariant()) with
    | Some v -> v
    | None -> Errors.fail "unknown %s '%s' (%s)" t.What text (expected t)

/// The canonical name of a value.
let name (t: Table<'T>) (v: 'T) : string =
    match t.Entries |> List.tryFind (fun (_, _, w) -> w = v) with
    | Some(n, _, _) -> n
    | None -> invalidArg "v" (sprintf "%A has no name in the table of %s" v t.What)
