"""PDF from the HTML we already render: one renderer for letters and the leadership summary.

xhtml2pdf (on reportlab) installs from the package index alone, with no system libraries, so a
region's fresh machine can write PDF. Text is set in Bitstream Vera, the TrueType family that
reportlab ships: it is embedded in the file and carries å, ä, ö and the typographic marks we use
(–, ≥, ≤, ”), where the PDF base fonts would drop what is outside Latin-1.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

FONT_FAMILY = "Vera"


def _font_faces() -> str:
    """@font-face rules for the Vera family shipped inside reportlab."""
    import reportlab

    fonts = Path(reportlab.__file__).parent / "fonts"
    faces = (("Vera.ttf", "normal", "normal"), ("VeraBd.ttf", "bold", "normal"),
             ("VeraIt.ttf", "normal", "italic"), ("VeraBI.ttf", "bold", "italic"))
    return "\n".join(
        f"@font-face {{ font-family: {FONT_FAMILY}; src: url('{(fonts / name).as_uri()}');"
        f" font-weight: {weight}; font-style: {style}; }}"
        for name, weight, style in faces)


def html_to_pdf(html: str) -> bytes:
    """Render an HTML page (CSS: xhtml2pdf's subset, `@page` for size and margins) to PDF bytes.

    The page's own CSS should name `font-family: Vera` (FONT_FAMILY) for its text; the faces are
    declared here so that every document embeds the same fonts. A rendering failure is a defect
    of ours, not of the user's input, so it raises RuntimeError (exit 3 at the CLI).
    """
    from xhtml2pdf import pisa

    faces = f"<style>{_font_faces()}</style>"
    page = html.replace("<head>", "<head>" + faces, 1) if "<head>" in html else faces + html
    out = io.BytesIO()
    # xhtml2pdf logs every CSS property it does not know at WARNING; the user cannot act on that.
    logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)
    status = pisa.CreatePDF(page, dest=out, encoding="utf-8")
    if status.err:
        raise RuntimeError(f"PDF kunde inte skapas ({status.err} fel i HTML-underlaget)")
    return out.getvalue()
