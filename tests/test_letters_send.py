"""Letters a region can send (issue 13): the shared example's unit followed from 2023 to 2025
(as in test_ledger_scenario.py), its letters written by `demands letter --all` as Word, PDF and
e-mail drafts, and read back the way a handläggare and a verksamhetschef would: the unit's name,
the krav's title, the dates in Swedish, the sender, the diarienummer, what follows, resolved
brister acknowledged; no internal status names, hashes or line numbers in the body."""

from __future__ import annotations

import datetime as dt
import email
import io
from email import policy

import pytest

from engine.evaluate.evaluation import check, load_submission
from engine.followup import demands, letters, sender
from engine.followup.ledger import Ledger
from engine.report import letter_files

from .support import EXAMPLE, run_cli
from .test_ledger_helpers import (  # noqa: F401
    HSA,
    SUB_2024,
    SUB_2025,
    register,
    scenario_books,
    submission_2023_without_plan,
)

D = dt.date
UNIT = "Hälsocentralen Exempelbyn"
SENDER = """\
region: Region Jämtland Härjedalen
bestallarenhet: Hälsovalsenheten
handlaggare: Anna Andersson
telefon: 063-14 75 00
epost: halsoval@regionjh.se
svarsadress: |
  Hälsovalsenheten
  Box 654, 831 27 Östersund
enheter:
  SE2321000207-E00000000042: exempelbyn@example.se
"""
# What no letter body may say: the ledger's status names and what identifies files.
INTERNAL = ("krävd", "inkommen", "uppsägningsrisk", "sha256", "JHV-", "l.8", "Status:",
            "Lag inte uppfyllt", "Riktlinje inte uppfyllt", "(delvis:")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, scenario_books):
    """The contract's ladder for the example's unit, 2023 → 2025 (see test_ledger_scenario)."""
    folder = tmp_path_factory.mktemp("scenario")
    path = folder / "kravliggare.sqlite"
    with Ledger(path) as led:
        register(led, scenario_books, submission_2023_without_plan(folder), D(2024, 3, 15))
        plan = folder / "handlingsplan.pdf"
        plan.write_bytes(b"%PDF-1.4 handlingsplan\n")
        demands.record_plan(led, HSA, ["JHV-BEM-03", "JHV-INF-03", "JHV-INF-04"], D(2024, 7, 30),
                            str(plan))
        demands.record_decision(led, HSA, ["JHV-BEM-03", "JHV-INF-03", "JHV-INF-04"], "godkand",
                                D(2024, 8, 20), "RS/2/2024")
        register(led, scenario_books, SUB_2024, D(2025, 3, 14))
        demands.record_forelaggande(led, HSA, ["JHV-BEM-03"], D(2025, 3, 20), "RS/7/2025")
        demands.record_forelaggande(led, HSA, ["JHV-INF-04"], D(2025, 3, 20), "RS/8/2025",
                                    frist_days=45, vasentlig=True)
        demands.record_vite(led, HSA, ["JHV-BEM-03"], D(2025, 4, 22), 10000, "RS/9/2025",
                            per="vecka")
        demands.record_rattelse(led, HSA, ["JHV-BEM-03"], D(2025, 5, 6), "RS/10/2025")
        demands.record_invoice(led, HSA, "JHV-BEM-03", D(2025, 6, 2), 20000, "RS/11/2025")
        register(led, scenario_books, SUB_2025, D(2026, 3, 13))
    return path


def with_sender(ledger_path, text: str = SENDER):
    (ledger_path.parent / sender.FILE_NAME).write_text(text, encoding="utf-8")


def docx_text(path) -> str:
    import docx

    doc = docx.Document(str(path))
    parts = [p.text for p in doc.sections[0].header.paragraphs]
    for table in doc.sections[0].header.tables + doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    parts += [p.text for p in doc.paragraphs]
    return "\n".join(parts)


def pdf_text(path) -> str:
    from pypdf import PdfReader

    # a line break in the PDF is a space in the sentence
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages)


def body(text: str) -> str:
    """The letter without its appendix "Underlag" (the one place for ids, lines and hashes)."""
    assert text.count("Underlag") == 1, "the appendix heading is in the letter once"
    return text.split("Underlag")[0]


def write_all(scenario, tmp_path, as_of: str, *extra: str):
    out = tmp_path / f"brev-{as_of}"
    proc = run_cli("demands", "letter", "--all", "--as-of", as_of, "--ledger", str(scenario),
                   "-o", str(out), "--format", "docx", "--format", "pdf", *extra)
    assert proc.returncode == 0, proc.stderr.decode()
    return out


