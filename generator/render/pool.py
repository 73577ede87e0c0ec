"""The render processes: how many, how they start (a preloaded fork server), and starting it early.

Kept apart from batch.py so that ``generate`` can start the fork server before it imports
anything heavy (this module imports only the standard library).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
from typing import Any

# The fork server listens on a Unix socket in a folder of the temporary directory
# (<TMPDIR>/pymp-xxxxxxxx/listener-xxxxxxxx); a socket path may have at most 107 bytes on Linux
# (103 on macOS). Python before 3.13 fails with "AF_UNIX path too long" past that.
SOCKET_PATH_MAX = 100
_SOCKET_SUFFIX = len("/pymp-xxxxxxxx/listener-xxxxxxxx")


def _socket_fits(tmpdir: str | None = None) -> bool:
    """Whether the fork server's socket path fits under the temporary directory."""
    if sys.version_info >= (3, 13):
        return True  # multiprocessing falls back to a short folder itself
    base = os.fsencode(tmpdir if tmpdir is not None else tempfile.gettempdir())
    return len(base) + _SOCKET_SUFFIX <= SOCKET_PATH_MAX


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def pool_context() -> Any:
    """forkserver where available: workers fork from a clean server that has imported WeasyPrint
    once, not from the parent (whose progress-bar thread makes plain fork unsafe). spawn where
    the fork server cannot listen: a temporary directory too long for its socket (slower to
    start, same output)."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods and _socket_fits():
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
    if not _socket_fits():
        return
    from contextlib import suppress
    from multiprocessing import forkserver

    pool_context()
    with suppress(OSError):  # the pool will try again, and say why if it cannot
        forkserver.ensure_running()
