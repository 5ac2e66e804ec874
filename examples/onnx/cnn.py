#!/usr/bin/python3
"""cnn.py OUT_DIR [--arch resnet18|mobilenetv2] [--size S] [--width W]
[--classes C] [--seed N] [--qdq]: writes a CNN as OUT_DIR/model.onnx,
built with onnx.helper and seeded random weights (He initialisation, random batch norm statistics),
plus an input OUT_DIR/x.npy and the numpy forward pass of the same graph,
OUT_DIR/y_ref.npy, the oracle the compiled model must match, and
OUT_DIR/y_ref_24.npy, the forward pass with every weight magnitude-pruned to
2:4 along its reduction (input channels; groups of four), the oracle of
the model after --qsparse-sparsify.

- resnet18 (He et al. 2016): 7x7/2 stem, max pool, four stages of two basic
  blocks, global average pool, fully connected layer. --width is the
  channels of the first stage (64 in the real network).
- mobilenetv2 (Sandler et al. 2018): 3x3/2 stem, 17 inverted residual
  blocks (1x1 expand, 3x3 depthwise, 1x1 project; ReLU6 as Clip), 1x1 to
  1280 channels, global average pool, fully connected layer. --width is the
  width multiplier in percent (100 in the real network).

--qdq also writes OUT_DIR/model_qdq.onnx, the same network quantized in
QDQ form as onnxruntime's static quantization writes it: batch norm folded
into the convolutions, int8 weights with per-output-channel scales,
QuantizeLinear/DequantizeLinear (uint8, asymmetric) before every
convolution and the Gemm, activation ranges calibrated on x itself (min/max;
optimistic, as calibrating on the test input is). OUT_DIR/y_ref_qdq.npy is
the numpy simulation of that graph (float64 on the dequantized values) and
OUT_DIR/y_ref_qdq_24.npy the same with the int8 weights pruned to 2:4.

--size is the input resolution (224 for the real networks); smaller values
make quick tests. The models use Conv (groups for depthwise),
BatchNormalization, Relu, Clip, MaxPool, Add, GlobalAveragePool, Flatten and
Gemm, as torchvision's export does (without folding batch norm into the
convolutions)."""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Builder:
    def __init__(self, rng, prune=False, qdq=False):
        self.rng = rng
        # QDQ: the quantized model (int8 weights, uint8 activations), with
        # the activation (scale, zero point) pairs it chose, or reuses.
        self.qdq = qdq
        self.calibration, self.calibration_in = [], None
        # The numpy reference uses 2:4-pruned weights (the graph keeps them
        # dense): the oracle for qsparse's --qsparse-sparsify.
        self.prune = prune
        self.nodes, self.inits = [], []
        self.count = 0

    def name(self, kind):
        self.count += 1
        return f"{kind}{self.count}"

    def const(self, kind, array):
        n = self.name(kind)
        self.inits.append(numpy_helper.from_array(array.astype(np.float32), n))
        return n, array.astype(np.float32)

    def node(self, op, inputs, **attrs):
        out = self.name(op.lower() + "_")
        self.nodes.append(helper.make_node(op, inputs, [out], name=out,
                                           **attrs))
        return out


# numpy reference ops (float64 accumulation)
def np_conv(x, w, stride, pad, groups=1):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    y = np.zeros((n, groups, f // groups, oh, ow))
    xg = x.reshape(n, groups, cg, h, wd)
    wg = w.reshape(groups, f // groups, cg, kh, kw)
    for i in range(kh):
        for j in range(kw):
            patch = xg[:, :, :, i:i + stride * oh:stride,
                       j:j + stride * ow:stride]
            y += np.einsum("ngchw,gfc->ngfhw", patch, wg[:, :, :, i, j])
    return y.reshape(n, f, oh, ow)


def prune24(w, axis):
    """Magnitude 2:4 along `axis` (the two largest |w| of every group of four
    consecutive elements survive; ties go to the lower index). Axes whose
    length is not a multiple of 4 stay dense, as --qsparse-sparsify skips
    them."""
    if w.shape[axis] % 4:
        return w
    v = np.moveaxis(w, axis, -1)
    g = v.reshape(-1, 4)
    keep = np.argsort(-np.abs(g), axis=1, kind="stable")[:, :2]
    mask = np.zeros_like(g, dtype=bool)
    np.put_along_axis(mask, keep, True, axis=1)
    return np.moveaxis(np.where(mask, g, 0).reshape(v.shape), -1, axis)


def np_maxpool(x, k, stride, pad):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)),
               constant_values=-np.inf)
    n, c, h, w = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    y = np.full((n, c, oh, ow), -np.inf)
    for i in range(k):
        for j in range(k):
            y = np.maximum(y, x[:, :, i:i + stride * oh:stride,
                                 j:j + stride * ow:stride])
    return y


