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
