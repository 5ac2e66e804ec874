#!/usr/bin/env python3
"""Static estimates of the GPU pipeline's tensor-core kernels per tile
configuration, as Markdown tables (docs/GPUCodegen.md).

usage: gpu-estimates.py [--opt QSPARSE_OPT] [--ptxas PTXAS] [--quick]

For each kernel (int8, f16 and f32 (3xtf32 and tf32) dense, int8 and f16
2:4, flint4, a padded 3x3 convolution) and tile configuration, it compiles a 1024^3 program (the
conv: 1x56x56x64 by 3x3x64x64) with `qsparse-opt --qsparse-gpu-pipeline`,
assembles the kernel's PTX with `ptxas -v` for sm_80 and sm_90, and prints
one row:

- mma / K tile: tensor-core instructions per block and K tile;
- MAC / ldmatrix B: multiply-accumulates (of the dense product) per byte
  the warps read from shared memory with ldmatrix and, for 2:4, the
  metadata loads (the 4-bit kernel's decode reads come on top);
- MAC / global B: per byte the block copies from global memory per K tile;
- registers on sm_80 / sm_90 and static shared memory, from ptxas;
- resident blocks (warps) per SM on an A100 (sm_80 registers): 64K
  registers allocated 256 per warp, 164 KB of shared memory plus 1 KB per
  block, 2048 threads, 32 blocks; the binding limit is named.

Exits 1 when a kernel spills registers or a step fails. --quick runs the
default configuration of each kernel only.
"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXTRACT = os.path.join(HERE, "extract-ptx.py")

DENSE_CONFIGS = [
    (128, 128, 64, 2, 2, 3),
    (128, 128, 32, 2, 2, 4),
    (128, 64, 64, 2, 2, 3),
    (64, 64, 64, 2, 2, 3),
    (128, 256, 32, 2, 4, 3),
]
# The 2:4 kernel needs tile-k to be a multiple of 64.
SPARSE_CONFIGS = [
    (128, 128, 64, 2, 2, 3),
    (128, 64, 64, 2, 2, 3),
    (64, 64, 64, 2, 2, 3),
]


def matmul_i8():
    return """func.func @k(%x: tensor<1024x1024xi8>, %w: tensor<1024x1024xi8>) -> tensor<1024x1024xi32> {
  %y = qsparse.matmul %x, %w : tensor<1024x1024xi8>, tensor<1024x1024xi8> -> tensor<1024x1024xi32>
  return %y : tensor<1024x1024xi32>
}
"""


def matmul_float(elem):
    """A 1024^3 matmul of `elem` operands with an f32 accumulator."""
    t = f"tensor<1024x1024x{elem}>"
    acc = "tensor<1024x1024xf32>"
    return f"""func.func @k(%x: {t}, %w: {t}) -> {acc} {{
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {acc}
  %f = linalg.fill ins(%z : f32) outs(%e : {acc}) -> {acc}
  %r = linalg.matmul ins(%x, %w : {t}, {t}) outs(%f : {acc}) -> {acc}
  return %r : {acc}
}}
"""


def sparse(elem, acc):
    # A runtime 2:4 weight takes the same 2:4 kernel as a constant one
    # (after a packing kernel), without a megabyte constant.
    fill = ""
    out = "%y = qsparse.matmul %x, %w : tensor<1024x1024xi8>, tensor<1024x1024xi8> -> tensor<1024x1024xi32>"
    if elem == "f16":
        fill = """  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1024x1024xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
