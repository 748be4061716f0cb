"""The peer of bench_learn: the same objective (class-weighted log loss + 0.5 * l2 * |w|^2, bias not
penalised) minimised by dense Newton steps in numpy (the exact Hessian, LAPACK solve), 5 stratified
folds and a final fit, timed inside Python. Prints: seconds, then the final fit's weights and bias.
usage: learn_peer.py FILE N_POS N_NEG DIM L2   (FILE: the positives then the negatives, float32 rows)"""
import sys
import time

import numpy as np


def fit(x, y, l2, tol=1e-6):
    n, d = x.shape
    c = np.where(y == 1, n / (2 * y.sum()), n / (2 * (n - y.sum())))
    xb = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[d] = 0
    g0 = None
    for _ in range(100):
        z = xb @ theta
        s = 1 / (1 + np.exp(-z))
        g = xb.T @ (c * (s - y)) + reg * theta
        gn = np.linalg.norm(g)
        g0 = gn if g0 is None else g0
        if gn <= tol * max(1.0, g0):
            break
        h = (xb * (c * s * (1 - s))[:, None]).T @ xb + np.diag(reg)
        theta -= np.linalg.solve(h, g)  # full Newton steps: the problem is smooth and strictly convex
    return theta


def main():
    path, n_pos, n_neg, dim, l2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    x = np.fromfile(path, dtype=np.float32).reshape(n_pos + n_neg, dim).astype(np.float64)
    y = np.r_[np.ones(n_pos), np.zeros(n_neg)]
    best = 1e9
    for _ in range(3):
        t = time.perf_counter()
        k = min(5, n_pos, n_neg)
        fold = np.r_[np.arange(n_pos) % k, np.arange(n_neg) % k]
        for f in range(k):
            fit(x[fold != f], y[fold != f], l2)
        theta = fit(x, y, l2)
        best = min(best, time.perf_counter() - t)
    print(best)
    print(" ".join(repr(v) for v in theta))


main()
