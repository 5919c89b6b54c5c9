/// Every built-in problem, by name.
module Emulators.Core.Problems.Catalogue

open Emulators.Core

/// The listed problems. CORR-n exists for every n in 0..Ensemble.maxCorrupted; the list shows the spec's
/// n ∈ {1, 3, 9} and the clean baseline n = 0.
let all: Problem list =
    [ Forrester.k1
      MengKarniadakis.k2
      MengKarniadakis.k3
      MengKarniadakis.k4
      MengKarniadakis.k5
      TwoD.u2d
      Ensemble.gjg9
      Pde.poisson
      Ensemble.corrupted 0
      Ensemble.corrupted 1
      Ensemble.corrupted 3
      Ensemble.corrupted 9 ]

let names () = all |> List.map (fun p -> p.Name)

let private known () =
    sprintf "%s; CORR-n for n = 0..%d" (String.concat ", " (names ())) Ensemble.maxCorrupted

/// "CORR-n" or "CORRn" (any case): Some n-text, else None.
let private corrSuffix (name: string) =
    let u = name.ToUpperInvariant()
    if u.StartsWith "CORR-" then Some(name.Substring 5)
    elif u.StartsWith "CORR" then Some(name.Substring 4)
    else None

/// The named problem (case-insensitive); an unknown name lists the known ones.
let find (name: string) =
    let key = name.Trim()
    match all |> List.tryFind (fun p -> p.Name.Equals(key, System.StringComparison.OrdinalIgnoreCase)) with
    | Some p -> p
    | None ->
        match corrSuffix key with
        | Some digits ->
            match System.Int32.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture) with
            | true, n when n <= Ensemble.maxCorrupted -> Ensemble.corrupted n
            | _ ->
                Errors.fail "bad problem name '%s': CORR-n needs an integer n in 0..%d (known: %s)" name Ensemble.maxCorrupted (known ())
        | None -> Errors.fail "unknown problem '%s' (known: %s)" name (known ())
