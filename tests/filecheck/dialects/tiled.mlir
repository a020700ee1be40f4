// RUN: deeploy-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @dma(%a: memref<16xf32, #buffer.level<L2>>, %b: memref<16xf32, #buffer.level<L1>>) {
  tiled.copy %a, %b : memref<16xf32, #buffer.level<L2>>, memref<16xf32, #buffer.level<L1>>
  func.return
}
// CHECK: tiled.copy %a, %b : memref<16xf32, #buffer.level<L2>>, memref<16xf32, #buffer.level<L1>>

// -----

func.func @same_level(%a: memref<16xf32, #buffer.level<L2>>, %b: memref<16xf32, #buffer.level<L2>>) {
  tiled.copy %a, %b : memref<16xf32, #buffer.level<L2>>, memref<16xf32, #buffer.level<L2>>
  func.return
}
// CHECK: tiled.copy: source and target are in the same memory level
