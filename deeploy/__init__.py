"""Deeploy on xDSL: a DNN compiler from ONNX to static-memory C for microcontrollers.

    import deeploy
    result = deeploy.compile("model.onnx", target="generic", name="net")
    pipe = deeploy.default_pipeline("generic")

Everything is imported lazily so that `import deeploy` stays cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "compile": "deeploy.api",
    "CompileResult": "deeploy.api",
    "Pipeline": "deeploy.pipeline",
    "default_pipeline": "deeploy.pipeline",
    "import_onnx": "deeploy.frontend.onnx_import",
    "get_target": "deeploy.targets",
    "DeeployError": "deeploy.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'deeploy' has no attribute '{name}'")
    from importlib import import_module

    return getattr(import_module(module), name)
