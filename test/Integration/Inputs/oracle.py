#!/usr/bin/env python3
"""Independent numpy oracle for the qsparse execution tests.

Every case is one function of a test file in test/Integration/ (the case name
is the function name). For each case this script

  gen CASE PREFIX           writes deterministic inputs PREFIX.CASE.in<i>.npy
  compare CASE PREFIX TAG.. recomputes the expected results from those input
                            files and checks PREFIX.CASE.<TAG><i>.npy, the
                            results of every TAG (e.g. `cpu ref`): integers
                            exactly (same dtype, np.array_equal), floats with
                            |got - want| <= atol + rtol * |want| (rtol 1e-4,
                            atol 1e-5); exits 1 on any mismatch
  runlines CASE             prints the RUN lines of a case (authoring aid)
  list                      prints every case with its input/output types

The expected values are derived here, with plain numpy and Python integers,
from the documented semantics (DESIGN.md 3.1/3.3 and the op descriptions in
QSparseOps.td, linalg's named-op definitions): nothing in this file calls or
mirrors qsparse code. Integer accumulators are computed in int64 (or Python
integers) and then wrapped to the accumulator width (two's complement).
"""

import argparse
import os
import sys
import zlib

import numpy as np

RTOL = 1e-4
ATOL = 1e-5

CASES = {}


class Case:
    def __init__(self, name, gen, expect, doc):
        self.name = name
        self.gen = gen  # rng -> [input arrays], in argument order
        self.expect = expect  # [input arrays] -> [expected result arrays]
        self.doc = doc


def case(name):
    """Registers `fn(rng)` returning (inputs, expect) under `name`."""

    def register(fn):
        def gen(rng):
            return [np.ascontiguousarray(a) for a in fn(rng)[0]]

        def expect(inputs):
            # Rebuilding the generator keeps each case's parameters in one
            # place; the expectation only ever reads the loaded inputs.
            return fn(np.random.default_rng(0))[1](inputs)

        CASES[name] = Case(name, gen, expect, (fn.__doc__ or "").strip())
        return fn

    return register


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


# ----------------------------------------------------------------------------
# Integer helpers
# ----------------------------------------------------------------------------

INT_DTYPES = {8: np.int8, 16: np.int16, 32: np.int32, 64: np.int64}


def wrap(values, bits):
    """Two's complement wrap of exact integers (an int64 or object array) to
    a `bits`-wide signed integer, returned with numpy's intN dtype."""
    a = np.asarray(values)
    mod, half = 1 << bits, 1 << (bits - 1)
    flat = [((int(v) + half) % mod) - half for v in a.reshape(-1)]
    return np.array(flat, dtype=INT_DTYPES[bits]).reshape(a.shape)


def as_int(x, unsigned=False):
    """The exact integer meaning of a stored integer tensor, as int64."""
    x = np.asarray(x)
    if unsigned and x.dtype.kind == "i":
        x = x.view(np.dtype("u%d" % x.dtype.itemsize))
    if not unsigned and x.dtype.kind == "u":
        x = x.view(np.dtype("i%d" % x.dtype.itemsize))
    return x.astype(np.int64)


def ints(rng, shape, lo, hi, dtype):
    return rng.integers(lo, hi, size=shape, endpoint=True).astype(dtype)


def full_i8(rng, shape):
    return ints(rng, shape, -128, 127, np.int8)


def full_u8(rng, shape):
    return ints(rng, shape, 0, 255, np.uint8)


def dyadic(rng, shape, lo=-8, hi=8, denom=4):
    """f32 values k/denom: products and short sums are exact in f32, so the
    float comparisons measure the lowering, not the summation order."""
    return (ints(rng, shape, lo, hi, np.int64) / denom).astype(np.float32)


# ----------------------------------------------------------------------------
# qsparse.matmul / qsparse.conv2d (QSparseOps.td)
# ----------------------------------------------------------------------------


def q_matmul(x, w, izp=0, wzp=0, unsigned=False, acc=32):
    """result[m, n] = sum_k (in[m, k] - izp) * (w[k, n] - wzp), wrapped to the
    accumulator width; the input is unsigned when `input_unsigned` is set,
    the weight always signed."""
    xi = as_int(x, unsigned) - izp
    wi = as_int(w, False) - wzp
    return wrap(xi @ wi, acc)


def conv_nhwc_int64(xi, wi, strides, dilations):
    """Plain valid convolution of int64/float64 NHWC x HWCF arrays."""
    n, h, w_, c = xi.shape
    kh_, kw_, c2, f = wi.shape
    assert c == c2
    sh, sw = strides
    dh, dw = dilations
    oh = (h - (dh * (kh_ - 1) + 1)) // sh + 1
    ow = (w_ - (dw * (kw_ - 1) + 1)) // sw + 1
    out = np.zeros((n, oh, ow, f), dtype=xi.dtype)
    for kh in range(kh_):
        for kw in range(kw_):
            patch = xi[:, kh * dh:kh * dh + sh * (oh - 1) + 1:sh,
                       kw * dw:kw * dw + sw * (ow - 1) + 1:sw, :]
            out += np.einsum("nhwc,cf->nhwf", patch, wi[kh, kw])
    return out


def q_conv2d(x, w, strides=(1, 1), dilations=(1, 1), padding=(0, 0, 0, 0),
             izp=0, wzp=0, unsigned=False, acc=32):
    """result[n, oh, ow, f] = sum_{kh, kw, c} (in[n, oh*sh + kh*dh - pt,
    ow*sw + kw*dw - pl, c] - izp) * (w[kh, kw, c, f] - wzp); positions
    outside the image read izp. padding = [top, left, bottom, right]."""
    xi = as_int(x, unsigned)
    n, h, w_, c = xi.shape
    pt, pl, pb, pr = padding
    xp = np.full((n, h + pt + pb, w_ + pl + pr, c), izp, dtype=np.int64)
    xp[:, pt:pt + h, pl:pl + w_, :] = xi
    return wrap(conv_nhwc_int64(xp - izp, as_int(w) - wzp, strides,
                                dilations), acc)


# ----------------------------------------------------------------------------
# qsparse.requantize: Python integers, round half away from zero
# ----------------------------------------------------------------------------


def rq_scalar(x, mult, shift, zp, lo, hi):
    p = int(x) * int(mult)
    if shift == 0:
        q = p
    else:
        a = abs(p)
        q = a >> shift
        rem = a - (q << shift)
        if 2 * rem >= (1 << shift):  # ties (2*rem == 2^shift) go up in |.|
            q += 1
        q = q if p >= 0 else -q
    return min(max(q + zp, lo), hi)


def requantize(x, mult, shift, axis=None, zp=0, out_bits=8, lo=None, hi=None):
    """y = clamp(round(x * mult / 2^shift) + zp, lo, hi), stored in a
    signless `out_bits` integer (so [0, 255] in i8 is the int8 bit pattern)."""
    if lo is None:
        lo = -(1 << (out_bits - 1))
    if hi is None:
        hi = (1 << (out_bits - 1)) - 1
    xi = as_int(x)
    out = np.empty(xi.shape, dtype=object)
    for idx in np.ndindex(*xi.shape):
        j = 0 if axis is None else idx[axis]
        out[idx] = rq_scalar(xi[idx], mult[j], shift[j], zp, lo, hi)
    return wrap(out, out_bits)


