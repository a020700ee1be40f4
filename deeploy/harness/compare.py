"""Comparing a network's outputs with reference outputs: integers exactly, floats within
an absolute plus a relative tolerance, NaN and infinities only where the reference has
them (`deeploy run`, the tests, the benchmark)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from deeploy.errors import ModelError, OptionError

FLOAT_TOLERANCE = 1e-4  # absolute, as Deeploy's tests
# ... plus a few units in the last place: float32 results of two libms (expf, powf) or of
# numpy differ in the last bits, which 1e-4 cannot absorb for large magnitudes
FLOAT32_RTOL = 4 * 2.0**-23
# A reference in a half type carries its own rounding, which float32 computation does not
# share: such outputs may also differ by one unit in the reference's last place.
_HALF_RTOL = {"float16": 2.0**-10, "bfloat16": 2.0**-7}


@dataclass
class Comparison:
    """`max_abs_error` is infinite when some element is NaN or infinite where the
    reference is not (or the other way round): `nonfinite_errors` counts those."""

    errors: int
    total: int
    max_abs_error: float
    per_output: list[dict[str, Any]]
    nonfinite_errors: int = 0

    @property
    def passed(self) -> bool:
        return self.errors == 0


def check_tolerance(option: str, value: float) -> float:
    """A tolerance is a finite, non-negative number: NaN would pass every comparison."""
    if not math.isfinite(value) or value < 0:
        raise OptionError(f"{option} must be a finite number >= 0, got {value!r}")
    return value


def compare(
    actual: Sequence[np.ndarray],
    expected: Sequence[np.ndarray],
    atol: float = FLOAT_TOLERANCE,
    rtol: float = FLOAT32_RTOL,
    output_atol: Sequence[float | None] = (),
) -> Comparison:
    """Elementwise: integers exactly, floats within atol + rtol * |expected|; NaN matches
    NaN and an infinity the same infinity, anything else non-finite is an error of
    unbounded size. `output_atol[i]`, when given, is output i's absolute tolerance
    instead of `atol` if larger (one quantisation step of a dequantised output)."""
    check_tolerance("--atol", atol)
    check_tolerance("--rtol", rtol)
    if len(actual) != len(expected):
        raise ModelError(
            f"{len(expected)} reference outputs for the network's {len(actual)} outputs"
        )
    errors = total = nonfinite = 0
    max_err = 0.0
    per_output = []
    for index, (a, e) in enumerate(zip(actual, expected)):
        a, e = np.asarray(a), np.asarray(e)
        if a.size != e.size:
            raise ModelError(
                f"reference output {index} has {e.size} elements, the network produces {a.size}"
            )
        own = output_atol[index] if index < len(output_atol) else None
        tolerance = max(atol, own) if own is not None else atol
        if a.dtype.kind == "f" or e.dtype.kind == "f":
            bad, err, n_nonfinite = _compare_floats(a.reshape(-1), e.reshape(-1), tolerance, rtol)
        else:
            bad, err, n_nonfinite = _compare_integers(a.reshape(-1), e.reshape(-1))
        n_bad = int(bad.sum())
        errors += n_bad
        nonfinite += n_nonfinite
        total += a.size
        max_err = max(max_err, err)
        per_output.append(
            {
                "index": index,
                "errors": n_bad,
                "total": int(a.size),
                "max_abs_error": err,
                "nonfinite_errors": n_nonfinite,
            }
        )
    return Comparison(errors, total, max_err, per_output, nonfinite)


def _compare_floats(
    a: np.ndarray, e: np.ndarray, atol: float, rtol: float
) -> tuple[np.ndarray, float, int]:
    a64, e64 = a.astype(np.float64), e.astype(np.float64)
    relative = max(rtol, _HALF_RTOL.get(e.dtype.name, 0.0))
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf: NaN, judged below
        diff = np.abs(a64 - e64)
        same_special = (np.isnan(a64) & np.isnan(e64)) | (np.isinf(a64) & (a64 == e64))
        # a tolerance scaled by an infinite reference would accept any value
        nonfinite = ~np.isfinite(diff) & ~same_special
        bad = (diff > atol + relative * np.abs(e64)) | nonfinite
    n_nonfinite = int(nonfinite.sum())
    if n_nonfinite:
        return bad, math.inf, n_nonfinite
    measured = diff[~same_special]
    return bad, float(measured.max()) if measured.size else 0.0, 0


def _compare_integers(a: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, float, int]:
    if np.result_type(a.dtype, e.dtype).kind == "f":
        # uint64 against a signed type: numpy would compare them as float64, inexactly;
        # a uint64 value above int64's range equals no value of a signed type
        beyond = _above_int64(a) | _above_int64(e)
        bad = (a.astype(np.int64) != e.astype(np.int64)) | beyond
    else:
        bad = a != e
    diff = np.abs(a.astype(np.float64) - e.astype(np.float64))
    return bad, float(diff.max()) if diff.size else 0.0, 0


def _above_int64(values: np.ndarray) -> np.ndarray:
    if values.dtype != np.uint64:
        return np.zeros(values.shape, bool)
    return values > np.uint64(np.iinfo(np.int64).max)


def dequantized_steps(model: Any) -> list[float | None]:
    """Per graph output of an ONNX model: the step (scale) of the DequantizeLinear that
    produces it with one constant scale, else None. Such an output is the quantised
    network's own rounding made visible: a reference computed differently may differ by
    one step without either being wrong."""
    import onnx
    from onnx import numpy_helper

    producers = {out: node for node in model.graph.node for out in node.output}
    tensors = {t.name: t for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            tensors[node.output[0]] = node.attribute[0].t
    steps: list[float | None] = []
    for output in model.graph.output:
        node = producers.get(output.name)
        tensor = tensors.get(node.input[1]) if node is not None and len(node.input) > 1 else None
        step = None
        dequantized = node is not None and node.op_type == "DequantizeLinear"
        # only a scale stored in the model (one with external data is not read here)
        if dequantized and tensor is not None and tensor.data_location != onnx.TensorProto.EXTERNAL:
            scale = numpy_helper.to_array(tensor)
            if scale.size == 1 and np.isfinite(scale).all():
                step = float(abs(scale.reshape(-1)[0]))
        steps.append(step)
    return steps
