"""Progress of long steps (tiling a network's layers, ...) as a bar on stderr.

Passes report through `step`; nothing is shown unless a display is enabled, which the
CLI does when stderr is a terminal and --quiet is not given (`enabled`). Bars come from
tqdm and disappear when their step ends, so logs and pipes stay clean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Any

_STREAM: ContextVar[IO[str] | None] = ContextVar("deeploy_progress_stream", default=None)


@contextmanager
def enabled(stream: IO[str]) -> Iterator[None]:
    """Show the steps run inside this block as bars on `stream`."""
    token = _STREAM.set(stream)
    try:
        yield
    finally:
        _STREAM.reset(token)


@contextmanager
def step(label: str, total: int, unit: str = "layer") -> Iterator[Callable[[], None]]:
    """A step of `total` units; yields the function that marks one unit done."""
    stream = _STREAM.get()
    if stream is None or total <= 1:
        yield lambda: None
        return
    from tqdm import tqdm

    bar: Any = tqdm(total=total, desc=label, file=stream, leave=False, unit=unit)
    try:
        yield lambda: bar.update(1)
    finally:
        bar.close()


@contextmanager
def waiting(label: str, refresh: float = 0.5) -> Iterator[None]:
    """A step of unknown length (a program running in an emulator): its label and the
    time spent, refreshed from a thread while the caller blocks."""
    stream = _STREAM.get()
    if stream is None:
        yield
        return
    import threading

    from tqdm import tqdm

    bar: Any = tqdm(desc=label, file=stream, leave=False, bar_format="{desc}: {elapsed}")
    done = threading.Event()

    def tick() -> None:
        while not done.wait(refresh):
            bar.refresh()

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()
        bar.close()
