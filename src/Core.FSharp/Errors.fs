/// One exception type for every user mistake, so front ends can print the message without a stack trace.
namespace Emulators.Core

/// A problem with what the user supplied (data, names, options). The message names what is wrong and where.
exception EmulatorError of string
    with override this.Message = this.Data0

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
            if row.Length <> width then
                fail "%s: row %d has %d columns, expected %d" what r row.Length width
            row |> Array.iteri (fun c v ->
                if System.Double.IsNaN v || System.Double.IsInfinity v then
                    fail "%s: value %g at row %d, column %d is not finite" what v r c))
