"""Who sends the letters: a region's sender details in one settings file beside the ledger.

The file is `avsandare.yaml` in the same folder as the kravliggare (reports/avsandare.yaml for
the default ledger). It is read as strictly as every other input (read.yamlstrict): unknown
keys, a missing field, an e-mail address that is none, a logo that is no PNG are refused with
the file, line and field (exit 2).

    region: Region Jämtland Härjedalen
    bestallarenhet: Hälsovalsenheten
    handlaggare: Anna Andersson
    telefon: 063-14 75 00
    epost: halsoval@regionjh.se
    svarsadress: |
      Region Jämtland Härjedalen, Hälsovalsenheten
      Box 654, 831 27 Östersund
    logo: logo.png            # optional: a PNG, relative to this file
    enheter:                  # optional: the units' e-mail addresses (To: of the .eml drafts)
      SE2321000207-E00000000042: exempelbyn@example.se

Without the file a letter still renders, as a draft: where the sender's details would stand it
says which file to fill in (PLACEHOLDER). An e-mail draft needs a sender, so `--eml` refuses
to run without the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import InputError, Problem
from engine.model.submission import HSA_ID_PATTERN
from engine.read import text_rules, yamlstrict

FILE_NAME = "avsandare.yaml"
REQUIRED = {"region": "regionens namn", "bestallarenhet": "beställarenhetens namn",
            "handlaggare": "handläggarens namn", "telefon": "ett telefonnummer",
            "epost": "en e-postadress", "svarsadress": "en svarsadress (postadress)"}
OPTIONAL = {"logo": "sökvägen till en PNG-bild", "enheter": "HSA-id: e-postadress per enhet"}
EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+")
PHONE = re.compile(r"\+?[0-9][0-9 ()\-–]{4,24}")
HSA_ID = re.compile(HSA_ID_PATTERN)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_LOGO = 2 * 1024 * 1024
PLACEHOLDER = (f"[Avsändare saknas: fyll i {FILE_NAME} bredvid kravliggaren med region, "
               "beställarenhet, handläggare, telefon, e-post och svarsadress; se README, "
               "avsnittet Brev till enheterna.]")


@dataclass(frozen=True)
class Sender:
    region: str
    bestallarenhet: str
    handlaggare: str
    telefon: str
    epost: str
    svarsadress: str
    logo: bytes | None = None  # the PNG's bytes, read once when the file is read
    logo_path: str | None = None
    enheter: dict = field(default_factory=dict)  # HSA-id -> e-post

    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.svarsadress.splitlines() if line.strip()]


def beside(ledger_path: str | Path) -> Path:
    return Path(ledger_path).parent / FILE_NAME


def load(path: str | Path, required: bool = False) -> Sender | None:
    """The sender details in `path`; None when the file does not exist and is not required."""
    p = Path(path)
    if not p.exists() and not required:
        return None
    doc = yamlstrict.load_file(p)
    problems: list[Problem] = []

    def bad(key: tuple, message: str, on_key: bool = False) -> None:
        line, col = doc.locate_key(key) if on_key else doc.locate(key)
        problems.append(Problem(message, yamlstrict.dotted(key), line, col))

    data = doc.data
    if not isinstance(data, dict):
        raise InputError.single(doc.file, "avsändarfilen ska vara nycklar med värden "
                                f"({', '.join(REQUIRED)})", line=1)
    for key in data:
        if key not in REQUIRED and key not in OPTIONAL:
            bad((key,), f"okänd nyckel; tillåtna är {', '.join([*REQUIRED, *OPTIONAL])}", True)
    values: dict = {}
    for key, what in REQUIRED.items():
        value = data.get(key)
        if key not in data:
            problems.append(Problem(f"saknas; ange {what}", key, 1, None))
        elif not isinstance(value, str) or not value.strip():
            bad((key,), f"ska vara {what} (text)")
        else:
            values[key] = value.strip()
    if "epost" in values and not EMAIL.fullmatch(values["epost"]):
        bad(("epost",), f"'{values['epost']}' är ingen e-postadress (t.ex. halsoval@region.se)")
    if "telefon" in values and not PHONE.fullmatch(values["telefon"]):
        bad(("telefon",), f"'{values['telefon']}' är inget telefonnummer (t.ex. 063-14 75 00)")
    for key in ("region", "bestallarenhet", "handlaggare", "telefon", "epost"):
        why = text_rules.problem(values[key], text_rules.LINE) if key in values else None
        if why:  # these go into the e-mail's headers and the letterhead: one line each
            bad((key,), f"ska stå på en rad ({why})")
    logo, logo_path = None, None
    if data.get("logo") is not None:
        logo, logo_path = _logo(p, data["logo"], bad)
    enheter = {}
    units = data.get("enheter")
    if units is not None:
        if not isinstance(units, dict):
            bad(("enheter",), "ska vara HSA-id: e-postadress, en enhet per rad")
        else:
            for hsa, mail in units.items():
                if not isinstance(hsa, str) or not HSA_ID.fullmatch(hsa):
                    bad(("enheter", hsa), f"'{hsa}' är inget HSA-id", True)
                elif not isinstance(mail, str) or not EMAIL.fullmatch(mail.strip()):
                    bad(("enheter", hsa), f"'{mail}' är ingen e-postadress")
                else:  # HSA-ids are issued in capitals, as submissions store them
                    enheter[hsa.upper()] = mail.strip()
    if problems:
        raise InputError(doc.file, problems)
    return Sender(**values, logo=logo, logo_path=logo_path, enheter=enheter)


def _logo(settings: Path, value, bad) -> tuple[bytes | None, str | None]:
    if not isinstance(value, str) or not value.strip():
        bad(("logo",), "ska vara sökvägen till en PNG-bild")
        return None, None
    path = Path(value.strip())
    if not path.is_absolute():
        path = settings.parent / path
    try:
        if path.stat().st_size > MAX_LOGO:
            bad(("logo",), f"bilden {value} är större än {MAX_LOGO} byte")
            return None, None
        data = path.read_bytes()
    except FileNotFoundError:
        bad(("logo",), f"bilden {value} finns inte (sökvägen räknas från {settings.name}s mapp)")
        return None, None
    except OSError:
        bad(("logo",), f"bilden {value} kan inte läsas")
        return None, None
    if not data.startswith(PNG_MAGIC):
        bad(("logo",), f"{value} är ingen PNG-bild")
        return None, None
    return data, str(path)
