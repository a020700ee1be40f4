// RUN: deeploy-opt %s --split-input-file -p 'verify-memory-plan{capacity="L1:64"}' --verify-diagnostics | filecheck %s

// A correct plan passes unchanged.
buffer.arena L2 size 128 align 16
func.func @ok(%x: memref<16xf32, #buffer.level<L2>>, %y: memref<16xf32, #buffer.level<L2>>) {
  %a = buffer.alloc {name = "a", offset = 0 : i64} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%x : memref<16xf32, #buffer.level<L2>>) outs(%a : memref<16xf32, #buffer.level<L2>>) {params = {}}
  %b = buffer.alloc {name = "b", offset = 64 : i64} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%a : memref<16xf32, #buffer.level<L2>>) outs(%b : memref<16xf32, #buffer.level<L2>>) {params = {}}
  buffer.kernel "relu_f32" ins(%b : memref<16xf32, #buffer.level<L2>>) outs(%y : memref<16xf32, #buffer.level<L2>>) {params = {}}
  func.return
}
// CHECK-LABEL: func.func @ok

// -----

// Two buffers live at the same time must not share bytes.
buffer.arena L2 size 128 align 16
func.func @overlap(%x: memref<16xf32, #buffer.level<L2>>, %y: memref<16xf32, #buffer.level<L2>>) {
  %a = buffer.alloc {name = "a", offset = 0 : i64} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%x : memref<16xf32, #buffer.level<L2>>) outs(%a : memref<16xf32, #buffer.level<L2>>) {params = {}}
  %b = buffer.alloc {name = "b", offset = 32 : i64} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%a : memref<16xf32, #buffer.level<L2>>) outs(%b : memref<16xf32, #buffer.level<L2>>) {params = {}}
  buffer.kernel "relu_f32" ins(%b : memref<16xf32, #buffer.level<L2>>) outs(%y : memref<16xf32, #buffer.level<L2>>) {params = {}}
  func.return
}
// CHECK: memory plan: buffer 'a' [0, 64) and buffer 'b' [32, 96) overlap while both are live

// -----

buffer.arena L2 size 64 align 16
func.func @outside(%x: memref<16xf32, #buffer.level<L2>>) {
  %a = buffer.alloc {name = "a", offset = 16 : i64} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%x : memref<16xf32, #buffer.level<L2>>) outs(%a : memref<16xf32, #buffer.level<L2>>) {params = {}}
  func.return
}
// CHECK: memory plan: buffer 'a' ends at 80, past the 64-byte L2 arena

// -----

buffer.arena L2 size 128 align 16
func.func @misaligned(%x: memref<16xf32, #buffer.level<L2>>) {
  %a = buffer.alloc {name = "a", offset = 8 : i64} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%x : memref<16xf32, #buffer.level<L2>>) outs(%a : memref<16xf32, #buffer.level<L2>>) {params = {}}
  func.return
}
// CHECK: memory plan: buffer 'a' offset 8 is not 16-byte aligned

// -----

func.func @unplanned(%x: memref<16xf32, #buffer.level<L2>>) {
  %a = buffer.alloc {name = "a"} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%x : memref<16xf32, #buffer.level<L2>>) outs(%a : memref<16xf32, #buffer.level<L2>>) {params = {}}
  func.return
}
// CHECK: memory plan: buffer 'a' has no offset (run plan-memory)

// -----

// A tiled layer's L1 buffers are sized from its schedule: relu tiles of 8 floats take
// 32 bytes each, so y at 16 overlaps x's [0, 32).
func.func @l1_overlap(%x: memref<16xf32, #buffer.level<L2>>, %y: memref<16xf32, #buffer.level<L2>>) {
  tiled.layer "relu_f32" ins(%x : memref<16xf32, #buffer.level<L2>>) outs(%y : memref<16xf32, #buffer.level<L2>>) tile [8] l1 [0, -1, 16, -1] {params = {}, name = "r", order = "d0"}
  func.return
}
// CHECK: memory plan: layer 'r': L1 buffers [0, 32) and [16, 48) overlap

// -----

// ... and must lie within the L1 capacity given to the pass (64 bytes would fit).
func.func @l1_capacity(%x: memref<16xf32, #buffer.level<L2>>, %y: memref<16xf32, #buffer.level<L2>>) {
  tiled.layer "relu_f32" ins(%x : memref<16xf32, #buffer.level<L2>>) outs(%y : memref<16xf32, #buffer.level<L2>>) tile [8] l1 [0, -1, 48, -1] {params = {}, name = "r", order = "d0"}
  func.return
}
// CHECK: memory plan: layer 'r': L1 buffer 0 of operand 1 [48, 80) ends past the 64-byte L1

// -----

// A buffer used above its alloc has no lifetime there: the plan cannot be checked.
buffer.arena L2 size 128 align 16
func.func @use_before_def(%x: memref<16xf32, #buffer.level<L2>>, %y: memref<16xf32, #buffer.level<L2>>) {
  buffer.kernel "relu_f32" ins(%x : memref<16xf32, #buffer.level<L2>>) outs(%a : memref<16xf32, #buffer.level<L2>>) {params = {}, name = "first"}
  %a = buffer.alloc {name = "a", offset = 0 : i64} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%a : memref<16xf32, #buffer.level<L2>>) outs(%y : memref<16xf32, #buffer.level<L2>>) {params = {}}
  func.return
}
// CHECK: memory plan: buffer.kernel 'first' uses %a before it is defined
