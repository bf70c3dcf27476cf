"""Dates a person gives on the command line, and date arithmetic that never overflows.

A date outside FIRST_DAY..LAST_DAY is a typo (9999-12-31, 0001-01-01), not a day anything in a
vårdval happens: it is refused with a message naming the option. The window keeps every sum the
engine forms (a due date of decision + days, a frist, the day before a dispens ended) far from
Python's date range (years 1..9999); `shift` clamps to that range all the same, so a date that
reached a ledger before the window existed can never crash a later command.
"""

from __future__ import annotations

import datetime as dt
import re

# Only the extended form YYYY-MM-DD: Python 3.11's fromisoformat also takes 20240331 and
# 2024-W13-7, which a person who typed them did not mean as a date, and which Python 3.12 and
# a spreadsheet read differently.
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)


def parse_day(value: str) -> dt.date | None:
    """An ISO date (2024-03-31), or None when the text is no such date."""
    if not _ISO_DAY.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def outside_window(day: dt.date) -> str | None:
    """Why `day` is refused (Swedish), or None when it lies in the window."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return (f"{day.isoformat()} ligger utanför de datum kravkoll godtar "
            f"({FIRST_DAY.isoformat()}–{LAST_DAY.isoformat()})")


def shift(day: dt.date, days: int) -> dt.date:
    """day + days, clamped to Python's date range instead of raising OverflowError."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min
