// Printed IR reads back bit-exactly (issue 21): xDSL 0.74 alone prints 1162668.0 inside a
// dense literal as 0x498DED60 and reads that back as the integer 1234038144, and has no
// literal for NaN there. The constant below holds [1162668.0, NaN, 3.0, -0.0] as raw
// bytes; it goes through deeploy-opt's printer and parser twice, then through the whole
// default pipeline to C.
// RUN: deeploy-opt %s | deeploy-opt | filecheck %s --check-prefix=IR
// RUN: deeploy-opt %s | deeploy-opt | deeploy-opt -p 'fold-constants,canonicalize-reshapes,fold-batchnorm,lower-qdq,fuse-matmul-add,untranspose-weights,fuse-requant,dce,bind-kernels,fuse-activation,bufferize,reuse-input-buffers,plan-memory,verify-memory-plan,lower-to-c' -t c | filecheck %s --check-prefix=C

builtin.module {
  func.func @net(%x: tensor<4xf32> {graph.name = "x"}) -> (tensor<4xf32> {graph.name = "y"}) {
    %c = graph.constant dense<"0x60ED8D490000C07F0000404000000080"> : tensor<4xf32> {name = "c"}
    %s = graph.add %x, %c {name = "add"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %y = graph.leaky_relu %s {alpha = 1162668.0 : f32, name = "leaky"} : (tensor<4xf32>) -> tensor<4xf32>
    func.return %y : tensor<4xf32>
  }
}

// IR: graph.constant dense<"0x60ED8D490000C07F0000404000000080"> : tensor<4xf32>
// IR: graph.leaky_relu %{{.*}} {alpha = 1162668.0 : f32

// C: static const float net_c[4] {{.*}} = {
// C-NEXT: 1162668.0f, NAN, 3.0f, -0.0f
// C: deeploy_add_f32(
// C: deeploy_leaky_relu_f32({{.*}}, 1162668.0f);
