/// JSON trees and the numbers JSON cannot hold: finding the first NaN or infinity (a model file must not carry one)
/// and dropping them from informational sections.
module Emulators.Core.FiniteJson

open System
open System.Text.Json.Nodes

/// Neither NaN nor an infinity.
let isFinite (v: float) = not (Double.IsNaN v || Double.IsInfinity v)

/// The first number in a JSON tree that is not finite, with its path ("inputScale.scale[0]").
let rec firstNonFinite (path: string) (node: JsonNode) : string option =
    match node with
    | null -> None
    | :? JsonObject as o -> o |> Seq.tryPick (fun kv -> firstNonFinite (if path = "" then kv.Key else path + "." + kv.Key) kv.Value)
    | :? JsonArray as a -> a |> Seq.indexed |> Seq.tryPick (fun (i, n) -> firstNonFinite (sprintf "%s[%d]" path i) n)
    | :? JsonValue as v ->
        match v.TryGetValue<float>() with
        | true, x when not (isFinite x) -> Some path
        | _ -> None
    | _ -> None

/// Non-finite numbers in an informational section (a selection report) become null instead of breaking the file.
let rec dropNonFinite (node: JsonNode) : JsonNode =
    match node with
    | null -> null
    | :? JsonObject as o ->
        let c = JsonObject()
        for kv in o do c[kv.Key] <- dropNonFinite kv.Value
        c
    | :? JsonArray as a -> JsonArray(a |> Seq.map dropNonFinite |> Array.ofSeq)
    | :? JsonValue as v ->
        match v.TryGetValue<float>() with
        | true, x when not (isFinite x) -> null
        | _ -> v.DeepClone()
    | n -> n.DeepClone()
