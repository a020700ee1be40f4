"""Figures about a compiled network: node counts, MACs, memory per level.

The report is read from the IR, not from which passes ran: `observe` looks at the module
after every pass and records what the IR shows at that point (I/O types while the graph
is at tensor level, kernels and MACs once ops are bound, tiling once layers are tiled,
arenas once memory is planned), before later passes lower the ops that carry it.
Replacing a pass by an equivalent one leaves the report as it was."""

from __future__ import annotations

from math import prod
from typing import Any

from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, MemRefType, ModuleOp, StringAttr, TensorType
from xdsl.ir import Operation

from deeploy.dialects import buffer, graph


def macs(op: graph.GraphOp) -> int:
    """Multiply-accumulates of one op (0 for ops without a MAC structure)."""
    kind = op.SIGNATURE.op_type.removeprefix("Requantized")  # fuse-requant's ops
    if kind in ("Conv", "ConvInteger", "QLinearConv"):
        x = graph.shape_of(op.operands[0])
        w = graph.shape_of(op.operands[1 if kind != "QLinearConv" else 3])
        y = graph.shape_of(op.results[0])
        return prod(y) * prod(w[1:])
    if kind == "ConvTranspose":
        x = graph.shape_of(op.operands[0])
        w = graph.shape_of(op.operands[1])
        return prod(x) * prod(w[1:])
    if kind in ("Gemm", "QGemm"):  # QGemm (com.microsoft): A first, transA as Gemm's
        a = graph.shape_of(op.operands[0])
        k = a[0] if op.attr_int("transA", 0) else a[1]
        return prod(graph.shape_of(op.results[0])) * k
    if kind in ("MatMul", "MatMulInteger", "QLinearMatMul"):
        a = graph.shape_of(op.operands[0])
        return prod(graph.shape_of(op.results[0])) * a[-1]
    return 0


def bound_ops(fn: func.FuncOp) -> list[Any]:
    """The graph ops of fn bound to a kernel, in order, with their MACs (BoundOp)."""
    from deeploy.layer_report import BoundOp

    return [
        BoundOp(op.SIGNATURE.op_type, op.node_name, macs(op))
        for op in fn.body.block.ops
        if isinstance(op, graph.GraphOp) and "kernel" in op.attributes
    ]


def graph_summary(module: ModuleOp, bound: bool = False) -> dict[str, Any]:
    """Node counts and MACs of a graph-level module (after binding: kernels used)."""
    nodes = 0
    total_macs = 0
    histogram: dict[str, int] = {}
    kernels: dict[str, int] = {}
    for op in module.walk():
        if not isinstance(op, graph.GraphOp):
            continue
        nodes += 1
        total_macs += macs(op)
        histogram[op.SIGNATURE.op_type] = histogram.get(op.SIGNATURE.op_type, 0) + 1
        kernel = op.attributes.get("kernel")
        if kernel is not None:
            assert isinstance(kernel, StringAttr), kernel  # bind-kernels names the kernel
            kernels[kernel.data] = kernels.get(kernel.data, 0) + 1
    if bound:
        return {
            "layers": nodes,
            "macs": total_macs,
            "ops": 2 * total_macs,
            "kernels": dict(sorted(kernels.items())),
        }
    return {"nodes": nodes, "op_types": dict(sorted(histogram.items()))}


def memory_summary(module: ModuleOp) -> dict[str, Any]:
    """Arena sizes, live-set bounds and optimality per level, weights and I/O bytes of a planned module."""
    memory: dict[str, int] = {}
    bound: dict[str, int] = {}
    proven: dict[str, bool] = {}
    for op in module.ops:
        if isinstance(op, buffer.ArenaOp):
            memory[op.level_name] = op.size_bytes
            bound[op.level_name] = (
                op.lower_bound.value.data if op.lower_bound is not None else op.size_bytes
            )
            proven[op.level_name] = op.optimal is not None
    weights = 0
    io = 0
    for op in module.walk():
        if isinstance(op, buffer.ConstantOp):
            weights += buffer.size_in_bytes(op.result.type)
        if isinstance(op, func.FuncOp) and not op.is_declaration:
            for arg in op.body.block.args:
                if isinstance(arg.type, MemRefType):
                    io += buffer.size_in_bytes(arg.type)
    return {
        "memory": memory,
        "live_set_bound": bound,
        "memory_optimal": proven,
        "weights_bytes": weights,
        "io_bytes": io,
        "ram_bytes": sum(memory.values()) + io,
    }


def _int_attribute(op: Operation, key: str) -> int:
    """An integer the tiling pass recorded on a layer (`l1_bytes`, `optimal`, ...)."""
    attr = op.attributes[key]
    assert isinstance(attr, IntegerAttr), f"{key} = {attr}"
    return attr.value.data


