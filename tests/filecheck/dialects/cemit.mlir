// RUN: deeploy-opt %s | filecheck %s
// RUN: DEEPLOY_ROUNDTRIP

cemit.file "net.c" {
  cemit.include "stdint.h" {system}
  cemit.define "NET_ARENA_BYTES" 4096 : i64
  cemit.comment "weights"
  cemit.global @net_w {const, static, alignment = 16 : i64} : f32[2] = dense<[1.5, -2.0]> : tensor<2xf32>
  cemit.global @net_arena {static} : ui8[4096]
  cemit.func @net_run(!cemit.ptr<f32, const restrict>) {arg_names = ["x"]}
  cemit.func @net_step(%x: !cemit.ptr<f32, const restrict>) {arg_names = ["x"], static} {
    %a = cemit.symbol @net_arena : !cemit.ptr<ui8>
    %o = cemit.offset %a[16 : i64] : !cemit.ptr<ui8>
    %c = cemit.cast %o : !cemit.ptr<ui8> to !cemit.ptr<f32>
    %n = cemit.null : !cemit.ptr<f32, const>
    %k = cemit.literal 4 : i32
    cemit.call @deeploy_relu_f32(%x, %c, %k) : (!cemit.ptr<f32, const restrict>, !cemit.ptr<f32>, i32) -> ()
  }
}

// CHECK:      cemit.file "net.c" {
// CHECK-NEXT:   cemit.include "stdint.h" {system}
// CHECK-NEXT:   cemit.define "NET_ARENA_BYTES" 4096 : i64
// CHECK-NEXT:   cemit.comment "weights"
// CHECK-NEXT:   cemit.global @net_w {const, static, alignment = 16 : i64} : f32[2] = dense<[1.500000e+00, -2.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:   cemit.global @net_arena {static} : ui8[4096]
// CHECK-NEXT:   cemit.func @net_run(!cemit.ptr<f32, const restrict>) {arg_names = ["x"]}
// CHECK-NEXT:   cemit.func @net_step(%x: !cemit.ptr<f32, const restrict>) {arg_names = ["x"], static} {
// CHECK:          cemit.call @deeploy_relu_f32(%x, %c, %k) : (!cemit.ptr<f32, const restrict>, !cemit.ptr<f32>, i32) -> ()
