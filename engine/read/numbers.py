"""Numbers as Swedish people write them, and back.

Parsing accepts a decimal comma (`63,3`), a space, non-breaking or thin space as thousands
separator (`133 599`) and a trailing `%`. Formatting writes the same style, so the report reads
the way the unit wrote its årsbokslut.

Digits are ASCII 0-9 only: Python's int() and float() also read fullwidth or Arabic-Indic digits,
which no form asks for and which would make the same number look different in two files.
"""

from __future__ import annotations

import math
import re

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")
_NUMBER = re.compile(r"([-+]?)([0-9]+)([.,][0-9]+)?")
# More digits before the decimal point than any answer of a form can have (the largest bound on
# a field is in the millions). Checked before int(), which refuses more than 4 300 digits with
# a ValueError of its own, and which is slow on long ones.
MAX_DIGITS = 30


class NotANumber(ValueError):
    pass


class TooLarge(NotANumber):
    """A number too large for any field: the field's own bound says what is expected."""


def parse_number(value: object) -> float | int:
    """'6 412' -> 6412, '63,3' -> 63.3, '84 %' -> 84. Raises NotANumber with a Swedish message."""
    if isinstance(value, bool):
        raise NotANumber("förväntade ett tal, fick ja/nej-värde")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isinf(value):
            # a decimal too long for a float, like 1.0e400, arrives as inf
            raise TooLarge("talet är för stort")
        if isinstance(value, float) and math.isnan(value):
            raise NotANumber("förväntade ett tal, fick NaN")
        return value
    if not isinstance(value, str):
        import datetime as dt

        if isinstance(value, (dt.date, dt.time)):  # a date or time cell in Excel
            shown = value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
            raise NotANumber(f"förväntade ett tal, fick {shown} (cellen är formaterad som "
                             "datum eller tid)")
        raise NotANumber("förväntade ett tal")
    text = value.strip()
    if text.endswith("%"):
        text = text[:-1]
    text = _SPACES.sub("", text)
    match = _NUMBER.fullmatch(text)
    if not match:
        raise NotANumber(f"'{_clip(value)}' är inte ett tal (skriv t.ex. 63,3 eller 6 412)")
    sign, whole, fraction = match.groups()
    whole = whole.lstrip("0") or "0"
    if len(whole) > MAX_DIGITS:
        raise TooLarge(f"talet har {len(whole)} siffror före decimaltecknet")
    if fraction:
        return float(f"{sign}{whole}.{fraction[1:]}")
    return int(sign + whole)


def _clip(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "…"


def parse_integer(value: object) -> int:
    number = parse_number(value)
    if isinstance(number, float):
        if not number.is_integer():
            raise NotANumber(f"förväntade ett heltal, fick {format_number(number)}")
        return int(number)
    return number


def format_number(value: float | int | None, decimals: int | None = None) -> str:
    """64.0 -> '64,0', 133599 -> '133 599' (non-breaking space kept out: a plain space)."""
    kind = type(value)  # int and float first: asked ~30 times per unit checked
    if kind is not int and kind is not float:
        if value is None:
            return "–"
        if isinstance(value, bool):
            return "ja" if value else "nej"
    if decimals is None:
        if kind is int and -_EXACT < value < _EXACT:  # ',.0f' would pass through float
            return f"{value:,}".replace(",", " ")
        decimals = _decimals(value)
    spec = _SPECS.get(decimals) or f",.{decimals}f"
    return format(value, spec).replace(",", " ").replace(".", ",")


def _decimals(value) -> int:
    """0 for a whole number as an int, 1 for one as a float; else the decimals written (0.34
    stays 0,34; 8.15 stays 8,15), at least 1 and at most 4; 2 below 1, else 1, for a number
    repr writes with an exponent."""
    if isinstance(value, int):
        return 0
    number = float(value)
    if number.is_integer():
        return 1
    text = repr(number)
    dot = text.find(".")
    if dot >= 0 and "e" not in text:
        return min(max(len(text) - dot - 1, 1), 4)
    return 2 if abs(value) < 1 else 1


_EXACT = 2 ** 53  # every int below is a float exactly, so ',d' writes the digits ',.0f' does
_SPECS = {n: f",.{n}f" for n in range(0, 5)}
