"""Which output formats `kravkoll check` offers, and the function that writes each.

A writer takes the list of check results (one per submission) and returns the text or bytes
to write; `rich` is the exception, drawn straight on a console by commands.py. Add a format by
adding a line here and a module in this package.

A batch (a folder, or several files) is written by the BATCH formats instead: each has an
optional `unit` renderer, called where the unit is checked (in a worker process for large
batches, so it must be a module-level function), and a `write(entries, summary)` that consumes
the entries in path order and yields the output in pieces, so that a large batch can be streamed
without holding every unit's findings in memory. `summary` is complete once `entries` is
exhausted. Single-file html, csv and xlsx are the batch report of one unit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from engine import jsontext


def _json(results, **_):
    from . import json_report

    if len(results) == 1:
        return json_report.render(results[0])
    return json_report.dumps([json_report.as_dict(r) for r in results])


def _as_batch(results, fmt: str) -> bytes | str:
    """A batch report of results checked in this process (the single-file html, csv, xlsx)."""
    from engine.evaluate.batch import Entry, Summary, row_of

    spec = BATCH[fmt]
    summary = Summary({r.rulebook.sha256: r.rulebook for r in results})

    def entries():
        for r in results:
            entry = Entry(r.submission.path, row_of(r), None, spec.unit(r) if spec.unit else None)
            summary.add(entry)
            yield entry

    pieces = list(spec.write(entries(), summary))
    if fmt in BINARY:
        return b"".join(pieces)
    return "".join(p if isinstance(p, str) else p.decode("utf-8") for p in pieces)


def _sarif(results, **_):
    from . import sarif

    return sarif.render_check(results)


def _junit(results, **_):
    from . import junit

    return junit.render_check(results)


# name -> writer(results, **options) -> str | bytes
WRITERS: dict[str, Callable] = {
    "json": _json,
    "junit": _junit,
    "sarif": _sarif,
    "html": lambda results, **_: _as_batch(results, "html"),
    "csv": lambda results, **_: _as_batch(results, "csv"),
    "xlsx": lambda results, **_: _as_batch(results, "xlsx"),
    "ledning": lambda results, **_: _as_batch(results, "ledning"),
}

# Formats whose output is binary and must go to a file (--output).
BINARY: set[str] = {"xlsx"}


def names() -> list[str]:
    return ["rich", *sorted(WRITERS)]


# --- batches ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchFormat:
    unit: Callable | None  # render(result) -> str or UTF-8 bytes, run where the unit is checked
    write: Callable[..., Iterator]  # write(entries, summary) -> pieces (str, or bytes if BINARY)
    spooled: bool = False  # the units' pieces (bytes) may come as output.Piece (the writer and
    # the caller's write_pieces or write_stdout take them)


def json_unit(result) -> bytes:
    """One unit of the batch JSON: the single-file object, indented as an item of "results"
    (UTF-8: made in a worker, written as it comes)."""
    from . import json_report

    data = json_report.as_dict(result)
    data["status"] = "checked"
    return jsontext.dumps_bytes(data, "    ")


def _error_item(error) -> dict:
    return {"path": error.path, "status": "error",
            "error": {"kind": error.kind, "message": error.message,
                      "problems": list(error.problems)}}


def write_json(entries: Iterable, summary) -> Iterator[str | bytes]:
    """The batch as one JSON object, the project's JSON text of the whole (engine/jsontext.py),
    streamed: {"engine", "kind": "batch", "results": [one per file, by path], "summary"}.
    The pieces are UTF-8 bytes but for the few fixed lines, which are text."""
    from engine import identity
    from engine.evaluate.batch import summary_dict

    engine = jsontext.dumps(identity(), "  ")
    yield f'{{\n  "engine": {engine},\n  "kind": "batch",\n  "results": '
    yield from jsontext.array_pieces(
        (entry.rendered if entry.error is None
         else jsontext.dumps_bytes(_error_item(entry.error), "    ") for entry in entries), "  ")
    yield ',\n  "summary": '
    yield from jsontext.pieces(summary_dict(summary), "  ")  # never one string for a county
    yield "\n}\n"


def _html_writer(entries, summary, **options):
    from . import html

    return html.write(entries, summary, **options)


def _html_unit(result) -> bytes:
    """A unit's HTML section as UTF-8, made in the worker: the parent only copies it."""
    from . import html

    return html.unit_section(result).encode("utf-8")


def _ledning_writer(entries, summary, **options):
    from . import ledning

    return ledning.write(entries, summary, **options)


def _csv_writer(entries, summary):
    from . import matrix

    for _ in entries:
        pass
    yield from matrix.csv_pieces(summary)


def _xlsx_writer(entries, summary):
    from . import matrix

    for _ in entries:
        pass
    yield matrix.xlsx_bytes(summary)


def _sarif_unit(result) -> str:
    from . import sarif

    return sarif.batch_unit(result)


def _sarif_writer(entries, summary):
    from . import sarif

    return sarif.batch_write(entries, summary)


def _junit_unit(result) -> str:
    from . import junit

    return junit.batch_unit(result)


def _junit_writer(entries, summary):
    from . import junit

    return junit.batch_write(entries, summary)


BATCH: dict[str, BatchFormat] = {
    "json": BatchFormat(json_unit, write_json, spooled=True),
    "html": BatchFormat(_html_unit, _html_writer, spooled=True),
    "csv": BatchFormat(None, _csv_writer),
    "xlsx": BatchFormat(None, _xlsx_writer),
    "ledning": BatchFormat(None, _ledning_writer),
    "junit": BatchFormat(_junit_unit, _junit_writer),
    "sarif": BatchFormat(_sarif_unit, _sarif_writer),
}
