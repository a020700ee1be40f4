// RUN: deeploy-opt %s | filecheck %s
// RUN: DEEPLOY_ROUNDTRIP

buffer.arena L2 size 64 align 16 lower_bound 48
func.func @main(%x: memref<1x4xf32, #buffer.level<L2>>, %y: memref<4xf32, #buffer.level<L2>>) {
  %w = buffer.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32> {name = "w"} : memref<4xf32, #buffer.level<L2>>
  %a = buffer.alloc {name = "t0", offset = 16 : i64} : memref<1x4xf32, #buffer.level<L2>>
  buffer.kernel "add_f32" ins(%x, %w : memref<1x4xf32, #buffer.level<L2>>, memref<4xf32, #buffer.level<L2>>) outs(%a : memref<1x4xf32, #buffer.level<L2>>) {params = {}, name = "add0", op = "Add"}
  %v = buffer.view %a : memref<1x4xf32, #buffer.level<L2>> to memref<4xf32, #buffer.level<L2>>
  buffer.copy %v, %y : memref<4xf32, #buffer.level<L2>>, memref<4xf32, #buffer.level<L2>>
  func.return
}

// CHECK:      buffer.arena L2 size 64 align 16 lower_bound 48
// CHECK:      %w = buffer.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32> {name = "w"} : memref<4xf32, #buffer.level<L2>>
// CHECK-NEXT: %a = buffer.alloc {name = "t0", offset = 16 : i64} : memref<1x4xf32, #buffer.level<L2>>
// CHECK-NEXT: buffer.kernel "add_f32" ins(%x, %w : memref<1x4xf32, #buffer.level<L2>>, memref<4xf32, #buffer.level<L2>>) outs(%a : memref<1x4xf32, #buffer.level<L2>>) {params = {}, name = "add0", op = "Add"}
// CHECK-NEXT: %v = buffer.view %a : memref<1x4xf32, #buffer.level<L2>> to memref<4xf32, #buffer.level<L2>>
// CHECK-NEXT: buffer.copy %v, %y
