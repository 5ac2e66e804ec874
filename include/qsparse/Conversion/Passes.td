//===- Passes.td - qsparse target lowering passes ----------*- tablegen -*-===//

#ifndef QSPARSE_CONVERSION_PASSES_TD
#define QSPARSE_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def CPUMatmulKernels : Pass<"qsparse-cpu-matmul-kernels", "mlir::ModuleOp"> {
  let summary = "Register-tiled vector micro-kernels for matmuls and convolutions";
  let description = [{
    Runs on buffers (after bufferization). Every statically shaped
    matmul-shaped contraction (`linalg.matmul`, or a `linalg.generic` with the
    maps (m, k), (k, n) -> (m, n) and a multiply-accumulate body) whose
    operands are f32 x f32 -> f32 or i8 x i8 -> i32 becomes a cache-blocked
    loop nest around a register tile of MR rows x NV vectors of C held in
    registers across the K loop:

    - f32: one `vector.fma` per A element broadcast and B vector;
    - u8 x s8 -> i32 on hosts with AVX-512 VNNI: B is packed into the VNNI
      layout [K/4][N][4] and each `llvm.x86.avx512.vpdpbusd.512` adds 4
      products per i32 lane;
    - other i8 x i8 -> i32: sign/zero-extended vector multiply-adds;
    - i8 x i8 -> i16 (narrowed accumulators, which wrap): the same kernels
      summing in i32, truncated to i16 when stored (the same bits, since
      2^16 divides 2^32); a C read back is sign-extended.

    Convolutions (NHWC input x HWCF filter, any strides and dilations, the
    padding already materialized by `tensor.pad`; in direct form or as the
    GEMM `--qsparse-implicit-im2col` makes of them, whose maps are rebuilt
    from its `qsparse.implicit_gemm` attribute and compared) become implicit GEMMs
    with M = N*OH*OW pixels, N = F filters and K = KH*KW*C: a register tile
    of MR pixels reads its A operand straight from the image inside the
    (kh, kw, c) loops, so no im2col buffer exists; the filter is packed like
    a matmul B. With VNNI, C % 4 != 0 and unit W dilation (an RGB stem), K
    runs instead over KH rows of ceil(KW*C/4) 4-byte groups of the
    consecutive image bytes of a filter row (the last group partial), the
    filter packed to match, rather than C padded to 4.

    A runtime B is packed into contiguous panels ([N/NR][K][NR], or the VNNI
    layout [K/4][4N]) K block by K block, each block right before the tiles
    that read it; a constant B (a constant `memref.global` of dense
    elements or a `dense_resource` blob, such as a weight) is packed at
    compile time into a new constant global instead, so a call does no
    packing. A constant int8 B with at most 16 distinct
    values (flint4, int4 or PoT weights, decoded at compile time) is stored
    for the VNNI kernel as 4-bit indices into a 16-entry table, half the
    bytes, and decoded in registers: one 64-byte load holds the indices of
    two B vectors, split by a mask and a shift and looked up by two
    `vpshufb` (`llvm.x86.avx512.pshuf.b.512`). A constant int8 B that is
    2:4 sparse along K (at most 2 nonzeros in each group of 4 rows of a
    column; `qsparse.nm_decompress` of constants is scattered at compile
    time) runs with half the dot products on hosts with AVX-512 VBMI: per
    8 rows of K a VNNI lane holds the column's 4 kept values, and `vpermb`
    (`llvm.x86.avx512.permvar.qi.512`) gathers the matching 4 bytes of the
    A row from a broadcast of its 8 bytes; values and in-block positions
    are packed at compile time. A runtime 2:4 B, written by the tagged
    loop nest of a runtime `qsparse.nm_decompress` (`qsparse.decompressed`,
    2:4 along K, [K/2][N] i8 values and metadata), takes the same kernel:
    the compressed operands are packed for it on every call, with the
    decompression's reading of the metadata (positions outside [0, 4) add
    nothing; of two equal positions the second slot wins), and the expanded
    B is erased when no other code reads it. The last M % MR rows (pixels) run a smaller
    register tile. The columns past the last full panel run as a narrower
    panel of their whole vectors (for matmuls not with 4-bit or 2:4
    weights). The rest stays in the original op on subviews (matmuls); a
    convolution whose output was filled right before, with no fused
    epilogue reading its output or a whole tensor, runs it as one vector
    ending at the last filter (overlapping filters already done, which it
    stores again with the same values), leaving scalar loops only
    otherwise. Every shape is handled. An output filled
    (`linalg.fill`) right before the contraction is not loaded: the first K
    block starts its registers from the fill value, and the fill remains
    only for columns other code computes. Zero points and other bodies are
    left to the loop lowering.

    Depthwise convolutions (`linalg.depthwise_conv_2d_nhwc_hwc` or a
    generic with its maps; f32, i8 x i8 -> i32, or i8 x i8 -> i16 summed in
    i16 lanes) are not GEMMs and get a
    direct kernel: channels across vector lanes, blocks of 4 output pixels
    of a row sharing each filter vector, the taps accumulated in registers
    (and a fused epilogue applied to them); channels past the last full
    vector stay in the op on subviews. As in the GEMM kernels, an output
    filled right before starts the registers from the fill value.

    Window reductions on NHWC buffers (max, min and sum pooling: a generic
    over (n, oh, ow, c, kh, kw) whose body folds each window element into
    the output with one `arith` max, min or add) get the same loops: each
    block of 4 output pixels keeps its running values in vector registers
    across the window, so each lane folds the same elements in the same
    order as the loops and the results are the same bits (starting from
    the value of a fill right before, when there is one).

    A `linalg.generic` marked `qsparse.epilogue` by `--qsparse-fuse` that
    reads the contraction's result element by element is applied to the
    accumulator vectors in registers (the last K block only; its body of
    arith and math ops widened to vectors) and stored straight into its
    output; its other operands may be whole tensors of the output shape
    (residuals), per-column vectors (bias, per-channel requantize) or
    splats. Columns outside the register tiles get the same epilogue in
    scalar loops. Epilogues that do not fit (other maps, ops that write
    memory in between, outputs aliasing the contraction's inputs, sub-byte
    buffers) stay separate loops. A padded image's fill (a `linalg.map`
    yielding one value) becomes vector stores over the flattened buffer,
    and a strided `memref.copy` (its interior) loops over the contiguous
    runs both sides share, moved in vectors; a copy whose innermost
    dimension is strided becomes `linalg.copy`.

    Convolution filters (dense and 2:4) are packed in column panels of 64
    filters, each contiguous ([panels * K/4][256] bytes, the last panel
    ending at the last filter), so a register tile's K loop streams one
    block of memory.

    Last, every other linalg op on static buffers whose loops are all
    parallel and whose body is scalar arith and math (the elementwise ops no
    contraction took as its epilogue, quantizations, fills, transposes)
    becomes loops with one dimension in `vector-bits / 32`-lane vectors:
    the output's innermost, else an input's innermost, if one is a vector
    long. Operands along it with unit stride are vector loads and stores,
    others are read and written lane by lane, and operands that do not
    depend on it are splats; the positions past the last full vector stay
    in the original op on subviews, and with `threads` > 1 the outermost
    loop is an `scf.parallel`.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "unsigned", "0",
           "Vector register width in bits (0: detect the host: 512 with "
           "AVX-512F, 256 with AVX2, else 128)">,
    Option<"vnni", "vnni", "std::string", "\"auto\"",
           "Use AVX-512 VNNI for u8 x s8: auto (host), on, off">,
    Option<"threads", "threads", "unsigned", "1",
           "When > 1, the loop over row tiles (matmul rows, convolution "
           "pixels, depthwise output rows) is an scf.parallel (each "
           "iteration writes its own rows); the CPU pipeline maps it to "
           "OpenMP">,
    Option<"tagKernels", "tag-kernels", "bool", "false",
           "Mark the top-level ops each rewrite emits with "
           "`qsparse.kernel = \"<kind> kernel\"` and "
           "`qsparse.kernel_output = <output type>` (for --qsparse-profile's "
           "labels)">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::LLVM::LLVMDialect"];
}

