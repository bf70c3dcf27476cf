"""The letter as a Word document (python-docx): a region edits and signs it in Word.

Built from the same blocks as the Markdown and HTML letter (followup.letters): the letterhead
(logo and sender) in the page header, so it repeats on every page; Word's own heading, quote and
list styles, so the region's template and table of contents work; the signature block with the
handläggare; the appendix "Underlag" in small type at the end. The document's dates are the
letter's date and the zip's entries carry a fixed date: the same letter gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io

from engine.followup.letters import (
    Letter,
    letterhead_lines,
    reply_lines,
    signature_lines,
)

from .matrix import _reproducible


def docx_bytes(letter: Letter) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    doc.styles["Normal"].font.size = Pt(11)
    props = doc.core_properties
    props.title = f"{letter.title} – {letter.unit_name}"
    props.subject = letter.subject
    props.author = letter.sender.handlaggare if letter.sender else ""
    props.last_modified_by = props.author
    moment = dt.datetime.combine(letter.as_of, dt.time(0, 0))
    props.created = props.modified = moment
    props.revision = 1

    for kind, content in letter.blocks:
        if kind == "letterhead":
            header = section.header
            table = header.add_table(rows=1, cols=2, width=Cm(16.6))
            logo_cell, text_cell = table.rows[0].cells
            if content is not None and content.logo:
                logo_cell.paragraphs[0].add_run().add_picture(io.BytesIO(content.logo), height=Cm(1.6))
            para = text_cell.paragraphs[0]
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            for i, line in enumerate(letterhead_lines(content)):
                run = para.add_run(line)
                run.bold = i == 0
                if content is None:
                    run.font.color.rgb = RGBColor(0xAA, 0, 0)
                if i < len(letterhead_lines(content)) - 1:
                    run.add_break()
            header.paragraphs[0].text = ""
        elif kind == "meta":
            table = doc.add_table(rows=0, cols=2)
            for key, value in content:
                cells = table.add_row().cells
                cells[0].width, cells[1].width = Cm(3.5), Cm(13.0)
                cells[0].paragraphs[0].add_run(key).bold = True
                cells[1].paragraphs[0].add_run(value)
        elif kind == "h1":
            doc.add_heading(content, level=1)
        elif kind == "h2":
            doc.add_heading(content, level=2)
        elif kind == "p":
            doc.add_paragraph(content)
        elif kind == "dl":
            for key, value in content:
                para = doc.add_paragraph()
                para.add_run(f"{key}: ").bold = True
                para.add_run(value)
        elif kind == "quote":
            doc.add_paragraph(str(content), style="Quote")
        elif kind == "ul":
            for item in content:
                doc.add_paragraph(item, style="List Bullet")
        elif kind == "signature":
            para = doc.add_paragraph()
            para.paragraph_format.space_before = Pt(18)
            lines = signature_lines(content)
            for i, line in enumerate(lines):
                run = para.add_run(line)
                # room below the greeting for the handwritten signature
                for _ in range(3 if i == 0 else 1 if i < len(lines) - 1 else 0):
                    run.add_break()
            reply = reply_lines(content)
            if reply:
                para = doc.add_paragraph()
                for i, line in enumerate(reply):
                    run = para.add_run(line)
                    run.bold = i == 0
                    if i < len(reply) - 1:
                        run.add_break()
        elif kind == "appendix":
            doc.add_heading("Underlag", level=2)
            for item in content:
                para = doc.add_paragraph(style="List Bullet")
                run = para.add_run(item)
                run.font.size = Pt(8)
    out = io.BytesIO()
    doc.save(out)
    return _reproducible(out.getvalue())
