// RUN: deeploy-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @view_count(%x: memref<2x4xf32, #buffer.level<L2>>) {
  %v = buffer.view %x : memref<2x4xf32, #buffer.level<L2>> to memref<6xf32, #buffer.level<L2>>
  func.return
}
// CHECK: buffer.view: element counts differ

// -----

func.func @view_level(%x: memref<4xf32, #buffer.level<L2>>) {
  %v = buffer.view %x : memref<4xf32, #buffer.level<L2>> to memref<4xf32, #buffer.level<L1>>
  func.return
}
// CHECK: buffer.view: memory levels differ

// -----

func.func @no_level() {
  %a = buffer.alloc : memref<4xf32>
  func.return
}
// CHECK: buffer.alloc: result must name its memory level

// -----

func.func @negative_offset() {
  %a = buffer.alloc {offset = -16 : i64} : memref<4xf32, #buffer.level<L2>>
  func.return
}
// CHECK: buffer.alloc: offset must be non-negative

// -----

func.func @no_outs(%x: memref<4xf32, #buffer.level<L2>>) {
  buffer.kernel "relu_f32" ins(%x : memref<4xf32, #buffer.level<L2>>) outs() {params = {}}
  func.return
}
// CHECK: buffer.kernel: needs at least one output buffer

// -----

buffer.arena L2 size 64 align 12
// CHECK: buffer.arena: alignment must be a power of two

// -----

func.func @copy_size(%x: memref<4xf32, #buffer.level<L2>>, %y: memref<5xf32, #buffer.level<L2>>) {
  buffer.copy %x, %y : memref<4xf32, #buffer.level<L2>>, memref<5xf32, #buffer.level<L2>>
  func.return
}
// CHECK: buffer.copy: source and target differ in type or size

// -----

func.func @const_type() {
  %w = buffer.constant dense<1.0> : tensor<3xf32> : memref<4xf32, #buffer.level<L2>>
  func.return
}
// CHECK: buffer.constant: value and buffer types differ
