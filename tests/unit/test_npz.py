"""Test data (.npz): read without pickles or unbounded allocations, matched to the
network's inputs and outputs by name or position, with errors naming file and array."""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

import numpy as np
import onnx
import pytest

from deeploy.errors import ModelError
from deeploy.harness.test_data import (
    expected_outputs,
    fit_inputs,
    input_data,
    load_npz,
    match_arrays,
    read_npz,
)
from tests.conftest import SHARED, requires_shared, shared_tests

SPECS = [
    {"name": "a", "shape": [2, 2], "dtype": "float32"},
    {"name": "b", "shape": [3], "dtype": "int8"},
]


def _npz(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def test_reads_arrays_by_key_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    fortran = np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3))
    big_endian = np.arange(3, dtype=">f4")
    np.savez(path, z=np.ones(2, bool), a=fortran, h=np.float16([1.5]), e=big_endian)
    arrays = read_npz(path)
    assert list(arrays) == ["z", "a", "h", "e"]
    np.testing.assert_array_equal(arrays["a"], fortran)
    np.testing.assert_array_equal(arrays["e"], big_endian)
    assert arrays["h"].dtype == np.float16 and arrays["a"].flags.writeable
    assert [a.shape for a in load_npz(path)] == [(2,), (2, 3), (1,), (3,)]
    compressed = tmp_path / "c.npz"
    np.savez_compressed(compressed, np.arange(1000.0))
    np.testing.assert_array_equal(read_npz(compressed)["arr_0"], np.arange(1000.0))


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"not a zip at all", "is not an .npz file"),
        (b"", "is not an .npz file"),
    ],
)
def test_not_a_zip(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "inputs.npz"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=fragment) as err:
        read_npz(path)
    assert str(path) in str(err.value)


def test_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "inputs.npz"
    np.savez(path, np.arange(10_000.0))
    path.write_bytes(path.read_bytes()[:40_000])
    with pytest.raises(ModelError, match=r"inputs\.npz"):
        read_npz(path)


class _Marker:
    """Loading a pickle of this object would create a file."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (Path.touch.__get__(self.target), ())  # type: ignore[return-value]


def test_pickled_object_arrays_are_never_loaded(tmp_path: Path) -> None:
    marker = tmp_path / "pickle-ran"
    array = np.empty(1, dtype=object)
    array[0] = _Marker(marker)
    path = _npz(tmp_path / "inputs.npz", {"x.npy": _npy(array)})
    with pytest.raises(ModelError, match=r"array 'x' holds Python objects \(a pickle"):
        read_npz(path)
    assert not marker.exists()
    raw = _npz(tmp_path / "raw.npz", {"y.npy": pickle.dumps([1, 2])})
    with pytest.raises(ModelError, match=r"array 'y' is not a valid \.npy array"):
        read_npz(raw)


@pytest.mark.parametrize(
    ("array", "fragment"),
    [
        (np.ones(2, np.complex64), "complex numbers"),
        (np.array(["text"]), "values of type <U4"),
        (np.zeros(2, "datetime64[s]"), "values of type datetime64"),
        (np.zeros(2, [("f", "i4")]), "values of type"),
    ],
)
def test_only_real_arrays(tmp_path: Path, array: np.ndarray, fragment: str) -> None:
    path = _npz(tmp_path / "inputs.npz", {"x.npy": _npy(array)})
    with pytest.raises(ModelError, match=fragment) as err:
        read_npz(path)
    assert "inputs.npz: array 'x'" in str(err.value)


def test_members_that_are_not_arrays(tmp_path: Path) -> None:
    path = _npz(tmp_path / "inputs.npz", {"x.npy": _npy(np.ones(2)), "notes.txt": b"hello"})
    with pytest.raises(ModelError, match=r"holds 'notes\.txt', which is not a \.npy array"):
        read_npz(path)
    twice = tmp_path / "twice.npz"
    with zipfile.ZipFile(twice, "w") as archive, pytest.warns(UserWarning):
        archive.writestr("x.npy", _npy(np.ones(2)))
        archive.writestr("x.npy", _npy(np.ones(3)))
    with pytest.raises(ModelError, match="two arrays named 'x'"):
        read_npz(twice)


def test_header_claiming_more_than_the_file_holds(tmp_path: Path) -> None:
    """numpy would allocate what the header claims (here 8 TB) before reading."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
    )
    path = _npz(tmp_path / "inputs.npz", {"x.npy": header.getvalue() + b"\0" * 64})
    with pytest.raises(ModelError, match=r"array 'x' claims shape \[1000000000000\]"):
        read_npz(path)


