// RUN: deeploy-opt %s -p 'lower-to-c{network=net}' | filecheck %s
// RUN: deeploy-opt %s -p 'lower-to-c{network=net}' -t 'c{file="net.c"}' | filecheck %s --check-prefix=C
// RUN: deeploy-opt %s -p 'lower-to-c{network=net}' -t 'c{file="net.h"}' | filecheck %s --check-prefix=H

buffer.arena L2 size 64 align 16 lower_bound 64
func.func @main(%x: memref<16xf32, #buffer.level<L2>> {graph.name = "in", buffer.io = "input"}, %y: memref<4x4xf32, #buffer.level<L2>> {graph.name = "out", buffer.io = "output"}) {
  %w = buffer.constant dense<2.0> : tensor<16xf32> {name = "scale"} : memref<16xf32, #buffer.level<L2>>
  %a = buffer.alloc {name = "a", offset = 0 : i64} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "mul_f32" ins(%x, %w : memref<16xf32, #buffer.level<L2>>, memref<16xf32, #buffer.level<L2>>) outs(%a : memref<16xf32, #buffer.level<L2>>) {params = {}, name = "scale_it", op = "Mul"}
  %v = buffer.view %y : memref<4x4xf32, #buffer.level<L2>> to memref<16xf32, #buffer.level<L2>>
  buffer.kernel "relu_f32" ins(%a : memref<16xf32, #buffer.level<L2>>) outs(%v : memref<16xf32, #buffer.level<L2>>) {params = {}, name = "act", op = "Relu"}
  func.return
}

// The module now holds only the two C files; the source records the C function each
// layer calls, for the layer report.
// CHECK:      builtin.module {
// CHECK-NEXT:   cemit.file "net.h" {
// CHECK:          cemit.define "NET_ARENA_L2_BYTES" 64 : i64
// CHECK:          cemit.func @net_run(!cemit.ptr<f32, const restrict>, !cemit.ptr<f32, restrict>) {arg_names = ["input_0", "output_0"]}
// CHECK:        cemit.file "net.c" attributes {runtime_files = ["include/deeploy/common.h", "include/deeploy/simd.h", "include/deeploy/vmath.h", "include/deeploy/common_int.h", "include/deeploy/requant.h", "include/deeploy/activation_f32.h", "include/deeploy/elementwise_f32.h", "kernels/elementwise_f32.c", "kernels/activation_f32.c"], layer_functions = {{\[}}["deeploy_mul_f32"], ["deeploy_relu_f32"]]} {
// CHECK:          cemit.global @net_scale {const, static, alignment = 16 : i64} : f32[16] = dense<2.000000e+00> : tensor<16xf32>
// CHECK:          cemit.global @net_arena_L2 {static, alignment = 16 : i64} : ui8[64]
// CHECK-NOT:    func.func

// The mul reads the input argument and the weight, and writes the arena at offset 0;
// the relu writes straight into the output argument (its view costs nothing).
// C:      static const float net_scale[16] __attribute__((aligned(16))) = {
// C:      static uint8_t net_arena_L2[64] __attribute__((aligned(16)));
// C:      static const int32_t net_dims0[1] = {
// C-NEXT:     16
// C:      void net_run(const float *restrict input_0, float *restrict output_0) {
// C-NEXT:     /* Mul 'scale_it' -> mul_f32 */
// C-NEXT:     deeploy_mul_f32(input_0, net_scale, (float *)net_arena_L2, 1, net_dims0, net_dims1, net_dims1);
// C-NEXT:     /* Relu 'act' -> relu_f32 */
// C-NEXT:     deeploy_relu_f32((float *)net_arena_L2, output_0, 16);
// C-NEXT: }

// H:      #ifndef NET_H_
// H:      #include <stdint.h>
// H:      #define NET_ARENA_BYTES 64
// H:      #define NET_INPUT_0_ELEMS 16
// H:      #define NET_INPUT_0_BYTES 64
// H:      #define NET_OUTPUT_0_ELEMS 16
// H:      extern "C" {
// H:      void net_init(void);
// H:      void net_run(const float *restrict input_0, float *restrict output_0);
// H:      #endif /* NET_H_ */
