"""The user-error class and the one handler every command goes through.

A :class:`UserError` is a problem with the user's input or environment (a spec, a key, a
submission, an output folder): its message is one line naming the problem and the fix.
The library raises it (or a subclass) and never prints; :func:`user_errors` turns it, and
any ``OSError`` (a read-only or full output folder, a missing file), into that one line on
stderr and exit code 2, never a traceback. ``SIGTERM`` and ``SIGHUP`` are turned into
:class:`Interrupted` (a ``KeyboardInterrupt``) so that every ``finally`` and ``except
BaseException`` that removes temporary folders and ends worker processes runs for them
exactly as for Ctrl-C.
"""

from __future__ import annotations

import errno
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType

EXIT_USER_ERROR = 2


class UserError(ValueError):
    """Bad input or an unusable output place; the message is one line: the problem and the fix."""


class OutputExists(UserError):
    """An output exists and may not be replaced (no --force, or it holds files the tool did not write)."""


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP: stop, clean up temporary files and workers, keep old outputs."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_FIXES = {
    errno.EACCES: "make it writable or choose another folder (--out)",
    errno.EPERM: "make it writable or choose another folder (--out)",
    errno.EROFS: "the file system is read-only; choose another folder (--out)",
    errno.ENOSPC: "the disk is full; free some space or choose another folder (--out)",
    errno.EDQUOT: "the disk quota is used up; free some space or choose another folder (--out)",
    errno.ENAMETOOLONG: "use a shorter path",
    errno.ENOENT: "check the path",
    errno.ENOTDIR: "a part of the path is a file, not a folder; check the path",
    errno.EISDIR: "it is a folder; give a file",
    errno.EEXIST: "remove it or choose another name",
}


def describe_os_error(e: OSError) -> str:
    """One line for an OSError: what failed, on which path, and what to do."""
    what = e.strerror or type(e).__name__
    where = e.filename if e.filename is not None else ""
    fix = _FIXES.get(e.errno or -1, "")
    line = f"{what}: {where}" if where != "" else (str(e) or what)
    return f"{line}; {fix}" if fix else line


def message(e: BaseException) -> str | None:
    """The one-line message for an expected error, or None for a bug (which keeps its traceback)."""
    if isinstance(e, UserError):
        return str(e)
    if isinstance(e, OSError):
        return describe_os_error(e)
    if isinstance(e, RecursionError | MemoryError):
        return f"the input is too large or too deeply nested to process ({type(e).__name__})"
    return None


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


REDELIVER_S = 0.001


def _unraisable(args: sys.UnraisableHookArgs) -> None:
    """An interruption raised where Python cannot raise (a weakref callback, a ``__del__``, a GC
    callback: the handler runs between any two bytecodes) is only printed as "Exception ignored
    in …" with a traceback, and the command goes on as if the signal never came. Raise it again
    a moment later, from an alarm, where it stops the command; anything else as Python would."""
    exc = args.exc_value
    if isinstance(exc, KeyboardInterrupt) and hasattr(signal, "setitimer"):
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT

        def again(_signum: int, _frame: FrameType | None) -> None:
            raise Interrupted(signum)

        with suppress(ValueError):  # not the main thread: nothing to re-deliver to
            signal.signal(signal.SIGALRM, again)
            signal.setitimer(signal.ITIMER_REAL, REDELIVER_S)
            _armed.append(signum)
            return
    sys.__unraisablehook__(args)


_armed: list[int] = []


@contextmanager
def stop_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Interrupted` like Ctrl-C does, and an
    interruption that lands where Python can only print it is raised again (``_unraisable``)."""
    old = {}
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is None:
            continue
        with suppress(ValueError):  # not the main thread: leave the signals alone
            old[sig] = signal.signal(sig, _raise_interrupted)
    old_hook, sys.unraisablehook = sys.unraisablehook, _unraisable
    try:
        yield
    finally:
        sys.unraisablehook = old_hook
        if _armed:  # an alarm still pending would end the process once its handler is gone
            signal.setitimer(signal.ITIMER_REAL, 0)
            _armed.clear()
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _stop_signals() -> list[int]:
    return [signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]


@contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends, then act on the first one.

    For a few steps that must all happen (the renames of a commit, starting a worker pool).
    Python-level handlers, not a signal mask: child processes started inside the block do
    not inherit blocked signals.
    """
    arrived: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        arrived.append(signum)

    old = {}
    for sig in _stop_signals():
        try:
            old[sig] = signal.signal(sig, hold)
        except ValueError:  # not the main thread: signals are not ours to hold
            break
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    if arrived:
        raise Interrupted(arrived[0])


@contextmanager
def user_errors() -> Iterator[None]:
    """The one handler: expected errors become one line on stderr and exit code 2.

    An interruption (Ctrl-C, SIGTERM, SIGHUP) says so in one line and exits with 128 + the
    signal number, after the ``finally`` blocks below it have removed temporary files.
    """
    with stop_signals():
        try:
            yield
        except KeyboardInterrupt as e:
            signum = e.signum if isinstance(e, Interrupted) else signal.SIGINT
            _echo(f"Stopped ({signal.Signals(signum).name}); no partial output was left behind.")
            sys.exit(128 + signum)
        except Exception as e:
            text = message(e)
            if text is None:
                raise
            _echo(f"Error: {one_line(text)}")
            sys.exit(EXIT_USER_ERROR)


def one_line(text: str) -> str:
    """One line without control characters: a message may quote user text (terminal.plain)."""
    from .terminal import plain

    return " ".join(plain(text).split())


def _echo(text: str) -> None:
    import click

    click.echo(text, err=True)
