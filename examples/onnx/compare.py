#!/usr/bin/python3
"""compare.py ACTUAL.npy REFERENCE.npy [--tol T]: prints the largest
difference and the SQNR (10 log10 of signal power over error power) of
ACTUAL against REFERENCE; exits 1 unless every |a - r| <= T * max|r|
(default T = 1e-4)."""
import argparse
import sys

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("actual")
parser.add_argument("reference")
parser.add_argument("--tol", type=float, default=1e-4)
args = parser.parse_args()
a = np.load(args.actual).astype(np.float64)
r = np.load(args.reference).astype(np.float64)
if a.shape != r.shape:
    print(f"compare: shape {a.shape}, reference {r.shape}")
    sys.exit(1)
err = a - r
scale = np.abs(r).max()
noise = np.mean(err ** 2)
sqnr = float("inf") if noise == 0 else 10 * np.log10(np.mean(r ** 2) / noise)
worst = np.abs(err).max()
ok = worst <= args.tol * scale
print(f"{'match' if ok else 'MISMATCH'}: {r.size} values, max |diff| "
      f"{worst:.3g} (max |reference| {scale:.3g}), SQNR {sqnr:.1f} dB")
sys.exit(0 if ok else 1)
