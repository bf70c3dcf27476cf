"""The building blocks of the årsbokslut a hälsocentral submits: the types its answers have.
Which questions a form asks, and so the model a submission is validated with, is data: see
engine/model/form.py and forms/<region>/<form>.yaml.

Nearly every answer is optional: a unit that leaves a question out gets the finding `missing`
for the rules that need it, never an error and never a pass. What is given must be well formed:
unknown keys, wrong types and values out of range are errors.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from engine.read.numbers import NotANumber, parse_integer, parse_number


def _number(value: Any) -> Any:
    if value is None:
        return None
    try:
        return parse_number(value)
    except NotANumber as exc:
        raise PydanticCustomError("kravkoll_number", str(exc)) from None


def _integer(value: Any) -> Any:
    if value is None:
        return None
    try:
        return parse_integer(value)
    except NotANumber as exc:
        raise PydanticCustomError("kravkoll_number", str(exc)) from None


def _answer(value: Any) -> Any:
    """ja/nej answers: accept true/false and any letter case."""
    if value is True:
        return "ja"
    if value is False:
        return "nej"
    if isinstance(value, str):
        return value.strip().lower()
    return value


_NUM_INPUT = float | str

Count = Annotated[int, BeforeValidator(_integer, json_schema_input_type=int | str), Field(ge=0)]
Percent = Annotated[float, BeforeValidator(_number, json_schema_input_type=_NUM_INPUT),
                    Field(ge=0, le=100, description="Andel i procent, 0–100")]
JaNej = Annotated[Literal["ja", "nej"], BeforeValidator(_answer)]
Text = Annotated[str, Field(max_length=20_000)]

HSA_ID_PATTERN = r"^SE\d{10}-[A-Za-z0-9]{1,31}$"  # e.g. SE2321000207-E00000000042
_TIME_RANGE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


def _time_range(value: Any) -> Any:
    if not isinstance(value, str) or not _TIME_RANGE.match(value.replace(" ", "")):
        raise PydanticCustomError("kravkoll_time", "förväntade en tid som \"08:00-17:00\" "
                                  "(inom citattecken)")
    return value.replace(" ", "")


TimeRange = Annotated[str, BeforeValidator(_time_range, json_schema_input_type=str)]
Weekday = Literal["mandag", "tisdag", "onsdag", "torsdag", "fredag", "lordag", "sondag"]



def __getattr__(name: str) -> Any:
    """`Submission`: the model of the Jämtland 2023 form (forms/jamtland/arsbokslut-2023.yaml),
    the form this module described in code before forms became data. Other forms: engine.model.form."""
    if name == "Submission":
        from .form import DEFAULT_FORM, get_form
        return get_form(DEFAULT_FORM).model
    raise AttributeError(name)


def field_exists(path: str, model: Any) -> bool:
    """True when a dotted path names a field of a submission model (for rulebook checks)."""
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return False
        model = _model_of(fields[part].annotation)
    return True


def _model_of(annotation: Any) -> Any:
    """The pydantic model inside `X | None`, or the annotation itself."""
    for arg in getattr(annotation, "__args__", ()) or ():
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation


def read_path(obj: Any, path: str) -> Any:
    """The value at a dotted path, None where any part is absent."""
    for part in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj
