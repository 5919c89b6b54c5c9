/// Design-of-experiments point sets on the unit cube: Sobol', uniform, Latin hypercube, grid.
/// Every generator is deterministic (seeded or unseeded by construction) so that an experiment
/// can be re-run and get exactly the same training inputs.
module Emulators.Core.Sampling

open System
open System.Numerics

// ---------------------------------------------------------------------------------------------
// Joe–Kuo direction numbers
// ---------------------------------------------------------------------------------------------

/// Rows of the Joe & Kuo table "new-joe-kuo-6.21201" (S. Joe and F. Y. Kuo, "Constructing Sobol
/// sequences with better two-dimensional projections", SIAM J. Sci. Comput. 30, 2635–2654, 2008),
/// in the published column order `d s a m_1 .. m_s`: dimension, degree of the primitive
/// polynomial, its interior coefficients packed as bits, and the initial direction numbers.
/// Dimension 1 needs no row (it is the van der Corput sequence in base 2).
/// Kept as the published text so that any row can be compared with the original by eye.
let private joeKuoRows =
    [|
        "2 1 0 1"
        "3 2 1 1 3"
        "4 3 1 1 3 1"
        "5 3 2 1 1 1"
        "6 4 1 1 1 3 3"
        "7 4 4 1 3 5 13"
        "8 5 2 1 1 5 5 17"
        "9 5 4 1 1 5 5 5"
        "10 5 7 1 1 7 11 19"
        "11 5 11 1 1 5 1 1"
        "12 5 13 1 1 1 3 11"
        "13 5 14 1 3 5 5 31"
        "14 6 1 1 3 3 9 7 49"
        "15 6 13 1 1 1 15 21 21"
        "16 6 16 1 3 1 13 27 49"
        "17 6 19 1 1 1 15 7 5"
        "18 6 22 1 3 1 15 13 25"
        "19 6 25 1 1 5 5 19 61"
        "20 7 1 1 3 7 11 23 15 103"
        "21 7 4 1 3 7 13 13 15 69"
        "22 7 7 1 1 3 13 7 35 63"
        "23 7 8 1 3 5 9 1 25 53"
        "24 7 14 1 3 1 13 9 35 107"
        "25 7 19 1 3 1 5 27 61 31"
        "26 7 21 1 1 5 11 19 41 61"
        "27 7 28 1 3 5 3 3 13 69"
        "28 7 31 1 1 7 13 1 19 1"
        "29 7 32 1 3 7 5 13 19 59"
        "30 7 37 1 1 3 9 25 29 41"
        "31 7 41 1 3 5 13 23 1 55"
        "32 7 42 1 3 7 3 13 59 17"
        "33 7 50 1 3 1 3 5 53 69"
        "34 7 55 1 1 5 5 23 33 13"
        "35 7 56 1 1 7 7 1 61 123"
        "36 7 59 1 1 7 9 13 61 49"
        "37 7 62 1 3 3 5 3 55 33"
        "38 8 14 1 3 1 15 31 13 49 245"
        "39 8 21 1 3 5 15 31 59 63 97"
        "40 8 22 1 3 1 11 11 11 77 249"
        "41 8 38 1 3 1 11 27 43 71 9"
        "42 8 47 1 1 7 15 21 11 81 45"
        "43 8 49 1 3 7 3 25 31 65 79"
        "44 8 50 1 3 1 1 19 11 3 205"
        "45 8 52 1 1 5 9 19 21 29 157"
        "46 8 56 1 3 7 11 1 33 89 185"
        "47 8 67 1 3 3 3 15 9 79 71"
        "48 8 70 1 3 7 11 15 39 119 27"
        "49 8 84 1 1 3 1 11 31 97 225"
        "50 8 97 1 1 1 3 23 43 57 177"
        "51 8 103 1 3 7 7 17 17 37 71"
        "52 8 115 1 3 1 5 27 63 123 213"
        "53 8 122 1 1 3 5 11 43 53 133"
        "54 9 8 1 3 5 5 29 17 47 173 479"
        "55 9 13 1 3 3 11 3 1 109 9 69"
        "56 9 16 1 1 1 5 17 39 23 5 343"
        "57 9 22 1 3 1 5 25 15 31 103 499"
        "58 9 25 1 1 1 11 11 17 63 105 183"
        "59 9 44 1 1 5 11 9 29 97 231 363"
        "60 9 47 1 1 5 15 19 45 41 7 383"
        "61 9 52 1 3 7 7 31 19 83 137 221"
        "62 9 55 1 1 1 3 23 15 111 223 83"
        "63 9 59 1 1 5 13 31 15 55 25 161"
        "64 9 62 1 1 3 13 25 47 39 87 257"
        "65 9 67 1 1 1 11 21 53 125 249 293"
        "66 9 74 1 1 7 11 11 7 57 79 323"
        "67 9 81 1 1 5 5 17 13 81 3 131"
        "68 9 82 1 1 7 13 23 7 65 251 475"
        "69 9 87 1 3 5 1 9 43 3 149 11"
        "70 9 91 1 1 3 13 31 13 13 255 487"
        "71 9 94 1 3 3 1 5 63 89 91 127"
        "72 9 103 1 1 3 3 1 19 123 127 237"
        "73 9 104 1 1 5 7 23 31 37 243 289"
        "74 9 109 1 1 5 11 17 53 117 183 491"
        "75 9 122 1 1 1 5 1 13 13 209 345"
        "76 9 124 1 1 3 15 1 57 115 7 33"
        "77 9 137 1 3 1 11 7 43 81 207 175"
        "78 9 138 1 3 1 1 15 27 63 255 49"
        "79 9 143 1 3 5 3 27 61 105 171 305"
        "80 9 145 1 1 5 3 1 3 57 249 149"
        "81 9 152 1 1 3 5 5 57 15 13 159"
        "82 9 157 1 1 1 11 7 11 105 141 225"
        "83 9 167 1 3 3 5 27 59 121 101 271"
        "84 9 173 1 3 5 9 11 49 51 59 115"
        "85 9 176 1 1 7 1 23 45 125 71 419"
        "86 9 181 1 1 3 5 23 5 105 109 75"
        "87 9 182 1 1 7 15 7 11 67 121 453"
        "88 9 185 1 3 7 3 9 13 31 27 449"
        "89 9 191 1 3 1 15 19 39 39 89 15"
        "90 9 194 1 1 1 1 1 33 73 145 379"
        "91 9 199 1 3 1 15 15 43 29 13 483"
        "92 9 218 1 1 7 3 19 27 85 131 431"
        "93 9 220 1 3 3 3 5 35 23 195 349"
        "94 9 227 1 3 3 7 9 27 39 59 297"
        "95 9 229 1 1 3 9 11 17 13 241 157"
        "96 9 230 1 3 7 15 25 57 33 189 213"
        "97 9 234 1 1 7 1 9 55 73 83 217"
        "98 9 236 1 3 3 13 19 27 23 113 249"
        "99 9 241 1 3 5 3 23 43 3 253 479"
        "100 9 244 1 1 5 5 11 5 45 117 217"
        "101 9 253 1 3 3 7 29 37 33 123 147"
        "102 10 4 1 3 1 15 5 5 37 227 223 459"
        "103 10 13 1 1 7 5 5 39 63 255 135 487"
        "104 10 19 1 3 1 7 9 7 87 249 217 599"
        "105 10 22 1 1 3 13 9 47 7 225 363 247"
        "106 10 50 1 3 7 13 19 13 9 67 9 737"
        "107 10 55 1 3 5 5 19 59 7 41 319 677"
        "108 10 64 1 1 5 3 31 63 15 43 207 789"
        "109 10 69 1 1 7 9 13 39 3 47 497 169"
        "110 10 98 1 3 1 7 21 17 97 19 415 905"
        "111 10 107 1 3 7 1 3 31 71 111 165 127"
        "112 10 115 1 1 5 11 1 61 83 119 203 847"
        "113 10 121 1 3 3 13 9 61 19 97 47 35"
        "114 10 127 1 1 7 7 15 29 63 95 417 469"
        "115 10 134 1 3 1 9 25 9 71 57 213 385"
        "116 10 140 1 3 5 13 31 47 101 57 39 341"
        "117 10 145 1 1 3 3 31 57 125 173 365 551"
        "118 10 152 1 3 7 1 13 57 67 157 451 707"
        "119 10 158 1 1 1 7 21 13 105 89 429 965"
        "120 10 161 1 1 5 9 17 51 45 119 157 141"
        "121 10 171 1 3 7 7 13 45 91 9 129 741"
        "122 10 181 1 3 7 1 23 57 67 141 151 571"
        "123 10 194 1 1 3 11 17 47 93 107 375 157"
        "124 10 199 1 3 3 5 11 21 43 51 169 915"
        "125 10 203 1 1 5 3 15 55 101 67 455 625"
        "126 10 208 1 3 5 9 1 23 29 47 345 595"
        "127 10 227 1 3 7 7 5 49 29 155 323 589"
        "128 10 242 1 3 3 7 5 41 127 61 261 717"
    |]

