/// Independent input distributions for the outer loops, as inverse CDFs of unit-cube points, and the small spec
/// language that names them: `uniform(lo,hi)`, `normal(mean,sd)`, `truncnormal(mean,sd,lo,hi)`,
/// `lognormal(mu,sigma)` (mu and sigma of log x), per input, as CLI text or JSON.
namespace Emulators.Core.Outer

open System
open System.Globalization
open System.Text.Json.Nodes
open MathNet.Numerics.Distributions
open Emulators.Core

type InputDistribution =
    | Uniform of lower: float * upper: float
    | Normal of mean: float * sd: float
    /// A normal distribution restricted to [lower, upper].
    | TruncatedNormal of mean: float * sd: float * lower: float * upper: float
    /// x = exp(z) with z ~ Normal(mu, sigma).
    | LogNormal of mu: float * sigma: float

module InputDistribution =
    let name =
        function
        | Uniform(a, b) -> sprintf "uniform(%g,%g)" a b
        | Normal(m, s) -> sprintf "normal(%g,%g)" m s
        | TruncatedNormal(m, s, a, b) -> sprintf "truncnormal(%g,%g,%g,%g)" m s a b
        | LogNormal(m, s) -> sprintf "lognormal(%g,%g)" m s

    /// Check the parameters; `where` names the input in the message.
    let validate (where: string) (d: InputDistribution) =
        let finite (what: string) (v: float) =
            if not (Double.IsFinite v) then Errors.fail "%s: %s of %s must be a finite number (got %g)" where what (name d) v
        let positive (what: string) (v: float) =
            finite what v
            if not (v > 0.0) then Errors.fail "%s: %s of %s must be positive (got %g)" where what (name d) v
        let ordered (a: float) (b: float) =
            finite "the lower bound" a
            finite "the upper bound" b
            if not (a < b) then Errors.fail "%s: the lower bound %g of %s is not below the upper bound %g" where a (name d) b
        match d with
        | Uniform(a, b) -> ordered a b
        | Normal(m, s) -> finite "the mean" m; positive "the standard deviation" s
        | TruncatedNormal(m, s, a, b) ->
            finite "the mean" m
            positive "the standard deviation" s
            ordered a b
            let pa, pb = Normal.CDF(m, s, a), Normal.CDF(m, s, b)
            if not (pb - pa > 1e-12) then
                Errors.fail "%s: %s keeps no probability (the interval lies too far in the tail)" where (name d)
        | LogNormal(m, s) -> finite "mu" m; positive "sigma" s
        d

    /// The inverse CDF at u in (0, 1).
    let quantile (d: InputDistribution) (u: float) =
        match d with
        | Uniform(a, b) -> a + u * (b - a)
        | Normal(m, s) -> Normal.InvCDF(m, s, u)
        | TruncatedNormal(m, s, a, b) ->
            let pa, pb = Normal.CDF(m, s, a), Normal.CDF(m, s, b)
            Normal.InvCDF(m, s, pa + u * (pb - pa)) |> max a |> min b
        | LogNormal(m, s) -> LogNormal.InvCDF(m, s, u)

    /// Mean and standard deviation of the distribution (closed forms; for tests and reports).
    let moments (d: InputDistribution) =
        match d with
        | Uniform(a, b) -> 0.5 * (a + b), (b - a) / sqrt 12.0
        | Normal(m, s) -> m, s
        | TruncatedNormal(m, s, a, b) ->
            let al, be = (a - m) / s, (b - m) / s
            let z = Normal.CDF(0.0, 1.0, be) - Normal.CDF(0.0, 1.0, al)
            let pa, pb = Normal.PDF(0.0, 1.0, al), Normal.PDF(0.0, 1.0, be)
            let mean = m + s * (pa - pb) / z
            let var = s * s * (1.0 + (al * pa - be * pb) / z - ((pa - pb) / z) ** 2.0)
            mean, sqrt var
        | LogNormal(m, s) -> exp (m + 0.5 * s * s), sqrt ((exp (s * s) - 1.0) * exp (2.0 * m + s * s))

    let private number (where: string) (text: string) =
        match Double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture) with
        | true, v -> v
        | _ -> Errors.fail "%s: '%s' is not a number" where (text.Trim())

    let private known = "uniform(lo,hi), normal(mean,sd), truncnormal(mean,sd,lo,hi) or lognormal(mu,sigma)"

    let private ofParts (where: string) (kind: string) (ps: float[]) =
        let want n =
            if ps.Length <> n then
                Errors.fail "%s: %s takes %d parameters, got %d (expected %s)" where kind n ps.Length known
        let d =
            match kind.Trim().ToLowerInvariant() with
            | "uniform" -> want 2; Uniform(ps[0], ps[1])
            | "normal" | "gaussian" -> want 2; Normal(ps[0], ps[1])
            | "truncnormal" | "truncatednormal" | "truncated-normal" -> want 4; TruncatedNormal(ps[0], ps[1], ps[2], ps[3])
            | "lognormal" -> want 2; LogNormal(ps[0], ps[1])
            | other -> Errors.fail "%s: unknown distribution '%s' (expected %s)" where other known
        validate where d

    /// Parse `kind(p1,p2,...)`.
    let parse (where: string) (text: string) =
        let t = text.Trim()
        let o, c = t.IndexOf '(', t.LastIndexOf ')'
        if o <= 0 || c <> t.Length - 1 then Errors.fail "%s: '%s' is not a distribution (expected %s)" where t known
        let args = t.Substring(o + 1, c - o - 1)
        let ps = if args.Trim() = "" then [||] else args.Split(',') |> Array.map (number where)
        ofParts where (t.Substring(0, o)) ps

    /// Parse a JSON object node: {"type": "normal", "mean": 0.5, "sd": 0.1} (uniform: lower, upper; truncnormal:
    /// mean, sd, lower, upper; lognormal: mu, sigma), or a string "normal(0.5,0.1)".
    let ofJson (where: string) (node: JsonNode) =
        match node with
        | :? JsonValue as v when (try v.GetValue<string>() |> ignore; true with _ -> false) -> parse where (v.GetValue<string>())
        | :? JsonObject as o ->
            let field (k: string) =
                match o[k] with
                | null -> Errors.fail "%s: the distribution has no \"%s\" field" where k
                | n -> (try n.GetValue<float>() with _ -> Errors.fail "%s: \"%s\" must be a number" where k)
            let kind =
                match o["type"] with
                | null -> Errors.fail "%s: the distribution has no \"type\" field (expected %s)" where known
                | n -> (try n.GetValue<string>() with _ -> Errors.fail "%s: \"type\" must be a string" where)
            let fields =
                match kind.Trim().ToLowerInvariant() with
                | "uniform" -> [ "lower"; "upper" ]
                | "normal" | "gaussian" -> [ "mean"; "sd" ]
                | "truncnormal" | "truncatednormal" | "truncated-normal" -> [ "mean"; "sd"; "lower"; "upper" ]
                | "lognormal" -> [ "mu"; "sigma" ]
                | other -> Errors.fail "%s: unknown distribution '%s' (expected %s)" where other known
            ofParts where kind (fields |> List.map field |> Array.ofList)
        | _ -> Errors.fail "%s: expected a distribution object or string" where

