"""Run onnx's backend node tests on the generic target and classify every case.

    python -m deeploy.tools.conformance [--ops Add,Conv] [-j N] [--json OUT] [--markdown OUT]

Each case (a one-node model, or its function expansion, with inputs and expected outputs
from `onnx.backend.test.case.node`) is compiled, built with the host C compiler, run and
compared (floats within 1e-4 + 4 ulp, half-precision references within one of their ulp,
integers exactly). A case is
- passed: every output matches;
- failed: the program ran but an output differs (or has the wrong size);
- rejected: the compiler raised a DeeployError (an unsupported dtype, attribute, shape...);
- crashed: anything else (a compiler bug, C that does not build, a program that fails).

Without --ops, a case runs when every operator it needs at run time has a kernel or needs
none (views, Identity/Dropout) - operators evaluated by fold-constants need nothing. Cases
group by the operator they test. Integer and scalar inputs other than the first (shapes,
axes, pads, Clip bounds...) and the scales and zero points of quantised operators are
compiled as constants, as a static-memory deployment has them; the report lists them per
case.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

from deeploy.dialects.op_signature import NONDETERMINISTIC_OPS  # never folded

PASSED, FAILED, REJECTED, CRASHED = "passed", "failed", "rejected", "crashed"
STATUSES = (PASSED, FAILED, REJECTED, CRASHED)

# Operators that never need a kernel: views, removed at import, or folded.
NO_KERNEL_OPS = frozenset(
    {
        "Reshape",
        "Flatten",
        "Squeeze",
        "Unsqueeze",
        "Identity",
        "Dropout",
        "Constant",
        "Shape",
        "Size",
    }
)
_EXPANDED = re.compile(r"_expanded(_ver\d+)?$")
_FOLDED_WITHOUT_CONSTANT_INPUTS = {"Constant", "Shape", "Size"}  # static shapes suffice


@dataclass(frozen=True)
class Case:
    name: str
    op: str  # the operator the case tests (its expansions keep the tested op)
    model: bytes  # serialized ModelProto, constant inputs moved to initializers
    inputs: tuple[np.ndarray, ...]  # the remaining graph inputs, in graph order
    outputs: tuple[Any, ...]  # expected outputs (ndarray; a list for sequences)
    constants: tuple[str, ...]  # graph inputs compiled as constants


@dataclass(frozen=True)
class Outcome:
    name: str
    op: str
    status: str
    detail: str  # why it did not pass (empty when passed)
    constants: tuple[str, ...]


# -- selecting and preparing cases ------------------------------------------------------


@cache
def testcases() -> dict[str, Any]:
    """Every onnx backend node test case by name (collected once per process)."""
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the case generators overflow casts on purpose
        return {case.name: case for case in collect_testcases()}


def supported_ops() -> frozenset[str]:
    from deeploy.kernels.library import generic_library

    return frozenset(generic_library().op_types()) | NO_KERNEL_OPS


def _op_key(node: onnx.NodeProto) -> str:
    return node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"


def tested_op(name: str) -> str:
    """The operator case `name` tests: the node of the case, or of the case it expands."""
    graph = testcases()[_EXPANDED.sub("", name)].model.graph
    return _op_key(graph.node[0])


def runtime_ops(model: onnx.ModelProto) -> set[str]:
    """Operators of the nodes fold-constants cannot evaluate, as it decides: a standard,
    deterministic op with inputs that are all constant (or Shape/Size of anything)."""
    known = {t.name for t in model.graph.initializer}
    needed: set[str] = set()
    for node in model.graph.node:
        inputs = [i for i in node.input if i]
        folds = node.op_type in _FOLDED_WITHOUT_CONSTANT_INPUTS or (
            node.domain in ("", "ai.onnx")
            and node.op_type not in NONDETERMINISTIC_OPS
            and inputs
            and all(i in known for i in inputs)
        )
        if folds:
            known.update(node.output)
        else:
            needed.add(_op_key(node))
    return needed


def _to_array(value: Any) -> Any:
    if isinstance(value, onnx.TensorProto):
        return numpy_helper.to_array(value)
    if value is None or isinstance(value, list):
        return value
    return np.asarray(value)


def _is_parameter(index: int, value: Any, quantization: bool = False) -> bool:
    """Shapes, axes, pads, bounds: integer or scalar inputs after the first; and the
    scales and zero points of quantised operators (`quantization`), which a quantised
    model stores as initializers."""
    if index == 0 or not isinstance(value, np.ndarray):
        return False
    return quantization or value.dtype.kind in "iu" or value.ndim == 0


def _quantization_inputs(graph: onnx.GraphProto) -> set[str]:
    """Names of the graph's values that some node reads as a scale or zero point (by
    the operator's formal input name: x_scale, w_zero_point, ...)."""
    names: set[str] = set()
    for node in graph.node:
        try:
            formal = onnx.defs.get_schema(node.op_type, domain=node.domain).inputs
        except onnx.defs.SchemaError:
            continue
        for i, value in enumerate(node.input):
            if formal and any(
                k in formal[min(i, len(formal) - 1)].name for k in ("scale", "zero_point")
            ):
                names.add(value)
    return names


