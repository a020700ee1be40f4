"""`deeploy run --float-model FLOAT.onnx`: how far a quantised network's outputs are from
the float network it was quantised from.

onnxruntime runs the float model (the graph as written, as for every reference) on the
inputs the quantised network ran on; per output, the report gives the largest and the
mean absolute difference and, for outputs with at least two elements along the last
axis, the fraction of positions whose argmax along that axis agrees (a classifier's
top-1 agreement). This is information beside the usual check, never a pass/fail
criterion: quantisation is expected to move the outputs.

The float model must have the quantised network's inputs and outputs: the same names and
shapes (a symbolic dimension of the float model matches any size), or `OptionError`
names the file and the tensor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from deeploy.errors import OptionError

if TYPE_CHECKING:
    import onnx

OPTION = "--float-model"


@dataclass
class FloatModel:
    """The float model the user named, read once."""

    path: Path
    proto: onnx.ModelProto  # external data read in

    def where(self) -> str:
        return f"{OPTION} {self.path}"


def load(path: str) -> FloatModel:
    """The model at `path`, read as the compiled model is (deeploy.frontend's load_model:
    a bounded regular file, a valid ONNX model, external data only inside its folder)."""
    from deeploy.errors import DeeployError
    from deeploy.frontend.onnx_import import load_model

    try:
        proto = load_model(path)
    except DeeployError as err:
        raise OptionError(f"{OPTION} {path}: {err}") from None
    return FloatModel(Path(path), proto)


def _declared(values: Any, initializers: set[str]) -> dict[str, list[int | None] | None]:
    """name -> declared shape (None: no shape; a None dimension: symbolic), in order."""
    out: dict[str, list[int | None] | None] = {}
    for value in values:
        if value.name in initializers:
            continue  # an initializer listed as an input (older exporters): not fed
        tensor = value.type.tensor_type
        if not tensor.HasField("shape"):
            out[value.name] = None
            continue
        out[value.name] = [
            d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim
        ]
    return out


def _shape_matches(declared: list[int | None] | None, shape: Sequence[int]) -> bool:
    if declared is None:
        return True  # checked on the arrays onnxruntime returns
    return len(declared) == len(shape) and all(d is None or d == s for d, s in zip(declared, shape))


def _check_tensors(
    model: FloatModel, what: str, declared: dict[str, list[int | None] | None], specs: list[dict]
) -> None:
    names = [s["name"] for s in specs]
    missing = [n for n in names if n not in declared]
    extra = [n for n in declared if n not in names]
    if missing:
        raise OptionError(
            f"{model.where()} has no {what} '{missing[0]}' (its {what}s: "
            f"{', '.join(repr(n) for n in declared) or 'none'}); it must have the quantised "
            f"network's {what}s"
        )
    if extra:
        raise OptionError(
            f"{model.where()} has {what} '{extra[0]}', which the quantised network does not have"
        )
    for spec in specs:
        shape = declared[spec["name"]]
        if not _shape_matches(shape, spec["shape"]):
            shown = [d if d is not None else "?" for d in shape or []]
            raise OptionError(
                f"{model.where()}: {what} '{spec['name']}' has shape {shown}, the quantised "
                f"network's has {list(spec['shape'])}"
            )


def check(model: FloatModel, inputs: list[dict], outputs: list[dict]) -> None:
    """The float model has the quantised network's inputs and outputs (`inputs`,
    `outputs`: the compile report's specs, with names and shapes)."""
    graph = model.proto.graph
    initializers = {t.name for t in graph.initializer}
    _check_tensors(model, "input", _declared(graph.input, initializers), inputs)
    _check_tensors(model, "output", _declared(graph.output, set()), outputs)


def outputs(
    model: FloatModel, arrays: Sequence[np.ndarray], report: dict[str, Any]
) -> list[np.ndarray]:
    """The float model's outputs on the quantised network's inputs (`arrays`), in the
    order of the network's outputs, after checking that the float model has the network's
    inputs and outputs (`report`: the compile report, which lists them)."""
    check(model, report["inputs"], report["outputs"])
    return run(model, arrays, report["inputs"], report["outputs"])