def test_unpacked_size_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, np.zeros(1_000_000))  # 8 MB of zeros in a few kB
    monkeypatch.setenv("DEEPLOY_MAX_INPUT_BYTES", str(path.stat().st_size + 1000))
    with pytest.raises(ModelError, match="unpacks to more than"):
        read_npz(path)


def test_match_by_name_in_any_order() -> None:
    arrays = {"b": np.array([1, 2, 3]), "a": np.ones((4,), np.float32)}
    inputs = fit_inputs(arrays, SPECS, "in.npz")
    assert inputs[0].shape == (2, 2) and inputs[0].dtype == np.float32
    np.testing.assert_array_equal(inputs[1], np.int8([1, 2, 3]))


def test_match_by_position_and_left_over_arrays() -> None:
    arrays = {"arr_0": np.ones(4), "arr_1": np.zeros(3), "arr_2": np.zeros(9)}
    inputs, rest = input_data(arrays, SPECS, "in.npz")
    assert [i.shape for i in inputs] == [(2, 2), (3,)] and rest == ["arr_2"]
    matched, rest = match_arrays(arrays, ["x"], "in.npz", "input")
    assert [k for k, _ in matched] == ["arr_0"] and rest == ["arr_1", "arr_2"]


@pytest.mark.parametrize(
    ("arrays", "fragments"),
    [
        ({"a": np.ones(4)}, ["in.npz has arrays named after some inputs", "'b'"]),
        ({"arr_0": np.ones(4)}, ["in.npz holds 1 arrays", "has 2 inputs ('a', 'b')"]),
        (
            {"arr_0": np.ones(5), "arr_1": np.ones(3)},
            ["array 'arr_0' for input 'a' has shape [5]", "[2, 2]"],
        ),
        (
            {"a": np.ones(4), "b": np.float64([1, 2, 300])},
            ["array 'b' for input 'b'", "300", "int8"],
        ),
        ({"a": np.ones(4), "b": np.float64([1, np.nan, 3])}, ["NaN or infinite"]),
        ({"a": np.ones(4, np.complex128), "b": np.ones(3)}, ["array 'a'", "complex"]),
    ],
)
def test_input_errors_name_file_array_and_input(
    arrays: dict[str, np.ndarray], fragments: list[str]
) -> None:
    with pytest.raises(ModelError) as err:
        fit_inputs(arrays, SPECS, "in.npz")
    for fragment in fragments:
        assert fragment in str(err.value)


def test_reference_outputs_are_exactly_one_per_output() -> None:
    specs = [{"name": "y", "shape": [2], "dtype": "float32"}]
    assert expected_outputs({"y": np.ones(2)}, specs, "out.npz")[0].shape == (2,)
    with pytest.raises(ModelError, match=r"out.npz holds 1 arrays more .* \('extra'\)"):
        expected_outputs({"y": np.ones(2), "extra": np.ones(2)}, specs, "out.npz")
    with pytest.raises(ModelError, match="array 'arr_0' for output 'y' has shape \\[3\\]"):
        expected_outputs({"arr_0": np.ones(3)}, specs, "out.npz")


def test_sequences_stay_positional_with_extras_ignored() -> None:
    """The list API of the tests and benches: the first arrays, the rest ignored."""
    inputs = fit_inputs([np.ones(4), np.ones(3), np.ones(7)], SPECS, "inputs")
    assert len(inputs) == 2


@requires_shared
def test_every_shared_folder_matches_its_network() -> None:
    """Deeploy's data: named or positional arrays; inputs.npz of some tests carries the
    parameters after the inputs (left over, not an error), outputs.npz never more."""
    with_extras = []
    for name in shared_tests():
        folder = SHARED / name
        graph = onnx.load(str(folder / "network.onnx"), load_external_data=False).graph
        initializers = {t.name for t in graph.initializer}
        inputs = [v.name for v in graph.input if v.name not in initializers]
        _, rest = match_arrays(read_npz(folder / "inputs.npz"), inputs, name, "input")
        _, extra = match_arrays(
            read_npz(folder / "outputs.npz"), [v.name for v in graph.output], name, "output"
        )
        assert not extra, name
        with_extras += [name] if rest else []
    assert "Kernels/FP32/GEMM/Regular" in with_extras  # input, then weight and bias
