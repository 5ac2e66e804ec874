#!/usr/bin/env python3
"""--qsparse-sparsify execution tests: generator and numpy oracle (DESIGN 3.3).

The weight of every contraction is seen as a [K, F] matrix: K the reduction
(matmul weights [K, F] as they are; HWCF convolution weights flattened to
(kh, kw, c) x f, c innermost, so groups of M consecutive rows are groups
along C at one (kh, kw)).

Oracles, written from DESIGN 3.3 alone:
  magnitude            in every group of M along K (per output channel) keep
                       the N largest |w|; ties keep the lower index
  transposable-exact   in every M x M tile (M rows of K, M output channels)
                       the pattern with exactly N kept per row and column of
                       the largest kept |w| mass, by brute force over all 90
                       such patterns of a 4 x 4 tile (N:M = 2:4); the
                       generator makes the optimum unique
  transposable-greedy  per tile, elements by descending |w| (distinct in the
                       generated tiles), kept while their row and column hold
                       fewer than N

  gen PREFIX MODE N M      writes PREFIX.mlir (the dense program),
                           PREFIX.pruned.mlir (the same program with the
                           oracle-pruned weights), the spec and inputs
  check PREFIX MODE N M SPARSE.mlir REPORT.json TAG...
                           the weights the sparsified program decompresses
                           equal the oracle's pruned weights (bit for bit);
                           every PREFIX.TAG<i>.npy equals numpy on the pruned
                           weights (integers exactly; floats rtol 1e-4,
                           atol 1e-5); the report's keys, kept_l1_fraction
                           (1e-9) and mask_diversity_log10 match
"""

import itertools
import math
import sys
import zlib

import numpy as np

sys.dont_write_bytecode = True  # keep the source tree clean
import common as C  # noqa: E402

# ----------------------------------------------------------------------------
# Oracles on [K, F] matrices
# ----------------------------------------------------------------------------


def kf(w):
    return np.asarray(w).reshape(-1, np.asarray(w).shape[-1])


def magnitude_mask(w, n, m):
    a = np.abs(kf(w).astype(np.float64))
    k, f = a.shape
    mask = np.zeros(a.shape, dtype=bool)
    for g in range(0, k, m):
        for c in range(f):
            # Largest first, ties: lower index first.
            order = sorted(range(m), key=lambda i: (-a[g + i, c], i))
            for i in order[:n]:
                mask[g + i, c] = True
    return mask


def tile_patterns(n=2, m=4):
    """All m x m 0/1 matrices with exactly n ones per row and column."""
    rows = [r for r in itertools.product((0, 1), repeat=m) if sum(r) == n]
    pats = []
    for p in itertools.product(rows, repeat=m):
        p = np.array(p, dtype=bool)
        if (p.sum(0) == n).all():
            pats.append(p)
    return pats


PATTERNS = tile_patterns()
assert len(PATTERNS) == 90


def tile_masses(tile):
    a = np.abs(tile.astype(np.float64))
    return np.array([a[p].sum() for p in PATTERNS])


def exact_tile(tile):
    masses = tile_masses(tile)
    return PATTERNS[int(np.argmax(masses))]


def greedy_tile(tile, n):
    a = np.abs(tile.astype(np.float64))
    m = a.shape[0]
    keep = np.zeros(a.shape, dtype=bool)
    rows, cols = np.zeros(m, int), np.zeros(m, int)
    for idx in sorted(np.ndindex(m, m), key=lambda ij: -a[ij]):
        r, c = idx
        if rows[r] < n and cols[c] < n:
            keep[idx] = True
            rows[r] += 1
            cols[c] += 1
    return keep


def tiled_mask(w, m, solve):
    a = kf(w)
    mask = np.zeros(a.shape, dtype=bool)
    for k0 in range(0, a.shape[0], m):
        for f0 in range(0, a.shape[1], m):
            mask[k0:k0 + m, f0:f0 + m] = solve(a[k0:k0 + m, f0:f0 + m])
    return mask