def report(
    model: FloatModel,
    quantised: Sequence[np.ndarray],
    floats: Sequence[np.ndarray],
    compile_report: dict[str, Any],
) -> dict[str, Any]:
    """The `float_model` field of `deeploy run --json`: the float model's path and each
    output's deviation (`deviation`), an unbounded error as null (JSON has no infinity)."""
    names = [o["name"] for o in compile_report["outputs"]]
    entries = []
    for entry in deviation(quantised, floats, names):
        for key in ("max_abs_error", "mean_abs_error"):
            entry[key] = entry[key] if math.isfinite(entry[key]) else None
        entries.append(entry)
    return {"path": str(model.path), "outputs": entries}


def run(
    model: FloatModel, arrays: Sequence[np.ndarray], inputs: list[dict], outputs: list[dict]
) -> list[np.ndarray]:
    """The float model's outputs on the quantised network's inputs (`arrays`, in the order
    of `inputs`), in the order of `outputs`; each input is given in the float model's
    declared element type (an integer network's data is the same numbers)."""
    import onnx

    from deeploy.errors import DeeployError
    from deeploy.harness.test_data import onnxruntime_reference

    graph = model.proto.graph
    types = {v.name: v.type.tensor_type.elem_type for v in graph.input}
    fed = []
    for array, spec in zip(arrays, inputs):
        elem = types.get(spec["name"], onnx.TensorProto.UNDEFINED)
        dtype = onnx.helper.tensor_dtype_to_np_dtype(elem) if elem else array.dtype
        fed.append(np.asarray(array).astype(dtype, copy=False))
    try:
        results = onnxruntime_reference(
            model.proto, fed, [s["name"] for s in inputs], label=str(model.path)
        )
    except DeeployError as err:
        raise OptionError(f"{OPTION}: {err}") from None
    produced = dict(zip([o.name for o in graph.output], results))
    ordered = []
    for spec in outputs:
        array = np.asarray(produced[spec["name"]])
        if list(array.shape) != list(spec["shape"]):
            raise OptionError(
                f"{model.where()}: output '{spec['name']}' comes out with shape "
                f"{list(array.shape)}, the quantised network's has {list(spec['shape'])}"
            )
        ordered.append(array)
    return ordered


def deviation(
    quantised: Sequence[np.ndarray], floats: Sequence[np.ndarray], names: Sequence[str]
) -> list[dict[str, Any]]:
    """Per output: max and mean absolute difference (infinite when one side holds NaN or
    an infinity the other does not), and the argmax agreement along the last axis (None
    for fewer than two elements there) with the number of positions compared."""
    out = []
    for name, q, f in zip(names, quantised, floats):
        q64 = np.asarray(q, dtype=np.float64).reshape(np.shape(f))
        f64 = np.asarray(f, dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(q64 - f64)
        same = (np.isnan(q64) & np.isnan(f64)) | (np.isinf(q64) & (q64 == f64))
        diff[same] = 0.0
        finite = bool(np.isfinite(diff).all())
        entry: dict[str, Any] = {
            "name": name,
            "max_abs_error": float(diff.max()) if finite and diff.size else math.inf,
            "mean_abs_error": float(diff.mean()) if finite and diff.size else math.inf,
            "argmax_agreement": None,
            "argmax_positions": 0,
        }
        if diff.size == 0:
            entry["max_abs_error"] = entry["mean_abs_error"] = 0.0
        last = f64.shape[-1] if f64.ndim else 1
        if last >= 2:
            rows_q, rows_f = q64.reshape(-1, last), f64.reshape(-1, last)
            agree = np.argmax(rows_q, axis=1) == np.argmax(rows_f, axis=1)
            entry["argmax_agreement"] = float(agree.mean())
            entry["argmax_positions"] = int(agree.size)
        out.append(entry)
    return out


def format_line(entry: dict[str, Any]) -> str:
    """One output's deviation (an entry of `report`), for the terminal."""
    agreement = entry["argmax_agreement"]
    if agreement is None:
        argmax = "argmax agreement n/a (fewer than 2 elements on the last axis)"
    else:
        positions = entry["argmax_positions"]
        agreeing = round(agreement * positions)
        argmax = f"argmax agreement {agreeing}/{positions} ({100 * agreement:.1f} %)"
    return (
        f"float model: output '{entry['name']}': max abs error {_number(entry['max_abs_error'])}, "
        f"mean abs error {_number(entry['mean_abs_error'])}, {argmax}"
    )


def _number(value: float | None) -> str:
    return "unbounded (NaN or infinity on one side only)" if value is None else f"{value:.4g}"
