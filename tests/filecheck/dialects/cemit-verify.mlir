// RUN: deeploy-opt %s --split-input-file --verify-diagnostics | filecheck %s

cemit.file "net.c" {
  cemit.define "NOT AN IDENT" 1 : i64
}
// CHECK: cemit.define: 'NOT AN IDENT' is not a C identifier

// -----

cemit.file "net.c" {
  cemit.comment "a */ inside"
}
// CHECK: cemit.comment: text may not contain '*/'

// -----

cemit.file "net.c" {
  cemit.global @g : f32[3] = dense<[1.0, 2.0]> : tensor<2xf32>
}
// CHECK: cemit.global: initial value size differs from count

// -----

cemit.file "net.c" {
  cemit.func @f(%a: i32, %b: i32) {arg_names = ["a", "a"]} {
  }
}
// CHECK: cemit.func: argument names must be distinct C identifiers

// -----

cemit.file "dir/net.c" {
}
// CHECK: cemit.file: needs a plain file name