/// Maximum supported Sobol' dimension: dimension 1 plus one per embedded Joe–Kuo row.
let sobolMaxDim : int = joeKuoRows.Length + 1

/// Number of bits of the direction integers. 32-bit integers are exact in a double, so every
/// point is an exact dyadic rational k / 2^32, and they cover every index an `int` skip + n can
/// reach (below 2^32); the first 30 bits agree with 30-bit implementations for indices < 2^30.
[<Literal>]
let private Bits = 32

/// 2^-32, exact, to turn a 32-bit integer into a point in [0,1).
let private scale = 1.0 / 4294967296.0

/// 32-bit direction integers V.[dim-1].[k-1] = v_k * 2^32, built once with the Bratley–Fox
/// recurrence from the Joe–Kuo initial numbers; the table is checked while parsing so a
/// mis-typed row fails loudly instead of silently producing a bad sequence.
let private directions : uint32[][] =
    let first = Array.init Bits (fun k -> 1u <<< (Bits - 1 - k))
    let rest =
        joeKuoRows
        |> Array.mapi (fun i row ->
            let cells = row.Split(' ', StringSplitOptions.RemoveEmptyEntries) |> Array.map int
            let d, s, a = cells.[0], cells.[1], cells.[2]
            let m = cells.[3..]
            if d <> i + 2 || m.Length <> s || m |> Array.exists (fun mk -> mk % 2 = 0) then
                failwithf "Sobol' direction table: malformed row %d (%s)" (i + 2) row
            let v = Array.zeroCreate<uint32> Bits
            for k in 0 .. Bits - 1 do
                if k < s then
                    v.[k] <- uint32 m.[k] <<< (Bits - 1 - k)
                else
                    let mutable x = v.[k - s] ^^^ (v.[k - s] >>> s)
                    for j in 1 .. s - 1 do
                        if (a >>> (s - 1 - j)) &&& 1 = 1 then x <- x ^^^ v.[k - j]
                    v.[k] <- x
            v)
    Array.append [| first |] rest

// ---------------------------------------------------------------------------------------------
// Argument checks: each names the argument and the bad value
// ---------------------------------------------------------------------------------------------

let private checkDim (dim: int) =
    if dim < 1 then invalidArg "dim" (sprintf "dim must be at least 1, got %d" dim)

let private checkSobolDim (dim: int) =
    checkDim dim
    if dim > sobolMaxDim then
        invalidArg "dim" (sprintf "dim must be at most %d for Sobol' points, got %d" sobolMaxDim dim)

let private checkN (n: int) =
    if n < 0 then invalidArg "n" (sprintf "n must be non-negative, got %d" n)

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/// Unscrambled Sobol' points with Joe–Kuo direction numbers (new-joe-kuo-6.21201) in Gray-code
/// order, points with index skip .. skip+n-1 (index 0 is the origin). Rows are points in [0,1)^dim.
/// Uses 32-bit direction integers, so every coordinate is an exact multiple of 2^-32; the
/// sequence matches the usual reference implementations (e.g. unscrambled SciPy) point for point.
let sobol (dim: int) (skip: int) (n: int) : float[][] =
    checkSobolDim dim
    if skip < 0 then invalidArg "skip" (sprintf "skip must be non-negative, got %d" skip)
    checkN n
    let v = directions
    // Start directly at index `skip`: x = XOR of V_k over the set bits of its Gray code.
    let start = uint32 skip
    let gray = start ^^^ (start >>> 1)
    let x = Array.zeroCreate<uint32> dim
    for j in 0 .. dim - 1 do
        let mutable acc = 0u
        for k in 0 .. Bits - 1 do
            if (gray >>> k) &&& 1u = 1u then acc <- acc ^^^ v.[j].[k]
        x.[j] <- acc
    let points = Array.zeroCreate<float[]> n
    for t in 0 .. n - 1 do
        points.[t] <- Array.init dim (fun j -> float x.[j] * scale)
        if t < n - 1 then
            // Gray code of i+1 differs from that of i in bit tz(i+1): one XOR per coordinate.
            let c = BitOperations.TrailingZeroCount(start + uint32 (t + 1))
            for j in 0 .. dim - 1 do
                x.[j] <- x.[j] ^^^ v.[j].[c]
    points