# ----------------------------------------------------------------------------
# Code grids (DESIGN 3.1) and quantize / dequantize / decode
# ----------------------------------------------------------------------------


def flint_unsigned(code, b):
    """Unsigned flint, B bits: MSB 0 -> the code; MSB 1 with k leading ones
    (k < B) -> (2^m + f) << (2k - 1), m = B - k - 1 mantissa bits f; all
    ones -> 2^(2B - 2)."""
    if code >> (b - 1) == 0:
        return code
    if code == (1 << b) - 1:
        return 1 << (2 * b - 2)
    k = 0
    while (code >> (b - 1 - k)) & 1:
        k += 1
    m = b - k - 1
    f = code & ((1 << m) - 1)
    return ((1 << m) + f) << (2 * k - 1)


def pot_unsigned(code, b):
    """Unsigned PoT: 0 -> 0, e >= 1 -> 2^(e - 1)."""
    return 0 if code == 0 else 1 << (code - 1)


def sign_magnitude(code, b, magnitude):
    """Sign bit (MSB) + a (B - 1)-bit unsigned magnitude code."""
    mag = magnitude(code & ((1 << (b - 1)) - 1), b - 1)
    return -mag if (code >> (b - 1)) & 1 else mag


class Fmt:
    """A code type: its MLIR spelling, storage and value of every code."""

    def __init__(self, key, mlir, kind, bits, signed):
        self.key, self.mlir, self.kind = key, mlir, kind
        self.bits, self.signed = bits, signed
        n = 1 << bits
        if kind == "flint":
            f = (lambda c: sign_magnitude(c, bits, flint_unsigned)) if signed \
                else (lambda c: flint_unsigned(c, bits))
        elif kind == "pot":
            f = (lambda c: sign_magnitude(c, bits, pot_unsigned)) if signed \
                else (lambda c: pot_unsigned(c, bits))
        else:  # int: two's complement when signed, else the code itself
            f = (lambda c: c - n if signed and c >= n // 2 else c)
        self.values = [f(c) for c in range(n)]  # code -> value
        # value -> code; the first (smallest) code wins, so 0 -> +0 code.
        self.code_of = {}
        for c, v in enumerate(self.values):
            self.code_of.setdefault(v, c)
        self.grid = np.array(sorted(self.code_of), dtype=np.float64)

    @property
    def is_int(self):
        return self.kind == "int"

    def code_dtype(self):
        """dtype of a code tensor returned by a function (qsparse-run writes
        flint/PoT codes as uint8, signless/si integers as intN, ui as uintN)."""
        if not self.is_int:
            return np.uint8
        return np.dtype(("u" if not self.signed else "i") + str(self.bits // 8))

    def decode_raw(self, raw):
        """Values (int64) of codes stored in bytes: the low B bits of an i8
        for flint/PoT (upper bits ignored), the whole byte for 8-bit ints."""
        r = np.asarray(raw).view(np.uint8).astype(np.int64)
        if not self.is_int:
            r &= (1 << self.bits) - 1
        table = np.array(self.values, dtype=np.int64)
        return table[r]

    def nearest(self, t):
        """Nearest grid value of t (float64); ties away from zero; saturates
        beyond the grid (infinities included); NaN -> 0."""
        t = np.asarray(t, dtype=np.float64)
        g = self.grid
        out = np.empty(t.shape, dtype=np.float64)
        flat_t, flat_o = t.reshape(-1), out.reshape(-1)
        for i, v in enumerate(flat_t):
            if np.isnan(v):
                flat_o[i] = 0.0
                continue
            if v <= g[0]:
                flat_o[i] = g[0]
                continue
            if v >= g[-1]:
                flat_o[i] = g[-1]
                continue
            j = int(np.searchsorted(g, v))  # g[j-1] < v <= g[j]
            lo, hi = g[j - 1], g[j]
            # 2v and lo + hi are exact: compare without rounding.
            if 2 * v < lo + hi:
                flat_o[i] = lo
            elif 2 * v > lo + hi:
                flat_o[i] = hi
            else:
                flat_o[i] = hi if v > 0 else lo
        return out

    def quantize_values(self, x, s, axis):
        t = np.asarray(x).astype(np.float64) / scale_view(s, axis,
                                                          np.ndim(x))
        return self.nearest(t)

    def codes_of(self, values):
        c = np.array([self.code_of[int(v)] for v in values.reshape(-1)],
                     dtype=np.int64).reshape(values.shape)
        if self.is_int:  # the stored integer is the two's complement/unsigned
            return c.astype(np.uint8).view(self.code_dtype()) \
                if self.bits == 8 else values.astype(np.int64)
        return c.astype(np.uint8)


def scale_view(s, axis, rank):
    s = np.asarray(s).astype(np.float64)
    if axis is None:
        assert s.shape == (1,)
        return s[0]
    shape = [1] * rank
    shape[axis] = s.shape[0]
    return s.reshape(shape)


def dequantize_values(values, s, axis, out_dtype):
    """value(code) * s computed in float64, rounded once to the result."""
    return (np.asarray(values, dtype=np.float64) *
            scale_view(s, axis, np.ndim(values))).astype(out_dtype)


FMTS = {
    "flint4": Fmt("flint4", "!qsparse.flint<4>", "flint", 4, False),
    "flint4s": Fmt("flint4s", "!qsparse.flint<4, signed>", "flint", 4, True),
    "flint8s": Fmt("flint8s", "!qsparse.flint<8, signed>", "flint", 8, True),
    "pot4s": Fmt("pot4s", "!qsparse.pot<4, signed>", "pot", 4, True),
    "pot3": Fmt("pot3", "!qsparse.pot<3>", "pot", 3, False),
    "i4": Fmt("i4", "i4", "int", 4, True),
    "i8": Fmt("i8", "i8", "int", 8, True),
    "si8": Fmt("si8", "si8", "int", 8, True),
    "ui8": Fmt("ui8", "ui8", "int", 8, False),
}


def self_check_grids():
    """The grids DESIGN 3.1 and QSparseTypes.td spell out."""
    f4 = FMTS["flint4"].values
    assert f4 == [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 24, 32, 64], f4
    assert sorted(set(abs(v) for v in FMTS["flint4s"].values)) == \
        [0, 1, 2, 3, 4, 6, 8, 16]
    assert FMTS["flint4s"].values[8] == 0  # negative zero decodes to 0
    assert sorted(FMTS["pot4s"].code_of) == \
        sorted([0] + [s * 2 ** i for i in range(7) for s in (1, -1)])
    assert sorted(FMTS["pot3"].code_of) == [0] + [2 ** i for i in range(7)]
    assert max(FMTS["flint8s"].values) == 4096  # flint7 all ones: 2^12
    assert sorted(FMTS["i4"].code_of) == list(range(-8, 8))


self_check_grids()


def tie_heavy_units(rng, fmt, n):
    """n values in integer units (x / s): every grid value, every midpoint
    between neighbours (exact ties), points just off the midpoints, values
    beyond the grid, signed zeros, tiny negatives, NaN and infinities, then
    uniform values; shuffled."""
    g = fmt.grid
    mids = (g[:-1] + g[1:]) / 2
    gaps = np.diff(g)
    special = [0.0, -0.0, np.nan, np.inf, -np.inf, -0.25, 0.25, -0.5, 0.5,
               g[-1] * 1.5, g[0] * 1.5 - 1, g[-1] + 0.5, g[0] - 0.5,
               g[-1] + 1e6, g[0] - 1e6]
    parts = [np.array(special), g, mids, mids + gaps / 8, mids - gaps / 8]
    pool = np.concatenate(parts)
    rng.shuffle(pool)
    if len(pool) >= n:
        # Keep every special value and a spread of the rest.
        head = np.array(special)
        rest = pool[~np.isin(pool, head)]
        pool = np.concatenate([head, rng.choice(rest, n - len(head),
                                                replace=False)])
    else:
        span = max(abs(g[0]), abs(g[-1])) * 1.25 + 1
        pool = np.concatenate([pool, rng.uniform(-span, span, n - len(pool))])
    rng.shuffle(pool)
    return pool[:n]


# Scales whose products with half-integers are exact in f32/f16, so
# x = t * s stores the tie t exactly and x / s recovers it in float64; plus a
# few general scales.
EXACT_SCALES = [0.25, 0.5, 1.0, 2.0, 3.0, 0.75, 1.5, 0.375, 6.0, 0.125]


def make_x(rng, fmt, shape, scales, axis, dtype=np.float32):
    t = tie_heavy_units(rng, fmt, int(np.prod(shape))).reshape(shape)
    x = t * scale_view(np.asarray(scales, dtype), axis, len(shape))
    with np.errstate(over="ignore"):  # beyond f16's range: +-inf, on purpose
        return x.astype(dtype)


def per_channel_scales(rng, n, dtype=np.float32, general=2):
    s = list(rng.choice(EXACT_SCALES, n - general)) + \
        list(rng.uniform(0.01, 1.7, general))
    s = np.array(s)
    rng.shuffle(s)
    return s.astype(dtype)


# ----------------------------------------------------------------------------
# N:M (DESIGN 3.3, nm_compress / nm_decompress)
# ----------------------------------------------------------------------------


def nm_compress(w, n, m, axis):
    """Keep the n largest |w| of every group of m along `axis` (ties: lower
    index); values in ascending position order, metadata = positions (i8)."""
    wm = np.moveaxis(np.asarray(w), axis, -1)
    lead, length = wm.shape[:-1], wm.shape[-1]
    g = wm.reshape(lead + (length // m, m))
    mag = np.abs(g.astype(np.float64))  # exact for i8 (|-128| = 128)
    order = np.argsort(-mag, axis=-1, kind="stable")[..., :n]
    keep = np.sort(order, axis=-1)
    vals = np.take_along_axis(g, keep, axis=-1)
    vals = vals.reshape(lead + (length // m * n,))
    meta = keep.reshape(lead + (length // m * n,)).astype(np.int8)
    return np.moveaxis(vals, -1, axis), np.moveaxis(meta, -1, axis)


def nm_decompress(vals, meta, n, m, axis):
    """Scatter each value to its group position; other positions are 0 and
    positions outside [0, m) are dropped."""
    vm = np.moveaxis(np.asarray(vals), axis, -1)
    mm = np.moveaxis(np.asarray(meta), axis, -1).astype(np.int64)
    lead, kept = vm.shape[:-1], vm.shape[-1]
    groups = kept // n
    out = np.zeros(lead + (groups, m), dtype=vm.dtype)
    vg = vm.reshape(lead + (groups, n))
    mg = mm.reshape(lead + (groups, n))
    for idx in np.ndindex(*(lead + (groups,))):
        for j in range(n):
            p = mg[idx + (j,)]
            if 0 <= p < m:
                out[idx + (p,)] = vg[idx + (j,)]
    return np.moveaxis(out.reshape(lead + (groups * m,)), -1, axis)


def nm_prune(w, n, m, axis):
    return nm_decompress(*nm_compress(w, n, m, axis), n, m, axis)


def nm_test_tensor(rng, shape, axis, m, dtype):
    """Small magnitudes (frequent ties), negatives, signed zeros / -128, and
    a few hand-made tie groups along `axis`."""
    if dtype == np.int8:
        w = ints(rng, shape, -4, 4, np.int64)
        w.flat[rng.choice(w.size, 2, replace=False)] = [-128, 127]
    else:
        w = ints(rng, shape, -4, 4, np.int64).astype(np.float64) / 2
    wm = np.moveaxis(w, axis, -1)  # a view: edits land in w
    patterns = [[3, -3, 3, 1], [0, 0, 0, 0], [-2, 2, -2, 2], [1, -4, 4, -4]]
    groups = wm.shape[-1] // m
    for i, idx in enumerate(np.ndindex(*wm.shape[:-1])):
        if i >= len(patterns):
            break
        g = i % groups
        wm[idx + (slice(g * m, g * m + m),)] = \
            (patterns[i] * ((m + 3) // 4))[:m]
    out = w.astype(dtype)
    if dtype == np.float32:
        out[out == 0] = np.where(rng.random((out == 0).sum()) < 0.5, 0.0,
                                 -0.0)
    return out


# ----------------------------------------------------------------------------
# Upstream linalg (named-op definitions: operands cast to the output element
# type, signed extension by default; floats accumulate in the output type)
# ----------------------------------------------------------------------------


def lin_int(a, b_, out_bits, fn):
    return wrap(fn(as_int(a), as_int(b_)), out_bits)


def f32(a):
    return np.asarray(a, dtype=np.float64).astype(np.float32)


def depthwise(x, w, strides, dilations):
    n, h, w_, c = x.shape
    kh_, kw_, c2 = w.shape
    sh, sw = strides
    dh, dw = dilations
    oh = (h - (dh * (kh_ - 1) + 1)) // sh + 1
    ow = (w_ - (dw * (kw_ - 1) + 1)) // sw + 1
    out = np.zeros((n, oh, ow, c), dtype=x.dtype)
    for kh in range(kh_):
        for kw in range(kw_):
            out += x[:, kh * dh:kh * dh + sh * (oh - 1) + 1:sh,
                     kw * dw:kw * dw + sw * (ow - 1) + 1:sw, :] * w[kh, kw]
    return out


def pool(x, window, strides, dilations, reduce, init):
    n, h, w_, c = x.shape
    kh_, kw_ = window
    sh, sw = strides
    dh, dw = dilations
    oh = (h - (dh * (kh_ - 1) + 1)) // sh + 1
    ow = (w_ - (dw * (kw_ - 1) + 1)) // sw + 1
    out = np.full((n, oh, ow, c), init, dtype=x.dtype)
    for kh in range(kh_):
        for kw in range(kw_):
            out = reduce(out, x[:, kh * dh:kh * dh + sh * (oh - 1) + 1:sh,
                                kw * dw:kw * dw + sw * (ow - 1) + 1:sw, :])
    return out


# ============================================================================
# Cases
# ============================================================================

# --- matmul.mlir ------------------------------------------------------------

QMM_I8_SHAPES = [(1, 1, 1), (3, 1, 5), (7, 13, 9), (17, 33, 5), (2, 64, 3),
                 (33, 130, 67)]


@case("qmm_i8")
def _(rng):
    """qsparse.matmul i8 x i8 -> i32, signed, no zero points; K = 1 and odd
    sizes."""
    ins = []
    for m, k, n in QMM_I8_SHAPES:
        ins += [full_i8(rng, (m, k)), full_i8(rng, (k, n))]
    return ins, lambda i: [q_matmul(i[2 * j], i[2 * j + 1])
                           for j in range(len(QMM_I8_SHAPES))]


@case("qmm_i8_zp")
def _(rng):
    """Signed input with input_zero_point = -3, weight_zero_point = 5."""
    shapes = [(4, 9, 6), (5, 1, 3), (1, 19, 1)]
    ins = []
    for m, k, n in shapes:
        ins += [full_i8(rng, (m, k)), full_i8(rng, (k, n))]
    return ins, lambda i: [q_matmul(i[2 * j], i[2 * j + 1], izp=-3, wzp=5)
                           for j in range(len(shapes))]


QMM_U8 = [  # (shape, izp, wzp)
    ((5, 11, 7), 128, -7), ((1, 1, 1), 128, -7), ((9, 1, 4), 128, -7),
    ((4, 40, 6), 128, -7), ((3, 8, 5), 0, 3), ((2, 6, 3), 255, 127)]


@case("qmm_u8")
def _(rng):
    """input_unsigned (u8 activations in i8, passed as uint8) with zero points
    128 / 0 / 255 and nonzero weight zero points."""
    ins = []
    for (m, k, n), _, _ in QMM_U8:
        ins += [full_u8(rng, (m, k)), full_i8(rng, (k, n))]
    return ins, lambda i: [
        q_matmul(i[2 * j], i[2 * j + 1], izp=izp, wzp=wzp, unsigned=True)
        for j, (_, izp, wzp) in enumerate(QMM_U8)]


@case("qmm_i16acc")
def _(rng):
    """i16 accumulator: sums that overflow wrap (two's complement)."""
    ins = [ints(rng, (3, 37), 100, 127, np.int8),
           ints(rng, (37, 5), 90, 127, np.int8),
           full_i8(rng, (6, 4)), full_i8(rng, (4, 6)),
           full_u8(rng, (4, 21)), full_i8(rng, (21, 3))]
    return ins, lambda i: [q_matmul(i[0], i[1], acc=16),
                           q_matmul(i[2], i[3], acc=16),
                           q_matmul(i[4], i[5], izp=128, wzp=2, unsigned=True,
                                    acc=16)]


@case("qmm_wide")
def _(rng):
    """i16 x i16 -> i64 with zero points; i8 x i8 -> i8 (wrapping)."""
    ins = [ints(rng, (4, 9), -32768, 32767, np.int16),
           ints(rng, (9, 3), -32768, 32767, np.int16),
           full_i8(rng, (2, 5)), full_i8(rng, (5, 3))]
    return ins, lambda i: [q_matmul(i[0], i[1], izp=1000, wzp=-300, acc=64),
                           q_matmul(i[2], i[3], acc=8)]


@case("qmm_nm")
def _(rng):
    """weight_sparsity = nm<2:4> and an acc_bound on a 2:4-pruned weight."""
    w = nm_prune(full_i8(rng, (64, 9)), 2, 4, 0)
    ins = [full_i8(rng, (3, 64)), w]
    return ins, lambda i: [q_matmul(i[0], i[1])]


# --- conv2d.mlir ------------------------------------------------------------

# (x shape, w shape, strides, dilations, padding, izp, wzp, acc)
QCONV_S = [
    ((1, 5, 7, 3), (1, 1, 3, 5), (1, 1), (1, 1), (0, 0, 0, 0), 0, 0, 32),
    ((2, 6, 5, 4), (3, 3, 4, 3), (1, 1), (1, 1), (1, 1, 1, 1), 0, 0, 32),
    ((1, 9, 8, 5), (3, 3, 5, 6), (2, 2), (1, 1), (0, 1, 2, 1), 0, 0, 32),
    ((1, 11, 13, 3), (7, 7, 3, 4), (2, 2), (1, 1), (3, 3, 3, 3), 0, 0, 32),
    ((2, 8, 7, 2), (3, 3, 2, 3), (1, 1), (2, 2), (2, 0, 1, 2), 0, 0, 32),
    ((1, 6, 6, 1), (3, 3, 1, 1), (1, 1), (1, 1), (1, 1, 1, 1), 0, 0, 32),
    ((2, 10, 9, 3), (3, 2, 3, 2), (2, 3), (2, 1), (1, 0, 0, 2), -5, 4, 32),
    ((1, 2, 2, 3), (3, 3, 3, 2), (3, 3), (1, 1), (1, 1, 1, 1), 0, 0, 32),
    ((1, 13, 11, 17), (3, 3, 17, 19), (1, 1), (1, 1), (1, 1, 1, 1), 0, 0, 32),
]

QCONV_U = [
    ((2, 7, 6, 4), (3, 3, 4, 5), (2, 1), (1, 2), (1, 2, 0, 3), 128, -2, 32),
    ((1, 5, 5, 3), (1, 1, 3, 2), (2, 2), (1, 1), (1, 0, 0, 1), 37, 0, 32),
    ((2, 9, 9, 2), (7, 7, 2, 3), (2, 2), (1, 1), (3, 2, 3, 4), 255, 1, 32),
    ((1, 6, 7, 3), (3, 3, 3, 4), (1, 1), (1, 1), (0, 0, 0, 0), 0, 0, 32),
    ((1, 6, 6, 8), (3, 3, 8, 2), (1, 1), (1, 1), (1, 1, 1, 1), 0, 0, 16),
    ((1, 4, 5, 3), (2, 2, 3, 2), (1, 1), (1, 1), (1, 1, 1, 1), 128, 3, 64),
    ((1, 3, 4, 2), (1, 1, 2, 3), (1, 2), (1, 1), (2, 1, 2, 1), 200, -1, 32),
]


def conv_case(specs, unsigned):
    def fn(rng):
        ins = []
        for xs, ws, *_ in specs:
            ins += [full_u8(rng, xs) if unsigned else full_i8(rng, xs),
                    full_i8(rng, ws)]

        def expect(i):
            return [q_conv2d(i[2 * j], i[2 * j + 1], s, d, p, izp, wzp,
                             unsigned, acc)
                    for j, (_, _, s, d, p, izp, wzp, acc) in enumerate(specs)]

        return ins, expect

    return fn


case("qconv_s")(conv_case(QCONV_S, False))
CASES["qconv_s"].doc = ("qsparse.conv2d, signed input: 1x1, 3x3, 7x7, "
                        "stride 2, dilation 2, asymmetric padding, batch 2, "
                        "C = F = 1, zero points")
case("qconv_u")(conv_case(QCONV_U, True))
CASES["qconv_u"].doc = ("qsparse.conv2d, input_unsigned with zero points "
                        "(padding reads the zero point), i16 (wrapping) and "
                        "i64 accumulators")

# --- requantize.mlir --------------------------------------------------------


@case("rq_tensor")
def _(rng):
    """Per-tensor multiplier/shift, i8 / i16 / i32 results, zero point."""
    ins = [ints(rng, (4, 9), -2 ** 31, 2 ** 31 - 1, np.int32),
           ints(rng, (7, 5), -2 ** 26, 2 ** 26, np.int32),
           ints(rng, (3, 3), -2 ** 31, 2 ** 31 - 1, np.int32)]
    ins[0].flat[:4] = [-2 ** 31, 2 ** 31 - 1, 0, -1]
    return ins, lambda i: [
        requantize(i[0], [1518500250], [38]),
        requantize(i[1], [1073741824], [20], zp=-7, out_bits=16),
        requantize(i[2], [2147483647], [31], out_bits=32),
        requantize(i[0], [2147483647], [0], out_bits=32)]


RQ_TIES = [  # (multiplier, shift, zp, out_bits)
    (1073741824, 31, 0, 8), (3, 2, 0, 8), (1, 1, -3, 8), (5, 0, 0, 8),
    (1, 0, 100, 8), (1, 3, 0, 16), (1610612736, 32, 0, 8)]


@case("rq_ties")
def _(rng):
    """Exact .5 cases (x/2, 3x/4, x/8, 3x/8) round half away from zero;
    shift 0 saturates."""
    return [np.arange(-40, 41, dtype=np.int32)], lambda i: [
        requantize(i[0], [m], [s], zp=zp, out_bits=b)
        for m, s, zp, b in RQ_TIES]


RQ_AXIS0 = ([1073741824, 3, 1518500250, 1073741824, 2147483647, 1],
            [31, 0, 38, 30, 63, 1])
RQ_AXIS1 = ([1, 2, 3, 5, 7, 1073741824], [1, 1, 2, 3, 0, 34])
RQ_AXIS2 = ([1518500250, 1, 7, 1073741824], [36, 2, 0, 32])


@case("rq_axis")
def _(rng):
    """Per-axis multipliers/shifts along axis 1, 0 and 2 (shift 0 and 63),
    ReLU to [0, 255] in i8, a custom clamp in i16."""
    ins = [ints(rng, (5, 6), -300, 300, np.int32),
           ints(rng, (6, 4), -2000, 2000, np.int32),
           ints(rng, (2, 3, 4), -2 ** 31, 2 ** 31 - 1, np.int32)]
    ins[0][:, 3] = ints(rng, (5,), -2 ** 31, 2 ** 31 - 1, np.int32)
    ins[0][:, 4] = [2 ** 31 - 1, -2 ** 31, 5, -5, 0]
    ins[1][:, 0] = [-5, -3, -1, 1, 3, 5]  # ties of x/2
    ins[2][:, 1, :] = [[-6, -2, 2, 6], [-10, 10, 14, -14]]  # ties of x/4
    return ins, lambda i: [
        requantize(i[0], *RQ_AXIS0, axis=1, zp=10, out_bits=8, lo=0, hi=255),
        requantize(i[1], *RQ_AXIS1, axis=0, zp=-20, out_bits=16, lo=-1000,
                   hi=1000),
        requantize(i[2], *RQ_AXIS2, axis=2)]


@case("rq_wide")
def _(rng):
    """i64 inputs near 2^62 (94-bit products), i16 and i8 inputs."""
    big = ints(rng, (3, 5), -2 ** 62, 2 ** 62, np.int64)
    big.flat[:3] = [2 ** 63 - 1, -2 ** 63, -2 ** 62 - 1]
    ins = [big, ints(rng, (4, 4), -32768, 32767, np.int16), full_i8(rng, (16,))]
    return ins, lambda i: [
        requantize(i[0], [2147483647], [63], out_bits=32),
        requantize(i[0], [1518500250], [40], out_bits=64),
        requantize(i[1], [1717986918], [33]),
        requantize(i[2], [1], [0], zp=-1),
        requantize(i[0], [2147483647], [0], out_bits=64)]


@case("rq_extremes")
def _(rng):
    """i64 extremes: zero points that push the exact result past the i64
    range clamp (no wrap), a 2^40 zero point into i8, shift 63 with a
    custom clamp."""
    x = np.array([2 ** 63 - 1, -2 ** 63, -1, 1, 2 ** 62 + 1, -2 ** 62 - 1],
                 dtype=np.int64)
    return [x], lambda i: [
        requantize(i[0], [1], [0], zp=100, out_bits=64),
        requantize(i[0], [2147483647], [31], zp=-(2 ** 63 - 1), out_bits=64),
        requantize(i[0], [3], [1], zp=1 << 40),
        requantize(i[0], [1073741824], [63], zp=-5, out_bits=32, lo=-7,
                   hi=2 ** 31 - 1)]


@case("rq_i64")
def _(rng):
    """The i64 lowering (inputs of at most 32 bits, shifts <= 62, zero
    points within i32): extreme products with shift 62 and 61, extreme zero
    points, rounding ties at 2^61."""
    x = ints(rng, (2, 8), -2 ** 31, 2 ** 31 - 1, np.int32)
    x.flat[:6] = [-2 ** 31, 2 ** 31 - 1, -1, 1, 2 ** 30, -2 ** 30]
    return [x], lambda i: [
        requantize(i[0], [2147483647], [62], zp=2 ** 31 - 1, out_bits=32),
        requantize(i[0], [2147483647], [61], zp=-2 ** 31, out_bits=64),
        requantize(i[0], [2147483647, 1], [30, 0], axis=0, out_bits=64),
        requantize(i[0], [2], [31], zp=3)]


@case("rq_relu")
def _(rng):
    """Unsigned ranges in signless results: [0, 255] in i8 with zero point 128
    (compared as the int8 bit pattern), raised out_min, [0, 65535] in i16."""
    ins = [ints(rng, (6, 7), -2 ** 20, 2 ** 20, np.int32)]
    return ins, lambda i: [
        requantize(i[0], [1073741824], [33], zp=128, lo=0, hi=255),
        requantize(i[0], [1073741824], [34], zp=0, lo=5, hi=100),
        requantize(i[0], [1], [4], zp=30000, out_bits=16, lo=0, hi=65535)]


# --- codes-*.mlir -----------------------------------------------------------

DECODE_NARROW = {"flint4": 8, "flint4s": 8, "flint8s": 16, "pot4s": 8,
                 "pot3": 8, "i8": 8, "si8": 8, "ui8": 16}

XA, XB, XC, RAW = (64, 12), (3, 8, 5), (7, 9), (16, 16)


def codes_case(key):
    fmt = FMTS[key]

    def fn(rng):
        sa = per_channel_scales(rng, XA[1])
        sb = per_channel_scales(rng, XB[1], general=1)
        sc = np.array([rng.choice(EXACT_SCALES)], dtype=np.float32)
        xa = make_x(rng, fmt, XA, sa, 1)
        xb = make_x(rng, fmt, XB, sb, 1)
        xc = make_x(rng, fmt, XC, sc, None)
        raw = np.arange(-128, 128, dtype=np.int64)
        rng.shuffle(raw)
        raw = raw.astype(np.int8).reshape(RAW)
        sd = rng.uniform(0.01, 3.0, RAW[0]).astype(np.float32)
        ins = [xa, sa, xb, sb, xc, sc, raw, sd]

        def expect(i):
            xa, sa, xb, sb, xc, sc, raw, sd = i
            qa = fmt.quantize_values(xa, sa, 1)
            vals = fmt.decode_raw(raw)
            return [fmt.codes_of(qa),
                    fmt.codes_of(fmt.quantize_values(xb, sb, 1)),
                    fmt.codes_of(fmt.quantize_values(xc, sc, None)),
                    vals.astype(np.int32),
                    vals.astype(INT_DTYPES[DECODE_NARROW[key]]),
                    dequantize_values(vals, sd, 0, np.float32),
                    dequantize_values(qa, sa, 1, np.float32),
                    dequantize_values(fmt.quantize_values(xc, sc, None), sc,
                                      None, np.float32),
                    raw.view(fmt.code_dtype())]

        return ins, expect

    fn.__doc__ = (f"{fmt.mlir}: quantize per-axis (axis 1 of 2-D and 3-D) and "
                  "per-tensor with exact ties, saturation, NaN/inf, signed "
                  "zeros; decode of all 256 stored bytes (upper bits "
                  "ignored) to i32 and the narrowest legal type; dequantize "
                  "per-axis (axis 0); dequantize(quantize(x)) per-axis and "
                  "per-tensor; bitcast of the raw bytes returned unchanged.")
    return fn


for _key in ["flint4", "flint4s", "flint8s", "pot4s", "pot3", "i8", "si8",
             "ui8"]:
    case("codes_" + _key)(codes_case(_key))


@case("codes_i4")
def _(rng):
    """i4 codes (not a runnable result type): decode(quantize(x)) to i8
    per-axis and per-tensor, dequantize(quantize(x))."""
    fmt = FMTS["i4"]
    sa = per_channel_scales(rng, XA[1])
    sc = np.array([0.75], dtype=np.float32)
    xa = make_x(rng, fmt, XA, sa, 1)
    xc = make_x(rng, fmt, XC, sc, None)

    def expect(i):
        xa, sa, xc, sc = i
        qa = fmt.quantize_values(xa, sa, 1)
        return [qa.astype(np.int8),
                fmt.quantize_values(xc, sc, None).astype(np.int8),
                dequantize_values(qa, sa, 1, np.float32)]

    return [xa, sa, xc, sc], expect


@case("codes_fp")
def _(rng):
    """f16 and f64 quantize/dequantize: f16 -> flint<4, signed> (axis 0),
    dequantize to f16; f64 -> pot<4, signed> (axis 1), dequantize to f64."""
    f4s, p4s = FMTS["flint4s"], FMTS["pot4s"]
    s16 = np.array(rng.choice(EXACT_SCALES, 8), dtype=np.float16)
    x16 = make_x(rng, f4s, (8, 8), s16, 0, np.float16)
    s64 = per_channel_scales(rng, 6, np.float64)
    x64 = make_x(rng, p4s, (10, 6), s64, 1, np.float64)
    raw = np.arange(-128, 128, dtype=np.int64)
    rng.shuffle(raw)
    raw = raw.astype(np.int8).reshape(RAW)
    sd16 = rng.uniform(0.01, 3.0, 16).astype(np.float16)

    def expect(i):
        x16, s16, x64, s64, raw, sd16 = i
        q64 = p4s.quantize_values(x64, s64, 1)
        return [f4s.codes_of(f4s.quantize_values(x16, s16, 0)),
                dequantize_values(f4s.decode_raw(raw), sd16, 1, np.float16),
                p4s.codes_of(q64),
                dequantize_values(q64, s64, 1, np.float64)]

    return [x16, s16, x64, s64, raw, sd16], expect


# --- nm.mlir ----------------------------------------------------------------

NM_I8 = [((8, 3), 2, 4, 0), ((5, 16), 1, 4, 1), ((16, 3), 4, 8, 0),
         ((2, 8, 3), 2, 4, 1), ((12, 2), 1, 4, 0), ((3, 16), 4, 8, 1),
         ((4, 6), 1, 2, 1), ((32, 2), 2, 16, 0)]
NM_F32 = [((8, 5), 2, 4, 0), ((3, 12), 1, 4, 1), ((2, 16), 4, 8, 1),
          ((4, 8), 2, 4, 1), ((16, 2), 4, 8, 0), ((12, 3), 1, 4, 0)]


def nm_case(specs, dtype):
    def fn(rng):
        ins = [nm_test_tensor(rng, shape, axis, m, dtype)
               for shape, n, m, axis in specs]

        def expect(i):
            out = []
            for w, (_, n, m, axis) in zip(i, specs):
                v, meta = nm_compress(w, n, m, axis)
                out += [v, meta, nm_decompress(v, meta, n, m, axis)]
            return out

        return ins, expect

    return fn


case("nm_i8")(nm_case(NM_I8, np.int8))
CASES["nm_i8"].doc = ("nm_compress/nm_decompress on i8: 2:4, 1:4, 4:8 along "
                      "axis 0 and 1 (and rank 3), magnitude ties, -128")
case("nm_f32")(nm_case(NM_F32, np.float32))
CASES["nm_f32"].doc = ("nm_compress/nm_decompress on f32: 2:4, 1:4, 4:8 along "
                       "axis 0 and 1, magnitude ties, signed zeros")


def random_metadata(rng, lead, groups, n, m, lo=-3, hi=None):
    """Distinct positions per group drawn from [lo, hi): positions outside
    [0, m) must be dropped by nm_decompress."""
    hi = m + 3 if hi is None else hi
    meta = np.zeros(lead + (groups, n), dtype=np.int8)
    for idx in np.ndindex(*(lead + (groups,))):
        meta[idx] = rng.choice(np.arange(lo, hi), n, replace=False)
    return meta


@case("nm_decomp")
def _(rng):
    """nm_decompress of given values/metadata, with positions outside [0, M)
    (dropped), along axis 0 (i8, 2:4) and axis 1 (f32, 4:8)."""
    v0 = full_i8(rng, (4, 3))
    m0 = np.moveaxis(random_metadata(rng, (3,), 2, 2, 4).reshape(3, 4), 1, 0)
    v1 = dyadic(rng, (3, 8))
    m1 = random_metadata(rng, (3,), 2, 4, 8, lo=-2, hi=10).reshape(3, 8)
    m0, m1 = np.ascontiguousarray(m0), np.ascontiguousarray(m1)
    return [v0, m0, v1, m1], lambda i: [
        nm_decompress(i[0], i[1], 2, 4, 0), nm_decompress(i[2], i[3], 4, 8, 1)]


@case("nm_matmul")
def _(rng):
    """qsparse.matmul {weight_sparsity = nm<2:4>} on nm_decompress of
    compressed weights (valid ascending positions)."""
    dense = full_i8(rng, (16, 7))
    v, meta = nm_compress(dense, 2, 4, 0)
    x = full_i8(rng, (5, 16))
    return [x, v, meta], lambda i: [
        q_matmul(i[0], nm_decompress(i[1], i[2], 2, 4, 0))]


# --- linalg-contraction.mlir -----------------------------------------------


@case("lin_matmul_f32")
def _(rng):
    """linalg.matmul f32: zero-filled and argument-initialized outputs; one
    shape with general (non-dyadic) positive values."""
    ins = [dyadic(rng, (7, 13)), dyadic(rng, (13, 9)),
           dyadic(rng, (1, 1)), dyadic(rng, (1, 1)),
           dyadic(rng, (5, 3)), dyadic(rng, (3, 17)), dyadic(rng, (5, 17)),
           rng.uniform(0.5, 1.5, (6, 10)).astype(np.float32),
           rng.uniform(0.5, 1.5, (10, 4)).astype(np.float32),
           dyadic(rng, (37, 70)), dyadic(rng, (70, 29))]
    d = lambda a: np.asarray(a, dtype=np.float64)
    return ins, lambda i: [f32(d(i[0]) @ d(i[1])), f32(d(i[2]) @ d(i[3])),
                           f32(d(i[6]) + d(i[4]) @ d(i[5])),
                           f32(d(i[7]) @ d(i[8])), f32(d(i[9]) @ d(i[10]))]


@case("lin_matmul_int")
def _(rng):
    """linalg.matmul on integers: i8 -> i32 (sign extension), K = 1,
    i8 -> i16 (wrapping), i16 -> i32, and cast_unsigned (zero extension)."""
    ins = [full_i8(rng, (7, 13)), full_i8(rng, (13, 9)),
           full_i8(rng, (17, 1)), full_i8(rng, (1, 3)),
           ints(rng, (3, 40), 90, 127, np.int8), full_i8(rng, (40, 5)),
           ints(rng, (4, 6), -32768, 32767, np.int16),
           ints(rng, (6, 5), -32768, 32767, np.int16),
           full_i8(rng, (3, 5)), full_i8(rng, (5, 4)),
           full_i8(rng, (29, 67)), full_i8(rng, (67, 35))]
    ins[5][:, :2] = ints(rng, (40, 2), 100, 127, np.int8)
    mm = lambda a, b: a @ b
    return ins, lambda i: [
        lin_int(i[0], i[1], 32, mm), lin_int(i[2], i[3], 32, mm),
        lin_int(i[4], i[5], 16, mm), lin_int(i[6], i[7], 32, mm),
        wrap(as_int(i[8], True) @ as_int(i[9], True), 32),
        lin_int(i[10], i[11], 32, mm)]


@case("lin_batch_matmul")
def _(rng):
    """linalg.batch_matmul f32 and i8 -> i32, batch 1 and > 1."""
    ins = [dyadic(rng, (2, 5, 7)), dyadic(rng, (2, 7, 3)),
           full_i8(rng, (3, 4, 9)), full_i8(rng, (3, 9, 6)),
           full_i8(rng, (1, 1, 1)), full_i8(rng, (1, 1, 1))]
    d = lambda a: np.asarray(a, dtype=np.float64)
    mm = lambda a, b: np.matmul(a, b)
    return ins, lambda i: [f32(np.matmul(d(i[0]), d(i[1]))),
                           lin_int(i[2], i[3], 32, mm),
                           lin_int(i[4], i[5], 32, mm)]


LIN_QMM = [((5, 11, 7), 3, -5), ((1, 1, 1), -128, 127), ((4, 20, 6), 0, 0)]


@case("lin_qmm")
def _(rng):
    """linalg.quantized_matmul with constant i32 zero points:
    C = sum_k (sext(A) - azp) * (sext(B) - bzp)."""
    ins = []
    for (m, k, n), _, _ in LIN_QMM:
        ins += [full_i8(rng, (m, k)), full_i8(rng, (k, n))]
    return ins, lambda i: [
        wrap((as_int(i[2 * j]) - azp) @ (as_int(i[2 * j + 1]) - bzp), 32)
        for j, (_, azp, bzp) in enumerate(LIN_QMM)]


# --- linalg-conv.mlir ------------------------------------------------------

# (x shape, w shape, strides, dilations, integer?)
LIN_NHWC = [((2, 9, 8, 3), (3, 3, 3, 4), (2, 1), (1, 2), False),
            ((1, 11, 10, 5), (3, 3, 5, 3), (2, 2), (2, 2), True),
            ((1, 4, 5, 6), (1, 1, 6, 2), (1, 1), (1, 1), True),
            ((1, 13, 12, 2), (7, 7, 2, 3), (2, 2), (1, 1), False)]


def lin_conv_inputs(rng, specs):
    ins = []
    for xs, ws, _, _, integer in specs:
        ins += ([full_i8(rng, xs), full_i8(rng, ws)] if integer else
                [dyadic(rng, xs), dyadic(rng, ws)])
    return ins


def lin_conv_result(x, w, s, d, integer, conv):
    if integer:
        return wrap(conv(as_int(x), as_int(w), s, d), 32)
    return f32(conv(x.astype(np.float64), w.astype(np.float64), s, d))


@case("lin_conv_nhwc")
def _(rng):
    """linalg.conv_2d_nhwc_hwcf with strides/dilations, f32 and i8 -> i32,
    1x1 and 7x7 kernels."""
    return lin_conv_inputs(rng, LIN_NHWC), lambda i: [
        lin_conv_result(i[2 * j], i[2 * j + 1], s, d, integer,
                        conv_nhwc_int64)
        for j, (_, _, s, d, integer) in enumerate(LIN_NHWC)]


LIN_NCHW = [((2, 3, 8, 9), (4, 3, 3, 2), (1, 2), (2, 1), False),
            ((1, 2, 7, 7), (3, 2, 3, 3), (2, 2), (1, 1), True)]


def conv_nchw(x, w, s, d):
    out = conv_nhwc_int64(x.transpose(0, 2, 3, 1), w.transpose(2, 3, 1, 0),
                          s, d)
    return out.transpose(0, 3, 1, 2)


@case("lin_conv_nchw")
def _(rng):
    """linalg.conv_2d_nchw_fchw with strides/dilations, f32 and i8 -> i32."""
    return lin_conv_inputs(rng, LIN_NCHW), lambda i: [
        lin_conv_result(i[2 * j], i[2 * j + 1], s, d, integer, conv_nchw)
        for j, (_, _, s, d, integer) in enumerate(LIN_NCHW)]


LIN_DW = [((2, 7, 8, 5), (3, 3, 5), (2, 2), (1, 1), False),
          ((1, 9, 9, 4), (3, 3, 4), (1, 1), (2, 2), True)]


@case("lin_depthwise")
def _(rng):
    """linalg.depthwise_conv_2d_nhwc_hwc, f32 and i8 -> i32."""
    return lin_conv_inputs(rng, LIN_DW), lambda i: [
        lin_conv_result(i[2 * j], i[2 * j + 1], s, d, integer, depthwise)
        for j, (_, _, s, d, integer) in enumerate(LIN_DW)]


@case("lin_conv_pad")
def _(rng):
    """tensor.pad (asymmetric, zero) feeding linalg.conv_2d_nhwc_hwcf."""
    x, w = full_i8(rng, (2, 5, 6, 3)), full_i8(rng, (3, 3, 3, 4))

    def expect(i):
        xp = np.pad(as_int(i[0]), ((0, 0), (1, 2), (0, 1), (0, 0)))
        return [wrap(conv_nhwc_int64(xp, as_int(i[1]), (2, 1), (1, 1)), 32)]

    return [x, w], expect


LIN_CONV_Q = [  # (x, w, strides, dilations, izp, wzp)
    ((2, 7, 6, 3), (3, 2, 3, 4), (2, 1), (1, 2), 3, -2),
    ((1, 6, 7, 5), (3, 3, 5), (1, 1), (1, 1), -128, 127)]


@case("lin_conv_q")
def _(rng):
    """linalg.conv_2d_nhwc_hwcf_q and depthwise_conv_2d_nhwc_hwc_q with
    constant i32 zero points: sum (sext(x) - izp) * (sext(w) - wzp)."""
    ins = []
    for xs, ws, *_ in LIN_CONV_Q:
        ins += [full_i8(rng, xs), full_i8(rng, ws)]
    (_, _, s0, d0, iz0, wz0), (_, _, s1, d1, iz1, wz1) = LIN_CONV_Q
    return ins, lambda i: [
        wrap(conv_nhwc_int64(as_int(i[0]) - iz0, as_int(i[1]) - wz0, s0, d0),
             32),
        wrap(depthwise(as_int(i[2]) - iz1, as_int(i[3]) - wz1, s1, d1), 32)]


# --- linalg-pool-elementwise.mlir ------------------------------------------


@case("lin_pool")
def _(rng):
    """linalg.pooling_nhwc_max / _sum: f32 max (-inf init) with stride 2,
    f32 sum with dilation 2, i8 max (signed, -128 init), i8 -> i32 sum; also
    pooling_nhwc_min (f32, +inf init) and pooling_nhwc_max_unsigned (i8)."""
    ins = [dyadic(rng, (2, 7, 9, 3)), dyadic(rng, (1, 8, 8, 2)),
           full_i8(rng, (1, 6, 6, 4)), full_i8(rng, (2, 5, 5, 3)),
           dyadic(rng, (1, 6, 7, 2)), full_i8(rng, (1, 5, 6, 3))]
    ins[0][0, :3, :3, 0] = -7.5  # all-negative windows
    ins[2][0, :2, :3, 1] = [[-100, -128, -7], [-50, -2, -128]]
    d = lambda a: np.asarray(a, dtype=np.float64)
    return ins, lambda i: [
        f32(pool(d(i[0]), (3, 2), (2, 2), (1, 1), np.maximum, -np.inf)),
        f32(pool(d(i[1]), (2, 2), (1, 1), (2, 2), np.add, 0.0)),
        pool(as_int(i[2]), (2, 3), (1, 2), (1, 1), np.maximum,
             -128).astype(np.int8),
        wrap(pool(as_int(i[3]), (3, 3), (2, 2), (1, 1), np.add, 0), 32),
        f32(pool(d(i[4]), (2, 3), (1, 1), (1, 2), np.minimum, np.inf)),
        wrap(pool(as_int(i[5], True), (2, 2), (2, 1), (1, 1), np.maximum,
                  0), 8)]


@case("lin_eltwise")
def _(rng):
    """Elementwise linalg.generic: ReLU, broadcast adds (f32 along the last
    dim, i32 along the first), and a fused relu(x * w + b)."""
    ins = [dyadic(rng, (5, 7)), dyadic(rng, (4, 6)), dyadic(rng, (6,)),
           ints(rng, (3, 5), -2 ** 31, 2 ** 31 - 1, np.int32),
           ints(rng, (3,), -2 ** 31, 2 ** 31 - 1, np.int32)]
    d = lambda a: np.asarray(a, dtype=np.float64)
    return ins, lambda i: [
        f32(np.maximum(d(i[0]), 0.0)), f32(d(i[1]) + d(i[2])),
        wrap(as_int(i[3]) + as_int(i[4])[:, None], 32),
        f32(np.maximum(d(i[1]) * d(i[2]) + 0.5, 0.0))]


# ============================================================================
# CLI
# ============================================================================


def in_path(prefix, name, i):
    return f"{prefix}.{name}.in{i}.npy"


def out_path(prefix, name, tag, i):
    return f"{prefix}.{name}.{tag}{i}.npy"


def cmd_gen(args):
    c = CASES[args.case]
    for i, a in enumerate(c.gen(rng_for(c.name))):
        np.save(in_path(args.prefix, c.name, i), a)
    return 0


def describe(a):
    return f"{a.dtype}{list(a.shape)}"


def diff(name, tag, i, got, want, inputs=()):
    """Returns a list of lines describing the mismatch (empty when equal);
    inputs of the result's shape are shown next to each bad element."""
    head = f"{name} [{tag}] result {i}"
    if got.dtype != want.dtype or got.shape != want.shape:
        return [f"{head}: got {describe(got)}, expected {describe(want)}"]
    if want.dtype.kind == "f":
        g, w = got.astype(np.float64), want.astype(np.float64)
        both_nan = np.isnan(g) & np.isnan(w)
        with np.errstate(invalid="ignore"):
            ok = both_nan | (g == w) | (np.abs(g - w) <= ATOL + RTOL *
                                          np.abs(w))
    else:
        ok = got == want
    if ok.all():
        return []
    bad = np.argwhere(~ok)
    lines = [f"{head}: {len(bad)} of {ok.size} values differ "
             f"({describe(want)})"]
    for idx in bad[:12]:
        t = tuple(int(v) for v in idx)
        same = [f"in{j} = {a[t]!r}" for j, a in enumerate(inputs)
                if a.shape == want.shape]
        lines.append(f"  at {list(t)}: got {got[t]!r}, expected {want[t]!r}"
                     + (f" ({', '.join(same)})" if same else ""))
    if len(bad) > 12:
        lines.append(f"  ... and {len(bad) - 12} more")
    return lines


def cmd_compare(args):
    c = CASES[args.case]
    n_in = len(c.gen(np.random.default_rng(0)))
    inputs = [np.load(in_path(args.prefix, c.name, i)) for i in range(n_in)]
    expected = c.expect(inputs)
    failures = []
    for tag in args.tags:
        for i, want in enumerate(expected):
            path = out_path(args.prefix, c.name, tag, i)
            if not os.path.exists(path):
                failures.append(f"{c.name} [{tag}] result {i}: missing {path}")
                continue
            failures += diff(c.name, tag, i, np.load(path),
                             np.ascontiguousarray(want), inputs)
    if failures:
        print("\n".join(["oracle: MISMATCH"] + failures))
        return 1
    print(f"oracle: {c.name}: {len(expected)} results match for "
          f"{', '.join(args.tags)}")
    return 0


def run_lines(name):
    """The RUN lines of a case: generate inputs, run the CPU pipeline with
    --check (which also runs the reference pipeline and compares), run the
    reference pipeline on its own, compare both result sets with the oracle."""
    c = CASES[name]
    ins = c.gen(rng_for(name))
    n_out = len(c.expect(ins))
    in_args = [f"--input=%t.{name}.in{i}.npy" for i in range(len(ins))]

    def command(head, tag):
        words = in_args + [f"--output=%t.{name}.{tag}{i}.npy"
                           for i in range(n_out)]
        lines, cur = [], head
        for w in words:
            if len(cur) + 1 + len(w) > 100:
                lines.append(cur + " \\")
                cur = "// RUN:   " + w
            else:
                cur += " " + w
        return "\n".join(lines + [cur])

    return "\n".join([
        f"// RUN: %python %S/Inputs/oracle.py gen {name} %t",
        command(f"// RUN: qsparse-run %s -e {name} --check", "cpu"),
        command(f"// RUN: qsparse-run %s -e {name} --pipeline=reference",
                "ref"),
        f"// RUN: %python %S/Inputs/oracle.py compare {name} %t cpu ref"])


def cmd_runlines(args):
    print(run_lines(args.case))
    return 0


def cmd_list(args):
    for name, c in CASES.items():
        ins = c.gen(rng_for(name))
        outs = c.expect(ins)
        print(f"{name}: {c.doc}")
        print("  in:  " + ", ".join(describe(a) for a in ins))
        print("  out: " + ", ".join(describe(np.asarray(a)) for a in outs))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("case", choices=sorted(CASES))
    g.add_argument("prefix")
    c = sub.add_parser("compare")
    c.add_argument("case", choices=sorted(CASES))
    c.add_argument("prefix")
    c.add_argument("tags", nargs="+")
    r = sub.add_parser("runlines")
    r.add_argument("case", choices=sorted(CASES))
    sub.add_parser("list")
    args = p.parse_args()
    return {"gen": cmd_gen, "compare": cmd_compare, "runlines": cmd_runlines,
            "list": cmd_list}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
