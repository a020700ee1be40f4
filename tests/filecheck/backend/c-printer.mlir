// RUN: deeploy-opt %s -t 'c{file="lib.c"}' | filecheck %s
// RUN: deeploy-opt %s -t 'c{file="lib.h"}' | filecheck %s --check-prefix=H
// RUN: deeploy-opt %s -t c | filecheck %s --check-prefix=ALL
// RUN: not deeploy-opt %s -t 'c{file="missing.c"}' 2>&1 | filecheck %s --check-prefix=MISSING

cemit.file "lib.h" {
  cemit.include "stdint.h" {system}
  cemit.func @lib_run(!cemit.ptr<f32, restrict>) {arg_names = ["out"]}
}
cemit.file "lib.c" {
  cemit.comment "first line\nsecond line"
  cemit.include "lib.h"
  cemit.global @ints {const, static} : i64[2] = dense<[-9223372036854775808, 7]> : tensor<2xi64>
  cemit.global @bytes {const} : ui8[3] = dense<[0, 128, 255]> : tensor<3xui8>
  cemit.global @floats {const, static, section = ".rodata.w"} : f32[5] = dense<[1.0, -0.5, 1.0e+10, 3.0, 1.0e-03]> : tensor<5xf32>
  cemit.func @helper(%p: !cemit.ptr<f32, const>, %n: i32) {arg_names = ["p", "n"], static} {
    cemit.comment "nothing"
  }
  cemit.func @lib_run(%out: !cemit.ptr<f32, restrict>) {arg_names = ["out"]} {
    %null = cemit.null : !cemit.ptr<f32, const>
    %k = cemit.literal 123456 : i32
    %f = cemit.literal 2.5 : f32
    %inf = cemit.literal 0x7F800000 : f32
    %nan = cemit.literal 0x7FC00000 : f32
    %a = cemit.symbol @floats : !cemit.ptr<f32, const>
    %o = cemit.offset %a[2 : i64] : !cemit.ptr<f32, const>
    cemit.call @helper(%o, %k) : (!cemit.ptr<f32, const>, i32) -> ()
    cemit.call @special(%inf, %nan) : (f32, f32) -> ()
    cemit.call @a_function_with_a_long_name(%null, %k, %k, %k, %k, %k, %k, %k, %k, %k, %f, %f, %f, %f) : (!cemit.ptr<f32, const>, i32, i32, i32, i32, i32, i32, i32, i32, i32, f32, f32, f32, f32) -> ()
  }
}

// CHECK:      /*
// CHECK-NEXT:  * first line
// CHECK-NEXT:  * second line
// CHECK-NEXT:  */
// CHECK:      #include "lib.h"
// CHECK:      static const int64_t ints[2] = {
// CHECK-NEXT:     (-9223372036854775807LL - 1), 7LL
// CHECK:      const uint8_t bytes[3] = {
// CHECK-NEXT:     0, 128, 255
// CHECK:      static const float floats[5] __attribute__((section(".rodata.w"))) = {
// CHECK-NEXT:     1.0f, -0.5f, 1e+10f, 3.0f, 0.00100000005f
// CHECK:      static void helper(const float *p, int32_t n) {
// CHECK-NEXT:     /* nothing */
// CHECK-NEXT: }
// CHECK:      void lib_run(float *restrict out) {
// CHECK-NEXT:     helper((floats + 2), 123456);
// CHECK-NEXT:     special(INFINITY, NAN);
// CHECK-NEXT:     a_function_with_a_long_name(
// CHECK-NEXT:             NULL, 123456, 123456, 123456, 123456, 123456, 123456, 123456, 123456, 123456, 2.5f,
// CHECK-NEXT:             2.5f, 2.5f, 2.5f);
// CHECK-NEXT: }

// H:      #ifndef LIB_H_
// H-NEXT: #define LIB_H_
// H:      #include <stdint.h>
// H:      #ifdef __cplusplus
// H-NEXT: extern "C" {
// H-NEXT: #endif
// H:      void lib_run(float *restrict out);
// H:      #endif /* LIB_H_ */

// ALL: /* ===== lib.h ===== */
// ALL: /* ===== lib.c ===== */

// MISSING: deeploy-opt: error: no file 'missing.c' in the module (it has lib.h, lib.c)
