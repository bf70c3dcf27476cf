"""The progress bar shown on stderr while a batch is checked, when stderr is a terminal.

rich is imported only when a bar may be drawn: a batch written to a file or a pipe from a
script (the usual county run) does not pay for it (~35 ms of a check's start)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def _may_be_terminal() -> bool:
    """False only where rich's Console.is_terminal is False too: stderr is no terminal and
    neither TTY_COMPATIBLE nor FORCE_COLOR says otherwise."""
    if os.environ.get("TTY_COMPATIBLE") or os.environ.get("FORCE_COLOR"):
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # no stream, or a closed one (rich says False too)
        return False


@contextmanager
def progress(total: int, enabled: bool = True) -> Iterator[Callable[[], None]]:
    """Yields tick(): advance by one file. Draws a bar on stderr only when it is a terminal;
    the bar is removed when the batch is done, so it never mixes with the report."""
    if not enabled or total < 2 or not _may_be_terminal():
        yield lambda: None
        return
    from .console import SafeConsole

    console = SafeConsole(stderr=True)
    if not console.is_terminal:
        yield lambda: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(TextColumn("Granskar årsbokslut"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("kvar"), TimeRemainingColumn(), console=console, transient=True,
                   redirect_stdout=False, redirect_stderr=False)  # the report goes to stdout
    task = bar.add_task("granskar", total=total)
    started = False
    done = 0

    def tick():
        nonlocal started, done
        done += 1
        # Drawn from the second file on: the first is checked before the workers are forked
        # (evaluate/batch.py), and the bar's refresh thread must not exist across a fork.
        if not started and done >= 2:
            bar.start()
            started = True
        if started:
            bar.update(task, completed=done)

    try:
        yield tick
    finally:
        if started:
            bar.stop()
