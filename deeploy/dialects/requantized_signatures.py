"""Requantised operators: an integer Conv, Gemm, MatMul or Add with the RequantShift that
follows it fused in (fuse-requant creates them; Deeploy's lowering has the same ops).

Each takes its base operator's inputs and attributes, then RequantShift's `mul` and `add`
(constants, already broadcast to one value per channel) and `div`, `n_levels`, `signed`.
"""

from deeploy.dialects.custom_signatures import CUSTOM_SIGNATURES
from deeploy.dialects.onnx_signatures import SIGNATURES
from deeploy.dialects.op_signature import AttrSig as A
from deeploy.dialects.op_signature import OpSignature as S
from deeploy.dialects.op_signature import Param as P

_RQ = next(s for s in CUSTOM_SIGNATURES if s.op_type == "RequantShift")
_BASES = {s.op_type: s for s in SIGNATURES if s.op_type in ("Conv", "Gemm", "MatMul", "Add")}


def _requantized(base: S) -> S:
    return S(
        f"Requantized{base.op_type}",
        f"requantized_{base.mnemonic}",
        1,
        (*base.inputs, P("mul", "1"), P("add", "1")),
        base.outputs,
        (
            *base.attrs,
            *(a for a in _RQ.attrs if a.name != "n_levels_out"),
            A("rq_axis", "int", False, -1),
        ),
        "deeploy",
    )


REQUANTIZED_SIGNATURES: tuple[S, ...] = tuple(_requantized(s) for s in _BASES.values())
