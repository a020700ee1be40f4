"""Test data: reading `.npz` files as untrusted input and matching their arrays to a
network's inputs and outputs; random inputs and onnxruntime references for a bare model.
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from deeploy.errors import DeeployError, ModelError

if TYPE_CHECKING:
    import onnx


def data_input_types(
    model: Path | str | onnx.ModelProto,
    arrays: Sequence[np.ndarray] | Mapping[str, np.ndarray],
) -> dict[str, str]:
    """Deeploy's convention for test folders: integer input data in float inputs makes the
    network an integer one, each input the narrowest type holding its values. `arrays`
    by name or position, as `fit_inputs` takes them."""
    import onnx

    from deeploy.integer_types import infer_input_types

    proto = (
        model
        if isinstance(model, onnx.ModelProto)
        else onnx.load(str(model), load_external_data=False)
    )
    graph = proto.graph
    initializers = {t.name for t in graph.initializer}
    inputs = [v for v in graph.input if v.name not in initializers]
    if any(v.type.tensor_type.elem_type != onnx.TensorProto.FLOAT for v in inputs):
        return {}
    names = [v.name for v in inputs]
    try:
        matched, _ = match_arrays(_keyed(arrays), names, "test data", "input")
    except ModelError:
        return {}  # fit_inputs says what is wrong, once the network's inputs are known
    return infer_input_types(names, [array for _, array in matched]) or {}


# np.savez stores each array as KEY.npy; more arrays than this is no test data but an
# attempt to exhaust memory with the zip's directory
MAX_NPZ_ARRAYS = 65536
_REAL_KINDS = "biuf"  # bool, signed and unsigned integers, floats


def read_npz(path: Path | str) -> dict[str, np.ndarray]:
    """The arrays of an .npz file by key, in the file's order. The file is read once (a
    regular file, at most DEEPLOY_MAX_INPUT_BYTES) and parsed here rather than by
    np.load: no pickles, no member but .npy arrays, no array larger than its bytes, only
    bool, integer and float arrays. Errors name the file and the array."""
    from deeploy.input_files import read_input_file

    where = str(path)
    data = read_input_file(path, "test data")
    if data.count(b"PK\x01\x02") > MAX_NPZ_ARRAYS:  # an upper bound on the members
        raise ModelError(f"{where} holds more than {MAX_NPZ_ARRAYS:,} arrays")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as err:
        raise ModelError(f"{where} is not an .npz file (a zip of .npy arrays): {err}") from None
    with archive:
        members = archive.infolist()
        _check_unpacked_size(members, where)
        arrays: dict[str, np.ndarray] = {}
        for member in members:
            key = _npz_key(member, where)
            if key in arrays:
                raise ModelError(f"{where} holds two arrays named '{key}'")
            arrays[key] = _read_member(archive, member, where, key)
    return arrays


def _check_unpacked_size(members: list[zipfile.ZipInfo], where: str) -> None:
    from deeploy.input_files import MAX_INPUT_ENV, max_input_bytes

    limit = max_input_bytes()
    if sum(m.file_size for m in members) > limit:
        raise ModelError(
            f"{where} unpacks to more than {limit:,} bytes, the most an input file may hold "
            f"(set {MAX_INPUT_ENV} to allow more)"
        )


def _npz_key(member: zipfile.ZipInfo, where: str) -> str:
    if not member.filename.endswith(".npy") or member.is_dir():
        raise ModelError(f"{where} holds '{member.filename}', which is not a .npy array")
    return member.filename[: -len(".npy")]


def _read_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, where: str, key: str
) -> np.ndarray:
    try:
        with archive.open(member) as stream:
            shape, fortran, dtype = _npy_header(stream, where, key)
            count = math.prod(shape)
            size = count * dtype.itemsize
            if size > member.file_size:  # before numpy allocates what the header claims
                raise ModelError(
                    f"{where}: array '{key}' claims shape {list(shape)} of {dtype}, more than "
                    "the file holds"
                )
            raw = stream.read(size)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError) as err:
        raise ModelError(f"{where}: array '{key}' cannot be read ({err})") from None
    except zlib.error as err:
        raise ModelError(f"{where}: array '{key}' is corrupt ({err})") from None
    if len(raw) != size:
        raise ModelError(f"{where}: array '{key}' is truncated")
    array = np.frombuffer(raw, dtype=dtype, count=count).copy()
    return array.reshape(shape, order="F" if fortran else "C")


def _npy_header(stream: IO[bytes], where: str, key: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    from numpy.lib import format as npy

    try:
        version = npy.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = npy.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = npy.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unsupported .npy version {version[0]}.{version[1]}")
    except (ValueError, TypeError, SyntaxError, EOFError) as err:
        raise ModelError(f"{where}: array '{key}' is not a valid .npy array ({err})") from None
    check_real(dtype, where, key)
    return tuple(int(d) for d in shape), bool(fortran), dtype


def check_real(dtype: np.dtype, where: str, key: str) -> None:
    """Test data is bool, integers or floats: no complex numbers, strings, dates, records
    or Python objects (whose loading would run a pickle)."""
    if dtype.kind in _REAL_KINDS and not dtype.fields:
        return
    if dtype.hasobject:
        what = "Python objects (a pickle, never loaded)"
    elif dtype.kind == "c":
        what = f"complex numbers ({dtype})"
    else:
        what = f"values of type {dtype}"
    raise ModelError(
        f"{where}: array '{key}' holds {what}; test data must be bool, integer or float"
    )


def load_npz(path: Path | str) -> list[np.ndarray]:
    """The arrays of an .npz file in the file's order (see `read_npz`)."""
    return list(read_npz(path).values())


