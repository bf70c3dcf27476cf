"""The building blocks of the årsbokslut a hälsocentral submits: the types its answers have and
what a number of each kind can be. Which questions a form asks, and so the model a submission is
validated with, is data: see engine/model/form.py and forms/<region>/<form>.yaml; a form's number
question names its kind (a key of BOUNDS) or its own range.

Nearly every answer is optional: a unit that leaves a question out gets the finding `missing`
for the rules that need it, never an error and never a pass. What is given must be well formed:
unknown keys, wrong types and values out of range are errors.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from engine.read import text_rules
from engine.read.numbers import NotANumber, TooLarge, format_number, parse_integer, parse_number


@dataclass(frozen=True)
class Bound:
    """What a kind of numeric answer can be on one hälsocentral's årsbokslut.

    Beyond `high` a value is refused, not evaluated: an absurd count (a typo of extra zeros, an
    exponent) would otherwise pass a rule, overflow the rule engine's 64-bit numbers or fill a
    report. Where `high` is a plausibility limit rather than a definition, it is set far above
    any real unit so that nothing real is refused; `reason` then says so in the message.
    """

    high: int | float
    what: str  # Swedish, starts the message: "<what> får vara högst <high>"
    reason: str = ""
    low: int | float = 0
    integer: bool = False
    grouped: bool = True  # thousands spaces when shown (not for a year)


_MOST_UNITS = "; fler har ingen hälsocentral"
# One entry per kind of numeric answer; a form's number questions name their kind (`kind:`).
BOUNDS: dict[str, Bound] = {
    # Listed persons, patients, SÄBO residents. The largest unit in Jämtland lists 12 803 and the
    # whole county 133 599; the largest vårdcentraler in the country list some 40 000.
    "personer": Bound(200_000, "ett antal personer", _MOST_UNITS, integer=True),
    # Contacts, home visits and refused listings in a year: about ten contacts per listed person
    # and year at the most, times the largest list above.
    "per_ar": Bound(2_000_000, "ett antal per år", _MOST_UNITS, integer=True),
    # Vacant posts: bounded like the staff they would fill.
    "tjanster": Bound(1_000, "ett antal tjänster", _MOST_UNITS, integer=True),
    # Årsarbetare (full-time equivalents averaged over the year); a large unit has about 50.
    "arsarbetare": Bound(1_000, "ett antal årsarbetare", _MOST_UNITS),
    # Emergency-department visits per 1 000 listed: around 200 in the county; ten visits per
    # listed person and year is beyond any population.
    "per_1000": Bound(10_000, "ett antal per 1 000 listade", "; tio besök per listad och år är "
                      "mer än någon befolkning har"),
    # Care Need Index, relative to the national mean 1.0; units range about 0.6 to 2.
    "cni": Bound(5, "ett CNI-värde"),
    "procent": Bound(100, "en andel i procent"),  # a share: 0-100 by definition
    "index": Bound(1, "ett index"),  # continuity indices (KO05L/S): 0-1 by definition
    "timmar_per_dag": Bound(24, "ett antal timmar per dag"),
    # The verksamhetsår. Rulebooks exist from 2021; the window keeps year arithmetic and dates
    # (inlamnad below) within what the rest of kravkoll handles.
    "verksamhetsar": Bound(2100, "ett verksamhetsår", low=2000, integer=True, grouped=False),
}

# inlamnad: an årsbokslut is submitted after its year ends; later than this many years after
# it is a typo of the year, not a late submission.
SUBMITTED_WITHIN_YEARS = 5


def _fmt(bound: Bound, value: Any) -> str:
    return format_number(value) if bound.grouped else str(value)


def _shown(value: Any, bound: Bound | None = None) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = _fmt(bound, value) if bound else format_number(value)
    else:
        text = text_rules.one_line(str(value).strip())  # a refused value is quoted, never sent raw
    return text if len(text) <= 40 else text[:37] + "…"


def _bounded(bound: Bound):
    """A before-validator: reads the number as people write it and checks it against its
    Bound, so every refusal names what the field holds and what is expected."""
    parse = parse_integer if bound.integer else parse_number
    over = f"{bound.what} får vara högst {_fmt(bound, bound.high)}{bound.reason}"
    low, high = bound.low, bound.high
    under = ("får inte vara negativt" if bound.low == 0
             else f"{bound.what} måste vara minst {_fmt(bound, bound.low)}")

    def check(value: Any) -> Any:
        if value is None:
            return None
        kind = type(value)
        if kind is int or kind is float and not bound.integer and low <= value <= high:
            number = value  # as YAML typed it: what parse gives back for it (NaN fails the test)
        else:
            try:
                number = parse(value)
            except TooLarge as exc:  # too many digits for a number at all, or a float overflow
                raise PydanticCustomError("kravkoll_bound", f"{over} ({exc})") from None
            except NotANumber as exc:
                raise PydanticCustomError("kravkoll_number", str(exc)) from None
        if number > bound.high:
            raise PydanticCustomError("kravkoll_bound", f"{over} (fick {_shown(value, bound)})")
        if number < bound.low:
            raise PydanticCustomError("kravkoll_bound", f"{under} (fick {_shown(value, bound)})")
        return number

    return check


def bounded_number(bound: Bound, description: str | None = None) -> Any:
    """The annotated type of a numeric answer within a Bound. The Field bounds repeat the check
    for the JSON schema; the before-validator refuses first, with the bound's words."""
    return Annotated[int if bound.integer else float,
                     BeforeValidator(_bounded(bound), json_schema_input_type=(
                         int | str) if bound.integer else (float | str)),
                     Field(ge=bound.low, le=bound.high, description=description)]


