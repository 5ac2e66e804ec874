#!/usr/bin/env python3
"""Oracle for codes-float.mlir: ANT float4 e2 signed, from its definition."""
import sys
import numpy as np

M = 1  # mantissa bits: 3 value bits - 2 exponent bits


def magnitude(code):  # 3-bit magnitude code -> value in integer units (x 2^M)
    i, j = code >> M, code & ((1 << M) - 1)
    return j if i == 0 else ((1 << M) + j) << (i - 1)


GRID = {c: magnitude(c) for c in range(8)}  # 0,1,2,3,4,6,8,12


def encode(v):
    """Nearest grid value, ties away from zero, saturating; NaN -> 0."""
    if np.isnan(v):
        return 0
    a = abs(v)
    best = min(GRID, key=lambda c: (abs(GRID[c] - a), -GRID[c]))
    return (8 if v < 0 and GRID[best] != 0 else 0) | best


def value(code):
    v = GRID[code & 7]
    return -v if code & 8 else v


def main():
    cmd, prefix = sys.argv[1], sys.argv[2]
    if cmd == "gen":
        rng = np.random.default_rng(5)
        s = np.float32(0.25)
        # Ties (midpoints of the grid), off-ties, saturation, NaN, +-0.
        grid = sorted(set(GRID.values()))
        mids = [(a + b) / 2 for a, b in zip(grid, grid[1:])]
        vals = mids + [-m for m in mids] + [20, -20, 0.0, -0.0, float("nan")]
        vals += list(rng.uniform(-14, 14, 64 - len(vals)))
        x = (np.array(vals, dtype=np.float64) * s).astype(np.float32)
        np.save(prefix + ".x.npy", x)
        np.save(prefix + ".s.npy", np.array([s], dtype=np.float32))
        return
    x = np.load(prefix + ".x.npy")
    s = np.load(prefix + ".s.npy")[0]
    codes = np.load(prefix + ".codes.npy")
    ints = np.load(prefix + ".ints.npy")
    deq = np.load(prefix + ".deq.npy")
    want = np.array([encode(float(v) / float(s)) for v in x], dtype=np.uint8)
    bad = 0
    for k in range(len(x)):
        c = int(codes[k]) & 15
        if c != want[k] or ints[k] != value(want[k]) or \
                deq[k] != np.float32(value(want[k]) * float(s)):
            print(f"element {k}: x/s={float(x[k]) / float(s)} code={c} "
                  f"want={want[k]} int={ints[k]} deq={deq[k]}")
            bad += 1
    if bad:
        sys.exit(1)
    print(f"ok: {len(x)} float4_e2 codes")


main()
