"""End to end on Deeploy's own float32 test networks: ONNX in, C out, built, run, compared.

Every FP32 network of ../shared/deeploy-tests runs. One the compiler rejects because it
uses operators the generic target has no kernel for yet is an expected failure naming
them, so the list of what is missing stays visible and shrinks as kernels arrive; any
other rejection or mismatch fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED, compile_build_run, requires_shared, shared_tests

FLOAT_MODELS = ("Models/Autoencoder1D", "Models/TinyViT/Demo", "Models/Transformer_DeepQuant")
FLOAT_TESTS = [t for t in shared_tests() if "/FP32/" in t or "/BF16/" in t or t in FLOAT_MODELS]


@requires_shared
@pytest.mark.shared
@pytest.mark.parametrize("test", FLOAT_TESTS)
def test_float_network(test: str, tmp_path: Path) -> None:
    import deeploy
    from deeploy.errors import UnsupportedError
    from deeploy.harness.compare import compare
    from deeploy.harness.test_data import fit_inputs, load_npz
    from deeploy.kernels.library import generic_library

    folder = SHARED / test
    try:
        specs = deeploy.compile(folder / "network.onnx").report["inputs"]
    except UnsupportedError as err:
        known = generic_library().op_types()
        missing = sorted({op for _, op, _ in err.nodes if op not in known})
        if err.nodes and missing:
            pytest.xfail(f"no kernel yet for: {', '.join(missing)}")
        raise
    inputs = fit_inputs(load_npz(folder / "inputs.npz"), specs, "inputs.npz")
    _, outcome = compile_build_run(folder / "network.onnx", inputs, tmp_path)
    expected = load_npz(folder / "outputs.npz")[: len(outcome.outputs)]
    comparison = compare(outcome.outputs, expected)
    assert comparison.passed, (
        f"{comparison.errors} of {comparison.total} elements differ (max {comparison.max_abs_error})"
    )
