"""The render processes: how many, how they start (a preloaded fork server), and starting it early.

Kept apart from batch.py so that ``generate`` can start the fork server before it imports
anything heavy (this module imports only the standard library).
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def pool_context() -> Any:
    """forkserver where available: workers fork from a clean server that has imported WeasyPrint
    once, not from the parent (whose progress-bar thread makes plain fork unsafe)."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["generator.render.worker"])
        return ctx
    return multiprocessing.get_context("spawn")


def prestart(jobs: int | None = None) -> None:
    """Start the fork server now, when a pack will be rendered by more than one process.

    It spends about a second importing WeasyPrint and loading fonts and stylesheets
    (render/worker.py); started before the answer key is built, that second overlaps the
    command's own imports and solving instead of following them. Doing nothing is always
    correct: the pool starts the server itself when it is not running.
    """
    if (jobs or default_jobs()) <= 1 or "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from contextlib import suppress
    from multiprocessing import forkserver

    pool_context()
    with suppress(OSError):  # the pool will try again, and say why if it cannot
        forkserver.ensure_running()
