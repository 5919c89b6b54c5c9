/// One member's strong-Wolfe line search (Nocedal & Wright, algorithms 3.5 and 3.6, with the cubic interpolation and
/// safeguards of PyTorch's `torch.optim.LBFGS`) as a value that asks for evaluations: it never evaluates anything
/// itself, so many members' searches can advance together, each at its own step, from one batched evaluation.
module Emulators.Core.LineSearch

open System

/// What a line search along x + t·d wants next.
type Probe =
    /// The value and the slope g·d at x + t·d, then continue with them.
    | Evaluate of t: float * next: (float -> float -> Probe)
    /// Accept x + t·d, whose loss is f. The search's last evaluation was at this t, so its gradient is at hand.
    | Found of t: float * f: float
    /// No evaluated point is lower than x.
    | NoDecrease

let private c1, c2 = 1e-4, 0.9
/// Evaluations after the first one, per search.
let maxEvaluations = 25

/// Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), kept inside [lo, hi]; their midpoint when the cubic
/// has no minimiser or a value is not finite.
let private cubic x1 f1 g1 x2 f2 g2 (lo: float) (hi: float) =
    let d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2)
    let d2sq = d1 * d1 - g1 * g2
    let m =
        if d2sq >= 0.0 then
            let d2 = sqrt d2sq
            if x1 <= x2 then x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
            else x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        else nan
    if Double.IsNaN m || Double.IsInfinity m then 0.5 * (lo + hi) else min (max m lo) hi

/// A search from x (loss f, slope gtd < 0) starting at step t0. `minWidth` is the bracket width below which x + t·d
/// no longer changes in float64 (its round-off over |d|∞); a non-finite loss counts as +∞.
let strongWolfe (f: float) (gtd: float) (t0: float) (minWidth: float) : Probe =
    let clean v = if Double.IsNaN v then infinity else v
    let armijoFails t fNew = fNew > f + c1 * t * gtd
    let curvatureHolds gNew = abs gNew <= -c2 * gtd
    // The search's answer: the low point of the bracket, evaluated once more if the last evaluation was elsewhere
    // (the lockstep driver keeps only the last gradient of each member).
    let finish tLow fLow lastT =
        if tLow = 0.0 || not (fLow < f) then NoDecrease
        elif tLow = lastT then Found(tLow, fLow)
        else Evaluate(tLow, fun fNew _ -> Found(tLow, clean fNew))
    // Zoom (algorithm 3.6): bracket b with values bf and slopes bg, low the index of the lower end.
    let rec zoom (b: float[]) (bf: float[]) (bg: float[]) (low: int) (evals: int) (insufficient: bool) (lastT: float) =
        let high = 1 - low
        let bmin, bmax = min b[0] b[1], max b[0] b[1]
        if evals >= maxEvaluations || bmax - bmin < minWidth then finish b[low] bf[low] lastT
        else
            let t = cubic b[0] bf[0] bg[0] b[1] bf[1] bg[1] bmin bmax
            // Too close to an end of the bracket (twice running, or on it): move a tenth of the width inside.
            let eps = 0.1 * (bmax - bmin)
            let t, insufficient =
                if min (bmax - t) (t - bmin) < eps then
                    if insufficient || t >= bmax || t <= bmin then
                        (if abs (t - bmax) < abs (t - bmin) then bmax - eps else bmin + eps), false
                    else t, true
                else t, false
            Evaluate(t, fun fNew gNew ->
                let fNew = clean fNew
                let evals = evals + 1
                let b, bf, bg = Array.copy b, Array.copy bf, Array.copy bg
                if armijoFails t fNew || fNew >= bf[low] then
                    b[high] <- t
                    bf[high] <- fNew
                    bg[high] <- gNew
                    zoom b bf bg (if bf[0] <= bf[1] then 0 else 1) evals insufficient t
                elif curvatureHolds gNew then Found(t, fNew)
                else
                    if gNew * (b[high] - b[low]) >= 0.0 then
                        b[high] <- b[low]
                        bf[high] <- bf[low]
                        bg[high] <- bg[low]
                    b[low] <- t
                    bf[low] <- fNew
                    bg[low] <- gNew
                    zoom b bf bg low evals insufficient t)
    let zoomFrom tPrev fPrev gPrev t fNew gNew evals =
        let b, bf, bg = [| tPrev; t |], [| fPrev; fNew |], [| gPrev; gNew |]
        zoom b bf bg (if bf[0] <= bf[1] then 0 else 1) evals false t
    // Bracketing (algorithm 3.5): extrapolate until the step is bracketed or acceptable.
    let rec bracket (evals: int) tPrev fPrev gPrev t fNew gNew =
        if evals >= maxEvaluations then
            if f <= fNew then finish 0.0 f t else finish t fNew t
        elif armijoFails t fNew || (evals > 1 && fNew >= fPrev) then zoomFrom tPrev fPrev gPrev t fNew gNew evals
        elif curvatureHolds gNew then Found(t, fNew)
        elif gNew >= 0.0 then zoomFrom tPrev fPrev gPrev t fNew gNew evals
        else
            let next = cubic tPrev fPrev gPrev t fNew gNew (t + 0.01 * (t - tPrev)) (10.0 * t)
            Evaluate(next, fun fN gN -> bracket (evals + 1) t fNew gNew next (clean fN) gN)
    Evaluate(t0, fun fNew gNew -> bracket 0 0.0 f gtd t0 (clean fNew) gNew)
