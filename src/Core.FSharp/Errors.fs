/// Two exception types for everything a user can meet: a mistake in what they supplied, and a fault of the machine
/// (a full, read-only or forbidden file system). Front ends print the message without a stack trace and tell the two
/// apart by type (the CLI exits with 2 and 3).
namespace Emulators.Core

open System
open System.IO

/// A problem with what the user supplied (data, names, options, files). The message names what is wrong and where.
exception EmulatorError of string
    with override this.Message = this.Data0

/// A fault of the environment while reading or writing a file: no space left, a read-only file system, no
/// permission, a device error. The message names the file and what to do; the cause is the .NET exception.
exception EnvironmentError of message: string * cause: exn
    with override this.Message = this.message

module Errors =
    /// Raise an EmulatorError with a formatted message.
    let fail fmt = Printf.ksprintf (fun s -> raise (EmulatorError s)) fmt

    /// Check that every value is finite; `what` names the data set in the message.
    let requireFinite (what: string) (values: float[]) =
        values |> Array.iteri (fun i v ->
            if System.Double.IsNaN v || System.Double.IsInfinity v then
                fail "%s: value %g at index %d is not finite" what v i)

    /// Check a row-major sample matrix: rows of equal, expected width, every value finite.
    let requireMatrix (what: string) (width: int) (rows: float[][]) =
        rows |> Array.iteri (fun r row ->
            if isNull row then fail "%s: row %d is missing" what r
            if row.Length <> width then
                fail "%s: row %d has %d columns, expected %d" what r row.Length width
            row |> Array.iteri (fun c v ->
                if System.Double.IsNaN v || System.Double.IsInfinity v then
                    fail "%s: value %g at row %d, column %d is not finite" what v r c))

    // errno values .NET reports as the HResult of an IOException on Linux and macOS.
    let private ENOSPC = 28
    let private EROFS = 30
    let private EDQUOT = 122
    let private EIO = 5

    /// An I/O exception raised while doing `action` (e.g. "cannot write 'pred.csv'") as the project's error: a
    /// missing file or directory, or a directory where a file was expected, is the user's mistake
    /// (EmulatorError); no space, a read-only file system, no permission and device errors are faults of the
    /// environment (EnvironmentError, with the exception kept). Other exceptions are returned unchanged.
    let ofIo (action: string) (e: exn) : exn =
        let why = e.Message.TrimEnd('.')
        match e with
        | :? FileNotFoundException | :? DirectoryNotFoundException ->
            EmulatorError(sprintf "%s: %s (check the path)" action why)
        | :? PathTooLongException -> EmulatorError(sprintf "%s: the path is too long" action)
        | :? UnauthorizedAccessException ->
            EnvironmentError(sprintf "%s: permission denied (%s); choose a location you may write to, or change its permissions" action why, e)
        | :? IOException as io ->
            match io.HResult with
            | c when c = ENOSPC || c = EDQUOT ->
                EnvironmentError(sprintf "%s: no space left on the device (%s); free some space or choose another location" action why, e)
            | c when c = EROFS ->
                EnvironmentError(sprintf "%s: the file system is read-only; choose a writable location" action, e)
            | c when c = EIO -> EnvironmentError(sprintf "%s: device input/output error (%s)" action why, e)
            | _ -> EnvironmentError(sprintf "%s: %s" action why, e)
        | _ -> e

    /// Run `f`; an I/O exception becomes the project's error (see `ofIo`), naming `action`.
    let io (action: string) (f: unit -> 'a) : 'a =
        try f ()
        with
        | :? IOException
        | :? UnauthorizedAccessException as e -> raise (ofIo action e)
