#!/usr/bin/python3
"""compare.py ACTUAL.npy REFERENCE.npy [--tol T | --min-sqnr DB]: prints
the largest difference and the SQNR (10 log10 of signal power over error
power) of ACTUAL against REFERENCE; exits 1 unless every |a - r| <=
T * max|r| (default T = 1e-4), or, with --min-sqnr (a quantized model
against its float original), unless the SQNR is at least DB."""
import argparse
import sys

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("actual")
parser.add_argument("reference")
parser.add_argument("--tol", type=float, default=1e-4)
parser.add_argument("--min-sqnr", type=float)
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
if args.min_sqnr is not None:
    ok = sqnr >= args.min_sqnr
    verdict = "sqnr ok" if ok else f"SQNR BELOW {args.min_sqnr} dB"
else:
    ok = worst <= args.tol * scale
    verdict = "match" if ok else "MISMATCH"
print(f"{verdict}: {r.size} values, max |diff| "
      f"{worst:.3g} (max |reference| {scale:.3g}), SQNR {sqnr:.1f} dB")
sys.exit(0 if ok else 1)
