"""Shared helpers of the deciding-pass execution tests
(test/Integration/Deciding).

A test program is a list of contractions on constant weights, written by the
generator scripts as one function @main(%x0, %x1, ...) -> (%y0, %y1, ...):
op i reads argument i and its own constant weight and produces result i. The
program's description (the "spec": kinds, attributes, weights) is saved next
to it so the check step can recompute everything with numpy.

Nothing here calls or mirrors qsparse code: the semantics are the documented
ones (DESIGN.md 3, QSparseOps.td, linalg's named ops), computed with plain
numpy in int64 / float64.
"""

import json
import re
import sys

import numpy as np

# ----------------------------------------------------------------------------
# Contractions
# ----------------------------------------------------------------------------
#
# An op is a dict:
#   kind      "qmm" (qsparse.matmul), "qconv" (qsparse.conv2d),
#             "lmm" (linalg.matmul), "lconv" (linalg.conv_2d_nhwc_hwcf)
#   elt       "i8" or "f32" (input and weight element type)
#   acc       "i16", "i32" or "f32" (result / accumulator element type)
#   x_shape   [M, K] or [N, H, W, C]
#   w         weight (numpy array; [K, F] or [KH, KW, C, F])
#   unsigned, izp, wzp   qsparse.* attributes (input_unsigned, zero points)
#   bias      the linalg.fill value of linalg ops (0 for qsparse ops)
#   strides   [sh, sw] of convolutions

KINDS = ("qmm", "qconv", "lmm", "lconv")


def make_op(kind, elt, x_shape, w, acc=None, unsigned=False, izp=0, wzp=0,
            bias=0, strides=(1, 1)):
    assert kind in KINDS
    if acc is None:
        acc = "f32" if elt == "f32" else "i32"
    return {"kind": kind, "elt": elt, "acc": acc, "x_shape": list(x_shape),
            "w": np.asarray(w), "unsigned": bool(unsigned), "izp": int(izp),
            "wzp": int(wzp), "bias": bias, "strides": list(strides)}


def is_conv(op):
    return op["kind"] in ("qconv", "lconv")