def Profile : Pass<"qsparse-profile", "mlir::ModuleOp"> {
  let summary = "Time every top-level op of each function (CPU pipeline option profile)";
  let description = [{
    Runs on buffers, after the CPU kernels. In every function with a body it
    brackets each region with calls `qsparse_profile_begin(id)` and
    `qsparse_profile_end(id)` (`(i64) -> ()`, declared private; the qsparse
    JIT runtime defines them): the whole function body (begin first, end
    before each `func.return`), and every maximal run of consecutive
    top-level "work" ops that share one source location. A work op is one
    with regions (loop nests, kernels, `scf.if`), a `linalg` op, a
    `memref.copy` or a call; allocations, deallocations, views and pure ops
    in between do not end a run (they are timed with it). Since the kernel
    loops of one contraction, its fused epilogue and the fill before it all
    carry the contraction's location, a run is one source op as the program
    wrote it.

    The module gets `qsparse.profile = [{kind, loc[, type]}, ...]`,
    indexed by id: `kind` is the `qsparse.kernel` mark of the run's last
    marked op (see `--qsparse-cpu-matmul-kernels` option `tag-kernels`) and
    `type` its `qsparse.kernel_output` ("1x56x56x24xi32"), else the name of
    its first work op and the type of that op's first operand; `loc` is the
    run's location; the function's own entry has `kind = "func
    @name"`. `qsparse-run --profile` prints the table per call, ordered by
    time. A call costs tens of nanoseconds; the ops between regions are not
    reordered or changed. Running the pass twice is an error.
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::arith::ArithDialect"];
}

def GPUMatmulKernels : Pass<"qsparse-gpu-matmul-kernels", "mlir::ModuleOp"> {
  let summary = "Tensor-core kernels (mma.sync, mma.sp for 2:4 weights) for int8, f16 and f32 (tf32) matmuls and convolutions";
  let description = [{
    Runs on buffers (after bufferization). Every statically shaped
    matmul-shaped contraction (`linalg.matmul`, or a `linalg.generic` with the
    maps (m, k), (k, n) -> (m, n) and a multiply-accumulate body) of i8 x i8
    -> i32 whose K is a multiple of 4 (or i8 x i8 -> i16, a narrowed
    accumulator: the mma sums in i32 and the store truncates, the same
    wrapping bits; taken only while the DESIGN 3.2 data-type bound of the
    dot product fits 32 bits, since the mma saturates), or of f16 x f16 ->
    f32 (operands
    extended by `arith.extf`) whose K is even, and every NHWC x HWCF
    convolution of the same types (direct form, any strides and dilations,
    the padding already materialized) whose C is a multiple of 4 (i8) or 2
    (f16), becomes a `gpu.launch`; one whose C is not (an RGB stem) runs on
    copies of its image and filter widened with zero channels. A convolution is the implicit GEMM M =
    N*OH*OW pixels, N = F, K = KH*KW*C in (kh, kw, c) order: the copies
    into shared memory read A straight from the image at (n, oh*sh + kh*dh,
    ow*sw + kw*dw, c), chunks never straddle a filter tap, so no im2col
    buffer exists; the filter is B as [K][F] and the output is stored
    through its [M][F] view. An image padded with zeros into a buffer that
    only the conv reads (a zero fill, then a copy into a window offset
    along H and W, the image unwritten until the conv) is read unpadded:
    chunks of taps outside it copy 0 bytes (cp.async zero fills them), and
    the padded buffer, its fill and its copy are erased.
    The kernel:

    - one block per `tile-m` x `tile-n` tile of C, `warps-m` x `warps-n`
      warps, each owning a (tile-m / warps-m) x (tile-n / warps-n) warp tile
      of m16n8 accumulator fragments held in registers across K;
    - A and B stream through `stages` shared-memory buffers of `tile-k`
      bytes of K (columns for i8, half as many f16 columns), filled by
      `nvgpu.device_async_copy` (16-byte cp.async when a row's bytes are a
      multiple of 16, else 8 or 4 bytes) `stages - 1` tiles ahead of the
      math (`nvgpu.device_async_create_group` / `device_async_wait`); rows
      and columns of K past the matrix are zero-filled by the copy;
    - per 32 bytes of K each warp loads its A fragments with
      `nvgpu.ldmatrix` x4 (16 x 32 bytes) and its B fragments, two n8 tiles
      at a time, with `nvgpu.ldmatrix` x4 from B stored transposed ([N][K]),
      then issues one mma per fragment pair: m16n8k32 `nvgpu.mma.sync` for
      s8 x s8, `nvvm.mma.sync` with u8 types when an operand is zero
      extended, m16n8k16 `nvgpu.mma.sync` with f32 accumulators for f16 (the
      two shapes' fragments have the same byte layout);
    - the lane -> element maps are those of `qsparse/Numerics/MmaLayouts.h`
      (checked against them for all 32 lanes when the kernel is built);
    - the fragments are added to C (or stored over it when C was just
      filled with zeros: the fill is removed) with bounds checks only where
      M or N is not a multiple of the tile; when `--qsparse-fuse` marked
      the contraction's elementwise consumer `qsparse.epilogue` (bias,
      requantize, ReLU/clamp, dequantize, residual add; the CPU kernels'
      matcher decides), it is applied to each fragment pair in registers
      and stored into its output instead, and the epilogue op is removed.

    A constant int8 B that is 2:4 sparse along K (at most 2 nonzeros in each
    group of 4 rows of a column; option `sparse-weights`) runs on
    `mma.sp.m16n8k64` instead, computing C^T = B^T A^T: B^T, compressed at
    compile time to its kept values ([N][K/2], 2 per group in ascending
    position) with the metadata words laid out in the order the lanes give
    them to mma.sp (`qsparse/Numerics/MmaLayouts.h`), is the sparse operand
    and the activation rows the dense one. Values, metadata and activations
    stream through shared memory by cp.async as above; per 64 columns of K
    each warp loads one `nvgpu.ldmatrix` x4 and one metadata word per m16
    tile of weights and two ldmatrix x4 per pair of n8 activation tiles.
    s8 x s8 uses `nvgpu.mma.sp.sync` (sparsity selector 0); an unsigned
    operand uses the PTX instruction with u8 types as inline assembly. The
    fragments hold C^T and are stored (or added, or passed to the epilogue)
    element by element. It needs tile-k to be a multiple of 64; a 2:4
    weight the tiles cannot take gets a remark and the dense kernel. A 2:4
    weight with at most 16 values takes this path, not the 4-bit one. A
    constant f16 B that is 2:4 along K takes the same kernel on
    `mma.sp.m16n8k32` (f32 accumulators; the same bytes per tile, its own
    metadata layout).

    A runtime int8 or f16 B expanded by a `qsparse.nm_decompress` keeping
    at most 2 of 4 along K (the loop nest tagged `qsparse.decompressed`)
    takes the same kernel when neither B nor its compressed operands are written
    before the contraction: a packing kernel launched before it expands
    each group in registers as nm_decompress does and writes the kept
    values and per-lane metadata words into new buffers (freed after the
    kernel); the expansion is removed when nothing else reads it.

    B is read as [N][K]: a constant B (a constant `memref.global`) is
    transposed at compile time into a new constant global, any other B by a
    `linalg.transpose` into a new buffer before the kernel. The int8 mma
    instructions saturate on overflow where the linalg reference wraps;
    accumulators proven by the deciding passes never overflow. The f16
    kernel adds in the tensor cores' order, so its f32 results differ from
    the reference's sequential sums by rounding. Other contractions are
    left alone.

    f32 x f32 -> f32 contractions (matmuls and convolutions, any K and C)
    take the same kernel with 4-byte elements on `mma.m16n8k8.tf32`
    (`nvgpu.mma.sync` with `tf32Enabled`; its fragments hold the same bytes
    as the int8 m16n8k32 ones, so tiles, copies, ldmatrix and swizzle are
    unchanged), as option `f32-mma` says: `3xtf32` (the default) splits each
    fragment element x into big = tf32(x) and small = tf32(x - big)
    (`nvvm.convert.float.to.tf32`, round to nearest, ties away) and issues
    small*big, big*small and big*big, which keeps about f32's precision
    (errors near 2^-22 per product); `tf32` rounds the operands to tf32 and
    issues one mma (10-bit mantissas, errors near 2^-11 per product); `off`
    leaves f32 contractions to the simple kernels. 2:4 and 4-bit weights
    are int8 and f16 only.
  }];
  let options = [
    Option<"tileM", "tile-m", "int64_t", "128", "Rows of C per block">,
    Option<"tileN", "tile-n", "int64_t", "128", "Columns of C per block">,
    Option<"tileK", "tile-k", "int64_t", "64",
           "Bytes of K per shared-memory stage: columns for int8, twice the "
           "f16 columns (a power of two, >= 32)">,
    Option<"warpsM", "warps-m", "int64_t", "2", "Warps along M per block">,
    Option<"warpsN", "warps-n", "int64_t", "2", "Warps along N per block">,
    Option<"stages", "stages", "int64_t", "3",
           "Shared-memory buffers in flight (>= 2)">,
    Option<"nibbleWeights", "nibble-weights", "bool", "true",
           "Keep a constant B with at most 16 distinct values (flint4, int4, "
           "PoT) as 4-bit indices in global memory, decoded in shared "
           "memory through its 16-entry table">,
    Option<"sparseWeights", "sparse-weights", "bool", "true",
           "Run a B that is 2:4 sparse along K (an int8 or f16 constant "
           "with at most 2 nonzeros in each group of 4 rows of a column, or "
           "a runtime int8 or f16 nm_decompress of at most 2:4 along K) on "
           "mma.sp "
           "(m16n8k64 int8, m16n8k32 f16): compressed values and metadata "
           "in global memory (tile-k a multiple of 64)">,
    Option<"f32Mma", "f32-mma", "std::string", "\"3xtf32\"",
           "f32 contractions on tensor cores: 3xtf32 (three tf32 mma per "
           "step, about f32 precision), tf32 (one, 10-bit mantissas) or off "
           "(the simple kernels)">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::affine::AffineDialect",
                           "mlir::gpu::GPUDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::nvgpu::NVGPUDialect",
                           "mlir::NVVM::NVVMDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::LLVM::LLVMDialect"];
}

def GPUMapHost : Pass<"qsparse-gpu-map-host", "mlir::ModuleOp"> {
  let summary = "Host functions of the GPU pipeline work on device memory";
  let description = [{
    Runs on buffers after the loop lowering of the ops the kernels did not
    take. The functions' memref arguments are device memory, so the host
    code may only launch kernels and manage buffers:

    - each outermost `scf.parallel` with static bounds becomes a
      `gpu.launch` with one thread per iteration (linearized over blocks of
      256 threads, the nested loops inside); an outermost `scf.for` runs on
      a single thread;
    - `memref.alloc` / `memref.dealloc` become `gpu.alloc` / `gpu.dealloc`;
    - `memref.copy` becomes `gpu.memcpy` (both sides contiguous);
    - `memref.get_global` of a constant global used by a launch is cloned
      into the launch (the kernel outlining copies the global into the GPU
      module, so constants live in device memory).

    Any other host operation that reads or writes a memref (or takes one and
    declares no memory effects, like a call) is an error naming the
    operation, and so is a sequential loop whose results the host uses.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::gpu::GPUDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect"];
}

#endif // QSPARSE_CONVERSION_PASSES_TD
