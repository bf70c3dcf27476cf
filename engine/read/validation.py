"""From a YAML document to a pydantic model, with every error in Swedish at its file line.

Shared by submissions and rulebooks: pydantic's error list becomes an InputError whose problems
name file, line, column and the dotted field path. An unknown key gets a "menade du …?" hint.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.errors import InputError, Problem

from .numbers import format_number
from .text_rules import one_line
from .yamlstrict import Document, dotted

M = TypeVar("M", bound=BaseModel)

MAX_PROBLEMS = 20


def validate(doc: Document, model: type[M], context: dict | None = None) -> M:
    try:
        return model.model_validate(doc.data, context=context)
    except ValidationError as exc:
        problems = [_problem(doc, model, err) for err in exc.errors(include_url=False)]
        problems.sort(key=lambda p: (p.line or 0, p.column or 0, p.path))
        raise InputError(doc.file, _dedupe(problems)[:MAX_PROBLEMS]) from None


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        key = (p.line, p.path, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _data_path(loc: tuple) -> tuple:
    """pydantic adds validator names ('function-after[...]', 'literal[...]') to loc; keep data keys."""
    out = []
    for part in loc:
        if isinstance(part, str) and ("[" in part and part.endswith("]") or part.startswith("function-")):
            continue
        out.append(part)
    return tuple(out)


def _problem(doc: Document, model: type[BaseModel], err: dict) -> Problem:
    path = _data_path(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        line, col = doc.locate_key(path)
        key = str(path[-1]) if path else "?"
        known = _known_keys(model, path[:-1])
        import difflib  # here: only an unknown key is given a hint

        hint = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        message = f"okänd nyckel '{key}'"
        message += f" (menade du {hint[0]}?)" if hint else (
            f"; tillåtna nycklar här: {', '.join(sorted(known))}" if known and len(known) <= 12 else "")
        return Problem(message, dotted(path), line, col)
    line, col = doc.locate(path)
    return Problem(_message(err), dotted(path), line, col)


def _known_keys(model: Any, path: tuple) -> list[str]:
    for part in path:
        if isinstance(part, int):
            continue  # a list index: the item's model is already the one found for the list
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return []
        model = _inner_model(fields[part].annotation)
    fields = getattr(model, "model_fields", None)
    return list(fields) if fields else []


def _inner_model(annotation: Any) -> Any:
    stack = [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
        stack.extend(getattr(a, "__args__", ()) or ())
    return None


def _message(err: dict) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind.startswith("kravkoll_"):
        return err["msg"]
    if kind == "missing":
        return "saknas men måste anges"
    if kind == "literal_error":
        expected = ctx.get("expected", "").replace("'", "").replace(" or ", ", ")
        return f"'{_show(got)}' är inte ett tillåtet värde; förväntade ett av: {expected}"
    if kind == "enum":
        return f"'{_show(got)}' är inte ett tillåtet värde; förväntade ett av: {ctx.get('expected')}"
    if kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt"))
        if limit == 0:
            return f"får inte vara negativt (fick {_show(got)})"
        return f"måste vara minst {limit} (fick {_show(got)})"
    if kind in ("less_than_equal", "less_than"):
        limit = ctx.get("le", ctx.get("lt"))
        if limit == 100:
            return f"en andel i procent får vara högst 100 (fick {_show(got)})"
        return f"får vara högst {limit} (fick {_show(got)})"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"förväntade ett heltal, fick '{_show(got)}'"
    if kind in ("float_type", "float_parsing"):
        return f"förväntade ett tal, fick '{_show(got)}'"
    if kind in ("string_type",):
        return f"förväntade en text, fick {_type_sv(got)}"
    if kind in ("string_too_short",):
        return "får inte vara tomt"
    if kind in ("string_too_long",):
        return f"texten är för lång (högst {ctx.get('max_length')} tecken)"
    if kind == "string_pattern_mismatch":
        return f"'{_show(got)}' har fel form (förväntat mönster {ctx.get('pattern')})"
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        return f"förväntade ett datum som 2024-02-23, fick '{_show(got)}'"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"förväntade en grupp av nycklar (en mappning), fick {_type_sv(got)}"
    if kind in ("list_type",):
        return f"förväntade en lista, fick {_type_sv(got)}"
    if kind == "bool_type" or kind == "bool_parsing":
        return f"förväntade ja eller nej, fick '{_show(got)}'"
    if kind == "frozen_instance":
        return "värdet kan inte ändras"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        if n == 1:
            return "får inte vara tom"
        return f"behöver minst {n} poster (fick {ctx.get('actual_length')})"
    if kind == "too_long":
        return f"får ha högst {ctx.get('max_length')} poster (fick {ctx.get('actual_length')})"
    if kind == "int_parsing_size":
        return f"talet är för stort, fick '{_show(got)}'"
    return f"ogiltigt värde '{_show(got)}' ({kind})"  # pydantic's own words are English


def _show(value: Any) -> str:
    # one_line: a refused value is quoted with its control characters visible, never sent raw
    text = format_number(value) if isinstance(value, float) else one_line(str(value))
    return text if len(text) <= 60 else text[:57] + "…"


def _type_sv(value: Any) -> str:
    if value is None:
        return "ett tomt värde"
    if isinstance(value, bool):
        return "ett ja/nej-värde"
    if isinstance(value, (int, float)):
        return f"talet {value}"
    if isinstance(value, str):
        return f"texten '{_show(value)}'"
    if isinstance(value, list):
        return "en lista"
    if isinstance(value, dict):
        return "en mappning"
    import datetime as dt

    if isinstance(value, dt.datetime):
        return f"tidpunkten {value.isoformat(sep=' ')}"
    if isinstance(value, dt.date):
        return f"datumet {value.isoformat()}"
    if isinstance(value, dt.time):
        return f"klockslaget {value.isoformat()}"
    return "ett värde av annat slag"  # never a Python type name in a message
