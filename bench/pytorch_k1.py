#!/usr/bin/python3
"""PyTorch peer of the library's K1 MF-MLP training step (see bench/run.sh).

Same model and data as the library's benchmark: exact LF y_L evaluated once at the N_H = 10 HF points,
u = [x, y_L] scaled (x to [-1, 1], y_L and y_H standardized), F_l affine + F_nl 3x16 tanh MLP (Xavier-normal
weights, zero biases), loss = MSE + lambda * sum of F_nl's squared weight matrices, full-batch Adam (lr 1e-3).
Parameters are plain tensors, layers are torch.addmm. One thread.

usage: pytorch_k1.py <k1-data.json> <out.json> [repeats steps warmup]
"""
import json
import math
import platform
import statistics
import sys
import time

import torch

torch.set_num_threads(1)

LAMBDA = 1e-3
LR = 1e-3


def forrester_hf(x):
    return (6 * x - 2) ** 2 * torch.sin(12 * x - 4)


def forrester_lf(x):
    return 0.5 * forrester_hf(x) + 10 * (x - 0.5) - 5


def standardize(v):
    m = v.mean()
    sd = torch.sqrt(((v - m) ** 2).mean())
    return (v - m) / sd


def features(x, dtype):
    """u = [x scaled to [-1, 1], standardized y_L] and the standardized target; x in [0, 1]."""
    x = torch.tensor(x, dtype=torch.float64).unsqueeze(1)
    # the LF output is standardized with its statistics on the whole domain (as the library does)
    grid = torch.linspace(0, 1, 256, dtype=torch.float64).unsqueeze(1)
    yl_all = forrester_lf(grid)
    m, sd = yl_all.mean(), torch.sqrt(((yl_all - yl_all.mean()) ** 2).mean())
    u = torch.cat([2 * x - 1, (forrester_lf(x) - m) / sd], dim=1)
    y = standardize(forrester_hf(x))
    return u.to(dtype), y.to(dtype)


def make_params(gen, dtype):
    def xavier(a, b):
        std = math.sqrt(2.0 / (a + b))
        return (torch.randn(a, b, generator=gen, dtype=torch.float64) * std).to(dtype).requires_grad_()

    def zeros(b):
        return torch.zeros(b, dtype=dtype).requires_grad_()

    lin = [xavier(2, 1), zeros(1)]
    sizes = [2, 16, 16, 16, 1]
    nl = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        nl += [xavier(a, b), zeros(b)]
    return lin, nl


def loss_fn(lin, nl, u, y):
    h = u
    for i in range(0, len(nl) - 2, 2):
        h = torch.tanh(torch.addmm(nl[i + 1], h, nl[i]))
    out = torch.addmm(nl[-1], h, nl[-2]) + torch.addmm(lin[1], u, lin[0])
    mse = ((out - y) ** 2).mean()
    penalty = sum((w * w).sum() for w in nl[0::2])
    return mse + LAMBDA * penalty


def time_run(u, y, dtype, steps, warmup, seed, foreach):
    gen = torch.Generator().manual_seed(seed)
    lin, nl = make_params(gen, dtype)
    params = lin + nl
    opt = torch.optim.Adam(params, lr=LR, foreach=foreach) if foreach is not None else torch.optim.Adam(params, lr=LR)

    def step():
        opt.zero_grad()
        loss = loss_fn(lin, nl, u, y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    t1 = time.perf_counter()
    final = loss.item()
    return (t1 - t0) * 1000.0 / steps, final


def main():
    data_path, out_path = sys.argv[1], sys.argv[2]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    warmup = int(sys.argv[5]) if len(sys.argv) > 5 else 200
    with open(data_path) as f:
        x = json.load(f)["x"]
    variants = [("torch.optim.Adam (default)", None), ("torch.optim.Adam(foreach=True)", True)]
    rows = []
    for precision, dtype in [("float64", torch.float64), ("float32", torch.float32)]:
        u, y = features(x, dtype)
        for name, foreach in variants:
            runs = [time_run(u, y, dtype, steps, warmup, i, foreach) for i in range(repeats)]
            ms = [r[0] for r in runs]
            med = statistics.median(ms)
            print(f"pytorch {precision} {name}: {med:.4f} ms/step (runs {' '.join(f'{v:.4f}' for v in ms)})", file=sys.stderr)
            rows.append({"precision": precision, "variant": name, "msPerStep": med, "runs": ms,
                         "finalLoss": statistics.mean(r[1] for r in runs)})
    cfg = torch.__config__.show()
    info = [part.split("=", 1)[1] for part in cfg.replace(",", " ").split() if part.startswith("BLAS_INFO=")]
    blas = "BLAS: " + (info[0] if info else "unknown") + (", MKL" if "USE_MKL=ON" in cfg else ", no MKL")
    out = {"torch": torch.__version__, "python": platform.python_version(), "threads": torch.get_num_threads(),
           "blas": blas, "repeats": repeats, "steps": steps, "warmup": warmup, "rows": rows}
    with open(out_path, "w") as f:
        json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