def prepare(name: str) -> Case:
    """The case `name`, with its parameter inputs moved into the model as constants."""
    source = testcases()[name]
    model = onnx.ModelProto()
    model.CopyFrom(source.model)
    inputs, outputs = source.data_sets[0]
    kept: list[onnx.ValueInfoProto] = []
    arrays: list[np.ndarray] = []
    constants: list[str] = []
    quantization = _quantization_inputs(model.graph)
    for index, (info, value) in enumerate(zip(model.graph.input, map(_to_array, inputs))):
        if _is_parameter(index, value, info.name in quantization):
            model.graph.initializer.append(numpy_helper.from_array(value, info.name))
            constants.append(info.name)
        else:
            kept.append(info)
            arrays.append(value)
    del model.graph.input[:]
    model.graph.input.extend(kept)
    return Case(
        name,
        tested_op(name),
        model.SerializeToString(),
        tuple(arrays),
        tuple(_to_array(o) for o in outputs),
        tuple(constants),
    )


def select(ops: Sequence[str] | None = None) -> list[Case]:
    """Cases ordered by tested op then name: of `ops` (all their cases), or every case the
    target can run (all operators it needs at run time supported)."""
    names = sorted(testcases(), key=lambda n: (tested_op(n), n))
    if ops is not None:
        wanted = set(ops)
        return [prepare(n) for n in names if tested_op(n) in wanted]
    supported = supported_ops()
    cases = []
    for name in names:
        case = prepare(name)
        if runtime_ops(onnx.ModelProto.FromString(case.model)) <= supported:
            cases.append(case)
    return cases


# -- running one case -------------------------------------------------------------------


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _build_error_line(message: str) -> str:
    """The informative line of a BuildError: the C compiler's, linker's or sanitizer's."""
    lines = [line.strip() for line in message.splitlines()[1:] if line.strip()]
    for marker in ("error:", "undefined reference", "ERROR:", "runtime error"):
        found = [line for line in lines if marker in line and not line.startswith("collect2")]
        if found:
            return found[0]
    return _first_line(message)


def _mismatch(case: Case, actual: Sequence[np.ndarray]) -> str:
    """Why the outputs differ from the expected ones (empty when they match)."""
    from deeploy.errors import ModelError
    from deeploy.harness.compare import compare

    if len(actual) != len(case.outputs):
        return f"the network has {len(actual)} outputs, the test expects {len(case.outputs)}"
    try:
        comparison = compare(actual, case.outputs)
    except ModelError as err:  # an output of the wrong size
        return _first_line(str(err))
    if comparison.passed:
        return ""
    worst = max(range(len(actual)), key=lambda k: comparison.per_output[k]["max_abs_error"])
    where = ""
    if np.asarray(case.outputs[worst]).dtype.kind == "f":
        expected = np.asarray(case.outputs[worst], np.float64).reshape(-1)
        error = np.abs(actual[worst].astype(np.float64).reshape(-1) - expected)
        at = int(np.nanargmax(np.where(np.isfinite(error), error, -1.0)))
        where = f" (expected {expected[at]:.9g}, got {actual[worst].reshape(-1)[at]:.9g})"
    return (
        f"{comparison.errors} of {comparison.total} elements differ, "
        f"max abs error {comparison.max_abs_error:.3g}{where}"
    )


