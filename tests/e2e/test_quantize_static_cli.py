"""Networks quantised by onnxruntime's `quantize_static` with its default settings (int8
activations and weights, per tensor, no reduced range; only the format chosen), run as a
user runs them: `deeploy run model.onnx`, no other option (random inputs, onnxruntime's
reference from the graph as written, outputs of the last DequantizeLinear within one
step). A transformer block (LayerNormalization, attention with Softmax, Gelu MLP,
residuals) and the CNN of tests/qdq_model.py, in QDQ and QOperator formats; the QOperator
transformer holds onnxruntime's com.microsoft QLinearSoftmax, QLinearAdd and QLinearMul.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest

from tests.qdq_model import (
    calibration_inputs,
    float_cnn,
    float_transformer,
    quantize_default,
    transformer_calibration_inputs,
)

pytest.importorskip("onnxruntime")

NETWORKS: dict[str, tuple[Callable[[], onnx.ModelProto], Callable[[], list[np.ndarray]]]] = {
    "cnn": (float_cnn, calibration_inputs),
    "transformer": (float_transformer, transformer_calibration_inputs),
}
# operators each quantised network must hold: the test exercises what it claims to
EXPECTED_OPS = {
    ("cnn", "QDQ"): {"QuantizeLinear", "DequantizeLinear", "Conv", "Gemm"},
    ("cnn", "QOperator"): {"QLinearConv", "QLinearAveragePool", "QGemm"},
    ("transformer", "QDQ"): {"QuantizeLinear", "DequantizeLinear", "Softmax", "MatMul"},
    ("transformer", "QOperator"): {"QLinearMatMul", "QLinearAdd", "QLinearMul", "QLinearSoftmax"},
}


@pytest.mark.parametrize("quant_format", ["QDQ", "QOperator"])
@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_deeploy_run_with_default_options(network: str, quant_format: str, tmp_path: Path) -> None:
    build, calibration = NETWORKS[network]
    model = quantize_default(build(), calibration(), tmp_path / "quantize", quant_format)
    ops = {n.op_type for n in model.graph.node}
    assert EXPECTED_OPS[network, quant_format] <= ops, ops
    path = tmp_path / "model.onnx"
    onnx.save(model, path)

    proc = subprocess.run(
        [sys.executable, "-m", "deeploy.tools.cli", "run", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    elements = int(np.prod([d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim]))
    assert re.search(rf"^PASSED: 0 of {elements} elements", proc.stdout, re.M), proc.stdout
    # the output comes out of a DequantizeLinear: compared within one of its steps
    assert "comes out of a DequantizeLinear: compared within one step" in proc.stderr


def test_float_model_deviation_of_the_quantised_cnn(tmp_path: Path) -> None:
    """`--float-model`: the figures are those of onnxruntime's runs of both models on the
    test folder's inputs, computed here (the compiled network matches onnxruntime's
    quantised outputs exactly on these inputs, so its deviation is theirs)."""
    import json

    from deeploy.harness.test_data import onnxruntime_reference
    from tests.qdq_model import INPUT_SHAPE

    float_net = float_cnn()
    quantised = quantize_default(float_net, calibration_inputs(), tmp_path / "quantize")
    rng = np.random.default_rng(2027)
    x = rng.standard_normal(INPUT_SHAPE).astype(np.float32)
    (q,) = onnxruntime_reference(quantised, [x], ["x"])
    (f,) = onnxruntime_reference(float_net, [x], ["x"])
    folder = tmp_path / "qdq_cnn"
    folder.mkdir()
    onnx.save(quantised, folder / "network.onnx")
    np.savez(folder / "inputs.npz", x=x)
    np.savez(folder / "outputs.npz", y=q)
    onnx.save(float_net, tmp_path / "float.onnx")

    proc = subprocess.run(
        [
            sys.executable,
            *("-m", "deeploy.tools.cli", "run", str(folder)),
            *("--float-model", str(tmp_path / "float.onnx"), "--json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["max_abs_error"] == 0.0  # the network's outputs are onnxruntime's
    diff = np.abs(q.astype(np.float64) - f.astype(np.float64))
    assert diff.max() > 0  # quantisation moved the outputs: the figures are not trivial
    agree = float(np.mean(np.argmax(q, axis=-1) == np.argmax(f, axis=-1)))
    (entry,) = report["float_model"]["outputs"]
    assert entry == {
        "name": "y",
        "max_abs_error": pytest.approx(float(diff.max()), rel=1e-12),
        "mean_abs_error": pytest.approx(float(diff.mean()), rel=1e-12),
        "argmax_agreement": agree,
        "argmax_positions": 1,
    }
    assert report["float_model"]["path"] == str(tmp_path / "float.onnx")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("float model: output 'y'"))
    assert f"max abs error {diff.max():.4g}, mean abs error {diff.mean():.4g}" in line