def _answer(value: Any) -> Any:
    """ja/nej answers: accept true/false and any letter case."""
    if value is True:
        return "ja"
    if value is False:
        return "nej"
    if isinstance(value, str):
        return value.strip().lower()
    return value


Percent = bounded_number(BOUNDS["procent"], "Andel i procent, 0–100")
JaNej = Annotated[Literal["ja", "nej"], BeforeValidator(_answer)]


def text_rule(kind: str):
    """A before-validator: the text rules of engine/read/text_rules.py for one kind of text
    (BLOCK keeps line feeds, LINE is one line, IDENT also has no invisible characters). YAML
    values, Excel cells and CSV fields are all validated here, so they share the rules."""

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return text_rules.check(value, kind)
        except text_rules.TextRefused as exc:
            raise PydanticCustomError("kravkoll_text", str(exc)) from None

    return check


MAX_TEXT = 20_000
Text = Annotated[str, BeforeValidator(text_rule(text_rules.BLOCK)), Field(max_length=MAX_TEXT)]
# A name, a region, a list entry: one line.
Line = Annotated[str, BeforeValidator(text_rule(text_rules.LINE)), Field(max_length=MAX_TEXT)]

# ASCII digits only ([0-9], not \d): \d also takes fullwidth and Arabic-Indic digits, and one unit
# would then be two in the kravliggare. Callers match with fullmatch (Python's $ admits a "\n").
HSA_ID_PATTERN = r"^SE[0-9]{10}-[A-Za-z0-9]{1,31}$"  # e.g. SE2321000207-E00000000042
HSA_ID_FORM = ("SE, tio siffror 0–9, bindestreck och 1–31 bokstäver A–Z eller siffror 0–9, "
               "t.ex. SE2321000207-E00000000042")
_HSA_ID = re.compile(HSA_ID_PATTERN)
_TIME_RANGE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]")


def _hsa_id(value: Any) -> Any:
    if isinstance(value, str) and not _HSA_ID.fullmatch(value.strip()):
        raise PydanticCustomError("kravkoll_hsa_id", f"'{_shown(value)}' är inget HSA-id; ett "
                                  f"HSA-id skrivs {HSA_ID_FORM}")
    # HSA-ids are issued in capitals; a unit that types its suffix in lower case is still the
    # same unit, in the county overview and in the kravliggare alike.
    return value.strip().upper() if isinstance(value, str) else value


def hsa_id_type(description: str | None = None) -> Any:
    return Annotated[str, BeforeValidator(_hsa_id, json_schema_input_type=str),
                     Field(pattern=HSA_ID_PATTERN, description=description)]


def _time_range(value: Any) -> Any:
    if not isinstance(value, str) or not _TIME_RANGE.fullmatch(value.replace(" ", "")):
        raise PydanticCustomError("kravkoll_time", "förväntade en tid som \"08:00-17:00\" "
                                  "(inom citattecken)")
    return value.replace(" ", "")


TimeRange = Annotated[str, BeforeValidator(_time_range, json_schema_input_type=str)]
Weekday = Literal["mandag", "tisdag", "onsdag", "torsdag", "fredag", "lordag", "sondag"]


def exceeds(total: float, *parts: float) -> bool:
    """Whether the parts add up to more than the total, as the decimals written (what the rules
    compute with too). Binary floats make 0.1 + 0.2 exceed 0.3; a tolerance on them instead
    would let a share of the rest far above 100 % through when the rest is tiny."""
    return sum(Decimal(str(p)) for p in parts) > Decimal(str(total))


def check_submitted_after(day: dt.date | None, period: int | None) -> dt.date | None:
    """An årsbokslut reports a whole year, so it is submitted after that year ends; a date
    before (2022-02-20 for 2023) is a typo of the year and would pass "lämnat i tid". A form
    marks its submission date with `after_year_of: period`."""
    if day is None or period is None:  # period absent when it was itself refused
        return day
    end = dt.date(period, 12, 31)
    first, last = dt.date(period + 1, 1, 1), dt.date(period + SUBMITTED_WITHIN_YEARS, 12, 31)
    window = f"förväntade ett datum från {first} till {last}"
    if day <= end:
        raise PydanticCustomError(
            "kravkoll_date", f"{day} ligger inte efter periodens slut ({end}); ett årsbokslut "
            f"kan inte lämnas in innan verksamhetsåret {period} är slut – {window}")
    if day > last:
        raise PydanticCustomError(
            "kravkoll_date", f"{day} ligger mer än {SUBMITTED_WITHIN_YEARS} år efter "
            f"periodens slut ({end}) – {window}")
    return day


def read_path(obj: Any, path: str) -> Any:
    """The value at a dotted path, None where any part is absent."""
    return read_parts(obj, path_parts(path))


def read_parts(obj: Any, parts: tuple[str, ...]) -> Any:
    """The value at a path already split (path_parts), None where any part is absent."""
    for part in parts:
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj


def path_parts(path: str) -> tuple[str, ...]:
    """A dotted path split, as Document.locate and read_parts take it: the same few paths for
    every unit, so each is split once."""
    parts = _parts.get(path)
    if parts is None:
        if len(_parts) >= 10_000:
            _parts.clear()
        parts = _parts[path] = tuple(path.split("."))
    return parts


_parts: dict[str, tuple[str, ...]] = {}
