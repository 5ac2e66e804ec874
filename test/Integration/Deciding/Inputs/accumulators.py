#!/usr/bin/env python3
"""Accumulator-width execution tests: generator and numpy oracle.

DESIGN 3.2. For y_c = b + sum_k w[c,k] x_k with x_k in [a, b_] (effective
units: stored value minus the input zero point; weights minus theirs), each
term ranges over [tmin, tmax] = [min(w a, w b_), max(w a, w b_)]:

  exact range       [b + sum tmin,  b + sum tmax]
  order-free range  [min(0, b) + sum min(0, tmin),
                     max(0, b) + sum max(0, tmax)]
                    (every partial sum in any order; what the analysis
                    attaches and reports as lo / hi, AccumulatorBounds.md)

The ADVERSARIAL input of channel c puts every input element at its stored
maximum where w[c,k] > 0 and at its stored minimum elsewhere (it attains the
exact hi_c), and the opposite (it attains lo_c). Matmul inputs get rows
[hi_0, lo_0, hi_1, lo_1, ...] followed by two random rows; convolution inputs
get one image per row, the pattern in the top-left receptive field (output
position (0, 0)) and random pixels elsewhere.

Subcommands (PREFIX: the lit %t-based prefix of every file):

  narrow-gen PREFIX            program PREFIX.mlir (@main, one contraction per
                               argument) whose ops need exactly 16 bits (tight
                               on the adversarial inputs) or 17 bits, and its
                               adversarial inputs PREFIX.x<i>.npy
  narrow-check PREFIX ACC.json NARROW.json TAG...
                               every PREFIX.TAG<i>.npy equals numpy int64 (as
                               int32), adversarial rows hit the exact
                               extremes, the reports give the oracle's
                               lo/hi/proven_bits/exact_bits and to_bits
  overflow-gen PREFIX          @mm and @conv whose declared i16 accumulators
                               are too narrow for their 17-bit weights, with
                               adversarial inputs PREFIX.adv<i>.npy and benign
                               ones PREFIX.ok<i>.npy
  overflow-check PREFIX        the benign runs equal numpy; the uninstrumented
                               adversarial run wraps (int16 two's complement)
  enforce-gen PREFIX VARIANT   weights that need more than 16 bits (whole: for
                               tile=0; tiled: for tile=8)
  enforce-inputs PREFIX ENFORCED.mlir BITS TILE ENFORCE.json ACC.json
                 NARROW.json WIDTH
                               reads the enforced weights from the
                               qsparse-opt output, checks them (fit BITS per
                               channel / tile, only shrink, equal the rounded
                               L2 projection, report error), checks the
                               analysis / narrowing reports (every op narrowed
                               to WIDTH, 16 or 32) and writes the adversarial
                               inputs of the ENFORCED weights
  enforce-check PREFIX TAG...  outputs equal numpy int64 on the enforced
                               weights, adversarial rows hit the extremes
  expect-exit CODE CMD...      runs CMD, passes its stderr through, fails
                               unless it exits with CODE
"""

import subprocess
import sys
import zlib

import numpy as np

sys.dont_write_bytecode = True  # keep the source tree clean
import common as C  # noqa: E402

# ----------------------------------------------------------------------------
# The range oracle
# ----------------------------------------------------------------------------


def term_ranges(op, w=None):
    W = C.channel_matrix(op, w)  # [F, K], effective units
    a, b, _, _ = C.x_range(op)
    return np.minimum(W * a, W * b), np.maximum(W * a, W * b)


def exact_range(op, w=None):
    tmin, tmax = term_ranges(op, w)
    return op["bias"] + tmin.sum(1), op["bias"] + tmax.sum(1)


def order_free_range(op, w=None, bias=None):
    tmin, tmax = term_ranges(op, w)
    b = op["bias"] if bias is None else bias
    return (min(0, b) + np.minimum(tmin, 0).sum(1),
            max(0, b) + np.maximum(tmax, 0).sum(1))


def op_bits(op, w=None):
    lo, hi = order_free_range(op, w)
    return C.bits_for(int(lo.min()), int(hi.max()))


# ----------------------------------------------------------------------------
# Adversarial inputs
# ----------------------------------------------------------------------------


