/// Randomized sample designs of the outer loops and the small statistics they share.
namespace Emulators.Core.Outer

open Emulators.Core

/// How Monte Carlo points are drawn.
type McDesign =
    /// Owen-scrambled Sobol' points (randomized quasi-Monte Carlo): each replicate its own scramble.
    | SobolMc
    /// Latin hypercube, each replicate its own permutation.
    | LatinHypercubeMc

/// An interval [Lower, Upper].
type Interval = { Lower: float; Upper: float }

module McDesign =
    let names = Names.table "sampling design" [ "sobol", [ "qmc" ], SobolMc; "lhs", [ "latin"; "latin-hypercube" ], LatinHypercubeMc ]

    let name (d: McDesign) = Names.name names d

    /// Replicate `rep` of `n` points in the open unit cube (0, 1)^dim. Inverse CDFs of unbounded distributions
    /// are infinite at 0 and 1, so points are kept half a 2^-32 cell away from both.
    let unitPoints (design: McDesign) (seed: int) (rep: int) (dim: int) (n: int) : float[][] =
        let eps = 1.0 / 8589934592.0
        let pts =
            match design with
            | SobolMc -> Sampling.sobolScrambled seed rep dim n
            | LatinHypercubeMc -> Sampling.latinHypercube (seed * 7919 + 104729 * rep) dim n
        pts |> Array.map (Array.map (fun v -> min (1.0 - eps) (max eps (v + eps))))

module Stats =
    let mean (xs: float[]) = Array.average xs

    /// Standard deviation of the sample as a population (denominator n): the plug-in estimate of a distribution's
    /// standard deviation. With randomized quasi-Monte Carlo points its bias is far below the n - 1 correction's.
    let populationStd (xs: float[]) =
        let m = mean xs
        sqrt ((xs |> Array.sumBy (fun x -> (x - m) * (x - m))) / float xs.Length)

    /// Sample standard deviation (denominator n - 1), for independent estimates.
    let std (xs: float[]) =
        let m = mean xs
        sqrt ((xs |> Array.sumBy (fun x -> (x - m) * (x - m))) / float (xs.Length - 1))

    /// Quantile p of the sample (linear interpolation between order statistics, R type 7).
    let quantile (p: float) (xs: float[]) =
        let s = Array.sort xs
        let h = float (s.Length - 1) * p
        let lo = int (floor h)
        let hi = min (s.Length - 1) (lo + 1)
        s[lo] + (h - float lo) * (s[hi] - s[lo])

    /// Student-t quantile for a two-sided interval at `level` with `dof` degrees of freedom.
    let tQuantile (level: float) (dof: int) =
        MathNet.Numerics.Distributions.StudentT.InvCDF(0.0, 1.0, float dof, 0.5 + 0.5 * level)

    /// Normal quantile for a two-sided interval at `level`.
    let zQuantile (level: float) = MathNet.Numerics.Distributions.Normal.InvCDF(0.0, 1.0, 0.5 + 0.5 * level)

    /// Interval half-width from independent replicate estimates: t · sd / √R.
    let replicateHalfWidth (level: float) (estimates: float[]) =
        if estimates.Length < 2 then nan
        else tQuantile level (estimates.Length - 1) * std estimates / sqrt (float estimates.Length)
