// RUN: deeploy-opt %s -p 'plan-memory{alignment=16}' | filecheck %s

// a: [0, 3], b: [2, 5], c: [4, 6] (op indices). a and c never live together, so c
// reuses a's bytes; at most two 64-byte buffers are live at once, so the arena is the
// lower bound of 128 bytes. The 12-byte d is live with c, so it takes b's freed bytes.
func.func @chain(%x: memref<16xf32, #buffer.level<L2>>, %y: memref<3xf32, #buffer.level<L2>>) {
  %a = buffer.alloc {name = "a"} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%x : memref<16xf32, #buffer.level<L2>>) outs(%a : memref<16xf32, #buffer.level<L2>>) {params = {}}
  %b = buffer.alloc {name = "b"} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%a : memref<16xf32, #buffer.level<L2>>) outs(%b : memref<16xf32, #buffer.level<L2>>) {params = {}}
  %c = buffer.alloc {name = "c"} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%b : memref<16xf32, #buffer.level<L2>>) outs(%c : memref<16xf32, #buffer.level<L2>>) {params = {}}
  %d = buffer.alloc {name = "d"} : memref<3xf32, #buffer.level<L2>>
  buffer.kernel "slice" ins(%c : memref<16xf32, #buffer.level<L2>>) outs(%d : memref<3xf32, #buffer.level<L2>>) {params = {}}
  buffer.kernel "relu_f32" ins(%d : memref<3xf32, #buffer.level<L2>>) outs(%y : memref<3xf32, #buffer.level<L2>>) {params = {}}
  func.return
}

// CHECK:      buffer.arena L2 size 128 align 16 lower_bound 128
// CHECK:      %a = buffer.alloc {name = "a", offset = 0 : i64}
// CHECK:      %b = buffer.alloc {name = "b", offset = 64 : i64}
// CHECK:      %c = buffer.alloc {name = "c", offset = 0 : i64}
// CHECK:      %d = buffer.alloc {name = "d", offset = 64 : i64}
