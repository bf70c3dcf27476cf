"""The one PDF renderer (engine/report/pdf.py): Swedish text survives into the file, fonts embedded."""

from pypdf import PdfReader
import io

from engine.report.pdf import FONT_FAMILY, html_to_pdf


def _page(body: str) -> str:
    return (f"<html><head><style>@page {{ size: a4; margin: 2cm }} body {{ font-family: {FONT_FAMILY} }}"
            f"</style></head><body>{body}</body></html>")


def test_swedish_letters_and_marks_come_out_as_text():
    pdf = html_to_pdf(_page("<h1>Föreläggande – Hälsocentral Åre</h1>"
                            "<p>Andel ≥ 90 %: ÅÄÖ åäö, ”citat”</p>"))
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "Föreläggande – Hälsocentral Åre" in text
    assert "Andel ≥ 90 %: ÅÄÖ åäö, ”citat”" in text


def test_the_font_is_embedded_so_the_reader_needs_none_of_its_own():
    reader = PdfReader(io.BytesIO(html_to_pdf(_page("<p>Östersund</p>"))))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [f.get_object().get("/FontDescriptor") for f in fonts.values()]
    descendants = [f.get_object().get("/DescendantFonts") for f in fonts.values()]
    embedded = [d for d in descriptors if d and any(k in d.get_object() for k in ("/FontFile2", "/FontFile"))]
    embedded += [d for d in descendants if d]
    assert embedded, "no embedded font: text would depend on the reader's fonts"


def test_a4_pages():
    reader = PdfReader(io.BytesIO(html_to_pdf(_page("<p>x</p>"))))
    box = reader.pages[0].mediabox
    # A4 is 595 × 842 points.
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


# Sami and other letters beyond Latin-1 in unit and place names (Čoarvemátta, Ŋ, Đ, Ŧ): reportlab's
# Vera lacked them and printed ■; the embedded Source Sans Pro has them.
SAMI = "Čoarvemátta Ŋuorra Đ Ŧ šž áá Árjepluovve"


def test_sami_letters_come_out_as_text():
    reader = PdfReader(io.BytesIO(html_to_pdf(_page(f"<h1>{SAMI}</h1><p><b>{SAMI}</b> <i>{SAMI}</i></p>"))))
    text = reader.pages[0].extract_text()
    assert text.count(SAMI) == 3, text
    assert "■" not in text and "\x00" not in text


def test_every_face_has_the_letters():
    """Each file the PDFs embed (regular, bold, and what italic uses) maps every letter."""
    from reportlab.pdfbase.ttfonts import TTFont

    from engine.report.pdf import font_files

    for path in font_files():
        face = TTFont("prov", str(path)).face
        assert [c for c in SAMI + "åäöÅÄÖ–≥≤”" if c != " " and ord(c) not in face.charToGlyph] == [], path


def test_the_same_page_gives_the_same_bytes_dated_by_the_data():
    import datetime as dt

    page = _page(f"<p>{SAMI}</p>")
    one, two = html_to_pdf(page, created=dt.date(2024, 3, 15)), html_to_pdf(page, created=dt.date(2024, 3, 15))
    assert one == two
    info = PdfReader(io.BytesIO(one)).metadata
    assert info["/CreationDate"].startswith("D:20240315")
    assert info["/ModDate"].startswith("D:20240315")


def test_the_font_is_embedded_whatever_folder_the_command_runs_from(tmp_path, monkeypatch):
    """xhtml2pdf reads local files only below the working folder unless told otherwise: a
    letter written from a handläggare's own folder must still carry the font (and Č, Ŋ)."""
    monkeypatch.chdir(tmp_path)
    reader = PdfReader(io.BytesIO(html_to_pdf(_page("<p>Čoarvemátta Ŋuorra</p>"))))
    assert "Čoarvemátta Ŋuorra" in reader.pages[0].extract_text()
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert any(f.get_object().get("/DescendantFonts") or "/FontFile2" in
               (f.get_object().get("/FontDescriptor") or {}) for f in fonts.values())
