#!/usr/bin/python3
"""models.py NAME OUT.onnx: writes the small ONNX model NAME (built with
onnx.helper, seeded random weights) for the importer's lit tests.

models.py --run NAME MODEL.mlir QSPARSE_RUN: runs the imported model on seeded random
inputs with qsparse-run (CPU pipeline) and compares with a numpy oracle
computed here from the model's own initializers (exact for integers, 1e-4
relative for floats); prints `oracle: OK` or the first difference."""
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def model(nodes, inputs, outputs, inits=(), opset=13, name="g"):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)])


F = TensorProto.FLOAT


def conv_bn_relu():
    w = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    bn = [rng.random(8).astype(np.float32) + 0.5 for _ in range(4)]
    return model(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv0",
                          pads=[1, 1, 1, 1], strides=[2, 2]),
         helper.make_node("BatchNormalization",
                          ["c", "s", "bb", "m", "v"], ["n"], name="bn0"),
         helper.make_node("Relu", ["n"], ["y"], name="relu0")],
        [vi("x", F, [1, 3, 8, 8])], [vi("y", F, [1, 8, 4, 4])],
        [tensor("w", w), tensor("b", b), tensor("s", bn[0]),
         tensor("bb", bn[1]), tensor("m", bn[2]), tensor("v", bn[3])])


def large_weight():
    # 64x32 f32 = 8 KiB: stored as a dense_resource blob.
    w = rng.standard_normal((64, 32)).astype(np.float32)
    return model(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
        [vi("x", F, [4, 64])], [vi("y", F, [4, 32])], [tensor("w", w)])


def gemm_transb():
    w = rng.standard_normal((6, 4)).astype(np.float32)  # [N, K]
    c = rng.standard_normal(6).astype(np.float32)
    return model(
        [helper.make_node("Gemm", ["x", "w", "c"], ["y"], name="fc",
                          transB=1)],
        [vi("x", F, [2, 4])], [vi("y", F, [2, 6])],
        [tensor("w", w), tensor("c", c)])


def reshape_input_shape():
    return model(
        [helper.make_node("Reshape", ["x", "shape"], ["y"], name="r")],
        [vi("x", F, [2, 3, 4]), vi("shape", TensorProto.INT64, [2])],
        [vi("y", F, [6, 4])])


def unsupported_op():
    return model(
        [helper.make_node("Relu", ["x"], ["a"], name="ok"),
         helper.make_node("Erf", ["a"], ["y"], name="erf_node")],
        [vi("x", F, [4])], [vi("y", F, [4])])


def custom_domain():
    m = model([helper.make_node("Gelu", ["x"], ["y"], name="g1",
                                domain="com.microsoft")],
              [vi("x", F, [4])], [vi("y", F, [4])])
    m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return m


def dynamic_dim():
    return model([helper.make_node("Relu", ["x"], ["y"], name="r")],
                 [vi("x", F, ["N", 4])], [vi("y", F, ["N", 4])])


def bad_attribute():
    return model(
        [helper.make_node("Relu", ["x"], ["y"], name="r", bogus=3)],
        [vi("x", F, [4])], [vi("y", F, [4])])


def bad_raw_data():
    t = tensor("w", np.ones((4,), np.float32))
    t.raw_data = t.raw_data[:10]
    return model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                 [vi("x", F, [4])], [vi("y", F, [4])], [t])


def bad_broadcast():
    return model([helper.make_node("Add", ["x", "z"], ["y"], name="add")],
                 [vi("x", F, [3, 4]), vi("z", F, [3])], [vi("y", F, [3, 4])])


def undefined_input():
    return model([helper.make_node("Relu", ["missing"], ["y"], name="r")],
                 [vi("x", F, [4])], [vi("y", F, [4])])


def wrong_output_shape():
    return model([helper.make_node("Relu", ["x"], ["y"], name="r")],
                 [vi("x", F, [4])], [vi("y", F, [5])])


def sequence_input():
    seq = helper.make_tensor_sequence_value_info("x", F, [4])
    return model([helper.make_node("Identity", ["x"], ["y"], name="i")],
                 [seq], [vi("y", F, [4])])


