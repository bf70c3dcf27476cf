"""`kravkoll check` on a folder or several files, in three steps: collect (the files, the
rulebooks, the output checked before any work), run (every unit, in parallel for large batches,
with a progress bar) and render (one function per kind of format)."""

from __future__ import annotations

import datetime as dt
import functools
import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rich.console import Console

from engine.errors import UsageError
from engine.evaluate import batch
from engine.model.library import LoadedRulebook, load_library
from engine.output import check_target, write_atomic, write_pieces
from engine.report import formats, overview


@dataclass
class BatchRun:
    files: list[str]
    books: list[LoadedRulebook]
    folder: str
    reference: dt.date | None
    summary: batch.Summary


def collect(paths: list[str], folder: str, fmt: str, output: str | None, force: bool,
            reference: dt.date | None) -> BatchRun:
    """Everything a run needs, and every usage error raised before a unit is checked."""
    if fmt in formats.BINARY and not output:
        raise UsageError.single(None, f"formatet {fmt} är binärt; ange en fil med --output")
    if output:
        check_target(output, force)
    files = batch.collect(paths)
    books = load_library(folder)
    return BatchRun(files, books, folder, reference, batch.Summary({b.sha256: b for b in books}))


def _keep_result(result):
    """The render step for formats written from the whole list of results (sarif, junit)."""
    return result


def _entries(run: BatchRun, render: Callable | None, workers: int | None,
             progress: bool) -> Iterator:
    """Each unit's entry as it is checked, added to the summary; the bar goes to stderr."""
    with overview.progress(len(run.files), enabled=progress) as tick:
        for entry in batch.run(run.files, run.books, run.folder, run.reference, workers, render):
            run.summary.add(entry)
            tick()
            yield entry


def render(run: BatchRun, fmt: str, output: str | None, force: bool, verbose: bool,
           workers: int | None, title: str) -> None:
    # No bar while a report is streamed to the same terminal.
    streams_to_terminal = not output and (verbose if fmt == "rich" else sys.stdout.isatty())
    progress = not streams_to_terminal
    if fmt == "rich":
        _render_rich(run, output, force, verbose, workers, progress, title)
    elif fmt in formats.BATCH:
        _render_streamed(run, fmt, output, force, workers, progress)
    else:
        _render_listed(run, fmt, output, force, progress)


def _render_rich(run, output, force, verbose, workers, progress, title) -> None:
    """The länsöversikt; with --verbose each unit's whole report first."""
    console = (Console(file=io.StringIO(), width=100, no_color=True, force_terminal=False)
               if output else Console())
    unit = (functools.partial(overview.unit_text, width=console.width,
                              color_system=console.color_system) if verbose else None)
    for entry in _entries(run, unit, workers, progress):
        if entry.rendered:
            console.file.write(entry.rendered)
    overview.render(run.summary, console, title)
    if output:
        write_atomic(output, console.file.getvalue(), overwrite=force)


def _render_streamed(run, fmt, output, force, workers, progress) -> None:
    """A format written piece by piece as units are checked (json, html, csv, xlsx)."""
    writer = formats.BATCH[fmt]
    pieces = writer.write(_entries(run, writer.unit, workers, progress), run.summary)
    if not output:
        for piece in pieces:
            sys.stdout.write(piece)
        return
    write_pieces(output, pieces, overwrite=force)


def _render_listed(run, fmt, output, force, progress) -> None:
    """A format written from the whole list of results (sarif, junit): checked in this process."""
    results = [e.rendered for e in _entries(run, _keep_result, 1, progress) if e.row is not None]
    for error in run.summary.errors:
        sys.stderr.write(error.message.rstrip("\n") + "\n")
    text = formats.WRITERS[fmt](results)
    if output:
        write_atomic(output, text, overwrite=force)
    else:
        sys.stdout.write(text)
