/// Typed values from command-line text: names through their tables (forgiving case, as a person types them), with
/// messages naming the flag.
module Emulators.Cli.Read

open Emulators.Core

/// The value a name-valued flag gives, or `fallback` when the flag is absent.
let named (flag: string) (table: Names.Table<'T>) (fallback: 'T) (text: string option) : 'T =
    match text with
    | None -> fallback
    | Some t ->
        try Names.parseIgnoringCase table t
        with EmulatorError msg -> Errors.fail "--%s: %s" flag msg

/// `named` for a declared option: its flag and its default.
let option (spec: OptionSpec<'T>) (table: Names.Table<'T>) (text: string option) : 'T = named spec.Flag table spec.Default text

/// The help text of a name-valued flag that is no model option (`run`'s --lf and --design).
let namedHelp (doc: string) (table: Names.Table<'T>) (fallback: 'T) =
    OptionSpec.help
        { Flag = ""; Property = ""; Doc = doc; Noun = ""; Default = fallback; Accepts = OneOf(Names.names table); Show = Names.name table }

/// The help text of --kan-range, from the two ends' declarations.
let kanRangeHelp =
    sprintf "KAN grid range as LO,HI (default %s,%s); network inputs are mapped onto it"
        (OptionSpec.kanGridMin.Show OptionSpec.kanGridMin.Default) (OptionSpec.kanGridMax.Show OptionSpec.kanGridMax.Default)

/// What --select auto does to a flag that sets the model's structure or hyperparameters.
let narrows (help: string) = help + "; with --select auto, restricts the candidates to it"
