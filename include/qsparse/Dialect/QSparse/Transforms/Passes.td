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
      entry per code (so decoding is exact and costs one load);
    - `requantize`: 128-bit multiply, rounding half away from zero, clamp;
    - `nm_compress`, `nm_decompress`: per-group top-N selection and scatter;
    - `matmul`, `conv2d`: zero-point-corrected multiply-accumulate in the
      accumulator type (conv padding reads the input zero point).

    The result is the input of the reference pipeline and is also what the
    optimized pipelines fall back to for ops they do not specialize.
  }];
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
    change. The pipelines run this before bufferization.
  }];
}

#endif // QSPARSE_TRANSFORMS_PASSES_TD
