/// `emulators problems`: the catalogue, one line per problem.
module Emulators.Cli.ProblemsCommand

open Argu
open Emulators.Core
open Emulators.Cli.Args

let execute (args: ParseResults<ProblemsArgs>) =
    for p in Problems.Catalogue.all do
        let sources = p.Sources |> List.map (fun s -> sprintf "%s(%dD)" s.Name s.Domain.Dim) |> String.concat " "
        printfn "%-6s %2dD  N_H %-14s LF: %-24s %s" p.Name p.Domain.Dim (p.HfSizes |> List.map string |> String.concat ",") sources p.Summary
        if args.Contains Verbose then printfn "       %s" p.Provenance
    0
