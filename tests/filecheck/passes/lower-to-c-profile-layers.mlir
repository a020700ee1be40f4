// RUN: deeploy-opt %s -p 'lower-to-c{network=net target=rv32 profile_layers=true}' -t 'c{file="net.c"}' | filecheck %s
// RUN: deeploy-opt %s -p 'lower-to-c{network=net target=rv32 profile_layers=true}' | filecheck %s --check-prefix=IR

// With profile_layers, every layer is bracketed by the counter's begin/end calls, which
// name it and number it in order; copies and views are not layers.

buffer.arena L2 size 64 align 16 lower_bound 64
func.func @main(%x: memref<16xf32, #buffer.level<L2>> {graph.name = "in", buffer.io = "input"}, %y: memref<4x4xf32, #buffer.level<L2>> {graph.name = "out", buffer.io = "output"}) {
  %w = buffer.constant dense<2.0> : tensor<16xf32> {name = "scale"} : memref<16xf32, #buffer.level<L2>>
  %a = buffer.alloc {name = "a", offset = 0 : i64} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "mul_f32" ins(%x, %w : memref<16xf32, #buffer.level<L2>>, memref<16xf32, #buffer.level<L2>>) outs(%a : memref<16xf32, #buffer.level<L2>>) {params = {}, name = "scale_it", op = "Mul"}
  %v = buffer.view %y : memref<4x4xf32, #buffer.level<L2>> to memref<16xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%a : memref<16xf32, #buffer.level<L2>>) outs(%v : memref<16xf32, #buffer.level<L2>>) {params = {}, name = "act", op = "Relu"}
  func.return
}

// CHECK:      #include "deeploy/counter.h"
// CHECK:      void net_run(
// CHECK:          deeploy_profile_begin();
// CHECK-NEXT:     /* Mul 'scale_it' -> mul_f32 */
// CHECK:          deeploy_profile_end(0, "scale_it");
// CHECK-NEXT:     deeploy_profile_begin();
// CHECK-NEXT:     /* Relu 'act' -> relu_f32 */
// CHECK:          deeploy_profile_end(1, "act");
// CHECK-NEXT: }

// The counter's header and the target's counter source join the runtime files.
// IR: runtime_files = [{{.*}}"include/deeploy/counter.h"{{.*}}"platform/rv32/counter.c"]