def oracle_mask(w, mode, n, m):
    if mode == "magnitude":
        return magnitude_mask(w, n, m)
    assert (n, m) == (2, 4)
    if mode == "transposable-exact":
        return tiled_mask(w, m, exact_tile)
    return tiled_mask(w, m, lambda t: greedy_tile(t, n))


def prune(w, mask):
    w = np.asarray(w)
    out = kf(w).copy()
    out[~mask] = 0
    return out.reshape(w.shape)


def kept_fraction(w, mask):
    a = np.abs(kf(w).astype(np.float64))
    return a[mask].sum() / a.sum()


def diversity_log10(size, mode, n, m):
    if mode == "magnitude":
        return size / m * math.log10(math.comb(m, n))
    return size / (m * m) * math.log10(90)


# ----------------------------------------------------------------------------
# Programs
# ----------------------------------------------------------------------------


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def unique_tiles(rng, k, f, ints):
    """[K, F] weights whose 4 x 4 tiles have 16 distinct magnitudes and a
    unique best transposable pattern (so every oracle is well defined)."""
    w = np.zeros((k, f))
    for k0 in range(0, k, 4):
        for f0 in range(0, f, 4):
            while True:
                if ints:
                    mags = rng.choice(np.arange(1, 128), 16, replace=False)
                else:
                    mags = np.abs(rng.normal(0, 1, 16)).astype(np.float32)
                    if len(set(mags.tolist())) < 16:
                        continue
                t = (mags * rng.choice([-1, 1], 16)).reshape(4, 4)
                best = np.sort(tile_masses(t))
                if best[-1] - best[-2] > 1e-3:
                    break
            w[k0:k0 + 4, f0:f0 + 4] = t
    return w


def weights(rng, mode, shape, elt, ties=False):
    k, f = int(np.prod(shape[:-1])), shape[-1]
    if ties:  # many equal magnitudes: the lower index must win
        vals = [-2, -1, 0, 1, 2] if elt == "i8" else [-1.0, -0.5, 0.0, 0.5,
                                                        1.0]
        w = rng.choice(vals, size=(k, f))
    elif mode == "magnitude":
        w = (rng.integers(-127, 127, size=(k, f), endpoint=True)
             if elt == "i8" else rng.normal(0, 1, size=(k, f)))
    else:
        w = unique_tiles(rng, k, f, elt == "i8")
    dtype = np.int8 if elt == "i8" else np.float32
    return w.astype(dtype).reshape(shape)


# (kind, elt, x shape, w shape, unsigned, izp, ties)
OPS = [
    ("lmm", "f32", (5, 16), (16, 8), False, 0, False),
    ("lmm", "i8", (5, 32), (32, 8), False, 0, False),
    ("qmm", "i8", (6, 16), (16, 12), True, 128, False),
    ("lconv", "f32", (2, 5, 5, 8), (3, 3, 8, 4), False, 0, False),
    ("lconv", "i8", (2, 4, 4, 16), (2, 2, 16, 8), False, 0, False),
    ("qconv", "i8", (2, 4, 5, 8), (2, 3, 8, 4), False, 0, False),
]
TIES = [  # magnitude only (no unique transposable optimum)
    ("qmm", "i8", (3, 24), (24, 6), False, 0, True),
    ("lmm", "f32", (3, 16), (16, 5), False, 0, True),
]


def program(mode, n, m):
    rng = rng_for("sparsity-%s-%d-%d" % (mode, n, m))
    table = OPS + (TIES if mode == "magnitude" else [])
    ops, xs = [], []
    for kind, elt, xshape, wshape, unsigned, izp, ties in table:
        w = weights(rng, mode, wshape, elt, ties)
        op = C.make_op(kind, elt, xshape, w, unsigned=unsigned, izp=izp)
        ops.append(op)
        if elt == "f32":
            xs.append(rng.normal(0, 1, size=xshape).astype(np.float32))
        else:
            lo, hi = (0, 255) if unsigned else (-128, 127)
            xs.append(rng.integers(lo, hi, size=xshape,
                                   endpoint=True).astype(C.x_dtype(op)))
    return ops, xs


