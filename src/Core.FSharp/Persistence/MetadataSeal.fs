/// model.json seals itself: one field holds the SHA-256 of the file's own bytes, computed with that field's value
/// set to zeros, so an edit anywhere in the metadata (not only in the weights, which have their own checksum) is
/// caught on loading.
module Emulators.Core.MetadataSeal

open System
open System.Security.Cryptography
open System.Text.Json
open System.Text.Json.Nodes

/// Lower-case hex SHA-256 of some bytes.
let sha256 (bytes: byte[]) = Convert.ToHexString(SHA256.HashData bytes).ToLowerInvariant()

/// The field of model.json that holds the SHA-256 of model.json itself, computed with the field's value set to
/// `zeroHash`: the metadata verify themselves like the weights do.
let field = "metadataSha256"
let private zeroHash = String('0', 64)

let private fieldBytes (hash: string) =
    Text.Encoding.UTF8.GetBytes(sprintf "\"%s\": \"%s\"" field hash)

let private indexOf (haystack: byte[]) (needle: byte[]) =
    let span = ReadOnlySpan<byte>(haystack)
    span.IndexOf(ReadOnlySpan<byte>(needle))

/// model.json's bytes with its own checksum filled in.
let seal (root: JsonObject) =
    root[field] <- JsonValue.Create zeroHash
    let bytes = Text.Encoding.UTF8.GetBytes(root.ToJsonString(JsonSerializerOptions(WriteIndented = true)))
    let hash = sha256 bytes
    let at = indexOf bytes (fieldBytes zeroHash)
    let sealedBytes = Array.copy bytes
    let h = fieldBytes hash
    Buffer.BlockCopy(h, 0, sealedBytes, at, h.Length)
    sealedBytes

/// Whether model.json's bytes match the checksum they carry (None: the file carries none).
let intact (bytes: byte[]) (root: JsonObject) : bool option =
    match root[field] with
    | null -> None
    | n ->
        let claimed = (try n.GetValue<string>() with _ -> "")
        let field = fieldBytes claimed
        let at = indexOf bytes field
        if claimed.Length <> 64 || at < 0 then Some false
        else
            let zeroed = Array.copy bytes
            let z = fieldBytes zeroHash
            Buffer.BlockCopy(z, 0, zeroed, at, z.Length)
            Some(sha256 zeroed = claimed.ToLowerInvariant())
