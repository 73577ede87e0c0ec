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


def process_tree(root: int) -> list[int]:
    """``root`` and every process descended from it (Linux /proc; just ``root`` elsewhere).

    Pool workers may be children of multiprocessing's fork server rather than of the command's
    process, so the benchmarks measure memory over this whole tree.
    """
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return [root]
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def memory_mb(pid: int) -> tuple[float, float]:
    """(PSS, RSS) of ``pid`` in MB; PSS shares each page among the processes mapping it, so it
    sums over a tree. Without smaps_rollup both are the RSS; (0, 0) when the process has ended."""
    fields = {"Pss:": 0.0, "Rss:": 0.0}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line[:4] in fields:
                    fields[line[:4]] = int(line.split()[1]) / 1024
        return fields["Pss:"], fields["Rss:"]
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024
                    return rss, rss
    except OSError:
        pass
    return 0.0, 0.0