# The scenario's letters, as of each step: what the unit must read in each.
STEPS = {
    # the demand: a handlingsplan by 2024-03-15 + 60 days, förseningsvite if late
    "2024-03-15": ["Mer än hälften av sjuksköterskorna är distriktssköterskor",
                   "Skicka en handlingsplan till beställarenheten", "14 maj 2024",
                   "utgår förseningsvite enligt förfrågningsunderlaget, avsnitt 4.7 Kravuppfyllnad"],
    # the plan is late: the vite run up so far, and what the region may do
    "2024-06-01": ["skulle ha kommit in senast den 14 maj 2024", "= 15 000 kr",
                   "Eftersom handlingsplanen inte har kommit in kan beställarenheten förelägga"],
    # föreläggande decided, frist passed, väsentlig brist: the right to terminate; one
    # brist corrected (acknowledged) with its diarienummer
    # the right to terminate: the later of notice + 31 days (2025-04-20) and the frist + 1
    # (2025-05-04 + 1), 003 l.874–876 (issue 20: it was shown from 2025-04-19)
    "2025-05-06": ["Samtliga medarbetare har gått e-utbildningen i informationssäkerhet",
                   "RS/8/2025", "med frist till den 4 maj 2025",
                   "rätt att säga upp avtalet från den 5 maj 2025",
                   "Följande brister är åtgärdade",
                   "Mer än hälften av sjuksköterskorna är distriktssköterskor: rättelse "
                   "konstaterad den 6 maj 2025 (dnr RS/10/2025)"],
    # 2025: still partial; the reserve routines are in place now
    "2026-03-13": ["Årsbokslutet för 2025 anger 96,0 %; kravet är minst 100,0 %.",
                   "Följande brister är åtgärdade",
                   "Reservrutiner finns för kritiska IT-stöd: uppfylls enligt årsbokslutet för 2025"],
}


@pytest.mark.parametrize("as_of", sorted(STEPS))
def test_the_scenario_letters_open_as_word_and_pdf_with_correct_swedish(scenario, tmp_path, as_of):
    with_sender(scenario)
    out = write_all(scenario, tmp_path, as_of)
    names = sorted(p.name for p in out.iterdir())
    period = {"2024": 2023, "2025": 2024, "2026": 2025}[as_of[:4]]
    assert names == [f"halsocentralen-exempelbyn-{period}.docx",
                     f"halsocentralen-exempelbyn-{period}.pdf"]
    for reader, suffix in ((docx_text, "docx"), (pdf_text, "pdf")):
        text = reader(out / f"halsocentralen-exempelbyn-{period}.{suffix}")
        main = body(text)
        assert UNIT in main and f"Uppföljning av årsbokslut {period}" in main
        for words in ("Hälsovalsenheten", "Anna Andersson", "063-14 75 00", "halsoval@regionjh.se",
                      "Box 654, 831 27 Östersund"):
            assert words in main, (suffix, words)
        for words in STEPS[as_of]:
            assert words in main, (suffix, words)
        for word in INTERNAL:
            assert word not in main, (suffix, word)
        # the appendix names the file as a person knows it, never a machine path or a hash
        appendix = text.split("Underlag")[1]
        assert "sha256" not in appendix and "Årsbokslut för" in appendix
        assert not [w for w in appendix.split() if ".yaml" in w and "/" in w]


def test_a_plan_stated_in_the_arsbokslut_is_not_a_plan_sent_in(tmp_path, books):
    with Ledger(tmp_path / "l.sqlite") as led:
        demands.register(led, check(load_submission(str(EXAMPLE)), books), D(2024, 3, 15))
        letter = letters.compose(led, HSA, D(2024, 3, 20))
    text = letters.markdown(letter)
    main = body(text)
    assert "Enheten har i årsbokslutet beskrivit en handlingsplan: ”Två sjuksköterskor" in main
    assert "inkommen" not in main and "tog emot" not in main
    # the real rulebook's informationssäkerhet rules rest on a proposal: marked in the letter,
    # in every format
    marked = "Reservrutiner finns för kritiska IT-stöd [förslag] (förslag till krav)"
    assert marked in text.replace("\\", "")
    for fmt, reader in (("docx", docx_text), ("pdf", pdf_text)):
        path = tmp_path / f"brev.{fmt}"
        path.write_bytes(letter_files.render(letter, fmt))
        assert marked in reader(path), fmt