def patterns(op, w=None):
    """[(hi pattern, lo pattern)] per channel, stored values over K."""
    W = C.channel_matrix(op, w)
    _, _, smin, smax = C.x_range(op)
    return [(np.where(W[c] > 0, smax, smin), np.where(W[c] > 0, smin, smax))
            for c in range(W.shape[0])]


EXTRA = 2  # random rows / images after the adversarial ones


def adversarial_shape(kind, w, extra=EXTRA):
    f = w.shape[-1]
    if kind in ("qmm", "lmm"):
        return [2 * f + extra, w.shape[0]]
    kh, kw, c, _ = w.shape
    return [2 * f + extra, kh + 2, kw + 3, c]


def adversarial_input(op, rng, w=None):
    w = op["w"] if w is None else w
    _, _, smin, smax = C.x_range(op)
    x = rng.integers(smin, smax, size=op["x_shape"], endpoint=True)
    for c, (hi, lo) in enumerate(patterns(op, w)):
        if C.is_conv(op):
            kh, kw, ch, _ = w.shape
            x[2 * c, :kh, :kw, :] = hi.reshape(kh, kw, ch)
            x[2 * c + 1, :kh, :kw, :] = lo.reshape(kh, kw, ch)
        else:
            x[2 * c], x[2 * c + 1] = hi, lo
    return x.astype(C.x_dtype(op))


def adversarial_values(op, y):
    """y at the adversarial rows: ([y_hi per channel], [y_lo per channel])."""
    f = C.channels(op)
    if C.is_conv(op):
        return (np.array([y[2 * c, 0, 0, c] for c in range(f)]),
                np.array([y[2 * c + 1, 0, 0, c] for c in range(f)]))
    return (np.array([y[2 * c, c] for c in range(f)]),
            np.array([y[2 * c + 1, c] for c in range(f)]))


def check_outputs(ops, xs, prefix, tags, weights=None, acc_dtype=np.int32):
    """Every tag's outputs equal numpy int64 exactly; adversarial rows attain
    the exact range of their channel."""
    for i, op in enumerate(ops):
        w = op["w"] if weights is None else weights[i]
        want = C.evaluate(op, xs[i], w)
        lo, hi = exact_range(op, w)
        whi, wlo = adversarial_values(op, want)
        C.expect(np.array_equal(whi, hi) and np.array_equal(wlo, lo),
                 "op %d: the oracle's adversarial rows do not attain the "
                 "exact range (generator bug)" % i)
        for tag in tags:
            got = np.load("%s.%s%d.npy" % (prefix, tag, i))
            C.expect_ints(got, want, acc_dtype, "op %d (%s) %s" % (
                i, op["kind"], tag))


# ----------------------------------------------------------------------------
# Weights with a chosen range
# ----------------------------------------------------------------------------


def compose(rng, total, n, cap):
    """n random positive integers <= cap summing to total
    (n <= total <= n * cap)."""
    assert n <= total <= n * cap, (total, n, cap)
    parts = 1 + rng.multinomial(total - n, rng.dirichlet(np.full(n, 0.7)))
    while parts.max() > cap:
        i = int(np.argmax(parts))
        j = int(rng.choice(np.flatnonzero(parts < cap)))
        parts[i] -= 1
        parts[j] += 1
    return parts.astype(np.int64)


