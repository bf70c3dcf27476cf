"""The output of `kravkoll check` for every format on the Jämtland corpus, as golden files.

Used by tests/test_perf_golden.py, which checks that speed work leaves every byte as it was.
Regenerate (only when a change of output is intended, e.g. after merging a new format change):

    .venv/bin/python -m tests.golden_outputs --write

Each case is run as a separate process, the way a user runs it (support.run_cli); the output
(standard output, or the file -o wrote; the two must be the same bytes) is stored
gzip-compressed in tests/data/golden/<where>-<format>.gz.
xlsx is stored as the cell contents of every sheet (JSON), since the zip container may differ
between openpyxl versions without any difference a reader sees.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import tempfile
from pathlib import Path

from tests.support import ROOT, run_cli

GOLDEN = ROOT / "tests" / "data" / "golden"
FOLDER = "submissions/jamtland/2023"
ONE_FILE = "submissions/jamtland/2023/akermo.yaml"
TEXT_FORMATS = ("json", "html", "csv", "sarif", "junit", "rich")


def cases() -> list[tuple[str, str, str, bool]]:
    """(name, path, format, to a file with -o); the golden of a case is golden_name(name)."""
    out = []
    for where, path in (("folder", FOLDER), ("file", ONE_FILE)):
        for fmt in TEXT_FORMATS:
            out.append((f"{where}-{fmt}-stdout", path, fmt, False))
            out.append((f"{where}-{fmt}-o", path, fmt, True))
        out.append((f"{where}-xlsx-o", path, "xlsx", True))
    return out


def xlsx_cells(data: bytes) -> bytes:
    """Every sheet's cell values, row by row, as JSON text."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sheets = {ws.title: [[None if c is None else str(c) for c in row]
                         for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    return json.dumps(sheets, ensure_ascii=False, indent=1).encode("utf-8")


def produce(path: str, fmt: str, to_file: bool) -> bytes:
    """What the user gets for one case (exit 0 or 1: the corpus has shortfalls)."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"rapport.{fmt}"
        args = ["check", path, "--format", fmt] + (["-o", str(target)] if to_file else [])
        proc = run_cli(*args, env={"COLUMNS": "100"})
        if proc.returncode not in (0, 1):
            raise AssertionError(f"{args}: slutkod {proc.returncode}\n{proc.stderr.decode()}")
        data = target.read_bytes() if to_file else proc.stdout
    return xlsx_cells(data) if fmt == "xlsx" else data


def golden_name(name: str) -> str:
    return name.rsplit("-", 1)[0]


def golden(name: str) -> bytes:
    return gzip.decompress((GOLDEN / f"{golden_name(name)}.gz").read_bytes())


def write_all() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    written: dict[str, bytes] = {}
    for name, path, fmt, to_file in cases():
        data = produce(path, fmt, to_file)
        key = golden_name(name)
        if key in written:
            if written[key] != data:
                raise SystemExit(f"{name}: standard output and -o differ; not written")
            continue
        written[key] = data
        # mtime=0: the same output gives the same .gz bytes (no noise in git).
        (GOLDEN / f"{key}.gz").write_bytes(gzip.compress(data, 9, mtime=0))
        print(f"{key}: {len(data)} bytes")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    write_all()