/// One distribution per input of a model.
type InputSpace = InputDistribution[]

module InputSpace =
    /// Uniform over the box.
    let ofBox (b: Box) : InputSpace = Array.init b.Dim (fun j -> Uniform(b.Lower[j], b.Upper[j]))

    /// The box's uniform distributions with some inputs replaced: (input name, distribution) pairs, names matched
    /// against `names` (case-insensitive). An unknown or repeated name is an error naming the known ones.
    let withOverrides (b: Box) (names: string[]) (given: (string * InputDistribution) list) : InputSpace =
        let space = ofBox b
        let seen = System.Collections.Generic.HashSet<int>()
        for n, d in given do
            match names |> Array.tryFindIndex (fun k -> k.Equals(n.Trim(), StringComparison.OrdinalIgnoreCase)) with
            | Some j ->
                if not (seen.Add j) then Errors.fail "input '%s' is given two distributions" n
                space[j] <- d
            | None -> Errors.fail "unknown input '%s' in the distribution spec (inputs: %s)" n (String.concat ", " names)
        space

    /// Parse `name=kind(p,...)` items (CLI).
    let parseItem (item: string) =
        match item.IndexOf '=' with
        | i when i > 0 ->
            let name = item.Substring(0, i).Trim()
            name, InputDistribution.parse (sprintf "input '%s'" name) (item.Substring(i + 1))
        | _ -> Errors.fail "distribution '%s': expected NAME=kind(parameters), e.g. x1=normal(0.5,0.1)" item

    /// Parse a JSON spec: {"x1": {"type": "normal", "mean": 0.5, "sd": 0.1}, "x2": "uniform(0,2)"}, optionally
    /// wrapped as {"inputs": {...}}. `source` names the file in messages.
    let parseJson (source: string) (text: string) : (string * InputDistribution) list =
        let root =
            try JsonNode.Parse text
            with e -> Errors.fail "%s: not valid JSON (%s)" source e.Message
        let o =
            match root with
            | :? JsonObject as o ->
                match o["inputs"] with
                | :? JsonObject as inner -> inner
                | _ -> o
            | _ -> Errors.fail "%s: expected a JSON object mapping input names to distributions" source
        [ for kv in o -> kv.Key, InputDistribution.ofJson (sprintf "%s, input '%s'" source kv.Key) kv.Value ]

    /// Map unit-cube points to the input space, coordinate by coordinate.
    let transform (space: InputSpace) (u: float[][]) : float[][] =
        u |> Array.map (fun row -> row |> Array.mapi (fun j v -> InputDistribution.quantile space[j] v))

    /// Fraction of points outside the box (where an emulator extrapolates).
    let outsideFraction (b: Box) (x: float[][]) =
        if x.Length = 0 then 0.0
        else float (x |> Array.filter (fun r -> not (Box.contains b r)) |> Array.length) / float x.Length