def run_case(case: Case, sanitize: bool = False) -> Outcome:
    """Compile, build, run and compare one case in its own temporary folder."""
    import deeploy
    from deeploy.errors import DeeployError
    from deeploy.harness.runner import BuildError, build_and_run
    from deeploy.harness.test_data import fit_inputs

    def outcome(status: str, detail: str = "") -> Outcome:
        return Outcome(case.name, case.op, status, detail, case.constants)

    try:
        result = deeploy.compile(case.model, name="net", separate_buffers=sanitize)
    except DeeployError as err:
        return outcome(REJECTED, _first_line(str(err)))
    except Exception as err:  # anything else escaping the compiler is a bug in it
        return outcome(CRASHED, f"{type(err).__name__}: {_first_line(str(err))}")
    cflags = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"] if sanitize else []
    try:
        specs = result.report["inputs"]
        graph_inputs = onnx.ModelProto.FromString(case.model).graph.input
        given = dict(zip((i.name for i in graph_inputs), case.inputs))
        inputs = fit_inputs([given[s["name"]] for s in specs], specs, case.name)
        with tempfile.TemporaryDirectory(prefix="deeploy-conformance-") as tmp:
            run = build_and_run(result, inputs, Path(tmp), extra_cflags=cflags)
    except BuildError as err:
        return outcome(CRASHED, f"BuildError: {_build_error_line(str(err))}")
    except Exception as err:  # the compiled network does not fit its own test: a bug
        return outcome(CRASHED, f"{type(err).__name__}: {_first_line(str(err))}")
    detail = _mismatch(case, run.outputs)
    return outcome(FAILED if detail else PASSED, detail)


def run_cases(cases: Sequence[Case], jobs: int, sanitize: bool = False) -> Iterator[Outcome]:
    """Outcomes in the order of `cases`, computed by `jobs` worker processes."""
    if jobs <= 1:
        yield from (run_case(c, sanitize) for c in cases)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(run_case, cases, [sanitize] * len(cases))


# -- reports ----------------------------------------------------------------------------


def summarize(outcomes: Iterable[Outcome]) -> dict[str, dict[str, int]]:
    """Per tested op (sorted): number of cases and of each status."""
    table: dict[str, dict[str, int]] = {}
    for o in sorted(outcomes, key=lambda o: (o.op, o.name)):
        row = table.setdefault(o.op, {"cases": 0, **dict.fromkeys(STATUSES, 0)})
        row["cases"] += 1
        row[o.status] += 1
    return table


def _rate(row: dict[str, int]) -> str:
    return f"{100 * row[PASSED] / row['cases']:.0f}%" if row["cases"] else "-"


def _rows(table: dict[str, dict[str, int]]) -> list[list[str]]:
    supported = supported_ops()
    total = {k: sum(r[k] for r in table.values()) for k in ("cases", *STATUSES)}
    rows = []
    for op, row in [*table.items(), ("total", total)]:
        label = op if op == "total" or op in supported else f"{op}*"
        rows.append([label, *(str(row[k]) for k in ("cases", *STATUSES)), _rate(row)])
    return rows


_HEADER = ["op", "cases", "passed", "failed", "rejected", "crashed", "pass rate"]


def text_table(table: dict[str, dict[str, int]]) -> str:
    rows = [_HEADER, *_rows(table)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADER))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
        for r in rows
    ]
    return "\n".join(lines)


