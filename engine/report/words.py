"""Swedish number words and plurals for text generated from figures ("två hälsocentraler",
"ett krav", "samtliga 28 hälsocentraler").

Numbers up to twelve are written in words, larger ones in digits, as Swedish reports do. The
word for one follows the noun's gender: en hälsocentral, ett krav.
"""

from __future__ import annotations

from engine.read.numbers import format_number

WORDS = ("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva",
         "tolv")

# noun -> (singular, plural, neuter): the forms the generated sentences need
NOUNS = {
    "hälsocentral": ("hälsocentral", "hälsocentraler", False),
    "krav": ("krav", "krav", True),
    "förslag": ("förslag", "förslag", True),
    "riktlinje": ("riktlinje", "riktlinjer", False),
    "indikator": ("indikator", "indikatorer", False),
    "årsbokslut": ("årsbokslut", "årsbokslut", True),
    "procentenhet": ("procentenhet", "procentenheter", False),
    "regel": ("regel", "regler", False),
}


def number(n: int, neuter: bool = False) -> str:
    """'en'/'ett', 'två' … 'tolv', then digits (with a thin space per thousand)."""
    if n == 1:
        return "ett" if neuter else "en"
    if 0 <= n < len(WORDS):
        return WORDS[n]
    return format_number(n)


def noun(n: int, word: str) -> str:
    singular, plural, _ = NOUNS[word]
    return singular if n == 1 else plural


def count(n: int, word: str) -> str:
    """'en hälsocentral', 'två hälsocentraler', 'ett krav', '28 hälsocentraler'."""
    neuter = NOUNS[word][2]
    return f"{number(n, neuter)} {noun(n, word)}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def listing(items: list[str]) -> str:
    """'A', 'A och B', 'A, B och C'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " och " + items[-1]
