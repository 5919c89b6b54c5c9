/// Progress of long training runs on stderr: one rewritten line on a terminal, sparse plain lines otherwise.
module Emulators.Cli.Progress

open System
open Emulators.Core

let private interactive = not Console.IsErrorRedirected
let mutable private lastPlain = DateTime.MinValue
let mutable private dirty = false

let private show (r: ProgressReport) =
    let text = sprintf "%s: %d/%d  loss %.3e" r.Stage r.Step r.Steps r.Loss
    if interactive then
        eprintf "\r%-70s" text
        dirty <- true
    elif DateTime.UtcNow - lastPlain > TimeSpan.FromSeconds 10.0 then
        lastPlain <- DateTime.UtcNow
        eprintfn "%s" text

/// A progress callback, or None when progress is off.
let reporter (enabled: bool) : (ProgressReport -> unit) option = if enabled then Some show else None

/// End the progress line before normal output.
let clear () =
    if dirty then
        eprintf "\r%-70s\r" ""
        dirty <- false
