"""End to end on Deeploy's integer test networks: integer types from the data (Deeploy's
convention), ONNX in, C out, built, run, compared bit-exactly with outputs.npz.

Like the float suite, a network the compiler rejects because some operator has no
integer kernel yet is an expected failure naming the operators; any other rejection or
any mismatch fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED, compile_build_run, requires_shared, shared_tests
from tests.e2e.test_shared_networks import FLOAT_TESTS

TRAINING = ("CCT_Train", "Transformer_Train", "microLlama/FP32")
INTEGER_TESTS = [
    t for t in shared_tests() if t not in FLOAT_TESTS and not any(s in t for s in TRAINING)
]


def integer_types(folder: Path) -> dict[str, str]:
    from deeploy.harness.test_data import data_input_types, load_npz

    return data_input_types(folder / "network.onnx", load_npz(folder / "inputs.npz"))


def xfail_missing_kernels(err) -> None:
    from deeploy.kernels.library import generic_library

    known = generic_library().op_types()
    missing = sorted({op for _, op, _ in err.nodes if op not in known})
    if err.nodes and missing:
        pytest.xfail(f"no kernel yet for: {', '.join(missing)}")


@requires_shared
@pytest.mark.shared
@pytest.mark.parametrize("test", INTEGER_TESTS)
def test_integer_network(test: str, tmp_path: Path) -> None:
    from deeploy.errors import UnsupportedError
    from deeploy.harness.compare import compare
    from deeploy.harness.runner import compile_typed
    from deeploy.harness.test_data import fit_inputs, load_npz

    folder = SHARED / test
    types = integer_types(folder)
    try:
        # as `deeploy run`: inferred types are dropped for a network with no integer form
        specs = compile_typed(folder / "network.onnx", types, True).report["inputs"]
    except UnsupportedError as err:
        xfail_missing_kernels(err)
        raise
    if not any(s["dtype"].startswith(("int", "uint")) for s in specs):
        types = {}
    inputs = fit_inputs(load_npz(folder / "inputs.npz"), specs, "inputs.npz")
    _, outcome = compile_build_run(
        folder / "network.onnx", inputs, tmp_path, input_types=types or None
    )
    expected = load_npz(folder / "outputs.npz")[: len(outcome.outputs)]
    comparison = compare(outcome.outputs, expected)
    assert comparison.passed, (
        f"{comparison.errors} of {comparison.total} elements differ (max {comparison.max_abs_error})"
    )
