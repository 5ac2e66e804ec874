// RUN: qsparse-run %s -e main --random-inputs=1 --cpu-vnni=off --profile --bench=3 | FileCheck %s
// RUN: qsparse-run %s -e main --random-inputs=1 --cpu-vnni=off --profile --profile-rows=1 | FileCheck %s --check-prefix=ROWS
// RUN: %python %S/Inputs/expect_exit.py 2 qsparse-run %s -e main --random-inputs=1 --profile --pipeline=reference | FileCheck %s --check-prefix=ERR
// RUN: %python %S/Inputs/expect_exit.py 2 qsparse-run %s -e main --random-inputs=1 --profile --target=emulator | FileCheck %s --check-prefix=ERR

// --profile times the function and each source op's code (the padding, the
// convolution kernel and its fused epilogue carry the convolution's
// location; the pooling kernel, which starts from its fill's value, its
// own), per call, over the timed runs.
// CHECK: result 0: tensor<1x4x4x64xi8>
// CHECK-NEXT: profile: @main, 3 calls, {{[0-9]+\.[0-9]+}} ms per call; the ops below {{[0-9]+\.[0-9]+}} ms ({{[0-9]+\.[0-9]}}%)
// CHECK-NEXT: profile:   ms/call      %  op (kind, location)
// CHECK-DAG: profile: {{ *[0-9]+\.[0-9]+ +[0-9]+\.[0-9]%}}  conv i8 kernel 1x8x8x64xi32  {{.*}}qsparse-run-profile.mlir:[[@LINE+17]]:10
// CHECK-DAG: profile: {{ *[0-9]+\.[0-9]+ +[0-9]+\.[0-9]%}}  pooling kernel 1x4x4x64xi8  {{.*}}qsparse-run-profile.mlir:[[@LINE+33]]:8
// CHECK: profile:   ms/call      %  kind
// CHECK-DAG: profile: {{ *[0-9]+\.[0-9]+ +[0-9]+\.[0-9]%}}  conv i8 kernel{{$}}
// CHECK-DAG: profile: {{ *[0-9]+\.[0-9]+ +[0-9]+\.[0-9]%}}  pooling kernel{{$}}
// CHECK: bench: median_ms={{[0-9]+\.[0-9]+}} gops={{[0-9]+\.[0-9]+}}
// CHECK-NOT: {{.}}
// Without --bench, the one run; --profile-rows limits the first table.
// ROWS: profile: @main, 1 call,
// ROWS-NEXT: profile:   ms/call      %  op (kind, location)
// ROWS-NEXT: profile: {{.*}}
// ROWS-NEXT: profile: {{ *[0-9]+\.[0-9]+ +[0-9]+\.[0-9]%}}  (1 more op)
// ROWS-NEXT: profile:   ms/call      %  kind
// ERR: qsparse-run: error: --profile times the CPU pipeline on the host (--target=host --pipeline=cpu)
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#col = affine_map<(d0, d1, d2, d3) -> (d3)>
func.func @main(%x: tensor<1x8x8x16xi8>, %w: tensor<3x3x16x64xi8>, %b: tensor<64xi32>) -> tensor<1x4x4x64xi8> {
  %acc = qsparse.conv2d %x, %w {input_unsigned, padding = array<i64: 1, 1, 1, 1>} : tensor<1x8x8x16xi8>, tensor<3x3x16x64xi8> -> tensor<1x8x8x64xi32>
  %e = tensor.empty() : tensor<1x8x8x64xi8>
  %r = linalg.generic {indexing_maps = [#map, #col, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%acc, %b : tensor<1x8x8x64xi32>, tensor<64xi32>) outs(%e : tensor<1x8x8x64xi8>) {
  ^bb0(%a: i32, %bias: i32, %o: i8):
    %s = arith.addi %a, %bias : i32
    %c0 = arith.constant 0 : i32
    %c127 = arith.constant 127 : i32
    %lo = arith.maxsi %s, %c0 : i32
    %hi = arith.minsi %lo, %c127 : i32
    %t = arith.trunci %hi : i32 to i8
    linalg.yield %t : i8
  } -> tensor<1x8x8x64xi8>
  %win = tensor.empty() : tensor<2x2xi8>
  %zero = arith.constant 0 : i8
  %pe = tensor.empty() : tensor<1x4x4x64xi8>
  %pf = linalg.fill ins(%zero : i8) outs(%pe : tensor<1x4x4x64xi8>) -> tensor<1x4x4x64xi8>
  %p = linalg.generic {indexing_maps = [affine_map<(n, h, w, c, kh, kw) -> (n, h * 2 + kh, w * 2 + kw, c)>,
                                        affine_map<(n, h, w, c, kh, kw) -> (kh, kw)>,
                                        affine_map<(n, h, w, c, kh, kw) -> (n, h, w, c)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%r, %win : tensor<1x8x8x64xi8>, tensor<2x2xi8>) outs(%pf : tensor<1x4x4x64xi8>) {
  ^bb0(%i: i8, %k: i8, %o: i8):
    %m = arith.maxui %o, %i : i8
    linalg.yield %m : i8
  } -> tensor<1x4x4x64xi8>
  return %p : tensor<1x4x4x64xi8>
}
