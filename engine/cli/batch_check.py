"""`kravkoll check` on a folder or several files, in three steps: collect (the files, the
rulebooks, the output checked before any work), run (every unit, in parallel for large batches,
with a progress bar) and render (one function per kind of format)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError, UsageError
from engine.evaluate import batch
from engine.model.library import LoadedRulebook, load_library
from engine.output import SPOOLS, Spool, check_target, write_atomic, write_pieces, write_stdout
from engine.read.text_rules import shown
from engine.report import formats
from engine.report.progress import progress as progress_bar


@dataclass
class BatchRun:
    files: list[str]
    books: list[LoadedRulebook]
    folder: str
    reference: dt.date | None
    summary: batch.Summary
    ledger: object | None = None  # ledning.LedgerFacts, read before any unit is checked
    previous_files: list[str] | None = None  # the year before (--foregaende-ar), for ledning
    with_units: bool = False  # html: print every unit's section too (--med-enheter)


def collect(paths: list[str], folder: str, fmt: str, output: str | None, force: bool,
            reference: dt.date | None, ledger: str | None = None, previous: str | None = None,
            with_units: bool = False) -> BatchRun:
    """Everything a run needs, and every usage error raised before a unit is checked."""
    if fmt in formats.BINARY and not output:
        raise UsageError.single(None, f"formatet {fmt} är binärt; ange en fil med --output")
    if ledger is not None and fmt != "ledning":
        raise UsageError.single(ledger, "--ledger gäller --format ledning")
    if previous is not None and fmt != "ledning":
        raise UsageError.single(previous, "--foregaende-ar gäller --format ledning")
    if with_units and fmt != "html":
        raise UsageError.single(None, "--med-enheter gäller --format html")
    if output and output.lower().endswith(".pdf") and fmt == "html":
        raise UsageError.single(output, "PDF skrivs bara för --format ledning; "
                                "skriv länsöversikten som .html och skriv ut den från webbläsaren")
    if output:
        check_target(output, force)
    files = batch.collect(paths)
    previous_files = None
    if previous is not None:
        if not Path(previous).is_dir():
            raise UsageError.single(previous, "--foregaende-ar: ange mappen med föregående års "
                                    "årsbokslut")
        previous_files = batch.collect([previous])
    books = load_library(folder)
    facts = _ledger_facts(ledger, reference) if ledger is not None else None
    return BatchRun(files, books, folder, reference, batch.Summary({b.sha256: b for b in books}),
                    facts, previous_files, with_units)


def _ledger_facts(path: str, reference: dt.date | None):
    """Every demand of the kravliggare as it stands on --as-of (or today), read-only."""
    from engine.followup import replay
    from engine.followup.ledger import Ledger
    from engine.report.ledning import LedgerFacts

    if not Path(path).is_file():
        raise UsageError.single(path, "--ledger: kravliggaren finns inte")
    day = reference or dt.date.today()
    with Ledger(path, create=False, readonly=True) as ledger:
        with ledger.read():
            vs = replay.views(ledger, day)  # each unit derived from its journal
    return LedgerFacts(day, vs)


def _previous_summary(run: BatchRun, workers: int | None, progress: bool):
    """The county summary of the year before, checked with the same rulebooks; its period must
    come before every period of this run."""
    from engine.report.ledning import Previous

    summary = batch.Summary({b.sha256: b for b in run.books})
    with progress_bar(len(run.previous_files), enabled=progress) as tick:
        for entry in batch.run(run.previous_files, run.books, run.folder, None, workers, None):
            summary.add(entry)
            tick()
    if not summary.rows:
        first = summary.errors[0].message if summary.errors else ""
        raise InputError.single(None, "--foregaende-ar: inget av föregående års årsbokslut "
                                "kunde granskas" + (f"\n{first}" if first else ""))
    now = min((r.period for r in run.summary.rows), default=None)
    then = max(r.period for r in summary.rows)
    if now is not None and then >= now:
        raise InputError.single(None, f"--foregaende-ar: årsboksluten gäller {then}, förväntade "
                                f"ett år före {now}")
    return Previous(summary)


def _keep_result(result):
    """The render step for formats written from the whole list of results (sarif, junit)."""
    return result


def _entries(run: BatchRun, render: Callable | None, workers: int | None,
             progress: bool, spool: Spool | None = None) -> Iterator:
    """Each unit's entry as it is checked, added to the summary; the bar goes to stderr."""
    folder = spool.folder if spool is not None else None
    with progress_bar(len(run.files), enabled=progress) as tick:
        for entry in batch.run(run.files, run.books, run.folder, run.reference, workers, render,
                               folder):
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
    elif fmt == "ledning":
        _render_ledning(run, output, force, workers, progress)
    elif fmt in formats.BATCH:
        _render_streamed(run, fmt, output, force, workers, progress)
    else:
        _render_listed(run, fmt, output, force, progress)


