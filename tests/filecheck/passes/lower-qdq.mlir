// RUN: deeploy-opt %s --split-input-file -p lower-qdq,dce | filecheck %s

// QDQ (DequantizeLinear -> op -> QuantizeLinear) becomes the integer QLinear* operators.
// Weights behind a DequantizeLinear keep their integers (per-channel scales along axis 0);
// the int32 bias is the DequantizeLinear's when its scale is x_scale * w_scale.
func.func @conv_dq_weights(%x: tensor<1x2x4x4xui8>) -> tensor<1x2x4x4xui8> {
  %xs = graph.constant dense<0.1> : tensor<f32>
  %xz = graph.constant dense<128> : tensor<ui8>
  %xf = graph.dequantize_linear %x, %xs, %xz : (tensor<1x2x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xf32>
  %wq = graph.constant dense<[[[[1]], [[-2]]], [[[3]], [[127]]]]> : tensor<2x2x1x1xi8>
  %ws = graph.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %wz = graph.constant dense<0> : tensor<2xi8>
  %w = graph.dequantize_linear %wq, %ws, %wz {axis = 0 : i64} : (tensor<2x2x1x1xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<2x2x1x1xf32>
  %bq = graph.constant dense<[7, -9]> : tensor<2xi32>
  %bs = graph.constant dense<[0.05, 0.025]> : tensor<2xf32>
  %bz = graph.constant dense<0> : tensor<2xi32>
  %b = graph.dequantize_linear %bq, %bs, %bz {axis = 0 : i64} : (tensor<2xi32>, tensor<2xf32>, tensor<2xi32>) -> tensor<2xf32>
  %c = graph.conv %xf, %w, %b {name = "conv"} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %ys = graph.constant dense<0.2> : tensor<f32>
  %yz = graph.constant dense<3> : tensor<ui8>
  %y = graph.quantize_linear %c, %ys, %yz : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xui8>
  func.return %y : tensor<1x2x4x4xui8>
}
// CHECK-LABEL: func.func @conv_dq_weights
// CHECK-DAG:     %conv_w_scale = graph.constant dense<[5.000000e-01, 2.500000e-01]> : tensor<2xf32>
// CHECK-DAG:     %conv_w_zero_point = graph.constant dense<0> : tensor<2xi8>
// CHECK-DAG:     %conv_b_quantized = graph.constant dense<[7, -9]> : tensor<2xi32>
// CHECK:         %y = graph.qlinear_conv %x, %xs, %xz, %wq, %conv_w_scale, %conv_w_zero_point, %ys, %yz, %conv_b_quantized {name = "conv"}
// CHECK-NOT:     graph.dequantize_linear
// CHECK:         func.return %y

// -----

// Folded float weights on a grid: w = 0.125 * [4, -2, 1, 0] (max |w| / 4), b = 0.3 = 24 * (0.1 * 0.125).
func.func @conv_folded(%x: tensor<1x4x3x3xi8>) -> tensor<1x1x3x3xi8> {
  %xs = graph.constant dense<0.1> : tensor<f32>
  %xz = graph.constant dense<-2> : tensor<i8>
  %xf = graph.dequantize_linear %x, %xs, %xz : (tensor<1x4x3x3xi8>, tensor<f32>, tensor<i8>) -> tensor<1x4x3x3xf32>
  %w = graph.constant dense<[[[[0.5]], [[-0.25]], [[0.125]], [[0.0]]]]> : tensor<1x4x1x1xf32>
  %b = graph.constant dense<[0.3]> : tensor<1xf32>
  %c = graph.conv %xf, %w, %b {name = "conv"} : (tensor<1x4x3x3xf32>, tensor<1x4x1x1xf32>, tensor<1xf32>) -> tensor<1x1x3x3xf32>
  %ys = graph.constant dense<0.2> : tensor<f32>
  %yz = graph.constant dense<0> : tensor<i8>
  %y = graph.quantize_linear %c, %ys, %yz : (tensor<1x1x3x3xf32>, tensor<f32>, tensor<i8>) -> tensor<1x1x3x3xi8>
  func.return %y : tensor<1x1x3x3xi8>
}
// CHECK-LABEL: func.func @conv_folded
// CHECK-DAG:     %conv_w_quantized = graph.constant dense<{{\[\[\[\[}}4]], {{\[\[}}-2]], {{\[\[}}1]], {{\[\[}}0]]]]> : tensor<1x4x1x1xi8>
// CHECK-DAG:     %conv_w_scale = graph.constant dense<1.250000e-01> : tensor<f32>
// CHECK-DAG:     %conv_w_zero_point = graph.constant dense<0> : tensor<i8>
// CHECK-DAG:     %conv_b_quantized = graph.constant dense<24> : tensor<1xi32>
// CHECK:         %y = graph.qlinear_conv %x, %xs, %xz, %conv_w_quantized, %conv_w_scale, %conv_w_zero_point, %ys, %yz, %conv_b_quantized {name = "conv"}
// CHECK-NOT:     graph.conv
// CHECK-NOT:     graph.dequantize_linear
// CHECK:         func.return %y

// -----

// Float weights on no grid keep the float Conv.
func.func @conv_off_grid(%x: tensor<1x2x3x3xi8>) -> tensor<1x1x3x3xi8> {
  %xs = graph.constant dense<0.1> : tensor<f32>
  %xf = graph.dequantize_linear %x, %xs : (tensor<1x2x3x3xi8>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %w = graph.constant dense<[[[[0.5]], [[0.3001]]]]> : tensor<1x2x1x1xf32>
  %c = graph.conv %xf, %w {name = "conv"} : (tensor<1x2x3x3xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x3x3xf32>
  %ys = graph.constant dense<0.2> : tensor<f32>
  %yz = graph.constant dense<0> : tensor<i8>
  %y = graph.quantize_linear %c, %ys, %yz : (tensor<1x1x3x3xf32>, tensor<f32>, tensor<i8>) -> tensor<1x1x3x3xi8>
  func.return %y : tensor<1x1x3x3xi8>
}
// CHECK-LABEL: func.func @conv_off_grid
// CHECK:         graph.dequantize_linear %x
// CHECK:         %c = graph.conv
// CHECK:         %y = graph.quantize_linear %c

// -----

// Two activations: QLinearMatMul; then Gemm (transB, per-channel weights, C) -> QGemm.
func.func @matmul_gemm(%a: tensor<2x3xui8>, %b: tensor<3x4xui8>) -> tensor<2x2xui8> {
  %s = graph.constant dense<0.5> : tensor<f32>
  %z = graph.constant dense<10> : tensor<ui8>
  %af = graph.dequantize_linear %a, %s, %z : (tensor<2x3xui8>, tensor<f32>, tensor<ui8>) -> tensor<2x3xf32>
  %bf = graph.dequantize_linear %b, %s, %z : (tensor<3x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<3x4xf32>
  %m = graph.matmul %af, %bf {name = "mm"} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %ms = graph.constant dense<2.0> : tensor<f32>
  %mz = graph.constant dense<0> : tensor<ui8>
  %mq = graph.quantize_linear %m, %ms, %mz : (tensor<2x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x4xui8>
  %md = graph.dequantize_linear %mq, %ms, %mz : (tensor<2x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<2x4xf32>
  %wq = graph.constant dense<[[1, 2, 3, 4], [-1, -2, -3, 127]]> : tensor<2x4xi8>
  %ws = graph.constant dense<[0.25, 0.5]> : tensor<2xf32>
  %wz = graph.constant dense<0> : tensor<2xi8>
  %w = graph.dequantize_linear %wq, %ws, %wz {axis = 0 : i64} : (tensor<2x4xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<2x4xf32>
  %c = graph.constant dense<[1.0, -3.0]> : tensor<2xf32>
  %g = graph.gemm %md, %w, %c {transB = 1 : i64, beta = 2.0 : f32, name = "fc"} : (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %gs = graph.constant dense<4.0> : tensor<f32>
  %gz = graph.constant dense<128> : tensor<ui8>
  %gq = graph.quantize_linear %g, %gs, %gz : (tensor<2x2xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x2xui8>
  func.return %gq : tensor<2x2xui8>
}
// CHECK-LABEL: func.func @matmul_gemm
// CHECK:         %mq = graph.qlinear_matmul %a, %s, %z, %b, %s, %z, %ms, %mz {name = "mm"}
// CHECK-DAG:     %fc_b_scale = graph.constant dense<[2.500000e-01, 5.000000e-01]> : tensor<2xf32>
// CHECK-DAG:     %fc_b_zero_point = graph.constant dense<0> : tensor<2xi8>
// CHECK-DAG:     %fc_c_quantized = graph.constant dense<[4, -6]> : tensor<2xi32>
// CHECK:         %gq = graph.qgemm %mq, %ms, %mz, %wq, %fc_b_scale, %fc_b_zero_point, %fc_c_quantized, %gs, %gz {transB = 1 : i64, name = "fc"}
// CHECK-NOT:     graph.gemm
// CHECK-NOT:     graph.quantize_linear
// CHECK:         func.return %gq

// -----

// Same grid in and out: MaxPool and Reshape run on the integers; AveragePool, Add and
// GlobalAveragePool become their QLinear forms; Q(DQ(x)) on one grid is x.
func.func @pools_add(%x: tensor<1x2x4x4xi8>) -> (tensor<1x32xi8>, tensor<1x2x1x1xi8>, tensor<1x2x4x4xi8>) {
  %s = graph.constant dense<0.1> : tensor<f32>
  %z = graph.constant dense<1> : tensor<i8>
  %xf = graph.dequantize_linear %x, %s, %z : (tensor<1x2x4x4xi8>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xf32>
  %mp = graph.max_pool %xf {kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 1, 1>, name = "mp"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %mpq = graph.quantize_linear %mp, %s, %z : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xi8>
  %mpd = graph.dequantize_linear %mpq, %s, %z : (tensor<1x2x4x4xi8>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xf32>
  %ap = graph.average_pool %mpd {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, name = "ap"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %as = graph.constant dense<0.05> : tensor<f32>
  %apq = graph.quantize_linear %ap, %as, %z : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xi8>
  %apd = graph.dequantize_linear %apq, %as, %z : (tensor<1x2x4x4xi8>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xf32>
  %sum = graph.add %apd, %mpd {name = "add"} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %ss = graph.constant dense<0.15> : tensor<f32>
  %sq = graph.quantize_linear %sum, %ss, %z : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xi8>
  %sd = graph.dequantize_linear %sq, %ss, %z : (tensor<1x2x4x4xi8>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xf32>
  %shape = graph.constant dense<[1, 32]> : tensor<2xi64>
  %r = graph.reshape %sd, %shape {name = "flatten"} : (tensor<1x2x4x4xf32>, tensor<2xi64>) -> tensor<1x32xf32>
  %rq = graph.quantize_linear %r, %ss, %z : (tensor<1x32xf32>, tensor<f32>, tensor<i8>) -> tensor<1x32xi8>
  %gap = graph.global_average_pool %sd {name = "gap"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32>
  %gapq = graph.quantize_linear %gap, %ss, %z : (tensor<1x2x1x1xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x1x1xi8>
  %again = graph.quantize_linear %sd, %ss, %z : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xi8>
  func.return %rq, %gapq, %again : tensor<1x32xi8>, tensor<1x2x1x1xi8>, tensor<1x2x4x4xi8>
}
// CHECK-LABEL: func.func @pools_add
// CHECK:         %mpq = graph.max_pool %x {{.*}} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi8>
// CHECK:         %apq = graph.qlinear_average_pool %mpq, %s, %z, %as, %z {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, name = "ap"}
// CHECK:         %sq = graph.qlinear_add %apq, %as, %z, %mpq, %s, %z, %ss, %z {name = "add"}
// CHECK:         %rq = graph.reshape %sq, %shape {{.*}} -> tensor<1x32xi8>
// CHECK:         %gapq = graph.qlinear_global_average_pool %sq, %ss, %z, %ss, %z {name = "gap"}
// CHECK-NOT:     graph.dequantize_linear
// CHECK-NOT:     graph.quantize_linear
// CHECK:         func.return %rq, %gapq, %sq