def qlinear_matmul():
    a_scale, b_scale, y_scale = 0.05, 0.02, 0.1
    w = rng.integers(-128, 128, (16, 8)).astype(np.int8)
    return model(
        [helper.make_node("QLinearMatMul",
                          ["a", "as", "az", "w", "ws", "wz", "ys", "yz"],
                          ["y"], name="qmm")],
        [vi("a", TensorProto.UINT8, [4, 16])],
        [vi("y", TensorProto.UINT8, [4, 8])],
        [tensor("as", np.float32(a_scale)), tensor("az", np.uint8(128)),
         tensor("w", w), tensor("ws", np.float32(b_scale)),
         tensor("wz", np.int8(0)), tensor("ys", np.float32(y_scale)),
         tensor("yz", np.uint8(100))])


def pools_softmax():
    return model(
        [helper.make_node("MaxPool", ["x"], ["p"], name="mp",
                          kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
         helper.make_node("AveragePool", ["p"], ["a"], name="ap",
                          kernel_shape=[2, 2], ceil_mode=1, strides=[2, 2]),
         helper.make_node("GlobalAveragePool", ["a"], ["g"], name="gap"),
         helper.make_node("Flatten", ["g"], ["f"], name="flat"),
         helper.make_node("Softmax", ["f"], ["y"], name="sm")],
        [vi("x", F, [2, 4, 9, 9])], [vi("y", F, [2, 4])])


QDQ_W = rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)
QDQ_WS = np.array([0.02, 0.05, 0.01, 0.03], np.float32)
QDQ_B = np.array([0.5, -1.0, 0.0, 2.0], np.float32)


def qdq_conv(weight_zero_points=(0, 0, 0, 0), w=QDQ_W, group=1):
    # x -> QuantizeLinear (uint8, zero point 120) -> DequantizeLinear ->
    # Conv(., DequantizeLinear(int8 weight, per-channel scales), bias).
    c = w.shape[1] * group
    return model(
        [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
         helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
         helper.make_node("DequantizeLinear", ["w", "ws", "wz"], ["wd"],
                          axis=0),
         helper.make_node("Conv", ["xd", "wd", "b"], ["y"],
                          name="conv" if group == 1 else "dw", group=group,
                          pads=[1, 1, 1, 1], strides=[2, 2])],
        [vi("x", F, [1, c, 6, 6])], [vi("y", F, [1, 4, 3, 3])],
        [tensor("xs", np.float32(0.03)), tensor("xz", np.uint8(120)),
         tensor("w", w), tensor("ws", QDQ_WS),
         tensor("wz", np.array(weight_zero_points, np.int8)),
         tensor("b", QDQ_B)])


QDQ_DW = rng.integers(-127, 128, (4, 1, 3, 3)).astype(np.int8)


def qdq_depthwise():
    # As qdq_conv, with group = 4 and one 3x3 filter per channel.
    return qdq_conv(w=QDQ_DW, group=4)


def qdq_matmul_no_columns():
    # A [5, 0] weight: nothing to re-encode with --qdq-weights=flint4.
    return model(
        [helper.make_node("DequantizeLinear", ["a", "as", "az"], ["ad"]),
         helper.make_node("DequantizeLinear", ["w", "ws", "wz"], ["wd"]),
         helper.make_node("MatMul", ["ad", "wd"], ["y"], name="mm")],
        [vi("a", TensorProto.UINT8, [3, 5])], [vi("y", F, [3, 0])],
        [tensor("as", np.float32(0.1)), tensor("az", np.uint8(3)),
         tensor("w", np.zeros((5, 0), np.int8)), tensor("ws", np.float32(1)),
         tensor("wz", np.int8(0))])


def qdq_conv_mixed_zero_points():
    # Per-channel weight zero points that differ: qsparse.conv2d has one,
    # so the float convolution of the dequantized tensors stays.
    return qdq_conv((0, 1, 0, 0))


def depthwise_conv():
    w = rng.standard_normal((4, 1, 3, 3)).astype(np.float32)
    return model(
        [helper.make_node("Conv", ["x", "w", "b"], ["y"], name="dw", group=4,
                          pads=[1, 1, 1, 1], strides=[2, 2])],
        [vi("x", F, [2, 4, 7, 7])], [vi("y", F, [2, 4, 4, 4])],
        [tensor("w", w), tensor("b", np.arange(4, dtype=np.float32))])