def out_shape(op):
    xs, w = op["x_shape"], op["w"]
    if not is_conv(op):
        return [xs[0], w.shape[1]]
    n, h, wd, _ = xs
    kh, kw, _, f = w.shape
    sh, sw = op["strides"]
    return [n, (h - kh) // sh + 1, (wd - kw) // sw + 1, f]


def channels(op):
    return op["w"].shape[-1]


def channel_matrix(op, w=None):
    """The weight as [F, K] (K = the flattened reduction, (kh, kw, c) for
    HWCF convolutions, c innermost), in effective units (zero point off)."""
    w = op["w"] if w is None else w
    w = np.asarray(w)
    if w.dtype.kind in "iu":
        w = w.astype(np.int64) - op["wzp"]
    return w.reshape(-1, w.shape[-1]).T


def x_dtype(op):
    if op["elt"] == "f32":
        return np.float32
    return np.uint8 if op["unsigned"] else np.int8


def x_range(op):
    """Effective input range [a, b] (stored range minus the zero point) and
    the stored extremes."""
    if op["unsigned"]:
        smin, smax = 0, 255
    else:
        smin, smax = -128, 127
    return smin - op["izp"], smax - op["izp"], smin, smax


def effective_x(op, x):
    x = np.asarray(x)
    if op["elt"] == "f32":
        return x.astype(np.float64)
    if op["unsigned"]:
        x = x.view(np.uint8)
    return x.astype(np.int64) - op["izp"]


def evaluate(op, x, w=None):
    """The exact result of op on input x (int64 / float64, not wrapped)."""
    w = op["w"] if w is None else np.asarray(w)
    xe = effective_x(op, x)
    if op["elt"] == "f32":
        we = w.astype(np.float64)
    else:
        we = w.astype(np.int64) - op["wzp"]
    if not is_conv(op):
        return xe @ we + op["bias"]
    n, oh, ow, f = out_shape(op)
    kh_, kw_, c, _ = we.shape
    sh, sw = op["strides"]
    out = np.zeros((n, oh, ow, f), dtype=xe.dtype) + op["bias"]
    for kh in range(kh_):
        for kw in range(kw_):
            patch = xe[:, kh:kh + sh * (oh - 1) + 1:sh,
                       kw:kw + sw * (ow - 1) + 1:sw, :]
            out += np.einsum("nhwc,cf->nhwf", patch, we[kh, kw])
    return out


# ----------------------------------------------------------------------------
# MLIR text
# ----------------------------------------------------------------------------


def ttype(shape, elt):
    return "tensor<%sx%s>" % ("x".join(str(d) for d in shape), elt)


def dense(a, elt):
    a = np.asarray(a)

    def scalar(v):
        if elt == "f32":
            return repr(float(np.float32(v)))  # exact: shortest round trip
        return str(int(v))

    def rec(t):
        if t.ndim == 0:
            return scalar(t)
        return "[" + ", ".join(rec(s) for s in t) + "]"

    return "dense<%s>" % rec(a)


def emit_op(i, op):
    """Lines computing %y<i> from %x<i> and the op's constant weight."""
    elt, acc, w = op["elt"], op["acc"], op["w"]
    xt, wt = ttype(op["x_shape"], elt), ttype(w.shape, elt)
    yt = ttype(out_shape(op), acc)
    lines = ["  %%w%d = arith.constant %s : %s" % (i, dense(w, elt), wt)]
    if op["kind"] in ("qmm", "qconv"):
        attrs = []
        if op["kind"] == "qconv" and op["strides"] != [1, 1]:
            attrs.append("strides = array<i64: %d, %d>" % tuple(op["strides"]))
        if op["unsigned"]:
            attrs.append("input_unsigned")
        if op["izp"]:
            attrs.append("input_zero_point = %d : i64" % op["izp"])
        if op["wzp"]:
            attrs.append("weight_zero_point = %d : i64" % op["wzp"])
        name = "qsparse.matmul" if op["kind"] == "qmm" else "qsparse.conv2d"
        lines.append("  %%y%d = %s %%x%d, %%w%d%s : %s, %s -> %s" % (
            i, name, i, i, " {%s}" % ", ".join(attrs) if attrs else "",
            xt, wt, yt))
        return lines
    zero = repr(float(op["bias"])) if acc == "f32" else str(int(op["bias"]))
    lines += [
        "  %%e%d = tensor.empty() : %s" % (i, yt),
        "  %%b%d = arith.constant %s : %s" % (i, zero, acc),
        "  %%f%d = linalg.fill ins(%%b%d : %s) outs(%%e%d : %s) -> %s" % (
            i, i, acc, i, yt, yt)]
    if op["kind"] == "lmm":
        lines.append(
            "  %%y%d = linalg.matmul ins(%%x%d, %%w%d : %s, %s) "
            "outs(%%f%d : %s) -> %s" % (i, i, i, xt, wt, i, yt, yt))
    else:
        lines.append(
            "  %%y%d = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : "
            "tensor<2xi64>, strides = dense<[%d, %d]> : tensor<2xi64>} "
            "ins(%%x%d, %%w%d : %s, %s) outs(%%f%d : %s) -> %s" % (
                i, op["strides"][0], op["strides"][1], i, i, xt, wt, i, yt,
                yt))
    return lines


def emit_program(ops, comment="", name="main"):
    """One function @name(%x0, ...) -> (%y0, ...), op i on argument i."""
    args = ", ".join("%%x%d: %s" % (i, ttype(op["x_shape"], op["elt"]))
                     for i, op in enumerate(ops))
    res = [ttype(out_shape(op), op["acc"]) for op in ops]
    lines = ["// " + ln for ln in comment.strip().splitlines()]
    lines.append("func.func @%s(%s) -> (%s) {" % (name, args, ", ".join(res)))
    for i, op in enumerate(ops):
        lines += emit_op(i, op)
    lines.append("  return %s : %s" % (
        ", ".join("%%y%d" % i for i in range(len(ops))), ", ".join(res)))
    lines.append("}")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------
# Reading qsparse-opt output back
# ----------------------------------------------------------------------------

NP_OF = {"i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
         "f32": np.float32}

CONST_RE = re.compile(
    r"(%[\w.$-]+) = arith\.constant dense<(.*?)> : tensor<([0-9x]+)x(\w+)>")
CONTRACTION_RE = re.compile(
    r"(qsparse\.matmul|qsparse\.conv2d) (%[\w.$-]+), (%[\w.$-]+)"
    r"|(linalg\.matmul|linalg\.conv_2d_nhwc_hwcf)\b.*?ins\((%[\w.$-]+), "
    r"(%[\w.$-]+) :")


def parse_dense(body, shape, elt):
    dtype = NP_OF[elt]
    if body.startswith('"0x'):  # raw little-endian storage (large constants)
        raw = bytes.fromhex(body[3:-1])
        a = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
        if a.size == 1:
            return np.full(shape, a[0], dtype=dtype)
        return a.astype(dtype).reshape(shape)
    text = body.replace("[", " ").replace("]", " ").replace(",", " ")
    vals = [float(t) if elt == "f32" else int(t) for t in text.split()]
    if len(vals) == 1:
        return np.full(shape, vals[0], dtype=dtype)
    return np.array(vals, dtype=dtype).reshape(shape)


DECOMPRESS_RE = re.compile(
    r"(%[\w.$-]+) = qsparse\.nm_decompress (%[\w.$-]+), (%[\w.$-]+) "
    r"\{axis = (\d+) : i64, sparsity = #qsparse\.nm<(\d+):(\d+)[^>]*>\} : "
    r"tensor<[0-9x]+x\w+>, tensor<[0-9x]+xi8> -> tensor<([0-9x]+)x\w+>")


def nm_decompress(values, meta, n, m, axis, shape):
    """qsparse.nm_decompress (DESIGN 3.3, QSparseOps.td): kept value j of
    group g along `axis` goes to position g*M + meta; positions outside
    [0, M) are dropped; everything else is zero."""
    v = np.moveaxis(values, axis, 0)
    md = np.moveaxis(meta, axis, 0).astype(np.int64)
    out = np.zeros((shape[axis],) + v.shape[1:], dtype=values.dtype)
    for g in range(shape[axis] // m):
        for j in range(n):
            src = v[g * n + j]
            pos = md[g * n + j]
            for idx in np.ndindex(*src.shape):
                if 0 <= pos[idx] < m:
                    out[(g * m + pos[idx],) + idx] = src[idx]
    return np.moveaxis(out, 0, axis)


def contraction_weights(mlir_text, decompressed=None):
    """The constant weight of every contraction, in program order (the
    constant the op reads, dead leftovers of a pass are ignored). Weights
    produced by qsparse.nm_decompress of constants are decompressed here;
    `decompressed` (a list) receives the (n, m, axis) of each such weight."""
    consts = {}
    for m in CONST_RE.finditer(mlir_text):
        shape = [int(d) for d in m.group(3).split("x")]
        consts[m.group(1)] = parse_dense(m.group(2), shape, m.group(4))
    nm_of = {}
    for m in DECOMPRESS_RE.finditer(mlir_text):
        if m.group(2) not in consts or m.group(3) not in consts:
            fail("nm_decompress of non-constants: " + m.group(0))
            continue
        n, mm, axis = int(m.group(5)), int(m.group(6)), int(m.group(4))
        shape = [int(d) for d in m.group(7).split("x")]
        consts[m.group(1)] = nm_decompress(consts[m.group(2)],
                                           consts[m.group(3)], n, mm, axis,
                                           shape)
        nm_of[m.group(1)] = (n, mm, axis)
    weights = []
    for m in CONTRACTION_RE.finditer(mlir_text):
        name = m.group(3) or m.group(6)
        if name not in consts:
            fail("weight %s of a contraction is not a dense constant" % name)
        weights.append(consts[name])
        if decompressed is not None:
            decompressed.append(nm_of.get(name))
    return weights


# ----------------------------------------------------------------------------
# Spec files
# ----------------------------------------------------------------------------


def save_spec(prefix, ops, extra=None):
    spec = {"ops": [], "extra": extra or {}}
    for i, op in enumerate(ops):
        np.save("%s.w%d.npy" % (prefix, i), op["w"])
        d = {k: v for k, v in op.items() if k != "w"}
        spec["ops"].append(d)
    with open(prefix + ".spec.json", "w") as f:
        json.dump(spec, f, indent=1)


def load_spec(prefix):
    with open(prefix + ".spec.json") as f:
        spec = json.load(f)
    ops = []
    for i, d in enumerate(spec["ops"]):
        d["w"] = np.load("%s.w%d.npy" % (prefix, i))
        ops.append(d)
    return ops, spec["extra"]


def save_inputs(prefix, xs):
    for i, x in enumerate(xs):
        np.save("%s.x%d.npy" % (prefix, i), np.ascontiguousarray(x))


def load_inputs(prefix, n):
    return [np.load("%s.x%d.npy" % (prefix, i)) for i in range(n)]


def load_outputs(prefix, tag, n):
    return [np.load("%s.%s%d.npy" % (prefix, tag, i)) for i in range(n)]


def load_report(path):
    with open(path) as f:
        return json.load(f)


# ----------------------------------------------------------------------------
# Checking
# ----------------------------------------------------------------------------

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def expect(cond, msg):
    if not cond:
        fail(msg)
    return cond


def expect_ints(got, want, dtype, what):
    """got must have `dtype` and equal the exact integers `want` (which must
    fit `dtype`: no wrapping is expected anywhere in these tests)."""
    want = np.asarray(want)
    info = np.iinfo(dtype)
    if not expect(want.min() >= info.min and want.max() <= info.max,
                  "%s: oracle values do not fit %s" % (what, np.dtype(dtype))):
        return False
    if not expect(got.dtype == np.dtype(dtype),
                  "%s: dtype %s, expected %s" % (what, got.dtype,
                                                 np.dtype(dtype))):
        return False
    if not expect(got.shape == want.shape, "%s: shape %s, expected %s" % (
            what, got.shape, want.shape)):
        return False
    bad = np.argwhere(got.astype(np.int64) != want)
    return expect(len(bad) == 0, "%s: %d of %d values differ, first at %s: "
                  "got %s, expected %s" % (
                      what, len(bad), want.size,
                      tuple(bad[0]) if len(bad) else None,
                      got[tuple(bad[0])] if len(bad) else None,
                      want[tuple(bad[0])] if len(bad) else None))


def expect_close(got, want, what, rtol=1e-4, atol=1e-5):
    want = np.asarray(want, dtype=np.float64)
    if not expect(got.dtype == np.float32, "%s: dtype %s, expected float32"
                  % (what, got.dtype)):
        return False
    if not expect(got.shape == want.shape, "%s: shape %s, expected %s" % (
            what, got.shape, want.shape)):
        return False
    err = np.abs(got.astype(np.float64) - want)
    bad = np.argwhere(err > atol + rtol * np.abs(want))
    return expect(len(bad) == 0, "%s: %d of %d values off, first at %s: got "
                  "%r, expected %r" % (
                      what, len(bad), want.size,
                      tuple(bad[0]) if len(bad) else None,
                      float(got[tuple(bad[0])]) if len(bad) else None,
                      float(want[tuple(bad[0])]) if len(bad) else None))


def finish(what):
    if FAILURES:
        print("%s: %d check(s) failed" % (what, len(FAILURES)),
              file=sys.stderr)
        return 1
    print("%s: all checks passed" % what)
    return 0


OP_NAMES = {"qmm": "qsparse.matmul", "qconv": "qsparse.conv2d",
            "lmm": "linalg.matmul", "lconv": "linalg.conv_2d_nhwc_hwcf"}


def expect_entry(entry, op, keys, what):
    """A report entry (docs/Reports.md): the op's name, a location and
    exactly `keys` besides them."""
    want = sorted(set(keys) | {"loc", "op"})
    expect(sorted(entry) == want, "%s: report keys %s, expected %s" % (
        what, sorted(entry), want))
    expect(entry.get("op") == OP_NAMES[op["kind"]], "%s: report op %r" % (
        what, entry.get("op")))
    expect(str(entry.get("loc", "")).startswith("loc("), "%s: report loc %r"
           % (what, entry.get("loc")))


def bits_for(lo, hi):
    """Smallest P with -2^(P-1) <= lo and hi <= 2^(P-1) - 1 (DESIGN 3.2)."""
    p = 1
    while not (-(1 << (p - 1)) <= lo and hi <= (1 << (p - 1)) - 1):
        p += 1
    return p