/// Exponents k of the power-of-two start offsets 2^k available to `sobolRandomized`.
let private offsetExponents = [| 3 .. 12 |]

/// The paper's repeated Sobol' sets: repetition `rep` (0, 1, 2, ...) takes n consecutive Sobol'
/// points starting at the power-of-two index 2^k, k in [3, 12]. Starting at a power of two keeps
/// the balance of each block of 2^m points. The exponents are a permutation of 3..12 shuffled by
/// System.Random(seed * 7919) (integer arithmetic wraps) and rep uses entry rep mod 10, so
/// repetitions 0..9 of one seed are always ten different sets (rep and rep + 10 coincide).
/// Seeding a fresh System.Random(seed * 7919 + rep) per repetition instead would not do:
/// nearby seeds give correlated first draws, and for every seed some of reps 0..4 collide.
let sobolRandomized (seed: int) (rep: int) (dim: int) (n: int) : float[][] =
    if rep < 0 then invalidArg "rep" (sprintf "rep must be non-negative, got %d" rep)
    checkSobolDim dim
    checkN n
    let rng = Random(seed * 7919)
    let ks = Array.copy offsetExponents
    for i in ks.Length - 1 .. -1 .. 1 do
        let r = rng.Next(i + 1)
        let tmp = ks.[i]
        ks.[i] <- ks.[r]
        ks.[r] <- tmp
    sobol dim (1 <<< ks.[rep % ks.Length]) n

/// SplitMix64 finalizer: a bijective 64-bit mix whose output bits all depend on every input bit.
let private mix64 (z: uint64) =
    let z = (z ^^^ (z >>> 30)) * 0xbf58476d1ce4e5b9UL
    let z = (z ^^^ (z >>> 27)) * 0x94d049bb133111ebUL
    z ^^^ (z >>> 31)

/// Owen's nested uniform scrambling of one 32-bit coordinate: bit b (counted from the most significant) is
/// flipped by a pseudo-random bit drawn for the node of the binary tree that the bits above it select. Points in
/// the same dyadic interval of width 2^-b therefore share the flips of their first b bits (so every (t,m,s)-net
/// stays a net), while their lower bits are permuted independently per interval.
let private owenScramble (key: uint64) (v: uint32) : uint32 =
    let mutable out = 0u
    for b in 0 .. Bits - 1 do
        let prefix = if b = 0 then 0UL else uint64 (v >>> (Bits - b))
        let node = (uint64 b <<< 32) ||| prefix
        let flip = uint32 (mix64 (key ^^^ mix64 node) &&& 1UL)
        let bit = (v >>> (Bits - 1 - b)) &&& 1u
        out <- out ||| ((bit ^^^ flip) <<< (Bits - 1 - b))
    out

/// Owen-scrambled Sobol' points: the first n points of the sequence, each coordinate scrambled with its own
/// random tree; repetition `rep` of stream `seed` draws its own trees. Like the offset sets of `sobolRandomized`,
/// every block of 2^m points starting at index 0 keeps one point in each dyadic interval of width 2^-m per
/// coordinate, but the position inside each interval varies from interval to interval. Unscrambled sets started
/// at index 2^k (k >= m) put all 2^m points at the same offset inside their intervals, so a function with
/// period 2^-m (K3 and K4 at N_H = 8) is sampled at one phase only; scrambled sets do not alias that way.
let sobolScrambled (seed: int) (rep: int) (dim: int) (n: int) : float[][] =
    if rep < 0 then invalidArg "rep" (sprintf "rep must be non-negative, got %d" rep)
    checkSobolDim dim
    checkN n
    let stream = mix64 ((uint64 (uint32 seed) <<< 32) ||| uint64 (uint32 rep))
    let keys = Array.init dim (fun j -> mix64 (stream ^^^ uint64 (j + 1)))
    // Every unscrambled coordinate is an exact multiple of 2^-32, so its 32-bit integer is recovered exactly.
    sobol dim 0 n
    |> Array.map (Array.mapi (fun j x -> float (owenScramble keys.[j] (uint32 (x * 4294967296.0))) * scale))

