/// Minimal JSON output for machine-readable CLI results.
module Emulators.Cli.Json

open Emulators.Core

open System.Text.Json

/// One JSON object on one line from (name, value) pairs; values may be numbers, strings, booleans or nested lists.
let line (fields: (string * obj) list) =
    let d = System.Collections.Generic.Dictionary<string, obj>()
    for k, v in fields do
        d[k] <- v
    JsonSerializer.Serialize(d, JsonSerializerOptions(NumberHandling = Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals))