def quantize_activation(b, x, xv):
    """QuantizeLinear + DequantizeLinear (uint8, asymmetric, calibrated on
    this input's range), graph and simulation."""
    if b.calibration_in:
        # The same model simulated again (pruned): its scales, not new ones.
        scale, zp = b.calibration_in.pop(0)
    else:
        lo, hi = min(xv.min(), 0.0), max(xv.max(), 0.0)
        scale = np.float32(max(hi - lo, 1e-8) / 255)
        zp = np.uint8(np.clip(np.rint(-lo / scale), 0, 255))
    b.calibration.append((scale, zp))
    s_name, _ = b.const("xs", np.array(scale))
    z_name = b.name("xz")
    b.inits.append(numpy_helper.from_array(np.array(zp), z_name))
    q = b.node("QuantizeLinear", [x, s_name, z_name])
    y = b.node("DequantizeLinear", [q, s_name, z_name])
    qv = np.clip(np.rint(xv / np.float64(scale)) + zp, 0, 255)
    return y, (qv - zp) * np.float64(scale)


def quantize_weight(b, w, axis, prune_axis=None):
    """Per-channel symmetric int8 (channels along `axis`) with a
    DequantizeLinear, graph and the dequantized values (of the codes pruned
    to 2:4 along `prune_axis` when the builder prunes)."""
    other = tuple(d for d in range(w.ndim) if d != axis)
    scale = (np.abs(w).max(axis=other) / 127).astype(np.float32)
    scale = np.maximum(scale, np.float32(1e-12))
    shape = [1] * w.ndim
    shape[axis] = -1
    s = scale.astype(np.float64).reshape(shape)
    wq = np.clip(np.rint(w / s), -127, 127).astype(np.int8)
    q_name = b.name("wq")
    b.inits.append(numpy_helper.from_array(wq, q_name))
    s_name, _ = b.const("ws", scale)
    z_name = b.name("wz")
    b.inits.append(numpy_helper.from_array(np.zeros(scale.shape, np.int8),
                                           z_name))
    y = b.node("DequantizeLinear", [q_name, s_name, z_name], axis=axis)
    if b.prune and prune_axis is not None:
        wq = prune24(wq, prune_axis)
    return y, wq.astype(np.float64) * s


