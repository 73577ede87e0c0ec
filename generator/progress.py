"""The terminal progress display of the commands (the library reports progress by callback)."""

from __future__ import annotations

from types import TracebackType
from typing import Any


def progress_bar() -> Any:
    """A rich progress display: description, bar, done/total, time elapsed and time left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    # 4 redraws a second, not rich's 10: the clocks still tick every second, and a terminal's
    # redraws cost the command ~0.04 CPU-s per second of a run at 10 (~0.02 at 4), CPU the
    # render processes need on a 2-core machine
    return Progress(
        TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("left"), TimeRemainingColumn(), transient=False, refresh_per_second=4,
    )  # fmt: skip


class StageBars:
    """A ``(stage, done, total)`` callback that shows one bar per stage; use as a context manager.

    ``total`` 0 says a stage has begun whose size is not known (joining a print file, writing a
    report): its bar pulses and its clock runs until a call with a total ends it, so no stage of
    a long run sits silent behind finished bars.
    """

    def __init__(self) -> None:
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> StageBars:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.bar is not None:
            self.bar.__exit__(kind, exc, tb)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.bar is None:  # started on the first report, so an early error prints no empty bar
            self.bar = progress_bar()
            self.bar.__enter__()
        size = total or None  # None: a pulsing bar whose clock runs
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=size)
        self.bar.update(self.tasks[stage], completed=done, total=size)
