// RUN: deeploy-opt %s --split-input-file -p reuse-input-buffers | filecheck %s

// %a dies at the relu (its last reader), which may run in place: the relu writes %a.
func.func @dies(%x: memref<8xf32, #buffer.level<L2>>, %y: memref<8xf32, #buffer.level<L2>>) {
  %a = buffer.alloc : memref<8xf32, #buffer.level<L2>>
  buffer.kernel "sigmoid_f32" ins(%x : memref<8xf32, #buffer.level<L2>>) outs(%a : memref<8xf32, #buffer.level<L2>>) {params = {}, inplace = array<i64: 0, 0>}
  %b = buffer.alloc : memref<8xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%a : memref<8xf32, #buffer.level<L2>>) outs(%b : memref<8xf32, #buffer.level<L2>>) {params = {}, inplace = array<i64: 0, 0>}
  buffer.kernel "relu_f32" ins(%b : memref<8xf32, #buffer.level<L2>>) outs(%y : memref<8xf32, #buffer.level<L2>>) {params = {}}
  func.return
}
// CHECK-LABEL: func.func @dies
// CHECK:         %a = buffer.alloc
// CHECK-NEXT:    buffer.kernel "sigmoid_f32" ins(%x : {{.*}}) outs(%a : {{.*}})
// CHECK-NEXT:    buffer.kernel "relu_f32" ins(%a : {{.*}}) outs(%a : {{.*}})
// CHECK-NEXT:    buffer.kernel "relu_f32" ins(%a : {{.*}}) outs(%y : {{.*}})
// CHECK-NOT:     buffer.alloc

// -----

// %a is read again later, and the function input %x is never overwritten.
func.func @lives(%x: memref<8xf32, #buffer.level<L2>>, %y: memref<8xf32, #buffer.level<L2>>) {
  %a = buffer.alloc : memref<8xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%x : memref<8xf32, #buffer.level<L2>>) outs(%a : memref<8xf32, #buffer.level<L2>>) {params = {}, inplace = array<i64: 0, 0>}
  %b = buffer.alloc : memref<8xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%a : memref<8xf32, #buffer.level<L2>>) outs(%b : memref<8xf32, #buffer.level<L2>>) {params = {}, inplace = array<i64: 0, 0>}
  buffer.kernel "add_f32" ins(%a, %b : memref<8xf32, #buffer.level<L2>>, memref<8xf32, #buffer.level<L2>>) outs(%y : memref<8xf32, #buffer.level<L2>>) {params = {}}
  func.return
}
// CHECK-LABEL: func.func @lives
// CHECK:         buffer.kernel "relu_f32" ins(%x : {{.*}}) outs(%a : {{.*}})
// CHECK:         %b = buffer.alloc
// CHECK-NEXT:    buffer.kernel "relu_f32" ins(%a : {{.*}}) outs(%b : {{.*}})
