/// Every built-in problem, by name.
module Emulators.Problems.Catalogue

open Emulators

let all: Problem list = [ Forrester.k1 ]

let names () = all |> List.map (fun p -> p.Name)

/// The named problem (case-insensitive); an unknown name lists the known ones.
let find (name: string) =
    match all |> List.tryFind (fun p -> p.Name.Equals(name.Trim(), System.StringComparison.OrdinalIgnoreCase)) with
    | Some p -> p
    | None -> Errors.fail "unknown problem '%s' (known: %s)" name (String.concat ", " (names ()))
