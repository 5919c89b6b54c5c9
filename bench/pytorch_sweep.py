#!/usr/bin/python3
"""PyTorch peer of one paper-budget configuration of the assessment (see bench/run-sweep.sh).

The way the paper's own stack trains a search: candidates one after another, each a fresh K1 MF-MLP (the model and
data of pytorch_k1.py: exact LF, F_l affine + F_nl 3x16 tanh, N_H = 8 + 2 boundary points, float64) trained with
`epochs` full-batch Adam epochs at the candidate's learning rate, then `torch.optim.LBFGS` for `lbfgs` iterations
(strong Wolfe line search, 20 curvature pairs, the same evaluation bound as the library: 4 per iteration + 25, no
early stop on small loss changes), one thread. Its cost is linear in the number of candidates, so it trains a fixed
subset of them and reports the seconds per candidate.

usage: pytorch_sweep.py <k1-data.json> <out.json> [candidates epochs lbfgs]
"""
import json
import platform
import sys
import time

import torch

sys.path.insert(0, __import__("os").path.dirname(__file__))
import pytorch_k1 as k1  # noqa: E402

torch.set_num_threads(1)

# A fixed subset of the search's candidates: (learning rate, lambda) spread over its ranges.
CANDIDATES = [(1e-3, 1e-3), (1e-4, 1.0), (3e-4, 1e-5), (3e-5, 0.0)]


def train(u, y, lr, lam, epochs, lbfgs, seed):
    gen = torch.Generator().manual_seed(seed)
    lin, nl = k1.make_params(gen, torch.float64)
    params = lin + nl

    def loss_fn():
        h = u
        for i in range(0, len(nl) - 2, 2):
            h = torch.tanh(torch.addmm(nl[i + 1], h, nl[i]))
        out = torch.addmm(nl[-1], h, nl[-2]) + torch.addmm(lin[1], u, lin[0])
        mse = ((out - y) ** 2).mean()
        return mse + lam * sum((w * w).sum() for w in nl[0::2])

    adam = torch.optim.Adam(params, lr=lr)
    for _ in range(epochs):
        adam.zero_grad()
        loss = loss_fn()
        loss.backward()
        adam.step()
    if lbfgs > 0:
        opt = torch.optim.LBFGS(params, lr=1, max_iter=lbfgs, max_eval=4 * lbfgs + 25, tolerance_grad=0.0,
                                tolerance_change=0.0, history_size=20, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            return loss

        opt.step(closure)
    with torch.no_grad():
        return loss_fn().item(), opt.state[opt._params[0]]["n_iter"] if lbfgs > 0 else 0


def main():
    data_path, out_path = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else len(CANDIDATES)
    epochs = int(sys.argv[4]) if len(sys.argv) > 4 else 5000
    lbfgs = int(sys.argv[5]) if len(sys.argv) > 5 else 3000
    with open(data_path) as f:
        x = json.load(f)["x"]
    u, y = k1.features(x, torch.float64)
    runs = []
    for i, (lr, lam) in enumerate((CANDIDATES * n)[:n]):
        t0 = time.perf_counter()
        loss, iters = train(u, y, lr, lam, epochs, lbfgs, i)
        s = time.perf_counter() - t0
        print(f"pytorch candidate lr={lr:g} lambda={lam:g}: {s:.2f} s, loss {loss:.3g}, {iters} L-BFGS iterations",
              file=sys.stderr)
        runs.append({"lr": lr, "lambda": lam, "seconds": s, "loss": loss, "lbfgsIterations": iters})
    out = {"torch": torch.__version__, "python": platform.python_version(), "threads": torch.get_num_threads(),
           "epochs": epochs, "lbfgs": lbfgs, "runs": runs}
    with open(out_path, "w") as f:
        json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
