"""The county workbook (`--format xlsx`), now written row by row, keeps its look: each outcome
cell coloured by its outcome, bold headers with the rule columns turned upright, frozen headers,
a filter over the matrix, column widths, and a name beginning with '=' kept as text.

What a user would check: opening the matrix in Excel shows the colours and filters it showed
before, and a unit called "=HYPERLINK(…)" is not a live formula."""

from __future__ import annotations

import io
import re
import shutil

from openpyxl import load_workbook

from engine.evaluate import batch
from engine.evaluate.findings import OUTCOME_LABELS
from engine.model.library import load_library
from engine.report import matrix
from tests.support import ROOT


def test_workbook_keeps_colours_headers_filter_and_text(tmp_path):
    for p in (ROOT / "submissions" / "jamtland" / "2023").glob("*.yaml"):
        shutil.copy(p, tmp_path)
    text = (tmp_path / "akermo.yaml").read_text(encoding="utf-8")
    # a unit of its own (the same HSA-id and year twice is an input error, issue 19)
    text = re.sub(r"(\n  hsa_id: )\S+", r"\1SE2321000207-E00000009999", text, count=1)
    (tmp_path / "zz.yaml").write_text(
        re.sub(r"(\n  namn: ).*", r'\1"=HYPERLINK(\\"x\\")"', text, count=1), encoding="utf-8")
    books = load_library(ROOT / "rulebooks")
    summary = batch.Summary({b.sha256: b for b in books})
    for entry in batch.run(batch.collect([str(tmp_path)]), books, str(ROOT / "rulebooks"),
                           None, 1, None):
        summary.add(entry)
    wb = load_workbook(io.BytesIO(matrix.xlsx_bytes(summary)))
    assert wb.sheetnames == ["Matris", "Regler", "Indikatorer", "Fel"]
    ws = wb["Matris"]
    rows = list(ws.iter_rows())
    base = len(matrix.BASE_COLUMNS)
    header = rows[0]
    assert all(c.font.b for c in header)
    assert all(c.alignment.text_rotation == 90 for c in header[base:])
    assert not any(c.alignment.text_rotation for c in header[:base])
    by_label = {OUTCOME_LABELS[o]: o for o in matrix.FILLS}
    units = rows[1:1 + len(summary.rows)]
    assert len(units) == 29
    for row in units:
        for c in row[base:]:
            assert c.fill.fill_type == "solid"
            assert c.fill.fgColor.rgb[-6:] == matrix.FILLS[by_label[c.value]]
        assert not row[0].font.b
    named = [row[1] for row in units if str(row[1].value).startswith("=")]
    assert [c.value for c in named] == ['=HYPERLINK("x")'] and named[0].data_type == "s"
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref.startswith("A1:") and ws.auto_filter.ref.endswith(str(1 + 29))
    assert ws.column_dimensions["A"].width == 34
    assert wb["Regler"].column_dimensions["G"].width == 60
    for name in ("Regler", "Indikatorer", "Fel"):
        assert all(c.font.b for c in next(wb[name].iter_rows()))
