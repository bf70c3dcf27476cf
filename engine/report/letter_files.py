"""A letter as the files a region sends: Markdown, HTML, Word, PDF, and an e-mail draft.

`render` gives one format's bytes; `file_stem` names a unit's files from its name (ASCII, no
path separators or dots, so a name can never point outside the folder); `mail` builds the
.eml draft: To the unit's address when avsandare.yaml knows it (else empty, for the handläggare
to fill in), From and Reply-To the beställarenhet, the subject with the diarienummer, the letter
as text and HTML, and the PDF attached. Opened in Outlook or Thunderbird it is a draft to check
and send (X-Unsent: 1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from engine.errors import InputError
from engine.followup import letters
from engine.followup.letters import Letter
from engine.followup.sender import FILE_NAME

FORMATS = ("md", "html", "docx", "pdf")
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".docx": "docx",
            ".pdf": "pdf"}
_NOT_NAME = re.compile(r"[^a-z0-9]+")


def render(letter: Letter, fmt: str) -> bytes:
    if fmt == "md":
        return letters.markdown(letter).encode("utf-8")
    if fmt == "html":
        return letters.html(letter).encode("utf-8")
    if fmt == "docx":
        from .letter_docx import docx_bytes

        return docx_bytes(letter)
    if fmt == "pdf":
        from .pdf import html_to_pdf

        # the same letter gives the same bytes (and the same e-mail draft): dated by the letter
        return html_to_pdf(letters.html(letter, for_pdf=True), created=letter.as_of)
    raise ValueError(fmt)


def file_stem(letter: Letter) -> str:
    """'halsocentralen-exempelbyn-2023' from the unit's name and the period (the HSA-id when
    the name has no letter or digit left)."""
    plain = unicodedata.normalize("NFKD", letter.unit_name).encode("ascii", "ignore").decode()
    slug = _NOT_NAME.sub("-", plain.lower()).strip("-")[:60].strip("-")
    return f"{slug or letter.hsa_id.lower()}-{letter.period}"


def mail(letter: Letter, pdf: bytes, pdf_name: str) -> bytes:
    sender = letter.sender
    if sender is None:
        raise InputError.single(None, f"ett e-postutkast (--eml) behöver avsändaren: fyll i "
                                f"{FILE_NAME} bredvid kravliggaren (region, bestallarenhet, "
                                "handlaggare, telefon, epost, svarsadress) eller ange --avsandare")
    msg = EmailMessage()
    to = sender.enheter.get(letter.hsa_id)
    msg["To"] = Address(letter.unit_name, addr_spec=to) if to else ""
    local, _, domain = sender.epost.partition("@")
    msg["From"] = Address(f"{sender.bestallarenhet}, {sender.region}", local, domain)
    msg["Reply-To"] = Address(sender.bestallarenhet, local, domain)
    msg["Subject"] = letter.subject
    msg["Date"] = format_datetime(dt.datetime.combine(letter.as_of, dt.time(8, 0),
                                                      tzinfo=dt.timezone.utc))
    msg["X-Unsent"] = "1"
    msg.set_content(letters.text(letter))
    msg.add_alternative(letters.html(letter), subtype="html")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    # boundaries from the content, not at random: the same letter gives the same draft
    digest = hashlib.sha256(pdf + letters.text(letter).encode("utf-8")).hexdigest()[:16]
    for i, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"=_kravkoll_{digest}_{i}")
    return msg.as_bytes(policy=SMTP)


def planned(letters_: list[Letter], folder, formats: tuple[str, ...], eml: bool) -> list[tuple]:
    """(path, bytes) for every file of every letter, rendered before anything is written: a
    failure leaves no letter half-written. Two units whose names give the same file name are
    told apart by their HSA-ids."""
    from pathlib import Path

    folder = Path(folder)
    stems = [file_stem(x) for x in letters_]
    out = []
    for letter, stem in zip(letters_, stems):
        if stems.count(stem) > 1:
            stem = f"{stem}-{letter.hsa_id.lower()}"
        rendered = {fmt: render(letter, fmt) for fmt in formats}
        out.extend((folder / f"{stem}.{fmt}", data) for fmt, data in rendered.items())
        if eml:
            pdf = rendered.get("pdf") or render(letter, "pdf")
            out.append((folder / f"{stem}.eml", mail(letter, pdf, f"{stem}.pdf")))
    return out


def write_all(files: list[tuple], force: bool) -> None:
    """Every target is checked before the first is written (an existing file without --force
    stops the run with nothing written); each file is written whole or not at all."""
    from engine.output import check_target, write_atomic

    for path, _ in files:
        check_target(path, force)
    for path, data in files:
        write_atomic(path, data, overwrite=force)