# -- matching test data to the network's inputs and outputs ------------------------------


def _keyed(arrays: Sequence[np.ndarray] | Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Arrays by key; a sequence's keys (#0, #1, ...) match no tensor name, so its arrays
    are taken by position."""
    if isinstance(arrays, Mapping):
        return dict(arrays)
    return {f"#{i}": np.asarray(a) for i, a in enumerate(arrays)}


def match_arrays(
    arrays: Mapping[str, np.ndarray], names: Sequence[str], where: str, what: str
) -> tuple[list[tuple[str, np.ndarray]], list[str]]:
    """(key, array) for each of `names` (the network's inputs or outputs, `what` says
    which) and the keys left over. By name when every name is a key, else by position;
    a file that names some of them but not all is an error, as are too few arrays."""
    keys = list(arrays)
    present = [n for n in names if n in arrays]
    if names and len(present) == len(names):
        chosen = list(names)
    elif present:
        missing = ", ".join(f"'{n}'" for n in names if n not in arrays)
        raise ModelError(
            f"{where} has arrays named after some {what}s but none for {what} {missing} "
            f"(it holds {_shown(keys)}); name every array after a {what}, or none to "
            "match them by position"
        )
    elif len(keys) < len(names):
        raise ModelError(
            f"{where} holds {len(keys)} arrays ({_shown(keys)}); the network has "
            f"{len(names)} {what}s ({_shown(names)})"
        )
    else:
        chosen = keys[: len(names)]
    taken = set(chosen)
    return [(k, arrays[k]) for k in chosen], [k for k in keys if k not in taken]


def _shown(keys: Sequence[str], limit: int = 8) -> str:
    listed = ", ".join(f"'{k}'" for k in keys[:limit])
    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
    return (listed + more) or "none"


def fit_inputs(
    arrays: Sequence[np.ndarray] | Mapping[str, np.ndarray],
    specs: list[dict[str, Any]],
    where: str,
) -> list[np.ndarray]:
    """Arrays checked against and cast to the network's inputs: by name or position (see
    `match_arrays`); arrays beyond the inputs are ignored (`input_data` reports them)."""
    return input_data(arrays, specs, where)[0]


def input_data(
    arrays: Sequence[np.ndarray] | Mapping[str, np.ndarray],
    specs: list[dict[str, Any]],
    where: str,
) -> tuple[list[np.ndarray], list[str]]:
    """The network's inputs from test data, and the keys of the arrays left over: Deeploy's
    test suite stores the network's parameters after its inputs in inputs.npz."""
    matched, rest = match_arrays(_keyed(arrays), [s["name"] for s in specs], where, "input")
    fitted = []
    for (key, array), spec in zip(matched, specs):
        checked = _fit(key, array, spec, where, "input")
        fitted.append(checked.astype(np.dtype(spec["dtype"])).reshape(spec["shape"]))
    return fitted, rest


