// RUN: deeploy-opt %s --split-input-file -p 'plan-memory{alignment=16},verify-memory-plan' | filecheck %s

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

// CHECK:      buffer.arena L2 size 128 align 16 lower_bound 128 optimal
// CHECK:      %a = buffer.alloc {name = "a", offset = 0 : i64}
// CHECK:      %b = buffer.alloc {name = "b", offset = 64 : i64}
// CHECK:      %c = buffer.alloc {name = "c", offset = 0 : i64}
// CHECK:      %d = buffer.alloc {name = "d", offset = 64 : i64}

// -----

// Placing the largest buffers first would put a and c side by side, leave a 16-byte gap
// for b and so need 160 bytes. c, b and d are live together (op 7), so 144 bytes is a
// lower bound, and the search finds a placement that meets it: c low, a/d above it, b on
// top of d.
func.func @largest_first_is_not_optimal(%x: memref<16xf32, #buffer.level<L2>>, %y: memref<8xf32, #buffer.level<L2>>, %z: memref<8xf32, #buffer.level<L2>>) {
  %a = buffer.alloc {name = "a"} : memref<16xf32, #buffer.level<L2>>
  %c = buffer.alloc {name = "c"} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "k" ins(%x : memref<16xf32, #buffer.level<L2>>) outs(%a : memref<16xf32, #buffer.level<L2>>) {params = {}}
  buffer.kernel "k" ins(%a : memref<16xf32, #buffer.level<L2>>) outs(%c : memref<16xf32, #buffer.level<L2>>) {params = {}}
  %b = buffer.alloc {name = "b"} : memref<8xf32, #buffer.level<L2>>
  buffer.kernel "k" ins(%c : memref<16xf32, #buffer.level<L2>>) outs(%b : memref<8xf32, #buffer.level<L2>>) {params = {}}
  %d = buffer.alloc {name = "d"} : memref<12xf32, #buffer.level<L2>>
  buffer.kernel "k" ins(%c, %b : memref<16xf32, #buffer.level<L2>>, memref<8xf32, #buffer.level<L2>>) outs(%d : memref<12xf32, #buffer.level<L2>>) {params = {}}
  buffer.kernel "k" ins(%b, %d : memref<8xf32, #buffer.level<L2>>, memref<12xf32, #buffer.level<L2>>) outs(%y : memref<8xf32, #buffer.level<L2>>) {params = {}}
  buffer.kernel "k" ins(%b : memref<8xf32, #buffer.level<L2>>) outs(%z : memref<8xf32, #buffer.level<L2>>) {params = {}}
  func.return
}

// CHECK:      buffer.arena L2 size 144 align 16 lower_bound 144 optimal
// CHECK:      %a = buffer.alloc {name = "a", offset = 64 : i64}
// CHECK:      %c = buffer.alloc {name = "c", offset = 0 : i64}
// CHECK:      %b = buffer.alloc {name = "b", offset = 112 : i64}
// CHECK:      %d = buffer.alloc {name = "d", offset = 64 : i64}
