// RUN: qsparse-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect

// expected-error @+1 {{flint bit width must be in [2, 8], got 9}}
func.func @flint_too_wide(%a: tensor<4x!qsparse.flint<9>>)

// -----

// expected-error @+1 {{flint bit width must be in [2, 8], got 1}}
func.func @flint_too_narrow(%a: tensor<4x!qsparse.flint<1>>)

// -----

// expected-error @+1 {{signed flint bit width must be in [3, 8], got 2}}
func.func @signed_flint_too_narrow(%a: tensor<4x!qsparse.flint<2, signed>>)

// -----

// expected-error @+1 {{pot bit width must be in [2, 8], got 12}}
func.func @pot_too_wide(%a: tensor<4x!qsparse.pot<12, signed>>)

// -----

// expected-error @+1 {{expected 'signed'}}
func.func @bad_signedness(%a: tensor<4x!qsparse.flint<4, unsigned>>)

// -----

// expected-error @+1 {{N must be <= M, got N = 5, M = 4}}
"test.op"() {mask = #qsparse.nm<5:4>} : () -> ()

// -----

// expected-error @+1 {{M must be a power of two, got 6}}
"test.op"() {mask = #qsparse.nm<2:6>} : () -> ()

// -----

// expected-error @+1 {{N must be >= 1, got 0}}
"test.op"() {mask = #qsparse.nm<0:4>} : () -> ()

// -----

// expected-error @+1 {{M must be <= 256, got 512}}
"test.op"() {mask = #qsparse.nm<2:512>} : () -> ()

// -----

// expected-error @+1 {{expected 'transposable'}}
"test.op"() {mask = #qsparse.nm<2:4, transposed>} : () -> ()

// -----

// expected-error @+1 {{accumulator bound is empty: lo = 5 > hi = 4}}
"test.op"() {bound = #qsparse.acc_bound<lo = 5, hi = 4>} : () -> ()

// -----

// expected-error @+1 {{float exponent bits must be in [1, 3] for 4-bit signed, got 5}}
func.func @float_exponent(%a: tensor<4x!qsparse.float<4, e5, signed>>)

// -----

// expected-error @+1 {{expected the exponent width as eN, e.g. e2}}
func.func @float_syntax(%a: tensor<4x!qsparse.float<4, x2>>)