"""
        out = "%y = linalg.matmul ins(%x, %w : tensor<1024x1024xf16>, tensor<1024x1024xf16>) outs(%f : tensor<1024x1024xf32>) -> tensor<1024x1024xf32>"
    return f"""func.func @k(%x: tensor<1024x1024x{elem}>, %v: tensor<512x1024x{elem}>, %m: tensor<512x1024xi8>) -> tensor<1024x1024x{acc}> {{
  %w = qsparse.nm_decompress %v, %m {{sparsity = #qsparse.nm<2:4>, axis = 0 : i64}}
      : tensor<512x1024x{elem}>, tensor<512x1024xi8> -> tensor<1024x1024x{elem}>
{fill}  {out}
  return %y : tensor<1024x1024x{acc}>
}}
"""


def flint4():
    rng = random.Random(4)
    codes = bytes(rng.randrange(16) for _ in range(1024 * 1024)).hex()
    return f"""func.func @k(%x: tensor<1024x1024xi8>) -> tensor<1024x1024xi32> {{
  %codes = arith.constant dense<"0x{codes.upper()}"> : tensor<1024x1024xi8>
  %c = qsparse.bitcast %codes : tensor<1024x1024xi8> -> tensor<1024x1024x!qsparse.flint<4, signed>>
  %w = qsparse.decode %c : tensor<1024x1024x!qsparse.flint<4, signed>> -> tensor<1024x1024xi8>
  %y = qsparse.matmul %x, %w : tensor<1024x1024xi8>, tensor<1024x1024xi8> -> tensor<1024x1024xi32>
  return %y : tensor<1024x1024xi32>
}}
"""


def conv():
    return """func.func @k(%x: tensor<1x56x56x64xi8>, %w: tensor<3x3x64x64xi8>) -> tensor<1x56x56x64xi32> {
  %y = qsparse.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : tensor<1x56x56x64xi8>, tensor<3x3x64x64xi8> -> tensor<1x56x56x64xi32>
  return %y : tensor<1x56x56x64xi32>
}
"""


# name, program, selecting text, element bytes, sparse, 4-bit, configs,
# further pipeline options, mma per fragment pair and step.
KERNELS = [
    ("int8 dense (`mma.sync.m16n8k32`)", matmul_i8, "mma.sync", 1, False,
     False, DENSE_CONFIGS, "", 1),
    ("f16 dense (`mma.sync.m16n8k16`, f32 accumulators)",
     lambda: matmul_float("f16"), "mma.sync", 2, False, False,
     DENSE_CONFIGS, "", 1),
    ("f32 dense, 3xtf32 (three `mma.sync.m16n8k8.tf32` per step, the "
     "default)", lambda: matmul_float("f32"), "mma.sync", 4, False, False,
     DENSE_CONFIGS[:1] + DENSE_CONFIGS[2:4], "", 3),
    ("f32 dense, tf32 (`f32-mma=tf32`: one `mma.sync.m16n8k8.tf32`)",
     lambda: matmul_float("f32"), "mma.sync", 4, False, False,
     DENSE_CONFIGS[:1] + DENSE_CONFIGS[2:4], " f32-mma=tf32", 1),
    ("int8 2:4 (`mma.sp.m16n8k64`)", lambda: sparse("i8", "i32"), "mma.sp",
     1, True, False, SPARSE_CONFIGS, "", 1),
    ("f16 2:4 (`mma.sp.m16n8k32`, f32 accumulators)",
     lambda: sparse("f16", "f32"), "mma.sp", 2, True, False, SPARSE_CONFIGS,
     "", 1),
    ("flint4 (4-bit weights decoded in shared memory, `mma.sync.m16n8k32`)",
     flint4, "mma.sync", 1, False, True, DENSE_CONFIGS[:1] +
     DENSE_CONFIGS[2:4], "", 1),
    ("int8 3x3 convolution, padding 1 (implicit GEMM, M = 3136, N = 64, "
     "K = 576)", conv, "mma.sync", 1, False, False,
     DENSE_CONFIGS[:1] + DENSE_CONFIGS[2:4], "", 1),
]


def ptxas_info(ptxas, ptx, chip, tmp):
    out = subprocess.run([ptxas, f"-arch={chip}", "-v", ptx, "-o",
                          os.path.join(tmp, "k.cubin")],
                         capture_output=True, text=True, check=True).stderr
    spills = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads",
                       out)
    regs = re.search(r"Used (\d+) registers", out)
    smem = re.search(r"(\d+) bytes smem", out)
    if not spills or not regs:
        sys.exit(f"gpu-estimates: cannot read ptxas -v output:\n{out}")
    spilled = int(spills.group(1)) + int(spills.group(2))
    return int(regs.group(1)), int(smem.group(1)) if smem else 0, spilled


def occupancy(regs, smem, threads):
    warps = threads // 32
    per_warp = -(-regs * 32 // 256) * 256
    limits = {
        "register": 65536 // (per_warp * warps),
        "smem": (164 * 1024) // (smem + 1024),
        "thread": 2048 // threads,
        "block": 32,
    }
    blocks = min(limits.values())
    bound = [k for k, v in limits.items() if v == blocks]
    label = ""
    if len(bound) < len(limits) and "thread" not in bound and \
            "block" not in bound:
        label = ", " + " and ".join(bound) + "-bound"
    return f"{blocks} ({blocks * warps}){label}"


def fmt(x):
    return f"{x:.3g}" if x != int(x) else str(int(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--opt", default="qsparse-opt")
    ap.add_argument("--ptxas", default="/usr/local/cuda/bin/ptxas")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for (name, program, select, eb, is_sparse, nibble, configs, extra,
             per_step) in KERNELS:
            source = os.path.join(tmp, "k.mlir")
            with open(source, "w") as f:
                f.write(program())
            print(f"### {name}\n")
            print("| tile m x n x k, warps, stages | mma / K tile | "
                  "MAC / ldmatrix B | MAC / global B | regs sm_80 / sm_90 | "
                  "smem | blocks/SM (warps) |")
            print("|---|---|---|---|---|---|---|")
            for i, (bm, bn, bk, wm, wn, st) in enumerate(configs):
                if args.quick and i:
                    break
                regs, smem = {}, 0
                for chip in ("sm_80", "sm_90"):
                    options = (f"chip={chip} tile-m={bm} tile-n={bn} "
                               f"tile-k={bk} warps-m={wm} warps-n={wn} "
                               f"stages={st}{extra}")
                    out = os.path.join(tmp, f"{chip}.mlir")
                    subprocess.run([args.opt, source,
                                    f"--qsparse-gpu-pipeline={options}",
                                    "-o", out], check=True)
                    ptx_dir = os.path.join(tmp, chip)
                    subprocess.run([sys.executable, EXTRACT, "--select",
                                    select, out, ptx_dir], check=True,
                                   stdout=subprocess.DEVNULL)
                    ptx = os.path.join(ptx_dir, f"k.{chip}.ptx")
                    regs[chip], smem, spilled = ptxas_info(args.ptxas, ptx,
                                                           chip, tmp)
                    if spilled:
                        print(f"gpu-estimates: {name} {options} spills "
                              f"{spilled} bytes", file=sys.stderr)
                        failed = True
                threads = wm * wn * 32
                macs = bm * bn * (bk // eb)
                warp_m, warp_n = bm // wm, bn // wn
                if is_sparse:
                    mmas = (bn // 16) * (bm // 8) * (bk // 64)
                    shared = wm * wn * (bk // 64) * (
                        warp_n // 16 * (512 + 128) + warp_m // 16 * 1024)
                    glob = bm * bk + bn * bk // 2 + bn * bk // 8
                else:
                    mmas = (bm // 16) * (bn // 8) * (bk // 32) * per_step
                    shared = wm * wn * (warp_m + warp_n) * bk
                    glob = bm * bk + (bn * bk // 2 if nibble else bn * bk)
                default = " (default)" if (bm, bn, bk, wm, wn, st) == \
                    DENSE_CONFIGS[0] else ""
                print(f"| {bm}x{bn}x{bk}, {wm}x{wn}, {st}{default} | {mmas} | "
                      f"{fmt(round(macs / shared, 1))} | "
                      f"{fmt(round(macs / glob, 1))} | "
                      f"{regs['sm_80']} / {regs['sm_90']} | "
                      f"{fmt(round(smem / 1024, 1))} KB | "
                      f"{occupancy(regs['sm_80'], smem, threads)} |")
            print()
    if failed:
        return 1
    print("No kernel spills registers.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
