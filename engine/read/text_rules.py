"""The same text rules for every input, and the one way every output shows a text it got.

Input (a YAML value, an Excel cell, a CSV field, a command-line option) is one of three kinds:

- `BLOCK`: free text (a kommentar, a handlingsplan, --note, --reason). Keeps line feeds and TAB;
  CRLF (an export from Windows) is read as a line feed.
- `LINE`: one line (a unit's name, a region, a filial, a list entry, --namn, --region). Also no
  line break (LF, CR, VT, FF, NEL, U+2028, U+2029) and no TAB, after the outer white space that
  the model strips anyway.
- `IDENT`: an identifier a person types and others look up (diarienummer, HSA-id, rule id,
  form id). Also no invisible format character (zero-width space, soft hyphen, direction
  marks, BOM: Unicode category Cf): two diarienummer that look the same are the same.

Refused in every kind:
- control characters: C0 (U+0000–U+001F) except TAB and LF in a block, DEL (U+007F), C1
  (U+0080–U+009F). They move a terminal's cursor, change its colours or title (ESC), end an
  e-mail header (CR/LF) and are illegal in XML 1.0 (docx, xlsx, JUnit).
- bidi embeddings, overrides and isolates: U+202A–U+202E, U+2066–U+2069. They change the order
  in which the text *around* them is shown ("Trojan Source", CVE-2021-42574): a name can read
  as another on screen and in a letter. The single direction marks U+200E, U+200F and U+061C are
  allowed in names and text: they reorder nothing but neutral characters next to them, and
  names written in Arabic or Hebrew need them. They are refused in identifiers (Cf above).
- noncharacters U+FFFE, U+FFFF and lone surrogates: no XML or UTF-8 file can hold them.

Output: `shown(text)` is a text as every output writes it (terminal, HTML, XML, a letter): each
character refused above, but for line feed and TAB, is written visibly as an escape (`\\x1b`,
`\\u202e`), so that nothing that slipped into an old ledger can move a terminal's cursor or
make a docx, xlsx or JUnit file ill-formed. `one_line(text)` also writes line breaks and TAB
visibly (an e-mail header, a cell that must be one line).
"""

from __future__ import annotations

import re
import unicodedata

BLOCK, LINE, IDENT = "block", "line", "ident"

BIDI_CONTROLS = _BIDI = "\u202a-\u202e\u2066-\u2069"  # for a regex character class
# Refused in a block: C0 but TAB and LF, CR (checked apart: CRLF is a line feed), DEL, C1,
# bidi controls, noncharacters and surrogates.
_REFUSED_ANYWHERE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}\ufffe\uffff\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x85\u2028\u2029]")
# What an output writes visibly: the refused characters but LF and TAB (U+2028/U+2029 are
# legal in XML and move no cursor).
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\ufffe\uffff\ud800-\udfff]")
_UNSAFE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\ufffe\uffff\ud800-\udfff]")

# Names a person may know the character by (Swedish where there is a usual word).
_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "backsteg", 0x09: "tabb", 0x0A: "radbrytning",
          0x0B: "vertikal tabb", 0x0C: "sidbrytning", 0x0D: "vagnretur", 0x1B: "ESC",
          0x7F: "DEL", 0x85: "NEL", 0x2028: "radavgränsare", 0x2029: "styckeavgränsare",
          0x202A: "LRE", 0x202B: "RLE", 0x202C: "PDF", 0x202D: "LRO", 0x202E: "RLO",
          0x2066: "LRI", 0x2067: "RLI", 0x2068: "FSI", 0x2069: "PDI", 0x200B: "nollbreddsblanksteg",
          0x200E: "LRM", 0x200F: "RLM", 0x061C: "ALM", 0xFEFF: "BOM", 0x00AD: "mjukt bindestreck"}


class TextRefused(ValueError):
    """A text that breaks the rules of its kind; the message is Swedish and names the
    character and where it stands (1-based)."""


