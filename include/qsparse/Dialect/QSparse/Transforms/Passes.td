//===- Passes.td - qsparse passes --------------------------*- tablegen -*-===//

#ifndef QSPARSE_TRANSFORMS_PASSES_TD
#define QSPARSE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowerQSparseToLinalg : Pass<"qsparse-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower every qsparse op to linalg, tensor and arith on integer storage";
  let description = [{
    Rewrites each qsparse op into `linalg.generic` ops whose bodies implement
    the op's exact semantics (DESIGN 3), and replaces code element types
    (`!qsparse.flint<B>`, `!qsparse.pot<B>`, `ui`/`si` integers) by their
    signless storage type everywhere, function signatures included:

    - `quantize`: `x / s` in f64; flint and PoT codes by counting the grid
      midpoints below it (ties away from zero) and a table from grid index
      to code; integer codes by `math.round` (half away from zero) and
      saturation; NaN gives the code of 0;
    - `dequantize`, `decode`: a `tensor.extract` from a constant table with one
      entry per code (so decoding is exact and costs one load); constant
      codes (weights, and their constant scales) are decoded or dequantized
      at compile time with the same values and the same f64 arithmetic;
    - `nm_decompress` of constant values and metadata: scattered at compile
      time with the same rule;
    - `requantize`: exact multiply (in i64 when the input has at most 32
      bits, every shift is at most 62 and the zero point fits i32, which
      bounds every intermediate below 2^63; in i128 otherwise), rounding
      half away from zero, clamp;
    - `nm_compress`, `nm_decompress`: per-group top-N selection and scatter;
      the scatter's `linalg.generic` is tagged `qsparse.decompressed =
      {sparsity, axis}` so that a kernel may read the compressed operands
      instead (the CPU 2:4 kernel does, for runtime weights);
    - `matmul`, `conv2d`: zero-point-corrected multiply-accumulate in the
      accumulator type (conv padding reads the input zero point). With
      `hoist-input-zero-point` (the CPU and GPU pipelines set it), a nonzero
      input zero point leaves the multiply-accumulate, which becomes a plain
      u8/s8 dot product, and is subtracted after it as
      `zx * sum_k (w[k, f] - zw)` per output channel (folded to a constant
      for constant weights): equal in the accumulator's wrapping arithmetic,
      narrowed (i16) accumulators included, whose partial sums may then
      leave the proven range but whose result wraps back into it. A pipeline
      that sets the option must not saturate partial sums (the CPU kernels
      sum i16 accumulators in i32 and truncate).

    The result is the input of the reference pipeline and is also what the
    optimized pipelines fall back to for ops they do not specialize.
  }];
  let options = [
    Option<"hoistInputZeroPoint", "hoist-input-zero-point", "bool",
           /*default=*/"false",
           "Subtract the input zero point after the multiply-accumulate "
           "(exact in wrapping arithmetic; kernels must not saturate)">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::math::MathDialect",
                           "mlir::func::FuncDialect"];
}

def ReadOnlyArguments : Pass<"qsparse-readonly-arguments", "mlir::ModuleOp"> {
  let summary = "Keep bufferization from writing into caller-owned inputs";
  let description = [{
    Marks every tensor argument of every public function
    `bufferization.writable = false`. One-Shot Bufferize at function
    boundaries otherwise treats arguments as writable and may compute a
    result in place of an input, so a caller that runs the function twice
    on the same inputs (a benchmark, a reference check) would see its inputs
    change. Results become out-parameters, one buffer each, so a value
    returned more than once is copied (`linalg.copy`) for its later
    positions. The pipelines run this before bufferization.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def UnshareEmptyTensors : Pass<"qsparse-unshare-empty-tensors"> {
  let summary = "Give each destination-passing use of a tensor.empty its own op";
  let description = [{
    CSE (the ONNX importer runs it) merges identical `tensor.empty` ops, so
    one empty tensor can become the destination of several unrelated ops.
    One-Shot Bufferize then gives all of them one buffer and, where the
    earlier value is dead, writes the later op into the buffer an earlier
    op's consumer reads: a requantize epilogue writes the very buffer its
    convolution reads. The kernels cannot fuse such an epilogue (its
    output would overwrite the input other blocks still read), so it runs
    as a separate pass over memory. This pass clones a shared
    `tensor.empty` (at its own position, so dynamic sizes still dominate)
    for every use after the first. Bufferization then allocates a buffer
    per destination and frees each after its last use, as usual. The
    pipelines run it just before bufferization.

    A `linalg.fill` of a `tensor.empty` (a zeroed accumulator) gets the
    same treatment first: each use as the destination of another op gets
    its own fill of its own empty tensor, placed right before that op. Shared, the second
    contraction would accumulate into a copy of the first one's filled
    buffer; alone and right before it, the fill is what the CPU kernels
    fold into their first K block, and the contraction's epilogue can be
    fused.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def FloatRanges : Pass<"qsparse-float-ranges"> {
  let summary = "Prove what float values can be; mark min/max `nnan`, drop clamps that never clamp";
  let description = [{
    A forward analysis of every float value (for a tensor, of any of its
    elements): whether it may be NaN or -0.0, and an interval [lo, hi] of
    the extended reals holding its other values. Constants (dense, splat
    or `dense_resource`) are read element by element; integer-to-float
    conversions give the integer type's range; `+`, `-`, `*`, `/`, `exp`
    and `tanh` are evaluated on the bounds in double and widened by the
    rounding to the result type (overflow past its largest value gives
    infinity; computed bounds are kept for f32, f16 and bf16, f64 keeps
    only exact ones, and other float formats (f8 types, which overflow to
    NaN, f80, f128) are not analyzed); min/max,
    `select`, rounding (monotone: the bounds' images) and negation follow
    their definitions. NaN comes only from a NaN operand, infinity minus
    infinity, 0 * infinity, 0 / 0 or infinity / infinity. The ranges flow
    through the bodies of `linalg.generic` (block arguments take their
    operands' ranges; an output the body reads, as in a reduction, also
    takes the yielded values', to a fixpoint, with bounds that still move
    after two rounds going to infinity) and through the tensor ops that only
    move elements (transpose, broadcast, copy and fill without a type
    conversion, pad, reshapes, slices, concat); a reduction's result also
    holds its initial values. Anything else, function arguments included,
    may be anything.

    Then, for every `arith.maximumf`, `minimumf`, `maxnumf` and `minnumf`:
    - against a constant that can never change the other operand (every
      value of it already at least, or at most, the constant; signed zeros
      and NaN respected), the op is removed;
    - else, when both operands are proven not NaN, it gets the `nnan`
      fast-math flag.

    Both are facts, so results do not change. A NaN-propagating
    `maximumf` costs x86 a compare and a blend besides the `vmaxps`; a
    quantized model clamps every requantized value twice (the activation's
    range, then the integer type's), on values from an integer accumulator
    through finite scales, and after a ReLU6 clamp to [0, 6] with output
    scale 6/255 the clamp to [0, 255] can never clamp. MobileNetV2's
    112x112x16 -> 96 expansion with its epilogue went from 0.36 to 0.30 ms
    with the flags. The CPU pipeline runs this after fusion, before
    bufferization.
  }];
  let statistics = [
    Statistic<"numMarked", "marked", "min/max ops marked nnan">,
    Statistic<"numRemoved", "removed", "min/max ops that never change their operand, removed">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def WriteResultsInPlace
    : Pass<"qsparse-write-results-in-place", "mlir::func::FuncOp"> {
  let summary = "Compute a result in its out-parameter instead of copying it there";
  let description = [{
    After results become out-parameters
    (`buffer-results-to-out-params`), a result that was computed in a
    buffer of its own is copied into the out-parameter at the end of the
    function: `memref.copy %alloc, %out`. Its static allocations are
    hoisted to the caller only when the returned value is the allocation
    itself, not a view of it (an implicit GEMM's output is returned through
    `memref.expand_shape` of its [pixels][F] matrix), so such copies
    remain, as large as the result. This pass computes the result in the
    out-parameter instead: the allocation is replaced by the out-parameter
    and the copy is erased.

    A copy is forwarded when its source is a static, identity-layout
    `memref.alloc` of the same type in the function's entry block (or
    `memref.expand_shape`/`collapse_shape` views of one: reshapes keep an
    identity layout's element order), its
    target an entry-block argument used by nothing else, and every other
    use of the allocation comes before the copy. Like the upstream
    hoisting, this assumes out-parameters do not alias the inputs. The
    pipelines run it right after `buffer-results-to-out-params`, before
    deallocations are placed.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def Fuse : Pass<"qsparse-fuse", "mlir::ModuleOp"> {
  let summary = "Operator fusion planned from DNNFusion mapping types";
  let description = [{
    Classifies every tensor op by its mapping type (DNNFusion): one-to-one
    (elementwise, including `qsparse.requantize`/`decode`/`dequantize` and
    elementwise `linalg.generic`), one-to-many (`linalg.fill`,
    `linalg.broadcast`, generics whose inputs are all broadcasts),
    many-to-many (contractions, convolutions, pooling, reductions,
    softmax), reorganize (`tensor.pad`, slices, reshapes, N:M compress and
    decompress) and shuffle (`linalg.transpose`, generics reading an input
    through a permutation). Runs after `--qsparse-lower-to-linalg`; qsparse
    ops still present are classified but not merged.

    The plan, from those types:

    - elementwise chains: a one-to-one, one-to-many or shuffle producer
      (an all-parallel `linalg.generic`, after generalizing the named
      elementwise, transpose and broadcast ops) is merged into its
      all-parallel consumer (upstream `fuseElementwiseOps`), so broadcasts
      and transposes become indexing maps. A producer with other users is
      merged only when it is one-to-many (recomputing a broadcast is a
      load); otherwise it would be computed twice and is left alone. A
      producer that reads a contraction's result in its own order (an
      epilogue to be) is not merged into a consumer that reads it permuted
      (a transpose to the function's layout): it stays the contraction's
      epilogue and the transpose a kernel of its own;
    - reshapes between two elementwise generics are folded into their
      indexing by expansion;
    - epilogues: the single elementwise consumer of a many-to-many
      contraction (bias, requantize, ReLU/clamp, residual add, dequantize,
      already merged into one generic by the first rule) that reads the
      contraction's result with the identity map and writes a result of
      the same shape is marked `qsparse.epilogue` and joins the
      contraction's group; `--qsparse-cpu-matmul-kernels` applies it to
      the accumulator registers before the store (in the last K block), so
      the separate elementwise loop disappears. Side-effect-free ops
      between the contraction and its epilogue that do not depend on the
      contraction (a zero-point correction of constant weights the
      epilogue reads) move above the contraction and the fill of its
      output, since the kernels apply no epilogue across other code;
    - never fused: two many-to-many ops (a contraction feeding a pooling
      or another contraction), and elementwise producers into a
      contraction (the micro-kernels need the multiply-accumulate form;
      decoding weights is the kernels' prologue).

    With `report=PATH` it writes a JSON object: `kernels_before`,
    `kernels_after` (ops that run as separate loops: views such as
    reshapes and bitcasts are not kernels), `groups` (one per kernel after
    fusion: `kind` epilogue / elementwise / single, the root op and its
    `members` with their mapping types) and `not_fused` (producer,
    consumer, reason).
  }];
  let options = [
    Option<"report", "report", "std::string", "\"\"",
           "Write the JSON fusion report to this path">,
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def ConvToNhwc : Pass<"qsparse-conv-to-nhwc", "mlir::ModuleOp"> {
  let summary = "Run NCHW/FCHW convolutions in NHWC/HWCF layout";
  let description = [{
    Rewrites every statically shaped `linalg.conv_2d_nchw_fchw` (or generic
    with its maps; bodies that read loop indices excepted) into
    `linalg.transpose` of the image to NHWC, of the filter to HWCF and of
    the accumulator init to NHWC, the NHWC convolution as a
    `linalg.generic` with the same body, strides and dilations, and a
    transpose of the result back to NCHW. The CPU pipeline runs it before
    `--qsparse-implicit-im2col`, so models in NCHW (ONNX) reach the NHWC
    convolution micro-kernel. A constant filter (dense elements or a
    `dense_resource` blob) is permuted at compile time, so the kernels
    still see a constant weight and pack it at compile time, and an
    accumulator init that fills an empty tensor is filled in its NHWC
    shape; the other transposes cost a pass over their tensor at run time
    (`--qsparse-sink-transposes` cancels the ones between convolutions).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def SinkTransposes : Pass<"qsparse-sink-transposes", "mlir::ModuleOp"> {
  let summary = "Move layout transposes down until they cancel, so activations stay NHWC";
  let description = [{
    A model in NCHW (ONNX) runs its convolutions in NHWC: each one's input
    is transposed to NHWC and its result read back in NCHW (by a
    `linalg.transpose`, or by a generic that reads it through a permuted
    indexing map). The bias, ReLU, padding, max pool and residual add
    between two convolutions then run in NCHW, and none of them reads the
    accumulator in the order the convolution writes it, so none can be
    its fused epilogue.

    This pass moves those transposes down, program order first, so that
    the ops in between run in the convolutions' layout:
    - an all-parallel generic that reads a full-size operand through a
      permutation first gets that transpose as a `linalg.transpose` of its
      own (`--qsparse-fuse` folds the ones that do not move back into the
      map);
    - `transpose(transpose(x))` becomes one transpose of `x`, or `x` when
      the two cancel;
    - `tensor.pad(transpose(x))` with a constant padding value becomes
      `transpose(tensor.pad(x))`, the low and high padding permuted;
    - a `linalg.generic` (static shapes, one result, no `linalg.index`)
      whose full-size operands (those reading every parallel loop) are
      more often transposes than not reads the transposes' inputs
      instead: the permutations fold into their indexing maps, the
      parallel loops are renumbered so that the first such operand is
      read in order (reductions keep their positions), and when the
      result's map is then out of order the result is computed in loop
      order and transposed back (its destination, an empty tensor or a
      fill of one, is rebuilt in the new shape). Elementwise ops, pooling
      windows and reductions such as a global average pool all take this
      form. A tie leaves the op alone, so an epilogue never trades its
      accumulator's order for another operand's. Operands with at most one
      dimension of extent > 1 (per-channel `[1][C][1][1]` parameters, any
      tensor of a 1x1 image) have the same element order in every layout
      and do not count.

    The pipelines run it after `--qsparse-conv-to-nhwc` and before
    `--qsparse-fuse`. On the ResNet-18 example every transpose between two
    convolutions cancels: each block's requantize and residual add become
    the fused epilogue of its convolution.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def ImplicitIm2col : Pass<"qsparse-implicit-im2col", "mlir::ModuleOp"> {
  let summary = "Convolutions as GEMMs that read their input tiles from the image";
  let description = [{
    Rewrites every statically shaped direct 2-D convolution on tensors -
    `linalg.conv_2d_nhwc_hwcf`, `linalg.conv_2d_nchw_fchw`, and generics
    with their indexing maps (what `qsparse.conv2d` lowers to), any strides
    and dilations - into a `linalg.generic` GEMM:

    - NHWC/HWCF: loops (n, p, f, k) with p = oh * OW + ow and
      k = (kh * KW + kw) * C + c; the filter is viewed as [K][F]
      (`tensor.collapse_shape`), the output as [N][P][F];
    - NCHW/FCHW: loops (n, f, p, k) with k = (c * KH + kh) * KW + kw; the
      filter as [F][K], the output as [N][F][P].

    The image operand is not rewritten: its indexing map computes the
    im2col position, `(n, (p floordiv OW) * sh + (k floordiv (KW * C)) *
    dh, (p mod OW) * sw + ((k mod (KW * C)) floordiv C) * dw, k mod C)` for
    NHWC, so a tile of the GEMM's A operand is read straight from the
    image and no buffer of the im2col size (N * OH * OW x KH * KW * C) ever
    exists. Padding stays what it was (a `tensor.pad` producer, or the one
    `qsparse.conv2d` lowers to): the padded image is read in place. When
    the pad value adds nothing to a product (integer zero, or +0.0 with a
    constant filter free of infinities and NaNs) and only H and W are
    padded, the generic also carries `qsparse.zero_border = array<i64:
    top, left, bottom, right>`, so the kernels may skip taps that read only
    the border. The
    body (zero points included) is kept; the result is expanded back to
    the convolution's shape. The generic carries `qsparse.implicit_gemm =
    array<i64: sh, sw, dh, dw, kh, kw>`, from which
    `--qsparse-cpu-matmul-kernels` rebuilds and checks its maps to run it on
    the convolution micro-kernel (the filter and output views may have been
    folded into constants or buffers of their own by then).

    Depthwise convolutions are not GEMMs (one filter per channel) and are
    left to their direct form; pooling is not touched.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

//===----------------------------------------------------------------------===//
// Deciding passes (DESIGN 3). Each takes `report=PATH` and writes a JSON
// array there: one object per contraction with "loc" and "op", the decision,
// or "skipped" and the reason the contraction was left unchanged.
//===----------------------------------------------------------------------===//

def SelectNumericType : Pass<"qsparse-select-numeric-type", "mlir::ModuleOp"> {
  let summary = "Choose an ANT numeric type for each constant float weight";
  let description = [{
    For every floating-point contraction whose weight is a constant, quantizes
    the weight with each candidate type (per output channel by default, the
    alpha search of DESIGN 3.1), keeps the type with the lowest summed
    per-channel MSE, and rewrites the weight to constant codes + constant
    scales + `qsparse.dequantize`. Only the weight changes: activations keep
    their type, so the program differs from the original only by the rounding
    of its weights, and weights that are exactly grid value x scale come back
    exactly. Constants may be inline or `dense_resource` blobs (as
    qsparse-translate writes large ONNX initializers). After
    `--qsparse-sparsify` the weight is `qsparse.nm_decompress` of constant
    kept values: the type is chosen on the pruned weight and the kept values
    become codes + scales + `qsparse.dequantize` (prune first, then
    quantize what survives).

    Report keys: "chosen" (e.g. "flint4"), "mse" (candidate -> summed MSE),
    "per_channel".
  }];
  let options = [
    Option<"bits", "bits", "unsigned", "4", "Code width B (2..8)">,
    Option<"candidates", "candidates", "std::string", "\"int,pot,flint\"",
           "Comma-separated candidate types: int, pot, flint">,
    Option<"perChannel", "per-channel", "bool", "true",
           "One scale per output channel (else one per tensor)">,
    Option<"report", "report", "std::string", "\"\"",
           "Write the JSON decision report to this path">,
  ];
  let dependentDialects = ["qsparse::QSparseDialect",
                           "mlir::arith::ArithDialect"];
}

def Sparsify : Pass<"qsparse-sparsify", "mlir::ModuleOp"> {
  let summary = "Prune constant weights to N:M and store them compressed";
  let description = [{
    Prunes each constant contraction weight to N:M along its reduction axis
    (K for matmul weights, C for convolution weights; DESIGN 3.3) and
    rewrites it to compressed values + metadata feeding
    `qsparse.nm_decompress`; qsparse contractions also get
    `weight_sparsity`. Modes: `magnitude` (N largest |w| per group),
    `transposable-exact` (min-cost flow per M x M tile, the most L1 mass
    with N per row and column) and `transposable-greedy`. Contractions
    with a weight zero point are skipped (a stored 0 is not a zero weight).

    Report keys: "n", "m", "mode", "kept_l1_fraction",
    "mask_diversity_log10".
  }];
  let options = [
    Option<"n", "n", "unsigned", "2", "Kept elements per group">,
    Option<"m", "m", "unsigned", "4", "Group size (a power of two)">,
    Option<"mode", "mode", "std::string", "\"magnitude\"",
           "magnitude | transposable-exact | transposable-greedy">,
    Option<"report", "report", "std::string", "\"\"",
           "Write the JSON decision report to this path">,
  ];
  let dependentDialects = ["qsparse::QSparseDialect",
                           "mlir::arith::ArithDialect"];
}

def AccumulatorAnalysis : Pass<"qsparse-accumulator-analysis", "mlir::ModuleOp"> {
  let summary = "Prove each integer contraction's accumulator range";
  let description = [{
    For every integer contraction with a constant weight, computes the exact
    per-channel accumulator range over all inputs of the input type (zero
    points and `input_unsigned` applied, accumulator init included, DESIGN
    3.2) and attaches it as `acc_bound` (qsparse ops) or `qsparse.acc_bound`
    (linalg ops). The attached range covers every partial sum in any
    summation order (positive and negative contributions summed separately),
    so tiled, vectorized and saturating accumulators are covered too; it
    equals the final-sum range whenever 0 is a possible input and the init is
    0. A contraction whose accumulator type is narrower than the proof gets a
    warning and no bound.

    Report keys: "k", "lo", "hi" (extremes of the proven range over all
    channels), "proven_bits", "exact_bits" (DESIGN 3.2 final-sum width),
    "datatype_bits", "l1_bits", "zero_centered_bits" (null when the weights
    are not zero-centred); "overflow": true when the declared accumulator is
    too narrow.
  }];
  let options = [
    Option<"report", "report", "std::string", "\"\"",
           "Write the JSON decision report to this path">,
  ];
  let dependentDialects = ["qsparse::QSparseDialect"];
}

def NarrowAccumulators : Pass<"qsparse-narrow-accumulators", "mlir::ModuleOp"> {
  let summary = "Narrow proven accumulators to the smallest allowed width";
  let description = [{
    Rewrites the accumulator (result element type) of every contraction that
    carries a proven bound to the narrowest allowed width that holds it, and
    sign-extends the result back for its users. Never narrows without a
    proof. Report keys: "from_bits", "to_bits", "required_bits".
  }];
  let options = [
    ListOption<"widths", "widths", "unsigned",
               "Allowed accumulator widths (default 16,32)">,
    Option<"report", "report", "std::string", "\"\"",
           "Write the JSON decision report to this path">,
  ];
  let dependentDialects = ["qsparse::QSparseDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def EnforceAccumulatorBound : Pass<"qsparse-enforce-accumulator-bound", "mlir::ModuleOp"> {
  let summary = "Change constant integer weights so a target width suffices";
  let description = [{
    Adjusts every constant integer weight (AXE-style, DESIGN 3.2) by the
    smallest L2 change that makes the exact accumulator range of each output
    channel fit a signed `bits`-bit accumulator (each tile of `tile` reduction
    elements when `tile` > 0): projection onto the L1 ball, then rounding
    toward zero. A weight constant that other ops read too is skipped (they
    would keep the old values). Report keys: "bits", "tile",
    "relative_l2_error".
  }];
  let options = [
    Option<"bits", "bits", "unsigned", "16", "Target accumulator width">,
    Option<"tile", "tile", "int64_t", "0",
           "Reduction tile size T (0: the whole reduction)">,
    Option<"report", "report", "std::string", "\"\"",
           "Write the JSON decision report to this path">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def InstrumentOverflow : Pass<"qsparse-instrument-overflow", "mlir::ModuleOp"> {
  let summary = "Stop the program when an accumulator leaves its declared width";
  let description = [{
    For the reference pipeline: recomputes every integer contraction with a
    64-bit accumulator next to the declared one and inserts a `cf.assert`
    that stops the program, naming the op and its location, when some result
    does not fit the declared accumulator width.
  }];
  let dependentDialects = ["qsparse::QSparseDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::cf::ControlFlowDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

#endif // QSPARSE_TRANSFORMS_PASSES_TD
