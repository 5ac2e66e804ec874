#!/usr/bin/env python3
"""Error of f32 matmul results against an exact (float64) product.

  tf32_error.py gen PREFIX M K N     writes PREFIX.x.npy, PREFIX.w.npy
                                     (standard normal f32)
  tf32_error.py check PREFIX GOT LO HI
                                     fails unless LO <= e <= HI, where
                                     e = max|GOT - x @ w| / max|x @ w|

The oracle is numpy's float64 product of the f32 inputs: independent of
qsparse, and exact to far below the f32 rounding it measures.
"""

import sys

import numpy as np


def main(argv):
    if argv[1] == "gen":
        prefix, m, k, n = argv[2], int(argv[3]), int(argv[4]), int(argv[5])
        rng = np.random.default_rng(7)
        np.save(prefix + ".x.npy", rng.standard_normal((m, k)).astype(np.float32))
        np.save(prefix + ".w.npy", rng.standard_normal((k, n)).astype(np.float32))
        return 0
    if argv[1] == "check":
        prefix, got = argv[2], np.load(argv[3])
        lo, hi = float(argv[4]), float(argv[5])
        x = np.load(prefix + ".x.npy").astype(np.float64)
        w = np.load(prefix + ".w.npy").astype(np.float64)
        want = x @ w
        e = np.abs(got.astype(np.float64) - want).max() / np.abs(want).max()
        ok = lo <= e <= hi
        print("relative error %s: %.1e (expected %.0e .. %.0e)"
              % ("OK" if ok else "FAILED", e, lo, hi))
        return 0 if ok else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