def code(ch: str, at: int | None = None) -> str:
    """"'\\x1b' (U+001B, ESC, tecken 4)": the character as an escape, its code, its usual
    name and where it stands (1-based)."""
    notes = [n for n in (f"U+{ord(ch):04X}", _NAMES.get(ord(ch)), f"tecken {at}" if at else None)
             if n]
    return f"{ch!r} ({', '.join(notes)})"


def problem(text: str, kind: str = BLOCK) -> str | None:
    """Why `text` is refused as `kind`, in Swedish; None when it is allowed."""
    if not isinstance(text, str):
        return None
    bad = _REFUSED_ANYWHERE.search(text)
    if kind == BLOCK:
        # CR only as part of CRLF (read as LF); a lone CR moves the cursor back on the line
        for m in re.finditer("\r", text):
            if not text.startswith("\n", m.end()) and (bad is None or m.start() < bad.start()):
                bad = m
                break
    if bad is not None:
        return refused_char(bad.group(), bad.start())
    if kind in (LINE, IDENT):
        inner = text.strip()
        brk = _LINE_BREAKS.search(inner) or re.search("\t", inner)
        if brk is not None:
            at = len(text) - len(text.lstrip()) + brk.start() + 1
            where = f"U+{ord(brk.group()):04X}, tecken {at}"
            if brk.group() == "\t":
                return f"tabbtecken ({where}) är inte tillåtet här: fältet är en enda rad"
            return f"radbrytning ({where}) är inte tillåten här: fältet är en enda rad"
    if kind == IDENT:
        for i, ch in enumerate(text):
            if unicodedata.category(ch) == "Cf":
                return (f"osynligt tecken {code(ch, i + 1)} hör inte hemma i ett "
                        "id eller diarienummer; skriv det utan")
    return None


def refused_char(ch: str, at: int) -> str:
    """Why a character refused in every text is refused; `at` counts from 0."""
    n, shown_code = ord(ch), code(ch, at + 1)
    if 0x202A <= n <= 0x202E or 0x2066 <= n <= 0x2069:
        return (f"otillåtet tecken {shown_code}: en riktningsstyrning ändrar i vilken "
                "ordning texten runt den visas; skriv texten utan den")
    if n < 0x20 or 0x7F <= n <= 0x9F:
        return (f"otillåtet tecken {shown_code}: styrtecken hör inte hemma i en text")
    return f"otillåtet tecken {shown_code}: inget tecken en text kan innehålla"


def check(text: str, kind: str = BLOCK) -> str:
    """The text as it is kept: refused (TextRefused) when it breaks the rules of its kind; a
    block's CRLF becomes LF."""
    why = problem(text, kind)
    if why:
        raise TextRefused(why)
    if kind == BLOCK and "\r" in text:
        return text.replace("\r\n", "\n")
    return text


def _escape(m: re.Match) -> str:
    n = ord(m.group())
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def shown(text) -> str:
    """The text as every output writes it: refused characters but LF and TAB written as
    visible escapes. Anything not a str is shown as str() shows it."""
    text = text if isinstance(text, str) else str(text)
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def one_line(text) -> str:
    """As shown(), and line breaks and TAB also written as escapes: a text that must stay one
    line (an e-mail header, a name in a heading)."""
    text = text if isinstance(text, str) else str(text)
    return _UNSAFE_LINE.sub(_escape, text) if _UNSAFE_LINE.search(text) else text


def xml_safe(value):
    """A value for an XML file (a worksheet cell, a docx run, a JUnit attribute): a text as
    shown() writes it (XML 1.0 cannot hold most control characters: openpyxl and python-docx
    refuse them, ElementTree writes a file no reader accepts); anything else as it is."""
    return shown(value) if isinstance(value, str) and not is_safe(value) else value


def is_safe(text: str) -> bool:
    """True when shown(text) is text itself (nothing to escape)."""
    return _UNSAFE.search(text) is None