/// 1-D boundary augmentation: append the points x = 0 and x = 1 (as [|0.0|], [|1.0|]) when the
/// points are 1-dimensional, because a 1-D emulator otherwise has to extrapolate to the ends of
/// the interval. Any other input (including an empty set, whose dimension is unknown) is returned
/// unchanged.
let withBoundary (points: float[][]) : float[][] =
    if isNull points then nullArg "points"
    if points.Length > 0 && points |> Array.forall (fun p -> not (isNull p) && p.Length = 1) then
        Array.append points [| [| 0.0 |]; [| 1.0 |] |]
    else
        points

/// Independent uniform points in [0,1)^dim from System.Random(seed), filled point by point;
/// the plain Monte Carlo baseline the space-filling designs are compared against.
let uniform (seed: int) (dim: int) (n: int) : float[][] =
    checkDim dim
    checkN n
    let rng = Random(seed)
    Array.init n (fun _ -> Array.init dim (fun _ -> rng.NextDouble()))

/// Latin hypercube: along every dimension each of the n strata [i/n, (i+1)/n) holds exactly one
/// point (an independent random permutation of strata per dimension, uniform within a stratum).
/// Seeded by System.Random(seed) so a design is reproducible.
let latinHypercube (seed: int) (dim: int) (n: int) : float[][] =
    checkDim dim
    checkN n
    let rng = Random(seed)
    let points = Array.init n (fun _ -> Array.zeroCreate<float> dim)
    let fn = float n
    for j in 0 .. dim - 1 do
        let perm = Array.init n id
        for i in n - 1 .. -1 .. 1 do
            let r = rng.Next(i + 1)
            let tmp = perm.[i]
            perm.[i] <- perm.[r]
            perm.[r] <- tmp
        for i in 0 .. n - 1 do
            let lo = float perm.[i] / fn
            let hi = float (perm.[i] + 1) / fn
            let x = lo + rng.NextDouble() * (hi - lo)
            // Rounding must not push a point into the next stratum (or onto 1).
            points.[i].[j] <- if x >= hi then Math.BitDecrement hi elif x < lo then lo else x
    points

/// Tensor-product grid with pointsPerDim points per axis, including both endpoints 0 and 1
/// (exactly), with the last axis varying fastest (row-major, as a reshape would expect). Used
/// for dense evaluation and plotting, so its size pointsPerDim^dim must fit in an array.
let grid (pointsPerDim: int) (dim: int) : float[][] =
    if pointsPerDim < 2 then
        invalidArg "pointsPerDim" (sprintf "pointsPerDim must be at least 2, got %d" pointsPerDim)
    checkDim dim
    let total =
        let mutable t = 1L
        for _ in 1 .. dim do
            t <- t * int64 pointsPerDim
            if t > int64 Int32.MaxValue then
                invalidArg "dim" (sprintf "grid of %d^%d points is too large" pointsPerDim dim)
        int t
    let axis = Array.init pointsPerDim (fun i -> float i / float (pointsPerDim - 1))
    Array.init total (fun idx ->
        let p = Array.zeroCreate<float> dim
        let mutable r = idx
        for j in dim - 1 .. -1 .. 0 do
            p.[j] <- axis.[r % pointsPerDim]
            r <- r / pointsPerDim
        p)

/// Map unit-cube points to the box [lower, upper] per dimension: x -> lower + x (upper - lower).
/// x = 1 maps to upper exactly, so grid endpoints land on the box boundary despite rounding.
let scaleTo (lower: float[]) (upper: float[]) (points: float[][]) : float[][] =
    if isNull lower then nullArg "lower"
    if isNull upper then nullArg "upper"
    if isNull points then nullArg "points"
    if lower.Length <> upper.Length then
        invalidArg "upper" (sprintf "lower has %d entries but upper has %d" lower.Length upper.Length)
    for j in 0 .. lower.Length - 1 do
        if not (lower.[j] < upper.[j]) then
            invalidArg "lower" (sprintf "lower[%d] = %g must be below upper[%d] = %g" j lower.[j] j upper.[j])
    points
    |> Array.mapi (fun i p ->
        if isNull p || p.Length <> lower.Length then
            invalidArg "points" (sprintf "point %d has %d coordinates, expected %d" i (if isNull p then 0 else p.Length) lower.Length)
        Array.init p.Length (fun j ->
            if p.[j] = 1.0 then upper.[j]
            else min upper.[j] (lower.[j] + p.[j] * (upper.[j] - lower.[j]))))