def test_the_eml_draft_is_addressed_and_carries_the_letter_and_its_pdf(scenario, tmp_path):
    with_sender(scenario)
    out = write_all(scenario, tmp_path, "2025-05-06", "--eml")
    raw = (out / "halsocentralen-exempelbyn-2024.eml").read_bytes()
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["To"] == f"{UNIT} <exempelbyn@example.se>"
    assert msg["From"].addresses[0].addr_spec == "halsoval@regionjh.se"
    assert msg["Reply-To"].addresses[0].addr_spec == "halsoval@regionjh.se"
    assert "Uppföljning av årsbokslut 2024" in msg["Subject"] and "RS/8/2025" in msg["Subject"]
    plain = msg.get_body(("plain",)).get_content()
    assert "Samtliga medarbetare har gått e-utbildningen i informationssäkerhet" in plain
    assert "<p>" in msg.get_body(("html",)).get_content()
    (pdf,) = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    from pypdf import PdfReader

    assert UNIT in PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text()
    # the same ledger and date give the same draft
    again = write_all(scenario, tmp_path / "again", "2025-05-06", "--eml")
    assert (again / "halsocentralen-exempelbyn-2024.eml").read_bytes() == raw
    assert ((again / "halsocentralen-exempelbyn-2024.docx").read_bytes()
            == (out / "halsocentralen-exempelbyn-2024.docx").read_bytes())


def test_without_sender_details_the_letter_says_what_to_fill_in(scenario, tmp_path):
    (scenario.parent / sender.FILE_NAME).unlink(missing_ok=True)
    target = tmp_path / "brev.docx"
    proc = run_cli("demands", "letter", HSA, "--as-of", "2025-05-06", "--ledger", str(scenario),
                   "-o", str(target))
    assert proc.returncode == 0, proc.stderr.decode()
    assert "fyll i avsandare.yaml" in proc.stdout.decode()
    assert "Avsändare saknas: fyll i avsandare.yaml bredvid kravliggaren" in docx_text(target)
    # an e-mail needs a sender: refused, and nothing written
    proc = run_cli("demands", "letter", HSA, "--as-of", "2025-05-06", "--ledger", str(scenario),
                   "-o", str(tmp_path / "b.pdf"), "--eml")
    assert proc.returncode == 2 and "avsandare.yaml" in proc.stderr.decode()
    assert not (tmp_path / "b.pdf").exists() and not (tmp_path / "b.eml").exists()


@pytest.mark.parametrize("text, where, what", [
    (SENDER.replace("epost: halsoval@regionjh.se", "epost: halsoval"), ":5:", "ingen e-postadress"),
    (SENDER.replace("telefon:", "telefn:"), ":4:", "okänd nyckel"),
    (SENDER.replace("handlaggare: Anna Andersson\n", ""), "handlaggare", "saknas"),
    (SENDER + "logo: saknas.png\n", ":11:", "finns inte"),
    (SENDER.replace("SE2321000207-E00000000042", "SE-fel"), ":10:", "inget HSA-id"),
])
def test_bad_sender_details_are_refused_with_file_line_and_field(scenario, tmp_path, text, where, what):
    settings = tmp_path / "avsandare.yaml"
    settings.write_text(text, encoding="utf-8")
    proc = run_cli("demands", "letter", HSA, "--as-of", "2025-05-06", "--ledger", str(scenario),
                   "--avsandare", str(settings), "-o", str(tmp_path / "b.docx"))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err
    assert "avsandare.yaml" in err and where in err and what in err, err
    assert not (tmp_path / "b.docx").exists()


