"""Names a person types (region, vårdval, form id), compared the way a person reads them.

"Region Jämtland Härjedalen" can arrive with a decomposed ä (a + combining diaeresis, as macOS
file systems and some editors write it), a no-break or thin space, a zero-width space pasted
from a web page, or another letter case. Each looks the same on screen and is the same name.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=4096)  # a county's units name a handful of regions and forms
def name_key(name: str) -> str:
    """The form two names are compared in: NFKC (composed letters, compatibility spaces as
    spaces), format characters (zero-width space, joiners, soft hyphen, direction marks, BOM)
    removed, runs of white space as one space, no outer space, case folded."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _SPACES.sub(" ", text).strip().casefold()
    return unicodedata.normalize("NFKC", text)


def same_name(a: str, b: str) -> bool:
    return name_key(a) == name_key(b)
