"""Signatures of operators outside the ONNX standard that real networks contain.

Deeploy's quantisation flow emits integer operators (RequantShift, iSoftmax, ...) in the
default domain or in `PACTOps`/`ai.onnx.contrib`; PyTorch/onnxruntime exports add
`com.microsoft` operators. The importer matches these by op type whatever the domain.
Scalar attributes that files store as one-element tensors are converted to int/float by
the importer.
"""

from deeploy.dialects.op_signature import AttrSig as A
from deeploy.dialects.op_signature import OpSignature as S
from deeploy.dialects.op_signature import Param as P

_X = (P("data_in", "1"),)
_Y = (P("data_out", "1"),)

CUSTOM_SIGNATURES: tuple[S, ...] = (
    S(
        "RequantShift",
        "requant_shift",
        1,
        (P("data_in", "1"), P("mul", "1"), P("add", "1")),
        _Y,
        (
            A("div", "int", True, None),
            A("n_levels", "int", False, None),
            A("n_levels_out", "int", False, None),
            A("signed", "int", False, 1),
        ),
        "deeploy",
    ),
    S(
        "iSoftmax",
        "i_softmax",
        1,
        _X,
        _Y,
        (
            A("coeffA", "int", True, None),
            A("coeffB", "int", True, None),
            A("coeffC", "int", True, None),
            A("log2", "int", True, None),
            A("n_levels", "int", True, None),
        ),
        "deeploy",
    ),
    S("ITAMax", "ita_max", 1, _X, _Y, (A("n_levels", "int", True, None),), "deeploy"),
    S(
        "ITAPartialMax",
        "ita_partial_max",
        1,
        _X,
        _Y,
        (A("group_width", "int", True, None), A("n_levels", "int", True, None)),
        "deeploy",
    ),
    S(
        "iGELU",
        "i_gelu",
        1,
        _X,
        _Y,
        (A("b", "int", True, None), A("one", "int", True, None)),
        "deeploy",
    ),
    S(
        "iHardswish",
        "i_hardswish",
        1,
        _X,
        _Y,
        (
            A("one_over_six", "int", True, None),
            A("six", "int", True, None),
            A("three", "int", True, None),
        ),
        "deeploy",
    ),
    S(
        "iLayerNorm",
        "i_layer_norm",
        1,
        (P("data_in", "1"), P("weight", "1"), P("bias", "1")),
        _Y,
        (A("D", "int", True, None), A("n_levels", "int", True, None)),
        "deeploy",
    ),
    S(
        "iRMSNorm",
        "i_rms_norm",
        1,
        (P("data_in", "1"), P("weight", "1")),
        _Y,
        (A("D", "int", True, None), A("n_levels", "int", True, None)),
        "deeploy",
    ),
    S(
        "iNoNorm",
        "i_no_norm",
        1,
        (P("data_in", "1"), P("weights", "1"), P("bias", "1")),
        _Y,
        (A("D", "int", True, None), A("mul", "int", True, None), A("n_levels", "int", True, None)),
        "deeploy",
    ),
    S(
        "IntegerMean",
        "integer_mean",
        1,
        _X,
        _Y,
        (A("axes", "ints", True, None), A("keepdims", "int", False, 1)),
        "deeploy",
    ),
    S(
        "IntegerDiv",
        "integer_div",
        1,
        (P("A", "1"), P("B", "1")),
        _Y,
        (A("Delta", "int", True, None), A("eps", "int", True, None), A("eta", "int", True, None)),
        "deeploy",
    ),
    S(
        "TrueIntegerDiv",
        "true_integer_div",
        1,
        _X,
        _Y,
        (
            A("Delta", "int", True, None),
            A("eps", "int", True, None),
            A("eta", "int", True, None),
            A("y", "int", True, None),
        ),
        "deeploy",
    ),
    # IntegerDiv fused with the RequantShift after it (Deeploy's IntegerDivRequantMergePass):
    # inputs A, B, then the RequantShift's mul and add and the shift log2(div).
    S(
        "RQIntegerDiv",
        "rq_integer_div",
        1,
        (
            P("A", "1"),
            P("B", "1"),
            P("requant_mul", "1"),
            P("requant_add", "1"),
            P("requant_div", "1"),
        ),
        (P("C", "1"),),
        (
            A("Delta", "int", True, None),
            A("eps", "int", True, None),
            A("eta", "int", True, None),
            A("div", "int", True, None),
            A("n_levels", "int", False, None),
            A("n_levels_out", "int", False, None),
            A("signed", "int", False, 1),
        ),
        "deeploy",
    ),
    S(
        "RMSNorm",
        "rms_norm",
        1,
        (P("data_in", "1"), P("weight", "1")),
        _Y,
        (A("eps", "float", False, 1e-5),),
        "deeploy",
    ),
    S(
        "SoftmaxGrad",
        "softmax_grad",
        1,
        (P("dY", "1"), P("Y", "1")),
        (P("dX", "1"),),
        (A("axis", "int", False, -1),),
        "com.microsoft",
    ),
    # Deeploy's training graphs feed (log_prob, labels), not onnxruntime's (dY, log_prob, label).
    S(
        "SoftmaxCrossEntropyLossGrad",
        "softmax_cross_entropy_loss_grad",
        1,
        (P("log_prob", "1"), P("label", "1")),
        (P("d_logits", "1"),),
        (A("ignore_index", "int", False, None), A("reduction", "string", False, "mean")),
        "com.microsoft",
    ),
    # onnxruntime's quantised operators without an ONNX standard form (QOperator models;
    # lower-qdq also rewrites QDQ Gemm/Add/Mul/AveragePool/GlobalAveragePool into them).
    S(
        "QGemm",
        "qgemm",
        1,
        (
            P("A", "1"),
            P("a_scale", "1"),
            P("a_zero_point", "1"),
            P("B", "1"),
            P("b_scale", "1"),
            P("b_zero_point", "1"),
            P("C", "?"),
            P("y_scale", "?"),
            P("y_zero_point", "?"),
        ),
        (P("Y", "1"),),
        (
            A("alpha", "float", False, 1.0),
            A("transA", "int", False, 0),
            A("transB", "int", False, 0),
        ),
        "com.microsoft",
    ),
    *(
        S(
            op_type,
            mnemonic,
            1,
            (
                P("A", "1"),
                P("A_scale", "1"),
                P("A_zero_point", "?"),
                P("B", "1"),
                P("B_scale", "1"),
                P("B_zero_point", "?"),
                P("C_scale", "1"),
                P("C_zero_point", "?"),
            ),
            (P("C", "1"),),
            (),
            "com.microsoft",
        )
        for op_type, mnemonic in (("QLinearAdd", "qlinear_add"), ("QLinearMul", "qlinear_mul"))
    ),
    S(
        "QLinearAveragePool",
        "qlinear_average_pool",
        1,
        (
            P("X", "1"),
            P("x_scale", "1"),
            P("x_zero_point", "?"),
            P("y_scale", "1"),
            P("y_zero_point", "?"),
        ),
        (P("Y", "1"),),
        (
            A("auto_pad", "string", False, "NOTSET"),
            A("ceil_mode", "int", False, 0),
            A("channels_last", "int", False, 0),
            A("count_include_pad", "int", False, 0),
            A("kernel_shape", "ints", True, None),
            A("pads", "ints", False, None),
            A("strides", "ints", False, None),
        ),
        "com.microsoft",
    ),
    S(
        "QLinearGlobalAveragePool",
        "qlinear_global_average_pool",
        1,
        (
            P("X", "1"),
            P("x_scale", "1"),
            P("x_zero_point", "1"),
            P("y_scale", "1"),
            P("y_zero_point", "1"),
        ),
        (P("Y", "1"),),
        (A("channels_last", "int", False, 0),),
        "com.microsoft",
    ),
    # Softmax on quantised tensors; below `opset` 13 (the Softmax version it stands for,
    # required by onnxruntime) the axes from `axis` on are flattened into one
    S(
        "QLinearSoftmax",
        "qlinear_softmax",
        1,
        (
            P("X", "1"),
            P("X_scale", "1"),
            P("x_zero_point", "?"),
            P("y_scale", "1"),
            P("y_zero_point", "1"),
        ),
        (P("Y", "1"),),
        (A("axis", "int", False, -1), A("opset", "int", True, None)),
        "com.microsoft",
    ),
    # y = table[x]: an 8-bit elementwise function as its 256 results (lower-qdq computes
    # the table of a QDQ activation: Q(f(DQ(x))) at every input value)
    S(
        "QLinearLookup",
        "qlinear_lookup",
        1,
        (P("X", "1"), P("table", "1")),
        (P("Y", "1"),),
        (),
        "deeploy",
    ),
)