def tiny_png() -> bytes:
    """A valid 1×1 white PNG, written here (no image library needed)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


def test_a_logo_that_is_no_png_is_refused_and_a_png_is_in_the_letterhead(tmp_path):
    settings = tmp_path / "avsandare.yaml"
    (tmp_path / "logo.png").write_bytes(b"GIF89a not a png")
    settings.write_text(SENDER + "logo: logo.png\n", encoding="utf-8")
    with pytest.raises(letters.InputError, match="ingen PNG-bild"):
        sender.load(settings)
    png = tiny_png()
    (tmp_path / "logo.png").write_bytes(png)
    who = sender.load(settings)
    assert who.logo == png
    letter = letters.Letter(HSA, UNIT, 2024, D(2025, 1, 1), sender=who)
    letter.add("letterhead", who)
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(letter_files.render(letter, "docx"))).namelist()
    assert [n for n in names if n.startswith("word/media/") and n.endswith(".png")]
    assert 'src="data:image/png;base64,' in letters.html(letter)
    assert b"/Subtype /Image" in letter_files.render(letter, "pdf")


def test_an_existing_letter_stops_the_run_before_anything_is_written(scenario, tmp_path):
    with_sender(scenario)
    out = tmp_path / "brev"
    out.mkdir()
    (out / "halsocentralen-exempelbyn-2024.pdf").write_bytes(b"handlaggarens kopia")
    proc = run_cli("demands", "letter", "--all", "--as-of", "2025-05-06", "--ledger", str(scenario),
                   "-o", str(out), "--eml")
    assert proc.returncode == 2 and "--force" in proc.stderr.decode()
    assert sorted(p.name for p in out.iterdir()) == ["halsocentralen-exempelbyn-2024.pdf"]
    assert (out / "halsocentralen-exempelbyn-2024.pdf").read_bytes() == b"handlaggarens kopia"


def test_file_names_come_from_the_units_name_and_stay_in_the_folder():
    letter = letters.Letter(HSA, "Vårdcentralen ../../etc/Åre & Öje", 2024, D(2025, 1, 1))
    assert letter_files.file_stem(letter) == "vardcentralen-etc-are-oje-2024"
    letter.unit_name = "../.."
    assert letter_files.file_stem(letter) == f"{HSA.lower()}-2024"


def test_the_letter_help_names_the_settings_file():
    proc = run_cli("demands", "letter", "--help")
    assert proc.returncode == 0 and "avsandare.yaml" in proc.stdout.decode()


def test_the_register_exports_to_xlsx_with_decisions_and_vite_per_unit_and_year(scenario, tmp_path):
    import openpyxl

    target = tmp_path / "kravliggaren.xlsx"
    proc = run_cli("demands", "list", "--all", "--as-of", "2026-03-13", "--ledger", str(scenario),
                   "--format", "xlsx", "-o", str(target))
    assert proc.returncode == 0, proc.stderr.decode()
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["Krav", "Beslut", "Per enhet och år"]
    decisions = [dict(zip([c.value for c in wb["Beslut"][1]], [c.value for c in row]))
                 for row in wb["Beslut"].iter_rows(min_row=2)]
    by_dnr = {d["Diarienummer"]: d for d in decisions}
    assert by_dnr["RS/8/2025"]["Beslut"] == "Föreläggande om rättelse"
    assert by_dnr["RS/8/2025"]["Frist"].date() == D(2025, 5, 4)  # 2025-03-20 + 45 days decided
    assert by_dnr["RS/9/2025"]["Beslut"] == "Vite" and by_dnr["RS/9/2025"]["Belopp (kr)"] == 10000
    assert by_dnr["RS/11/2025"]["Beslut"] == "Vite fakturerat"
    sums = wb["Per enhet och år"]
    head = [c.value for c in sums[1]]
    (row,) = [[c for c in r] for r in sums.iter_rows(min_row=2)]
    values = dict(zip(head, row))
    assert (values["Enhet"].value, values["År"].value) == (UNIT, 2023)
    assert values["Vite fakturerat (kr)"].value == 20000  # as recorded
    assert values["Varav beslutat vite (kr)"].value == 20000  # 2 begun weeks × 10 000 kr
    assert "kr" in values["Vite beräknat (kr)"].number_format
    krav = wb["Krav"]
    dates = [c for c in krav["I"][1:]]  # Status sedan
    assert all(c.is_date and c.number_format == "yyyy-mm-dd" for c in dates)


def test_the_register_as_html_names_decisions_and_escapes_text(scenario, tmp_path):
    proc = run_cli("demands", "list", "--all", "--as-of", "2026-03-13", "--ledger", str(scenario),
                   "--format", "html")
    assert proc.returncode == 0, proc.stderr.decode()
    page = proc.stdout.decode()
    assert page.startswith("<!DOCTYPE html>") and "<th>Diarienummer</th>" in page
    assert "<td>RS/10/2025</td>" in page and "<td>Rättelse konstaterad</td>" in page
    assert '<td class="num">20 000 kr</td>' in page
    proc = run_cli("demands", "list", "--ledger", str(scenario), "--format", "xlsx")
    assert proc.returncode == 2 and "-o" in proc.stderr.decode()


def test_an_eml_to_a_unit_without_a_known_address_leaves_to_empty(scenario, tmp_path):
    settings = tmp_path / "avsandare.yaml"
    settings.write_text(SENDER.split("enheter:")[0], encoding="utf-8")
    with Ledger(scenario, readonly=True) as led:
        letter = letters.compose(led, HSA, D(2024, 6, 1), sender.load(settings))
    msg = email.message_from_bytes(letter_files.mail(letter, b"%PDF-1.4\n", "brev.pdf"),
                                   policy=policy.default)
    assert msg["To"] == "" and msg["X-Unsent"] == "1"
    assert msg["Subject"] == f"Uppföljning av årsbokslut 2023 – {UNIT}"  # no decision yet


def test_a_file_whose_suffix_contradicts_the_format_is_refused(scenario, tmp_path):
    proc = run_cli("demands", "letter", HSA, "--as-of", "2025-05-06", "--ledger", str(scenario),
                   "--format", "pdf", "-o", str(tmp_path / "brev.docx"))
    assert proc.returncode == 2 and "--format" in proc.stderr.decode()
    assert not (tmp_path / "brev.docx").exists()


def test_a_units_address_is_found_whatever_the_case_of_its_hsa_id(tmp_path):
    settings = tmp_path / "avsandare.yaml"
    settings.write_text(SENDER.replace("E00000000042", "e00000000042"), encoding="utf-8")
    assert sender.load(settings).enheter == {HSA: "exempelbyn@example.se"}
