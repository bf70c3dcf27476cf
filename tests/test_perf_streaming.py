"""`kravkoll check FOLDER -o FILE` streams the report into its temporary file instead of
holding it whole (memory stays flat for a county of any size), and still leaves nothing half
written when it fails.

What a user would check: a large report is written without running out of memory; a run that
fails halfway leaves the previous report as it was and no stray temporary file."""

from __future__ import annotations

import os

import pytest

from engine.errors import InputError, UsageError
from engine.output import write_pieces


def _listing(folder):
    return sorted(os.listdir(folder))


def test_pieces_reach_the_disk_before_the_last_one(tmp_path):
    target = tmp_path / "rapport.json"
    seen = []

    def pieces():
        for _ in range(3):
            yield "x" * (1 << 20)
            # what is on disk so far: the temporary file beside the target
            seen.append(sum(os.path.getsize(tmp_path / n) for n in os.listdir(tmp_path)))
        yield "slut\n"

    write_pieces(target, pieces())
    assert target.read_text() == "x" * (3 << 20) + "slut\n"
    assert seen[-1] >= 2 << 20, "the report was held in memory until the end"
    assert _listing(tmp_path) == ["rapport.json"]


@pytest.mark.parametrize("error", [RuntimeError("defekt"), OSError(5, "läsfel")])
def test_failure_while_making_leaves_the_old_report_and_no_temporary_file(tmp_path, error):
    target = tmp_path / "rapport.json"
    target.write_text("förra rapporten\n")

    def pieces():
        yield "x" * (2 << 20)
        raise error

    with pytest.raises(type(error)) as caught:  # the error itself, not "kan inte skriva"
        write_pieces(target, pieces(), overwrite=True)
    assert caught.value is error
    assert target.read_text() == "förra rapporten\n"
    assert _listing(tmp_path) == ["rapport.json"]


def test_existing_file_is_kept_without_force(tmp_path):
    target = tmp_path / "rapport.csv"
    target.write_text("förra\n")
    with pytest.raises(UsageError):
        write_pieces(target, iter(["ny\n"]))
    assert target.read_text() == "förra\n"


def test_bytes_pieces_and_devices(tmp_path):
    target = tmp_path / "rapport.xlsx"
    write_pieces(target, iter([b"PK", b"\x03\x04"]))
    assert target.read_bytes() == b"PK\x03\x04"
    write_pieces(os.devnull, iter(["till ingenstans\n"]))  # written into, never replaced
    assert os.path.exists(os.devnull) and not os.path.isfile(os.devnull)


def test_unwritable_folder_is_an_input_error(tmp_path):
    blocker = tmp_path / "fil"
    blocker.write_text("")
    with pytest.raises(InputError, match="kan inte skriva"):
        write_pieces(blocker / "rapport.json", iter(["x"]))


def test_html_sections_come_back_exactly_as_made():
    """The batch HTML keeps the units' sections (UTF-8, as a worker makes them) in a temporary
    file until the overview is written: a carriage return or non-ASCII in a section must come
    back byte for byte."""
    from engine.evaluate.batch import Entry, Summary
    from engine.report import html

    pieces = ["<section>Åre\r\n</section>\n".encode(), "<section>Ö\rx</section>\n".encode()]
    entries = [Entry(f"u{i}.yaml", None, None, p) for i, p in enumerate(pieces)]
    out = b"".join(p.encode("utf-8") if isinstance(p, str) else p
                   for p in html.write(iter(entries), Summary({})))
    assert b"".join(pieces) in out


def test_csv_in_pieces_is_the_csv():
    """The matrix CSV is written a few thousand rows at a time; joined, it is the same text
    (BOM, CRLF, header per rulebook, error rows) whatever the size of the pieces."""
    from engine.evaluate import batch
    from engine.model.library import load_library
    from engine.report import matrix
    from tests.support import ROOT

    folder = ROOT / "submissions" / "jamtland" / "2023"
    books = load_library(ROOT / "rulebooks")
    summary = batch.Summary({b.sha256: b for b in books})
    paths = batch.collect([str(folder)]) + [str(folder / "saknas.yaml")]
    for entry in batch.run(paths, books, str(ROOT / "rulebooks"), None, 1, None):
        summary.add(entry)
    whole = matrix.csv_text(summary)
    assert whole.startswith("\ufeff") and "saknas.yaml" in whole
    for size in (1, 5, 1000):
        pieces = list(matrix.csv_pieces(summary, size))
        assert "".join(pieces) == whole
    assert len(list(matrix.csv_pieces(summary, 1))) > 28