def _render_rich(run, output, force, verbose, workers, progress, title) -> None:
    """The länsöversikt; with --verbose each unit's whole report first."""
    from engine.report import overview  # rich: only for this format
    from engine.report.console import SafeConsole

    console = (SafeConsole(file=io.StringIO(), width=100, no_color=True, force_terminal=False)
               if output else SafeConsole())
    unit = (functools.partial(overview.unit_text, width=console.width,
                              color_system=console.color_system) if verbose else None)
    for entry in _entries(run, unit, workers, progress):
        if entry.rendered:
            console.file.write(entry.rendered)
    overview.render(run.summary, console, title)
    if output:
        write_atomic(output, console.file.getvalue(), overwrite=force)


def _render_ledning(run, output, force, workers, progress) -> None:
    """The leadership summary: HTML, or PDF when the output file ends in .pdf."""
    from engine.report import ledning

    for _ in _entries(run, None, workers, progress):
        pass
    previous = _previous_summary(run, workers, progress) if run.previous_files else None
    html = ledning.render(run.summary, previous, run.ledger)
    if output and output.lower().endswith(".pdf"):
        from engine.report.pdf import html_to_pdf

        # dated by the data (the latest reference date), so a rerun gives the same bytes
        dates = [r.as_of for r in run.summary.rows if r.as_of]
        created = dt.date.fromisoformat(max(dates)) if dates else None
        write_atomic(output, html_to_pdf(html, created=created), overwrite=force)
    elif output:
        write_atomic(output, html, overwrite=force)
    else:
        sys.stdout.write(html)


def _render_streamed(run, fmt, output, force, workers, progress) -> None:
    """A format written piece by piece as units are checked (json, html, csv, xlsx)."""
    writer = formats.BATCH[fmt]
    with _spool(writer) as spool:
        options = {"with_units": run.with_units, "spool": spool} if fmt == "html" else {}
        # closed before the spool is removed: on an error the workers are stopped first
        with contextlib.closing(_entries(run, writer.unit, workers, progress, spool)) as entries:
            pieces = writer.write(entries, run.summary, **options)
            if not output:
                write_stdout(pieces, spool)
                return
            write_pieces(output, pieces, overwrite=force, spool=spool)


def _spool(writer):
    """Where the workers leave the units' pieces (json, html: output.Spool), or nothing when
    the format spools none or no temporary folder can be made (the pieces then come back
    through the pool's pipes, as they did before there was a spool)."""
    if writer.spooled and SPOOLS:
        try:
            return Spool()
        except OSError:
            pass
    return contextlib.nullcontext()


def _render_listed(run, fmt, output, force, progress) -> None:
    """A format written from the whole list of results (sarif, junit): checked in this process."""
    results = [e.rendered for e in _entries(run, _keep_result, 1, progress) if e.row is not None]
    for error in run.summary.errors:
        sys.stderr.write(shown(error.message.rstrip("\n")) + "\n")
    text = formats.WRITERS[fmt](results)
    if output:
        write_atomic(output, text, overwrite=force)
    else:
        sys.stdout.write(text)