def tiling_summary(module: ModuleOp) -> dict[str, Any]:
    """What tiling decided (after tile-layers): tiles, the DMA traffic the schedules
    imply, and the most L1 any layer uses."""
    from deeploy.dialects import tiled
    from deeploy.targets.spec import module_spec

    layers = [op for op in module.walk() if isinstance(op, tiled.LayerOp)]
    hops = module_spec(module).hops

    def total(key: str) -> int:
        return sum(_int_attribute(op, key) for op in layers if key in op.attributes)

    optimal = all(
        bool(_int_attribute(op, "optimal")) for op in layers if "optimal" in op.attributes
    )
    l1 = max((_int_attribute(op, "l1_bytes") for op in layers), default=0)
    # every operand moved once (per hop, when staged): the reference traffic;
    # a layer that reads only part of an input (strided 1x1 windows) can move less
    bound = sum(
        hops(buffer.level_of(v)) * buffer.size_in_bytes(buffer.memref_type(v))
        for op in layers
        for v in op.operands_in_order
    )
    return {
        "tiles": total("tiles"),
        "tiling": {
            "layers": len(layers),
            "dma_bytes": total("dma_bytes"),
            "dma_lower_bound": bound,
            "dma_transfers": total("dma_transfers"),
            "l1_peak": l1,
            "optimal": optimal,
        },
    }


def format_summary(report: dict[str, Any]) -> str:
    """The short human-readable summary `deeploy compile` prints."""
    mem = ", ".join(f"{k} {v:,} B" for k, v in report.get("memory", {}).items()) or "no arena"
    tiling = report.get("tiling")
    tiled = (
        f" | {report['tiles']:,} tiles, {tiling['dma_bytes']:,} B by DMA in "
        f"{tiling['dma_transfers']:,} transfers, L1 peak {tiling['l1_peak']:,} B"
        if tiling
        else ""
    )
    return (
        f"{report['network']}: {report.get('nodes', 0)} nodes ({report.get('layers', 0)} layers after folding), "
        f"{report.get('macs', 0):,} MACs | arena {mem} | weights {report.get('weights_bytes', 0):,} B | "
        f"I/O {report.get('io_bytes', 0):,} B{tiled} | compiled in {report.get('compile_seconds', 0):.2f} s"
    )


def io_summary(fn: func.FuncOp) -> dict[str, Any]:
    """Inputs and outputs of the imported network function: ONNX name, shape, numpy dtype."""
    from xdsl.dialects.builtin import StringAttr, TensorType

    from deeploy.dtypes import numpy_dtype

    def describe(types, attrs) -> list[dict[str, Any]]:
        out = []
        for i, t in enumerate(types):
            assert isinstance(t, TensorType)
            name = attrs.data[i].data.get("graph.name") if attrs is not None else None
            out.append(
                {
                    "name": name.data if isinstance(name, StringAttr) else f"#{i}",
                    "shape": list(t.get_shape()),
                    "dtype": numpy_dtype(t.get_element_type()).name,
                }
            )
        return out

    return {
        "inputs": describe(fn.function_type.inputs.data, fn.arg_attrs),
        "outputs": describe(fn.function_type.outputs.data, fn.res_attrs),
    }


class ReportObserver:
    """Keeps `report` up to date with what the IR shows (see the module docstring); call
    `observe` after every pass."""

    def __init__(self, report: dict[str, Any]) -> None:
        from deeploy.layer_report import BoundOp

        self.report = report
        self._last_graph: dict[str, Any] | None = None
        # the kernel-bound graph ops of the last graph-level module, in order: what the
        # layers of the buffer level come from (deeploy/layer_report.py)
        self._bound: list[BoundOp] | None = None

    def observe(self, module: ModuleOp) -> None:
        from deeploy.dialects import tiled
        from deeploy.layer_report import add_layer_functions, layer_rows

        report = self.report
        fn = next(
            (op for op in module.ops if isinstance(op, func.FuncOp) and not op.is_declaration),
            None,
        )
        if fn is None:
            if "layer_report" in report:  # lowered to C: which functions the layers call
                add_layer_functions(report["layer_report"], module)
            return  # everything else was recorded on the way
        if any(isinstance(t, TensorType) for t in fn.function_type.inputs.data):
            report.update(io_summary(fn))
            if "kernels" not in report:
                summary = graph_summary(module, bound=True)
                if summary["kernels"]:
                    report.update(summary)  # as bound, before fusions change the count
                self._last_graph = summary
            self._bound = bound_ops(fn) if "kernels" in report else None
            return
        if "kernels" not in report and self._last_graph is not None:
            report.update(self._last_graph)  # no op needed a kernel (views only)
        if any(isinstance(op, tiled.LayerOp) for op in fn.body.block.ops):
            report.update(tiling_summary(module))
        if any(isinstance(op, buffer.ArenaOp) for op in module.ops):
            report.update(memory_summary(module))
        report["layer_report"] = layer_rows(fn, self._bound)