def markdown(outcomes: Sequence[Outcome], command: str) -> str:
    table = summarize(outcomes)
    lines = [
        "# ONNX backend node tests on the generic target",
        "",
        f"Generated on {date.today().isoformat()} with onnx {onnx.__version__} by:",
        "",
        "```sh",
        command,
        "```",
        "",
        "Each case of `onnx.backend.test.case.node` whose run-time operators all have a kernel",
        "(or need none) is compiled, built, run and compared: floats within 1e-4 absolute",
        "plus 4 units in the last place (float16/bfloat16 references: plus one of their units),",
        "integers exactly. float16/bfloat16 tensors are computed in float32. Integer and scalar",
        "inputs after the first (shapes, axes, pads, Clip bounds) and the scales and zero points",
        "of quantised operators are compiled as constants. *rejected*: the compiler refused the",
        "model with a DeeployError; *crashed*: a compiler bug (another exception, C that does not build, a",
        "program that fails). An op marked `*` has no kernel (a full run includes only its",
        "function-expanded cases).",
        "",
        "| " + " | ".join(_HEADER) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(_HEADER) - 1)) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(table)]
    lines += ["", "## Cases that do not pass", ""]
    failing = sorted((o for o in outcomes if o.status != PASSED), key=lambda o: (o.op, o.name))
    if not failing:
        lines.append("None.")
    for op, group in groupby(failing, key=lambda o: o.op):
        lines += [f"### {op}", ""]
        for o in group:
            detail = o.detail.replace("|", "\\|")
            frozen = f" (constant inputs: {', '.join(o.constants)})" if o.constants else ""
            lines.append(f"- `{o.name}` {o.status}: {detail}{frozen}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _progress(outcomes: Iterable[Outcome]) -> Iterator[Outcome]:
    """Pass outcomes through, printing one line per op once its last case is in."""
    for op, group in groupby(outcomes, key=lambda o: o.op):
        done = list(group)
        row = summarize(done)[op]
        others = ", ".join(f"{row[s]} {s}" for s in STATUSES[1:] if row[s])
        print(
            f"{op:24s} {row[PASSED]:3d}/{row['cases']:<3d} passed"
            + (f" ({others})" if others else ""),
            flush=True,
        )
        yield from done


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m deeploy.tools.conformance", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--ops",
        help="comma-separated ops to test, with all their cases (default: every case the target can run)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="parallel workers (default: CPU count)",
    )
    parser.add_argument("--json", metavar="OUT", help="write every outcome and the summary as JSON")
    parser.add_argument("--markdown", metavar="OUT", help="write the report as Markdown")
    parser.add_argument(
        "--sanitize",
        action="store_true",
        help="build with AddressSanitizer/UBSan, one array per buffer",
    )
    return parser


def _write_reports(
    args: argparse.Namespace, ops: list[str] | None, outcomes: list[Outcome]
) -> None:
    if args.json:
        payload = {
            "onnx_version": onnx.__version__,
            "date": date.today().isoformat(),
            "summary": summarize(outcomes),
            "cases": [asdict(o) for o in outcomes],
        }
        Path(args.json).write_text(json.dumps(payload, indent=1) + "\n")
    if args.markdown:
        # the options that choose and build the cases reproduce the report
        command = "python -m deeploy.tools.conformance"
        command += f" --ops {','.join(ops)}" if ops else ""
        command += " --sanitize" if args.sanitize else ""
        command += f" --markdown {args.markdown}"
        Path(args.markdown).write_text(markdown(outcomes, command))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    ops = [o.strip() for o in args.ops.split(",") if o.strip()] if args.ops else None
    unknown = sorted(set(ops or ()) - {tested_op(n) for n in testcases()})
    if unknown:
        print(f"conformance: error: no onnx node test for {', '.join(unknown)}", file=sys.stderr)
        return 2
    cases = select(ops)
    print(f"{len(cases)} cases, {args.jobs} workers", flush=True)
    outcomes = list(_progress(run_cases(cases, args.jobs, args.sanitize)))
    table = summarize(outcomes)
    print()
    print(text_table(table))
    if any(op not in supported_ops() for op in table):
        print("*: the target has no kernel for this op")
    _write_reports(args, ops, outcomes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
