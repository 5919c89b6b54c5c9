/// The family settings of the command line (--omega0, --kan-grid, --kan-order, --kan-range) as BlockSettings.
module Emulators.Cli.BlockOptions

open System.Globalization
open Emulators.Core

/// "LO,HI" -> (LO, HI), with a message naming the flag when the text is not two numbers.
let private range (text: string) =
    let parts = text.Split(',')
    let number (s: string) =
        match System.Double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture) with
        | true, v when System.Double.IsFinite v -> Some v
        | _ -> None
    match parts |> Array.map number with
    | [| Some lo; Some hi |] -> lo, hi
    | _ -> Errors.fail "--kan-range: expected two numbers as LO,HI (got '%s')" text

/// Settings from the optional flag values; absent flags keep the defaults. Block.ofNameWith checks the values.
let settings (omega0: float option) (grid: int option) (order: int option) (kanRange: string option) : BlockSettings =
    let d = BlockSettings.defaults
    let lo, hi = kanRange |> Option.map range |> Option.defaultValue (d.KanGridMin, d.KanGridMax)
    { Omega0 = defaultArg omega0 d.Omega0
      KanGridSize = defaultArg grid d.KanGridSize
      KanSplineOrder = defaultArg order d.KanSplineOrder
      KanGridMin = lo
      KanGridMax = hi }