def conv_bn(b, x, xv, cin, cout, k, stride, relu, groups=1, relu6=False):
    """Conv (no bias) + BatchNormalization (+ Relu or ReLU6), graph and
    reference. QDQ models fold the batch norm into the convolution and
    quantize its input and weight."""
    cg = cin // groups
    w = b.rng.standard_normal((cout, cg, k, k)) * np.sqrt(2.0 / (cg * k * k))
    bn = [b.rng.uniform(0.5, 1.5, cout), b.rng.uniform(-0.2, 0.2, cout),
          b.rng.uniform(-0.2, 0.2, cout), b.rng.uniform(0.5, 1.5, cout)]
    attrs = dict(kernel_shape=[k, k], strides=[stride] * 2, pads=[k // 2] * 4,
                 group=groups)
    if b.qdq:
        g, be, m, v = (a.astype(np.float32).astype(np.float64) for a in bn)
        factor = g / np.sqrt(v + 1e-5)
        wf = (w.astype(np.float32).astype(np.float64) *
              factor.reshape(-1, 1, 1, 1))
        bias = (be - m * factor).astype(np.float32)
        xd, xqv = quantize_activation(b, x, xv)
        wd, wqv = quantize_weight(b, wf, 0, 1 if groups == 1 else None)
        b_name, _ = b.const("b", bias)
        y = b.node("Conv", [xd, wd, b_name], **attrs)
        yv = np_conv(xqv, wqv, stride, k // 2, groups)
        yv = yv + bias.astype(np.float64).reshape(1, -1, 1, 1)
    else:
        w_name, w = b.const("w", w)
        y = b.node("Conv", [x, w_name], **attrs)
        params = [b.const(kind, arr) for kind, arr in
                  zip(("gamma", "beta", "mean", "var"), bn)]
        y = b.node("BatchNormalization", [y] + [p[0] for p in params],
                   epsilon=1e-5)
        g, be, m, v = (p[1].astype(np.float64).reshape(1, -1, 1, 1)
                       for p in params)
        wv = prune24(w, 1) if b.prune and groups == 1 else w
        yv = np_conv(xv, wv.astype(np.float64), stride, k // 2, groups)
        yv = (yv - m) / np.sqrt(v + 1e-5) * g + be
    if relu6:
        lo, _ = b.const("lo", np.array(0.0))
        hi, _ = b.const("hi", np.array(6.0))
        y = b.node("Clip", [y, lo, hi])
        yv = np.clip(yv, 0, 6)
    elif relu:
        y = b.node("Relu", [y])
        yv = np.maximum(yv, 0)
    return y, yv


def basic_block(b, x, xv, cin, cout, stride):
    y, yv = conv_bn(b, x, xv, cin, cout, 3, stride, True)
    y, yv = conv_bn(b, y, yv, cout, cout, 3, 1, False)
    if stride != 1 or cin != cout:
        x, xv = conv_bn(b, x, xv, cin, cout, 1, stride, False)
    y = b.node("Add", [y, x])
    y = b.node("Relu", [y])
    return y, np.maximum(yv + xv, 0)


def inverted_residual(b, x, xv, cin, cout, stride, expand):
    hidden = cin * expand
    y, yv = x, xv
    if expand != 1:
        y, yv = conv_bn(b, y, yv, cin, hidden, 1, 1, False, relu6=True)
    y, yv = conv_bn(b, y, yv, hidden, hidden, 3, stride, False,
                    groups=hidden, relu6=True)
    y, yv = conv_bn(b, y, yv, hidden, cout, 1, 1, False)
    if stride == 1 and cin == cout:
        y = b.node("Add", [y, x])
        yv = yv + xv
    return y, yv


def mobilenetv2(b, x, xv, width):
    ch = lambda c: max(8, (c * width // 100 + 4) // 8 * 8)
    cin = ch(32)
    y, yv = conv_bn(b, x, xv, 3, cin, 3, 2, False, relu6=True)
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2),
                       (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                       (6, 320, 1, 1)]:
        for i in range(n):
            y, yv = inverted_residual(b, y, yv, cin, ch(c), s if i == 0 else 1,
                                      t)
            cin = ch(c)
    last = max(1280, ch(1280))
    y, yv = conv_bn(b, y, yv, cin, last, 1, 1, False, relu6=True)
    return y, yv, last


def resnet18(b, x, xv, width):
    y, yv = conv_bn(b, x, xv, 3, width, 7, 2, True)
    y = b.node("MaxPool", [y], kernel_shape=[3, 3], strides=[2, 2],
               pads=[1, 1, 1, 1])
    yv = np_maxpool(yv, 3, 2, 1)
    cin = width
    for stage, cout in enumerate([width, 2 * width, 4 * width, 8 * width]):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            y, yv = basic_block(b, y, yv, cin, cout, stride)
            cin = cout
    return y, yv, cin


def build(arch, size, width, classes, seed, prune=False, qdq=False,
          calibration=None):
    rng = np.random.default_rng(seed)
    b = Builder(rng, prune, qdq)
    b.calibration_in = list(calibration) if calibration else None
    x = rng.standard_normal((1, 3, size, size)).astype(np.float32)
    body = resnet18 if arch == "resnet18" else mobilenetv2
    y, yv, cin = body(b, "x", x.astype(np.float64), width)
    y = b.node("GlobalAveragePool", [y])
    yv = yv.mean(axis=(2, 3), keepdims=True)
    y = b.node("Flatten", [y])
    yv = yv.reshape(1, -1)
    fc = rng.standard_normal((classes, cin)) * np.sqrt(1.0 / cin)
    bias_name, bias = b.const("fcb", rng.uniform(-0.1, 0.1, classes))
    if qdq:
        y, yv = quantize_activation(b, y, yv)
        fc_name, fcv = quantize_weight(b, fc.astype(np.float32), 0, 1)
    else:
        fc_name, fc = b.const("fc", fc)
        fcv = prune24(fc, 1) if prune else fc
    out = b.node("Gemm", [y, fc_name, bias_name], transB=1)
    yv = yv @ fcv.astype(np.float64).T + bias
    b.nodes[-1].output[0] = "logits"
    graph = helper.make_graph(
        b.nodes, arch,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       [1, 3, size, size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                       [1, classes])],
        b.inits)
    del out
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model, x, yv.astype(np.float32), b.calibration


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--arch", choices=["resnet18", "mobilenetv2"],
                        default="resnet18")
    parser.add_argument("--width", type=int, default=0,
                        help="resnet18: first-stage channels (64); "
                             "mobilenetv2: width multiplier in percent (100)")
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--qdq", action="store_true",
                        help="also write model_qdq.onnx and y_ref_qdq.npy")
    args = parser.parse_args()
    width = args.width or (64 if args.arch == "resnet18" else 100)
    model, x, y, _ = build(args.arch, args.size, width, args.classes,
                           args.seed)
    os.makedirs(args.out, exist_ok=True)
    onnx.save(model, os.path.join(args.out, "model.onnx"))
    np.save(os.path.join(args.out, "x.npy"), x)
    np.save(os.path.join(args.out, "y_ref.npy"), y)
    # The same network with 2:4 magnitude-pruned weights.
    _, _, y24, _ = build(args.arch, args.size, width, args.classes, args.seed,
                         prune=True)
    np.save(os.path.join(args.out, "y_ref_24.npy"), y24)
    if args.qdq:
        qdq, _, yq, calibration = build(args.arch, args.size, width,
                                        args.classes, args.seed, qdq=True)
        onnx.save(qdq, os.path.join(args.out, "model_qdq.onnx"))
        np.save(os.path.join(args.out, "y_ref_qdq.npy"), yq)
        _, _, yq24, _ = build(args.arch, args.size, width, args.classes,
                              args.seed, prune=True, qdq=True,
                              calibration=calibration)
        np.save(os.path.join(args.out, "y_ref_qdq_24.npy"), yq24)


if __name__ == "__main__":
    main()
