"""PDF from the HTML we already render: one renderer for letters and the leadership summary.

xhtml2pdf (on reportlab) installs from the package index alone, with no system libraries, so a
region's fresh machine can write PDF. Text is set in Source Sans Pro (Adobe, SIL Open Font
License), a TrueType family installed from the package index with kravkoll
(font-source-sans-pro): it is embedded in the file and carries å, ä, ö, the Sami letters (Č, Đ,
Ŋ, Š, Ŧ, Ž, á) and the typographic marks we use (–, ≥, ≤, ”). reportlab's own Bitstream Vera
lacks the Sami letters (they printed as ■), and the PDF base fonts drop all beyond Latin-1.

The same HTML gives the same bytes: reportlab's invariant mode (no clock, a document id from the
content), and a creation date taken from the data (the letter's date, the reference date of the
summary), never the clock.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading
from pathlib import Path

FONT_FAMILY = "SourceSansPro"
# regular, bold, italic, bold italic: files of the font-source-sans-pro package. Its italic
# TrueType files lack Ŋ and Ŧ, so italic text is set upright: a name keeps its letters.
FACES = (("SourceSansPro-Regular.ttf", "normal", "normal"), ("SourceSansPro-Bold.ttf", "bold", "normal"),
         ("SourceSansPro-Regular.ttf", "normal", "italic"), ("SourceSansPro-Bold.ttf", "bold", "italic"))
# reportlab's date in invariant mode, as the Info dictionary writes it
_INVARIANT_DATE = b"D:20000101000000+00'00'"
_lock = threading.Lock()  # rl_config.invariant is reportlab's global setting


def font_files() -> list[Path]:
    import font_source_sans_pro

    folder = Path(font_source_sans_pro.font_directory)
    return [folder / name for name, _w, _s in FACES]


def _font_policy():
    """xhtml2pdf reads local files only below the working folder by default: a command run
    from any other folder than the installation's would silently lose the embedded font (and
    with it å ä ö and the Sami letters). The font's own folder is allowed besides."""
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    return ResourceAccessPolicy(extra_roots=tuple({path.parent for path in font_files()}))


def _font_faces() -> str:
    """@font-face rules for the embedded family."""
    return "\n".join(
        f"@font-face {{ font-family: {FONT_FAMILY}; src: url('{path.as_uri()}');"
        f" font-weight: {weight}; font-style: {style}; }}"
        for path, (_n, weight, style) in zip(font_files(), FACES))


def html_to_pdf(html: str, created: dt.date | None = None) -> bytes:
    """Render an HTML page (CSS: xhtml2pdf's subset, `@page` for size and margins) to PDF bytes.

    The page's own CSS should name `font-family: SourceSansPro` (FONT_FAMILY) for its text; the
    faces are declared here so that every document embeds the same fonts. `created` is the
    document's creation date (from the data; none: reportlab's fixed 1 January 2000). A
    rendering failure is a defect of ours, not of the user's input, so it raises RuntimeError
    (exit 3 at the CLI).
    """
    from reportlab import rl_config
    from xhtml2pdf import pisa

    faces = f"<style>{_font_faces()}</style>"
    page = html.replace("<head>", "<head>" + faces, 1) if "<head>" in html else faces + html
    out = io.BytesIO()
    # xhtml2pdf logs every CSS property it does not know at WARNING; the user cannot act on that.
    logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)
    with _lock:
        before = rl_config.invariant
        rl_config.invariant = 1
        try:
            status = pisa.CreatePDF(page, dest=out, encoding="utf-8",
                                    resource_policy=_font_policy())
        finally:
            rl_config.invariant = before
    if status.err:
        raise RuntimeError(f"PDF kunde inte skapas ({status.err} fel i HTML-underlaget)")
    return _dated(out.getvalue(), created)


def _dated(pdf: bytes, created: dt.date | None) -> bytes:
    """The creation and modification date set to `created`: the same number of bytes in the
    Info dictionary, so every offset in the cross-reference table stays right."""
    if created is None:
        return pdf
    stamp = f"D:{created:%Y%m%d}000000+00'00'".encode("ascii")
    assert len(stamp) == len(_INVARIANT_DATE)
    return pdf.replace(_INVARIANT_DATE, stamp)
