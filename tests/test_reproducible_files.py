"""The files a region sends or files away are the same bytes on every run, in any process, and
keep every letter of a name: the leadership PDF, the letters' PDF and the Excel template
(design.md: same input, same output; issue 20, item 7: Sami letters, creation time and document
id, zip entry times)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from pypdf import PdfReader

from engine.evaluate.evaluation import check, load_submission
from engine.followup import demands, letters
from engine.followup.ledger import Ledger
from engine.model.library import load_library
from engine.report.letter_files import render

from .support import RULEBOOKS, example_data, run_cli, with_changes, write_yaml

SAMI_UNIT = "Hälsoguovddáš Čoarvemátta Ŋuorra Đ Ŧ"


def _sami_folder(tmp_path):
    folder = tmp_path / "arsbokslut"
    folder.mkdir()
    data = with_changes(example_data(), {"enhet.namn": SAMI_UNIT})
    write_yaml(folder / "coarvematta.yaml", data)
    return folder, data


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def test_the_leadership_pdf_is_the_same_bytes_in_two_processes_and_keeps_sami_letters(tmp_path):
    folder, data = _sami_folder(tmp_path)
    made = []
    for n in (1, 2):
        target = tmp_path / f"ledning-{n}.pdf"
        run = run_cli("check", str(folder), "--format", "ledning", "-o", str(target))
        assert run.returncode in (0, 1), run.stderr.decode()
        made.append(target.read_bytes())
    assert made[0] == made[1]
    assert SAMI_UNIT in _text(made[0])
    # dated by the data: the reference date is the day the årsbokslut came in
    created = PdfReader(io.BytesIO(made[0])).metadata["/CreationDate"]
    assert created.startswith("D:" + str(data["inlamnad"]).replace("-", ""))


def test_a_letter_pdf_keeps_sami_letters_and_is_dated_by_the_letter(tmp_path):
    folder, _data = _sami_folder(tmp_path)
    books = load_library(RULEBOOKS)
    with Ledger(tmp_path / "l.sqlite") as led:
        result = check(load_submission(str(folder / "coarvematta.yaml")), books)
        demands.register(led, result, dt.date(2024, 3, 15))
        letter = letters.compose(led, result.submission.model.enhet.hsa_id, dt.date(2024, 3, 20))
    one, two = render(letter, "pdf"), render(letter, "pdf")
    assert one == two
    assert SAMI_UNIT in _text(one)
    assert PdfReader(io.BytesIO(one)).metadata["/CreationDate"].startswith("D:20240320")


def test_the_excel_template_is_the_same_bytes_in_two_processes(tmp_path):
    made = []
    for n in (1, 2):
        target = tmp_path / f"mall-{n}.xlsx"
        run = run_cli("template", "arsbokslut-2023", "-o", str(target), "--namn", SAMI_UNIT)
        assert run.returncode == 0, run.stderr.decode()
        made.append(target.read_bytes())
    assert made[0] == made[1]
    book = zipfile.ZipFile(io.BytesIO(made[0]))
    assert {i.date_time for i in book.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = book.read("docProps/core.xml").decode()
    assert "2023-01-01T00:00:00Z</dcterms:created>" in core  # the form's year, not the clock
    assert "2023-01-01T00:00:00Z</dcterms:modified>" in core
