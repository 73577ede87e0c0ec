"""Worker processes end with the command that started them, however it ends.

A SIGTERM or Ctrl-C reaches the parent, whose ``finally`` blocks shut the pools down
(generator/errors.py turns SIGTERM and SIGHUP into an interruption). A SIGKILL gives the
parent no chance, and a pool worker holds both ends of its job queue, so it would wait for
work forever (issue 8 found ~210 MB of such orphans). Every worker therefore watches its
parent: when the command's process is gone, it exits.
"""

from __future__ import annotations

import os
import signal
import threading
import time


def worker_started() -> None:
    """Call first in every pool worker: leave stopping to the parent, exit when it is gone.

    Ctrl-C reaches the whole process group; the parent's handler ends the pool, so a worker
    ignores SIGINT (no traceback per worker). SIGTERM and SIGHUP keep their default: end.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, signal.SIG_DFL)
    watch_parent()


def ready() -> int:
    """A no-op job: the pool has started this worker (see render/batch.py)."""
    time.sleep(0.05)
    return os.getpid()


def watch_parent() -> None:
    """In a worker process: exit as soon as the command's process is gone.

    Not by the worker's parent pid: a forkserver worker's parent is the fork server, which
    stays alive as long as any worker does. multiprocessing gives every worker a sentinel
    of the process that asked for it; it becomes ready when that process ends.
    """
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()
