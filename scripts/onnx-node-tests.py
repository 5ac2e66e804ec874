#!/usr/bin/python3
"""Runs the ONNX backend node tests (Debian's libonnx-testdata) through qsparse.

For every test directory (model.onnx plus test_data_set_*/input_*.pb and
output_*.pb) whose graph uses only operators that `qsparse-translate
--list-onnx-operators` names, each data set is imported with
`qsparse-translate --import-onnx`, compiled with the CPU pipeline and run by
`qsparse-run`, and every output is compared with the expected one: exactly
for integers, |actual - expected| <= atol + rtol * |expected| for floats
(rtol 1e-3, atol 1e-5, as the ONNX suite does; NaN matches NaN).

Tests that use an operator qsparse does not support, or sequence, map or
optional values, are listed as SKIP with the reason. qsparse compiles static shapes, so a graph input that
supplies a shape (Reshape's `shape`) is fixed at import time from the data
set (--constant-input); every other input is a run-time argument.

One line per test, then `N passed, N failed, N skipped`. Exit status 1 if
any test failed, 2 on a usage error.

With --markdown FILE it also writes the table of supported operators and
the node tests that exercise each (docs/ONNX.md includes it).

Usage: onnx-node-tests.py [--build DIR] [--data DIR] [--filter REGEX] [-j N]
                          [--markdown FILE]
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

try:
    import onnx
    from onnx import numpy_helper
except ImportError:
    print("onnx-node-tests: python3-onnx is not installed", file=sys.stderr)
    sys.exit(2)

# Inputs (by operator and position) that must be known at import time.
SHAPE_INPUTS = {"Reshape": {1}}
RTOL, ATOL = 1e-3, 1e-5


def graph_ops(model):
    return sorted({(n.domain or "", n.op_type) for n in model.graph.node})


def compare(name, actual, expected):
    """Returns None when `actual` matches `expected`, else a message."""
    if actual.shape != expected.shape:
        return f"{name}: shape {actual.shape}, expected {expected.shape}"
    if actual.dtype != expected.dtype:
        if actual.dtype.itemsize != expected.dtype.itemsize:
            return f"{name}: dtype {actual.dtype}, expected {expected.dtype}"
        # Signless integers come back signed: reinterpret the bytes.
        actual = actual.view(expected.dtype)
    if expected.dtype.kind in "iub":
        bad = np.flatnonzero(actual.reshape(-1) != expected.reshape(-1))
    else:
        a = actual.astype(np.float64).reshape(-1)
        e = expected.astype(np.float64).reshape(-1)
        close = np.abs(a - e) <= ATOL + RTOL * np.abs(e)
        close |= np.isnan(a) & np.isnan(e)
        close |= np.isinf(e) & (a == e)
        bad = np.flatnonzero(~close)
    if bad.size:
        i = bad[0]
        return (f"{name}: {bad.size} of {expected.size} elements differ, "
                f"first at flat index {i}: {actual.reshape(-1)[i]} vs "
                f"expected {expected.reshape(-1)[i]}")
    return None


def run_data_set(test_dir, model, data_dir, tools, work):
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in initializers]
    shape_inputs = set()
    for node in model.graph.node:
        for pos in SHAPE_INPUTS.get(node.op_type, ()):
            if pos < len(node.input) and node.input[pos] in inputs:
                shape_inputs.add(node.input[pos])
    translate = [tools["translate"], "--import-onnx",
                 os.path.join(test_dir, "model.onnx"), "-o",
                 os.path.join(work, "model.mlir")]
    run = [tools["run"], os.path.join(work, "model.mlir"), "-e", "main"]
    for i, name in enumerate(inputs):
        pb = os.path.join(data_dir, f"input_{i}.pb")
        if name in shape_inputs:
            translate.append(f"--constant-input={name}={pb}")
            continue
        tensor = onnx.TensorProto()
        with open(pb, "rb") as f:
            tensor.ParseFromString(f.read())
        npy = os.path.join(work, f"input_{i}.npy")
        np.save(npy, numpy_helper.to_array(tensor))
        run.append(f"--input={npy}")
    outputs = [o.name for o in model.graph.output]
    for i in range(len(outputs)):
        run.append(f"--output={os.path.join(work, f'output_{i}.npy')}")
    for cmd, what in ((translate, "import"), (run, "run")):
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            msg = (p.stderr.strip().splitlines() or ["(no message)"])[-1]
            return f"{what} failed (exit {p.returncode}): {msg}"
    for i, name in enumerate(outputs):
        tensor = onnx.TensorProto()
        with open(os.path.join(data_dir, f"output_{i}.pb"), "rb") as f:
            tensor.ParseFromString(f.read())
        expected = numpy_helper.to_array(tensor)
        actual = np.load(os.path.join(work, f"output_{i}.npy"))
        problem = compare(name, actual, expected)
        if problem:
            return problem
    return None


def run_test(test_dir, supported, tools):
    name = os.path.basename(test_dir)
    try:
        model = onnx.load(os.path.join(test_dir, "model.onnx"))
    except Exception as e:  # a corrupt test file is a failure, not a crash
        return name, "FAIL", f"cannot load model: {e}", []
    unsupported = [f"{d + '.' if d else ''}{op}" for d, op in graph_ops(model)
                   if d not in ("", "ai.onnx") or op not in supported]
    for value in list(model.graph.input) + list(model.graph.output):
        kind = value.type.WhichOneof("value")
        if kind != "tensor_type":
            if f"{kind} values" not in unsupported:
                unsupported.append(f"{kind} values")
    if unsupported:
        return name, "SKIP", "unsupported: " + ", ".join(unsupported), []
    data_sets = sorted(d for d in os.listdir(test_dir)
                       if d.startswith("test_data_set_"))
    ops = [op for _, op in graph_ops(model)]
    if not data_sets:
        return name, "FAIL", "no test data sets", ops
    for data in data_sets:
        with tempfile.TemporaryDirectory(prefix="qsparse-onnx-") as work:
            try:
                problem = run_data_set(test_dir, model,
                                       os.path.join(test_dir, data), tools,
                                       work)
            except subprocess.TimeoutExpired:
                problem = "timed out"
            except Exception as e:  # unreadable test data: report, go on
                problem = f"{type(e).__name__}: {e}"
        if problem:
            return name, "FAIL", f"{data}: {problem}", ops
    return name, "PASS", "", ops


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(here, "..", "build"),
                        help="build directory with bin/qsparse-translate and "
                             "bin/qsparse-run")
    parser.add_argument("--data",
                        default="/usr/share/libonnx-testdata/data/node",
                        help="ONNX backend node test directory")
    parser.add_argument("--filter", default="",
                        help="only tests whose name matches this regex")
    parser.add_argument("--markdown", default="",
                        help="write the per-operator table to this file")
    parser.add_argument("-j", type=int, default=os.cpu_count() or 1,
                        help="tests run in parallel")
    args = parser.parse_args()

    tools = {"translate": os.path.join(args.build, "bin", "qsparse-translate"),
             "run": os.path.join(args.build, "bin", "qsparse-run")}
    for tool in tools.values():
        if not os.access(tool, os.X_OK):
            print(f"onnx-node-tests: {tool} is missing; build first",
                  file=sys.stderr)
            return 2
    if not os.path.isdir(args.data):
        print(f"onnx-node-tests: {args.data} is missing (install "
              "libonnx-testdata)", file=sys.stderr)
        return 2
    supported = set(subprocess.run(
        [tools["translate"], "--list-onnx-operators"], check=True,
        capture_output=True, text=True).stdout.split())
    pattern = re.compile(args.filter)
    tests = sorted(os.path.join(args.data, d) for d in os.listdir(args.data)
                   if d.startswith("test_") and pattern.search(d))

    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    per_op = {op: [0, 0] for op in supported}  # op -> [passed, failed]
    with concurrent.futures.ThreadPoolExecutor(max(1, args.j)) as pool:
        for name, status, detail, ops in pool.map(
                lambda t: run_test(t, supported, tools), tests):
            counts[status] += 1
            for op in ops:
                per_op[op][0 if status == "PASS" else 1] += 1
            print(f"{status} {name}" + (f": {detail}" if detail else ""),
                  flush=True)
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed, "
          f"{counts['SKIP']} skipped (unsupported operators)")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("| Operator | Node tests passed | failed |\n"
                    "|---|---:|---:|\n")
            for op in sorted(per_op):
                f.write(f"| {op} | {per_op[op][0]} | {per_op[op][1]} |\n")
            f.write(f"\nIn all: {counts['PASS']} passed, {counts['FAIL']} "
                    f"failed, {counts['SKIP']} skipped (tests of operators "
                    "or value types qsparse does not support).\n")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
