// RUN: deeploy-opt %s --split-input-file --verify-diagnostics | filecheck %s

cemit.file "net.c" {
  cemit.define "NOT AN IDENT" 1 : i64
}
// CHECK: cemit.define: 'NOT AN IDENT' is not a C identifier

// -----

cemit.file "net.c" {
  cemit.comment "a */ inside"
}
// CHECK: cemit.comment: '*/' may not appear in a comment

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
// CHECK: cemit.file: 'dir/net.c' is not a plain C file name (name.c/h)

// -----

// Model text reaches comments only through c_text.quote: the verifier rejects anything
// the C preprocessor could read as more than a comment.
cemit.file "net.c" {
  cemit.comment "a /* nested opener"
}
// CHECK: cemit.comment: '/*' may not appear in a comment

// -----

cemit.file "net.c" {
  cemit.comment "trigraph ??/"
}
// CHECK: cemit.comment: '??' may not appear in a comment

// -----

cemit.file "net.c" {
  cemit.comment "café → tête"
}
// CHECK: cemit.comment: character U+00E9 is not printable ASCII

// -----

cemit.file "net.c" {
  cemit.comment "ends in a splice \\"
}
// CHECK: cemit.comment: a line may not end in a backslash

// -----

cemit.file "net.c" {
  cemit.global @"café" : f32[1]
}
// CHECK: cemit.global: 'café' is not a C identifier

// -----

cemit.file "net.c" {
  cemit.define "int" 1 : i64
}
// CHECK: cemit.define: 'int' is not a C identifier