def max_pos(A, B, H, L, sneg):
    """Largest S+ with B S+ + A S- <= H and A S+ + B S- <= L."""
    lims = []
    if B:
        lims.append((H - A * sneg) // B)
    if A:
        lims.append((L - B * sneg) // A)
    return min(lims)


def channel_with_budget(rng, k, sp, sn, cap_pos, cap_neg):
    npos = min(k - 1, max(1, -(-sp // cap_pos), int(rng.integers(k // 4,
                                                                 k // 2))))
    nneg = min(k - npos, max(1, -(-sn // cap_neg), int(rng.integers(
        k // 4, k // 2))))
    npos, nneg = min(npos, sp) if sp else 0, min(nneg, sn) if sn else 0
    w = np.zeros(k, dtype=np.int64)
    perm = rng.permutation(k)
    if npos:
        w[perm[:npos]] = compose(rng, sp, npos, cap_pos)
    if nneg:
        w[perm[npos:npos + nneg]] = -compose(rng, sn, nneg, cap_neg)
    return w


def budget_weights(rng, kind, wshape, izp, wzp, unsigned, bias, tight, over,
                   bits=16):
    """Integer weights (stored, i8) whose order-free range fits `bits` bits
    for every channel, channel `tight` using as much of it as possible (one
    more unit of positive mass when `over`, so it needs bits + 1)."""
    op = C.make_op(kind, "i8", [1, 1], np.zeros(wshape), unsigned=unsigned,
                   izp=izp)
    a, b, _, _ = C.x_range(op)
    A, B = -a, b
    assert A >= 0 and B >= 0
    H = (1 << (bits - 1)) - 1 - max(0, bias)
    L = (1 << (bits - 1)) + min(0, bias)
    k, f = int(np.prod(wshape[:-1])), wshape[-1]
    cap_pos, cap_neg = min(100, 127 - wzp), min(100, 128 + wzp)
    sneg_max = min(H // A if A else 10 ** 9, L // B if B else 10 ** 9)
    W = np.zeros((f, k), dtype=np.int64)
    for c in range(f):
        if c == tight:  # use both constraints as fully as possible
            sn = max(range(sneg_max + 1), key=lambda s: (
                B * max_pos(A, B, H, L, s) + A * s) + (
                A * max_pos(A, B, H, L, s) + B * s))
            sp = max_pos(A, B, H, L, sn) + (1 if over else 0)
        else:
            sn = int(sneg_max * rng.uniform(0.2, 0.8))
            sp = int(max_pos(A, B, H, L, sn) * rng.uniform(0.5, 1.0))
        W[c] = channel_with_budget(rng, k, sp, sn, cap_pos, cap_neg)
    return (W.T.reshape(wshape) + wzp).astype(np.int8)


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


# ----------------------------------------------------------------------------
# narrow-gen / narrow-check
# ----------------------------------------------------------------------------

# (kind, weight shape, unsigned, izp, wzp, bias, strides, tight channel, over)
NARROW_OPS = [
    ("qmm", (64, 5), False, 0, 0, 0, (1, 1), 2, False),
    ("qmm", (40, 4), True, 128, 3, 0, (1, 1), 0, False),
    ("qmm", (48, 3), True, 0, 0, 0, (1, 1), 1, False),
    ("qconv", (3, 3, 8, 4), False, 0, 0, 0, (2, 2), 1, False),
    ("qconv", (1, 3, 6, 2), True, 100, -2, 0, (1, 1), 0, False),
    ("lmm", (32, 6), False, 0, 0, -37, (1, 1), 3, False),
    ("lconv", (2, 2, 16, 3), False, 0, 0, 0, (1, 1), 2, False),
    ("qmm", (64, 3), False, 0, 0, 0, (1, 1), 0, True),
    ("lconv", (3, 3, 4, 2), False, 0, 0, 0, (1, 1), 1, True),
]


def build_ops(name, table, make_weights):
    rng = rng_for(name)
    ops = []
    for (kind, wshape, unsigned, izp, wzp, bias, strides, tight,
         over) in table:
        w = make_weights(rng, kind, wshape, izp, wzp, unsigned, bias, tight,
                         over)
        op = C.make_op(kind, "i8", adversarial_shape(kind, w), w,
                       unsigned=unsigned, izp=izp, wzp=wzp, bias=bias,
                       strides=strides)
        ops.append(op)
    return ops, rng


def cmd_narrow_gen(prefix):
    ops, rng = build_ops("narrow", NARROW_OPS, budget_weights)
    for i, op in enumerate(ops):
        want = 17 if NARROW_OPS[i][8] else 16
        assert op_bits(op) == want, (i, op_bits(op))
    with open(prefix + ".mlir", "w") as f:
        f.write(C.emit_program(ops, "generated by accumulators.py narrow-gen"))
    C.save_spec(prefix, ops)
    C.save_inputs(prefix, [adversarial_input(op, rng) for op in ops])
    return 0


def check_acc_report(ops, report, what, weights=None):
    if not C.expect(len(report) == len(ops), "%s: %d entries for %d ops" % (
            what, len(report), len(ops))):
        return
    for i, (op, e) in enumerate(zip(ops, report)):
        w = None if weights is None else weights[i]
        lo, hi = order_free_range(op, w)
        elo, ehi = exact_range(op, w)
        want = {"lo": int(lo.min()), "hi": int(hi.max()),
                "proven_bits": C.bits_for(int(lo.min()), int(hi.max())),
                "exact_bits": C.bits_for(int(elo.min()), int(ehi.max())),
                "k": int(np.prod(op["w"].shape[:-1]))}
        C.expect_entry(e, op, ["datatype_bits", "exact_bits", "hi", "k",
                               "l1_bits", "lo", "proven_bits",
                               "zero_centered_bits"],
                       "%s entry %d" % (what, i))
        for key, v in want.items():
            C.expect(e.get(key) == v, "%s entry %d (%s): %s = %r, oracle %r"
                     % (what, i, e.get("op"), key, e.get(key), v))
        C.expect("overflow" not in e, "%s entry %d: overflow" % (what, i))


def check_narrow_report(ops, report, what, weights=None):
    if not C.expect(len(report) == len(ops), "%s: %d entries for %d ops" % (
            what, len(report), len(ops))):
        return []
    widths = []
    for i, (op, e) in enumerate(zip(ops, report)):
        bits = op_bits(op, None if weights is None else weights[i])
        C.expect_entry(e, op, ["from_bits", "required_bits", "to_bits"]
                       if bits <= 16 else ["skipped"], "%s entry %d" % (what,
                                                                      i))
        if bits <= 16:
            C.expect(e.get("to_bits") == 16 and e.get("from_bits") == 32 and
                     e.get("required_bits") == bits,
                     "%s entry %d: %r, expected 32 -> 16 (%d bits)" % (
                         what, i, e, bits))
        else:
            C.expect("skipped" in e, "%s entry %d: %r, expected skipped (%d "
                     "bits)" % (what, i, e, bits))
        widths.append(16 if bits <= 16 else 32)
    return widths


def cmd_narrow_check(prefix, acc_json, narrow_json, tags):
    ops, _ = C.load_spec(prefix)
    xs = C.load_inputs(prefix, len(ops))
    check_outputs(ops, xs, prefix, tags)
    check_acc_report(ops, C.load_report(acc_json), "analysis report")
    check_narrow_report(ops, C.load_report(narrow_json), "narrow report")
    return C.finish("narrow-check " + " ".join(tags))


# ----------------------------------------------------------------------------
# overflow-gen / overflow-check
# ----------------------------------------------------------------------------


def overflow_ops():
    rng = rng_for("overflow")
    mm = C.make_op("qmm", "i8", [8, 64], budget_weights(
        rng, "qmm", (64, 3), 0, 0, False, 0, 0, True), acc="i16")
    cv = C.make_op("lconv", "i8", [6, 5, 6, 4], budget_weights(
        rng, "lconv", (3, 3, 4, 2), 0, 0, False, 0, 1, True), acc="i16")
    return [mm, cv], rng


def cmd_overflow_gen(prefix):
    ops, rng = overflow_ops()
    text = "// generated by accumulators.py overflow-gen\n"
    for name, op in zip(("mm", "conv"), ops):
        assert op_bits(op) == 17
        text += C.emit_program([op], name=name)
    with open(prefix + ".mlir", "w") as f:
        f.write(text)
    for i, op in enumerate(ops):
        np.save("%s.adv%d.npy" % (prefix, i), adversarial_input(op, rng))
        ok = rng.integers(-4, 4, size=op["x_shape"], endpoint=True)
        np.save("%s.ok%d.npy" % (prefix, i), ok.astype(np.int8))
    return 0


def cmd_overflow_check(prefix):
    ops, _ = overflow_ops()
    for i, op in enumerate(ops):
        ok = np.load("%s.ok%d.npy" % (prefix, i))
        want = C.evaluate(op, ok)
        got = np.load("%s.ok%d.out.npy" % (prefix, i))
        C.expect_ints(got, want, np.int16, "op %d on benign input" % i)
    # Without the check the i16 accumulator silently wraps.
    adv = np.load(prefix + ".adv0.npy")
    exact = C.evaluate(ops[0], adv)
    wrapped = ((exact + (1 << 15)) % (1 << 16)) - (1 << 15)
    C.expect(np.any(wrapped != exact), "adversarial input does not overflow")
    got = np.load(prefix + ".wrap0.npy")
    C.expect_ints(got, wrapped, np.int16, "uninstrumented i16 op 0")
    return C.finish("overflow-check")


# ----------------------------------------------------------------------------
# enforce-gen / enforce-inputs / enforce-check
# ----------------------------------------------------------------------------

# (kind, weight shape, unsigned, izp, wzp, bias, strides, -, -)
ENFORCE_WHOLE = [
    ("qmm", (64, 4), False, 0, 0, 0, (1, 1), None, None),
    ("qmm", (48, 3), True, 128, 0, 0, (1, 1), None, None),
    ("qmm", (32, 4), True, 0, 0, 0, (1, 1), None, None),
    ("qconv", (3, 3, 8, 4), False, 0, 0, 0, (1, 1), None, None),
    ("lmm", (40, 5), False, 0, 0, 500, (1, 1), None, None),
    ("lconv", (2, 2, 16, 3), False, 0, 0, 0, (1, 1), None, None),
]

ENFORCE_TILED = [
    ("qmm", (64, 4), False, 0, 0, 0, (1, 1), None, None),
    ("lconv", (2, 2, 16, 3), False, 0, 0, 0, (1, 1), None, None),
    ("qmm", (24, 2), True, 128, 0, 0, (1, 1), None, None),
]


def wide_weights(rng, kind, wshape, izp, wzp, unsigned, bias, _t, _o):
    """Random weights; every channel but the last needs 17 or 18 bits (the
    last already fits 16 and must come back unchanged)."""
    k, f = int(np.prod(wshape[:-1])), wshape[-1]
    W = np.zeros((f, k), dtype=np.int64)
    probe = C.make_op(kind, "i8", [1, 1], np.zeros(wshape), unsigned=unsigned,
                      izp=izp, bias=bias)
    for c in range(f):
        lo_bits, hi_bits = (17, 18) if c < f - 1 else (14, 16)
        for r in range(1, 128):
            W[c] = rng.integers(-r, r, size=k, endpoint=True)
            tmp = np.zeros((f, k), dtype=np.int64)
            tmp[0] = W[c]
            lo, hi = order_free_range(probe, tmp.T.reshape(wshape))
            if C.bits_for(int(lo[0]), int(hi[0])) >= lo_bits:
                break
        assert lo_bits <= C.bits_for(int(lo[0]), int(hi[0])) <= hi_bits, (
            kind, c)
    return W.T.reshape(wshape).astype(np.int8)


def full_weights(rng, kind, wshape, *_):
    return rng.integers(-127, 127, size=wshape, endpoint=True).astype(np.int8)


def cmd_enforce_gen(prefix, variant):
    if variant == "whole":
        ops, rng = build_ops("enforce-whole", ENFORCE_WHOLE, wide_weights)
    else:
        ops, rng = build_ops("enforce-tiled", ENFORCE_TILED, full_weights)
    for i, op in enumerate(ops):
        assert op_bits(op) > 16, i
    with open(prefix + ".mlir", "w") as f:
        f.write(C.emit_program(ops, "generated by accumulators.py "
                               "enforce-gen " + variant))
    C.save_spec(prefix, ops)
    return 0


def l1_projection(v, budget):
    """Euclidean projection of v >= 0 onto {z >= 0, sum z <= budget}."""
    if v.sum() <= budget:
        return v.astype(np.float64)
    if budget <= 0:
        return np.zeros(len(v))
    u = np.sort(v)[::-1].astype(np.float64)
    css = np.cumsum(u)
    r = np.arange(1, len(u) + 1)
    idx = np.nonzero(u - (css - budget) / r > 0)[0]
    rho = idx[-1] if len(idx) else 0
    tau = (css[rho] - budget) / (rho + 1.0)
    return np.maximum(v - tau, 0.0)


def project_group(g, A, B, H, L):
    """Oracle for one group: the nearest real vector z (L2) whose positive
    mass S+ and negative magnitude S- satisfy B S+ + A S- <= H and
    A S+ + B S- <= L (the order-free range fits), found by a golden-section
    search over S+ (the cost D+(S+) + D-(max feasible S-) is convex)."""
    pos, neg = np.maximum(g, 0), np.maximum(-g, 0)
    spmax, snmax = pos.sum(), neg.sum()

    def sneg_for(sp):
        lims = [snmax]
        if A:
            lims.append((H - B * sp) / A)
        if B:
            lims.append((L - A * sp) / B)
        return max(0.0, min(lims))

    def cost(sp):
        zp = l1_projection(pos, sp)
        zn = l1_projection(neg, sneg_for(sp))
        return ((zp - pos) ** 2).sum() + ((zn - neg) ** 2).sum()

    hi = float(spmax)
    if B:
        hi = min(hi, H / B)
    if A:
        hi = min(hi, L / A)
    lo, top = 0.0, hi
    phi = (np.sqrt(5) - 1) / 2
    for _ in range(200):
        m1, m2 = hi - phi * (hi - lo), lo + phi * (hi - lo)
        if cost(m1) <= cost(m2):
            hi = m2
        else:
            lo = m1
    # The optimum may sit at an end (a side that needs no projection).
    sp = min((top, 0.0, (lo + hi) / 2), key=cost)  # ties: an end
    return l1_projection(pos, sp) - l1_projection(neg, sneg_for(sp))


def check_enforced(ops, new_ws, bits, tile, report):
    """The enforced weights: same shape; each element keeps its sign and
    never grows; every channel (tile) fits `bits`; groups that fitted are
    unchanged; the rest is the oracle's Euclidean projection rounded toward
    zero;
    the report's relative L2 error is right and in (0, 1)."""
    half = 1 << (bits - 1)
    C.expect(len(report) == len(ops), "enforce report: %d entries for %d "
             "ops" % (len(report), len(ops)))
    for i, (op, wn) in enumerate(zip(ops, new_ws)):
        what = "op %d (%s)" % (i, op["kind"])
        if not C.expect(wn.shape == op["w"].shape and wn.dtype == np.int8,
                        "%s: enforced weight %s %s" % (what, wn.shape,
                                                       wn.dtype)):
            continue
        old, new = C.channel_matrix(op), C.channel_matrix(op, wn)
        C.expect(np.all(np.abs(new) <= np.abs(old)) and
                 np.all(new * old >= 0), "%s: a weight grew or flipped sign"
                 % what)
        a, b, _, _ = C.x_range(op)
        A, B = -a, b
        k = old.shape[1]
        t = k if tile == 0 else tile
        bias = op["bias"] if tile == 0 else 0
        Hl = half - 1 - max(0, bias)
        Ll = half + min(0, bias)
        bad, example = 0, ""
        for c in range(old.shape[0]):
            for s in range(0, k, t):
                go, gn = old[c, s:s + t], new[c, s:s + t]
                sp, sn = gn[gn > 0].sum(), -gn[gn < 0].sum()
                lo = min(0, bias) - (A * sp + B * sn)
                hi = max(0, bias) + (B * sp + A * sn)
                C.expect(C.bits_for(lo, hi) <= bits, "%s channel %d tile %d: "
                         "[%d, %d] does not fit %d bits" % (what, c, s // t,
                                                            lo, hi, bits))
                osp, osn = go[go > 0].sum(), -go[go < 0].sum()
                if B * osp + A * osn <= Hl and A * osp + B * osn <= Ll:
                    C.expect(np.array_equal(go, gn), "%s channel %d tile %d "
                             "fitted but changed" % (what, c, s // t))
                    continue
                z = project_group(go.astype(np.float64), A, B, Hl, Ll)
                # Rounded toward zero; within 1e-6 of an integer either
                # neighbour is accepted (floating-point noise).
                up = np.trunc(z + np.sign(z) * 1e-6)
                down = np.trunc(z - np.sign(z) * 1e-6)
                off = (gn != up) & (gn != down)
                bad += int(off.sum())
                if off.any() and not example:
                    example = "channel %d tile %d: %s -> %s, projection %s" % (
                        c, s // t, go[off], gn[off], z[off])
        C.expect(bad == 0, "%s: %d enforced weights differ from the L2 "
                 "projection rounded toward zero, e.g. %s" % (
                     what, bad, example))
        err = np.sqrt(((new - old) ** 2).sum() / (old ** 2).sum())
        if i < len(report):
            e = report[i]
            C.expect_entry(e, op, ["bits", "relative_l2_error", "tile"], what)
            C.expect(e.get("bits") == bits and e.get("tile") == tile,
                     "%s: report %r" % (what, e))
            rep = e.get("relative_l2_error")
            C.expect(isinstance(rep, float) and 0 < rep < 1,
                     "%s: relative_l2_error %r not in (0, 1)" % (what, rep))
            C.expect(isinstance(rep, float) and abs(rep - err) <= 1e-9,
                     "%s: relative_l2_error %r, oracle %r" % (what, rep, err))


def cmd_enforce_inputs(prefix, enforced_mlir, bits, tile, enf_json, acc_json,
                       narrow_json, want_width):
    ops, _ = C.load_spec(prefix)
    with open(enforced_mlir) as f:
        new_ws = C.contraction_weights(f.read())
    if not C.expect(len(new_ws) == len(ops), "%d contractions in %s, %d "
                    "generated" % (len(new_ws), enforced_mlir, len(ops))):
        return C.finish("enforce-inputs")
    check_enforced(ops, new_ws, bits, tile, C.load_report(enf_json))
    check_acc_report(ops, C.load_report(acc_json), "analysis report", new_ws)
    widths = check_narrow_report(ops, C.load_report(narrow_json),
                                 "narrow report", new_ws)
    C.expect(widths == [want_width] * len(ops), "accumulator widths after "
             "enforcement + narrowing: %s, expected all %d" % (widths,
                                                              want_width))
    if want_width == 16:
        acc = C.load_report(acc_json)
        C.expect(all(-32768 <= e["lo"] and e["hi"] <= 32767 for e in acc),
                 "a proven range does not fit 16 bits: %r" % [
                     (e["lo"], e["hi"]) for e in acc])
    rng = rng_for("inputs-" + prefix.rsplit(".", 1)[-1])
    for i, (op, w) in enumerate(zip(ops, new_ws)):
        np.save("%s.enf.w%d.npy" % (prefix, i), w)
        np.save("%s.x%d.npy" % (prefix, i), adversarial_input(op, rng, w))
    return C.finish("enforce-inputs")


def cmd_enforce_check(prefix, tags):
    ops, _ = C.load_spec(prefix)
    ws = [np.load("%s.enf.w%d.npy" % (prefix, i)) for i in range(len(ops))]
    xs = C.load_inputs(prefix, len(ops))
    check_outputs(ops, xs, prefix, tags, ws)
    return C.finish("enforce-check " + " ".join(tags))


def cmd_expect_exit(code, cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    sys.stdout.write(p.stdout)
    sys.stdout.write(p.stderr)
    if p.returncode != code:
        print("expect-exit: %s exited %d, expected %d" % (cmd[0], p.returncode,
                                                          code),
              file=sys.stderr)
        return 1
    return 0


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "narrow-gen":
        return cmd_narrow_gen(args[0])
    if cmd == "narrow-check":
        return cmd_narrow_check(args[0], args[1], args[2], args[3:])
    if cmd == "overflow-gen":
        return cmd_overflow_gen(args[0])
    if cmd == "overflow-check":
        return cmd_overflow_check(args[0])
    if cmd == "enforce-gen":
        return cmd_enforce_gen(args[0], args[1])
    if cmd == "enforce-inputs":
        return cmd_enforce_inputs(args[0], args[1], int(args[2]), int(args[3]),
                                  args[4], args[5], args[6], int(args[7]))
    if cmd == "enforce-check":
        return cmd_enforce_check(args[0], args[1:])
    if cmd == "expect-exit":
        return cmd_expect_exit(int(args[0]), args[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