def maxpool_indices():
    # int8 with few distinct values: windows that start in the padding meet
    # ties with the padding value (-128), which must never win the index.
    return model(
        [helper.make_node("MaxPool", ["x"], ["p", "i"], name="mp",
                          kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])],
        [vi("x", TensorProto.INT8, [1, 2, 5, 5])],
        [vi("i", TensorProto.INT64, [1, 2, 3, 3])])


def pool_pad_too_wide():
    return model(
        [helper.make_node("AveragePool", ["x"], ["y"], name="ap",
                          kernel_shape=[2], pads=[2, 0])],
        [vi("x", F, [1, 1, 4])], [vi("y", F, [1, 1, 5])])


def conv_no_filters():
    return model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="c", group=2)],
        [vi("x", F, [1, 2, 4, 4])], [vi("y", F, [1, 0, 4, 4])],
        [tensor("w", np.zeros((0, 1, 1, 1), np.float32))])


def qlinear_matmul_vector_b():
    # B is a vector, so the result has no column axis for a per-column scale.
    return model(
        [helper.make_node("QLinearMatMul",
                          ["a", "as", "az", "b", "bs", "bz", "ys", "yz"],
                          ["y"], name="qmm")],
        [vi("a", TensorProto.INT8, [3, 2]), vi("b", TensorProto.INT8, [2])],
        [vi("y", TensorProto.INT8, [3])],
        [tensor("as", np.float32(1)), tensor("az", np.int8(0)),
         tensor("bs", np.ones(3, np.float32)), tensor("bz", np.int8(0)),
         tensor("ys", np.float32(1)), tensor("yz", np.int8(0))])


def attribute_type():
    return model([helper.make_node("Flatten", ["x"], ["y"], name="f",
                                   axis=1.0)],
                 [vi("x", F, [2, 3])], [vi("y", F, [2, 3])])


def extra_input():
    return model([helper.make_node("Relu", ["x", "x"], ["y"], name="r")],
                 [vi("x", F, [4])], [vi("y", F, [4])])


def int8_out_of_range():
    w = helper.make_tensor("w", TensorProto.INT8, [2], [1, 1000])
    return model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                 [vi("x", TensorProto.INT8, [2])],
                 [vi("y", TensorProto.INT8, [2])], [w])


def clip_attributes_opset13():
    return model([helper.make_node("Clip", ["x"], ["y"], name="clip", max=6.0)],
                 [vi("x", F, [4])], [vi("y", F, [4])])


MODELS = {f.__name__: f for f in [
    conv_bn_relu, large_weight, gemm_transb, reshape_input_shape,
    unsupported_op, custom_domain, dynamic_dim, bad_attribute, bad_raw_data,
    bad_broadcast, undefined_input, wrong_output_shape, sequence_input,
    qlinear_matmul, pools_softmax, maxpool_indices, pool_pad_too_wide,
    conv_no_filters, qlinear_matmul_vector_b, attribute_type, extra_input, int8_out_of_range,
    clip_attributes_opset13, qdq_conv, qdq_conv_mixed_zero_points,
    depthwise_conv, qdq_depthwise, qdq_matmul_no_columns]}