def cmd_gen(prefix, mode, n, m):
    ops, xs = program(mode, n, m)
    with open(prefix + ".mlir", "w") as f:
        f.write(C.emit_program(ops, "generated by sparsity.py gen %s %d %d" %
                               (mode, n, m)))
    pruned = []
    for op in ops:
        p = dict(op)
        p["w"] = prune(op["w"], oracle_mask(op["w"], mode, n, m))
        pruned.append(p)
    with open(prefix + ".pruned.mlir", "w") as f:
        f.write(C.emit_program(pruned, "generated by sparsity.py gen: the "
                               "dense program on the oracle-pruned weights"))
    C.save_spec(prefix, ops)
    C.save_inputs(prefix, xs)
    return 0


def cmd_check(prefix, mode, n, m, sparse_mlir, report_json, tags):
    ops, _ = C.load_spec(prefix)
    xs = C.load_inputs(prefix, len(ops))
    with open(sparse_mlir) as f:
        nm = []
        got_ws = C.contraction_weights(f.read(), nm)
    C.expect(len(got_ws) == len(ops), "%d contractions in %s, %d generated"
             % (len(got_ws), sparse_mlir, len(ops)))
    report = C.load_report(report_json)
    C.expect(len(report) == len(ops), "report: %d entries for %d ops" % (
        len(report), len(ops)))
    for i, op in enumerate(ops):
        what = "op %d (%s %s)" % (i, op["kind"], op["elt"])
        mask = oracle_mask(op["w"], mode, n, m)
        pruned = prune(op["w"], mask)
        if i < len(got_ws):
            axis = 0 if op["kind"] in ("qmm", "lmm") else 2
            C.expect(nm[i] == (n, m, axis), "%s: weight is not an "
                     "nm_decompress <%d:%d> along axis %d: %r" % (
                         what, n, m, axis, nm[i]))
            g = got_ws[i]
            if C.expect(g.shape == pruned.shape and g.dtype == pruned.dtype,
                        "%s: decompressed weight %s %s" % (what, g.shape,
                                                           g.dtype)):
                diff = np.argwhere(kf(g) != kf(pruned))
                C.expect(len(diff) == 0, "%s: %d pruned weights differ from "
                         "the oracle, first at [k, f] = %s: %r vs %r" % (
                             what, len(diff),
                             tuple(diff[0]) if len(diff) else None,
                             kf(g)[tuple(diff[0])] if len(diff) else None,
                             kf(pruned)[tuple(diff[0])] if len(diff) else
                             None))
        want = C.evaluate(op, xs[i], pruned)
        for tag in tags:
            got = np.load("%s.%s%d.npy" % (prefix, tag, i))
            if op["elt"] == "f32":
                C.expect_close(got, want, "%s %s" % (what, tag))
            else:
                C.expect_ints(got, want, np.int32, "%s %s" % (what, tag))
        if i < len(report):
            e = report[i]
            C.expect_entry(e, op, ["kept_l1_fraction", "m",
                                   "mask_diversity_log10", "mode", "n"], what)
            C.expect(e.get("n") == n and e.get("m") == m and
                     e.get("mode") == mode, "%s: report %r" % (what, e))
            frac = kept_fraction(op["w"], mask)
            rep = e.get("kept_l1_fraction")
            C.expect(isinstance(rep, (int, float)) and abs(rep - frac) <= 1e-9,
                     "%s: kept_l1_fraction %r, oracle %r" % (what, rep, frac))
            div = diversity_log10(op["w"].size, mode, n, m)
            rep = e.get("mask_diversity_log10")
            C.expect(isinstance(rep, (int, float)) and abs(rep - div) <= 1e-9,
                     "%s: mask_diversity_log10 %r, oracle %r" % (what, rep,
                                                                 div))
    return C.finish("sparsity check %s %d:%d %s" % (mode, n, m,
                                                    " ".join(tags)))


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "gen":
        return cmd_gen(args[0], args[1], int(args[2]), int(args[3]))
    if cmd == "check":
        return cmd_check(args[0], args[1], int(args[2]), int(args[3]),
                         args[4], args[5], args[6:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
