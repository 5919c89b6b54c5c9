/// L-BFGS for a batch of independent small problems (GP hyperparameters of restarts and folds): every member has
/// its own history, direction and backtracking step, and all members are evaluated together in one call of the
/// objective, which returns each member's value and gradient. A member stops on its own (small gradient, no
/// progress, or a failed line search) while the others go on. Non-finite values count as failed steps.
module Emulators.Core.Gp.HyperOpt

type Settings =
    { MaxIterations: int
      /// History pairs kept per member.
      Memory: int
      GradientTolerance: float
      /// Stop when an accepted step lowers the value by less than this, relative to max(1, |f|).
      RelativeTolerance: float }

let defaults = { MaxIterations = 150; Memory = 10; GradientTolerance = 1e-6; RelativeTolerance = 1e-10 }

let private dot (a: float[]) (b: float[]) =
    let mutable s = 0.0
    for i in 0 .. a.Length - 1 do
        s <- s + a[i] * b[i]
    s

let private finite (v: float) = not (System.Double.IsNaN v || System.Double.IsInfinity v)

/// Two-loop recursion: −H g from the member's history (oldest first).
let private direction (hist: (float[] * float[]) list) (g: float[]) =
    let q = Array.copy g
    let pairs = List.rev hist // newest first
    let alphas =
        [ for s, y in pairs ->
              let rho = 1.0 / dot y s
              let a = rho * dot s q
              for i in 0 .. q.Length - 1 do
                  q[i] <- q[i] - a * y[i]
              a, rho ]
    let gamma =
        match pairs with
        | (s, y) :: _ -> dot s y / dot y y
        | [] -> 1.0
    for i in 0 .. q.Length - 1 do
        q[i] <- q[i] * gamma
    for (s, y), (a, rho) in List.zip pairs alphas |> List.rev do
        let b = rho * dot y q
        for i in 0 .. q.Length - 1 do
            q[i] <- q[i] + (a - b) * s[i]
    q |> Array.map (fun v -> -v)

/// Minimize every member from its start x0[e]. `objective` maps all members' points to their values and gradients.
/// Returns the final points, their values, and the iterations each member took.
let minimize (st: Settings) (objective: float[][] -> float[] * float[][]) (x0: float[][]) : float[][] * float[] * int[] =
    let e = x0.Length
    let x = x0 |> Array.map Array.copy
    let f0, g0 = objective x
    let f = Array.copy f0
    let g = g0 |> Array.map Array.copy
    let hist = Array.create e []
    let active = Array.init e (fun i -> finite f[i] && g[i] |> Array.forall finite)
    let iterations = Array.zeroCreate e
    let mutable iter = 0
    while iter < st.MaxIterations && Array.exists id active do
        // directions, and the first trial step: 1, or scaled to a unit move on the first iteration
        let p =
            Array.init e (fun i ->
                if not active[i] then Array.zeroCreate x[i].Length
                else
                    let d = direction hist[i] g[i]
                    if dot d g[i] < 0.0 then d else g[i] |> Array.map (fun v -> -v))
        for i in 0 .. e - 1 do
            if active[i] && (p[i] |> Array.forall (fun v -> abs v <= st.GradientTolerance)) then active[i] <- false
        let step =
            Array.init e (fun i ->
                if hist[i].IsEmpty then min 1.0 (1.0 / (p[i] |> Array.sumBy abs |> max 1e-300)) else 1.0)
        let pending = Array.copy active
        let accepted = Array.zeroCreate<(float[] * float * float[]) option> e
        let mutable tries = 0
        while tries < 30 && Array.exists id pending do
            let trial = Array.init e (fun i -> if pending[i] then Array.init x[i].Length (fun j -> x[i][j] + step[i] * p[i][j]) else x[i])
            let ft, gt = objective trial
            for i in 0 .. e - 1 do
                if pending[i] then
                    let slope = dot g[i] p[i]
                    if finite ft[i] && (gt[i] |> Array.forall finite) && ft[i] <= f[i] + 1e-4 * step[i] * slope then
                        accepted[i] <- Some(trial[i], ft[i], gt[i])
                        pending[i] <- false
                    else step[i] <- step[i] * 0.5
            tries <- tries + 1
        for i in 0 .. e - 1 do
            if active[i] then
                match accepted[i] with
                | None -> active[i] <- false // no descent along the direction: a (numerical) minimum
                | Some(xn, fn, gn) ->
                    let s = Array.map2 (-) xn x[i]
                    let y = Array.map2 (-) gn g[i]
                    if dot s y > 1e-12 * sqrt (dot s s * dot y y) then
                        hist[i] <- (if hist[i].Length >= st.Memory then List.tail hist[i] else hist[i]) @ [ s, y ]
                    let decrease = f[i] - fn
                    x[i] <- xn
                    f[i] <- fn
                    g[i] <- gn
                    iterations[i] <- iterations[i] + 1
                    if decrease <= st.RelativeTolerance * max 1.0 (abs fn) then active[i] <- false
                    if g[i] |> Array.forall (fun v -> abs v <= st.GradientTolerance) then active[i] <- false
        iter <- iter + 1
    x, f, iterations