def conv2d(x, w, stride, pad):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    y = np.zeros((n, f, oh, ow), np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            y += np.einsum("nchw,fc->nfhw", patch, w[:, :, i, j])
    return y


def oracle(name, m, inputs):
    init = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    x = inputs[0]
    if name == "large_weight":
        return x.astype(np.float64) @ init["w"]
    if name == "gemm_transb":
        return x.astype(np.float64) @ init["w"].T + init["c"]
    if name == "conv_bn_relu":
        y = conv2d(x.astype(np.float64), init["w"], 2, 1)
        y += init["b"].reshape(1, -1, 1, 1)
        ch = lambda k: init[k].astype(np.float64).reshape(1, -1, 1, 1)
        y = (y - ch("m")) / np.sqrt(ch("v") + 1e-5) * ch("s") + ch("bb")
        return np.maximum(y, 0)
    if name == "qlinear_matmul":
        acc = (x.astype(np.int32) - 128) @ init["w"].astype(np.int32)
        scale = init["as"] * init["ws"] / init["ys"]  # float32, as ONNX
        y = np.rint(acc.astype(np.float32) * scale) + 100
        return np.clip(y, 0, 255).astype(np.uint8)
    if name == "qdq_conv":
        xs, xz = np.float64(np.float32(0.03)), 120
        xq = np.clip(np.rint(x / xs) + xz, 0, 255)
        w = QDQ_W.astype(np.float64) * QDQ_WS.astype(np.float64).reshape(
            -1, 1, 1, 1)
        y = conv2d((xq - xz) * xs, w, 2, 1)
        return y + QDQ_B.reshape(1, -1, 1, 1)
    if name == "qdq_depthwise":
        xs, xz = np.float64(np.float32(0.03)), 120
        xd = (np.clip(np.rint(x / xs) + xz, 0, 255) - xz) * xs
        w = QDQ_DW.astype(np.float64) * QDQ_WS.astype(np.float64).reshape(
            -1, 1, 1, 1)
        y = np.concatenate([conv2d(xd[:, c:c + 1], w[c:c + 1], 2, 1)
                            for c in range(4)], 1)
        return y + QDQ_B.reshape(1, -1, 1, 1)
    if name == "depthwise_conv":
        # Each channel convolved with its own filter.
        w = init["w"].astype(np.float64)
        y = np.concatenate([conv2d(x[:, c:c + 1].astype(np.float64),
                                   w[c:c + 1], 2, 1) for c in range(4)], 1)
        return y + init["b"].reshape(1, -1, 1, 1)
    if name == "maxpool_indices":
        # First maximum in window order among the in-bounds elements, as a
        # flat NCHW index.
        n, c, h, w = x.shape
        out = np.zeros((n, c, 3, 3), np.int64)
        for b, ch, i, j in np.ndindex(out.shape):
            best = None
            for di, dj in np.ndindex(3, 3):
                r, q = 2 * i + di - 1, 2 * j + dj - 1
                if 0 <= r < h and 0 <= q < w and (best is None or
                                                  x[b, ch, r, q] > best[0]):
                    best = (x[b, ch, r, q], ((b * c + ch) * h + r) * w + q)
            out[b, ch, i, j] = best[1]
        return out
    raise KeyError(name)


def run(name, mlir, tool):
    m = MODELS[name]()
    gen = np.random.default_rng(11)
    inputs = []
    for value in m.graph.input:
        t = value.type.tensor_type
        shape = [d.dim_value for d in t.shape.dim]
        if t.elem_type == TensorProto.UINT8:
            inputs.append(gen.integers(0, 256, shape).astype(np.uint8))
        elif t.elem_type == TensorProto.INT8:
            # Mostly int8's minimum: ties with the padding value abound.
            inputs.append(np.where(gen.random(shape) < 0.8, -128,
                                   -127).astype(np.int8))
        else:
            inputs.append(gen.standard_normal(shape).astype(np.float32))
    expected = oracle(name, m, inputs)
    with tempfile.TemporaryDirectory() as work:
        cmd = [tool, mlir, "-e",
               "main", f"--output={work}/y.npy"]
        for i, x in enumerate(inputs):
            np.save(f"{work}/x{i}.npy", x)
            cmd.append(f"--input={work}/x{i}.npy")
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        actual = np.load(f"{work}/y.npy")
    if expected.dtype == np.uint8:
        actual = actual.view(np.uint8)
        bad = np.flatnonzero(actual != expected)
    else:
        bad = np.flatnonzero(np.abs(actual - expected) >
                             1e-4 * (1 + np.abs(expected)))
    if bad.size:
        i = bad[0]
        print(f"oracle: {bad.size} differences, first at {i}: "
              f"{actual.reshape(-1)[i]} vs {expected.reshape(-1)[i]}")
        sys.exit(1)
    print(f"oracle: OK, {expected.size} values")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--run":
        run(sys.argv[2], sys.argv[3], sys.argv[4])
        sys.exit(0)
    if len(sys.argv) == 4 and sys.argv[1] == "--tensor":
        # --tensor NAME OUT.pb: an int64 shape tensor [6, 4].
        with open(sys.argv[3], "wb") as f:
            f.write(tensor(sys.argv[2], np.array([6, 4], np.int64))
                    .SerializeToString())
        sys.exit(0)
    m = MODELS[sys.argv[1]]()
    with open(sys.argv[2], "wb") as f:
        f.write(m.SerializeToString())