def expected_outputs(
    arrays: Sequence[np.ndarray] | Mapping[str, np.ndarray],
    specs: list[dict[str, Any]],
    where: str,
) -> list[np.ndarray]:
    """The reference outputs: one array per output of the network, by name or position;
    an array more is an error (the data belongs to another network)."""
    matched, rest = match_arrays(_keyed(arrays), [s["name"] for s in specs], where, "output")
    if rest:
        raise ModelError(
            f"{where} holds {len(rest)} arrays more than the network has outputs "
            f"({_shown(rest)}); the network's outputs are {_shown([s['name'] for s in specs])}"
        )
    return [_fit(key, array, spec, where, "output") for (key, array), spec in zip(matched, specs)]


def _fit(key: str, array: np.ndarray, spec: dict[str, Any], where: str, what: str) -> np.ndarray:
    """`array` checked for `spec`: real values, the element count, and for an integer
    input values that its type holds."""
    array = np.asarray(array)
    label = f"array '{key}'" if not key.startswith("#") else f"array {key}"
    check_real(array.dtype, where, key)
    shape = tuple(spec["shape"])
    if array.size != math.prod(shape):
        raise ModelError(
            f"{where}: {label} for {what} '{spec['name']}' has shape {list(array.shape)}, "
            f"the network's {what} has {list(shape)}"
        )
    dtype = np.dtype(spec["dtype"])
    if what == "input" and dtype.kind in "iu" and array.dtype.kind in "iuf" and array.size:
        _check_fits(array, dtype, f"{where}: {label} for input '{spec['name']}'")
    return array


def _check_fits(array: np.ndarray, dtype: np.dtype, where: str) -> None:
    # a cast would wrap an out-of-range value (and turn NaN into anything) silently
    info = np.iinfo(dtype)
    values = array.astype(np.float64) if array.dtype.kind == "f" else array
    if array.dtype.kind == "f" and not np.all(np.isfinite(values)):
        raise ModelError(f"{where} holds NaN or infinite values; the input is {dtype}")
    lo, hi = values.min(), values.max()
    if lo < info.min or hi > info.max:
        raise ModelError(
            f"{where} holds values from {lo} to {hi}, outside {dtype} ({info.min} to {info.max})"
        )


def random_inputs(specs: list[dict[str, Any]], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = []
    for spec in specs:
        dtype = np.dtype(spec["dtype"])
        shape = tuple(spec["shape"])
        if dtype.kind == "f":
            arrays.append(rng.standard_normal(shape).astype(dtype))
        elif dtype.kind == "b":
            arrays.append(rng.integers(0, 2, shape).astype(dtype))
        else:
            info = np.iinfo(dtype)
            arrays.append(
                rng.integers(max(info.min, -128), min(info.max, 127) + 1, shape).astype(dtype)
            )
    return arrays


def onnxruntime_reference(
    model: Path | str | bytes | onnx.ModelProto,
    inputs: Sequence[np.ndarray],
    input_names: Sequence[str],
    input_shapes: dict[str, tuple[int, ...]] | None = None,
    label: str | None = None,
) -> list[np.ndarray]:
    """onnxruntime's outputs for `inputs`, from the graph as written (no graph
    optimisations). `model` is best given as a ModelProto or bytes, the model already
    read: a path is read again (`label` names the model in errors)."""
    import onnx

    label = label or (str(model) if isinstance(model, str | Path) else "the model")
    try:
        import onnxruntime as ort
    except ImportError:
        raise DeeployError(
            f"cannot compute reference outputs for {label}: onnxruntime is not installed "
            "(pip install onnxruntime), or pass a test folder with inputs.npz and outputs.npz"
        ) from None
    options = ort.SessionOptions()
    options.log_severity_level = 3
    # the graph as written: onnxruntime's fused kernels (QGemm, QLinearSoftmax, ...) round
    # differently from the operators they replace, and a reference follows ONNX's semantics
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    try:
        source = model.SerializeToString() if isinstance(model, onnx.ModelProto) else model
        source = str(source) if isinstance(source, Path) else source
        session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        return session.run(None, dict(zip(input_names, inputs)))
    except Exception as err:  # onnxruntime raises its own exception hierarchy
        raise DeeployError(
            f"onnxruntime cannot run {label} for a reference: {_first_line(err)}"
        ) from None


def _first_line(err: BaseException) -> str:
    lines = [line for line in str(err).splitlines() if line.strip()]
    return lines[0].strip() if lines else type(err).__name__
