"""A form's fields by dotted path, with their kind (tal, datum, svar, text, lista, grupp) and the
answers an answer field can take: read from the form's questions (a library load checks every
rulebook against the forms it reads without building their pydantic models)."""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel

from .form import LoadedForm, Question, answer_tree, answer_type

NUMBER, DATE = "tal", "datum"


def _unwrap(annotation: Any) -> list[Any]:
    """The types inside Optional/Union/Annotated, flattened."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _kind(annotation: Any) -> tuple[str, tuple[str, ...]]:
    """(kind, possible answers) of a field: kind is tal, datum, svar, text, lista or grupp."""
    answers: list[str] = []
    kinds: set[str] = set()
    for t in _unwrap(annotation):
        origin = typing.get_origin(t)
        if origin is Literal:
            answers += [str(a) for a in typing.get_args(t)]
            kinds.add("svar")
        elif t is type(None):
            continue
        elif isinstance(t, type) and issubclass(t, BaseModel):
            kinds.add("grupp")
        elif origin in (list, dict) or t in (list, dict):
            kinds.add("lista")
        elif t in (int, float):
            kinds.add(NUMBER)
        elif t is dt.date:
            kinds.add(DATE)
        else:
            kinds.add("text")
    return (kinds.pop() if len(kinds) == 1 else "text"), tuple(answers)


_FORM_FIELDS: dict[str, tuple[dict, frozenset]] = {}  # by the form's content hash (sha256)


def form_fields(form: LoadedForm) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The fields of form.model, read from the form's questions without building the model (20
    classes for a form): a library load checks every rulebook against the forms it reads, and
    only the form a submission is validated with needs its model. Each answer has the kind of
    the annotation the model gives it; an `items` answer is a list, a group a group."""
    return _from_questions(form)[0]


def form_paths(form: LoadedForm) -> frozenset[str]:
    """The paths that name a field of form.model, from the questions: every group and
    answer, and the fields of the item of an `items` answer that is required or empty by
    default (the model's `list[Item]`; an optional one is `list[Item] | None`, not followed)."""
    return _from_questions(form)[1]


def _from_questions(form: LoadedForm) -> tuple[dict, frozenset]:
    if form.sha256 not in _FORM_FIELDS:
        kinds: dict[str, tuple[str, tuple[str, ...]]] = {}
        paths: set[str] = set()

        def walk(node: dict, prefix: str, top: bool) -> None:
            for name, child in node.items():
                path = prefix + name
                paths.add(path)
                if not isinstance(child, Question):
                    if top:
                        kinds[path] = ("grupp", ())
                    walk(child, path + ".", top)
                    continue
                if top:
                    kinds[path] = ("lista", ()) if child.type == "items" else \
                        _kind(answer_type(child))
                if child.type == "items" and (child.required or child.empty_default):
                    walk(answer_tree(child.items), path + ".", False)

        walk(answer_tree(form.form.questions), "", True)
        _FORM_FIELDS[form.sha256] = (kinds, frozenset(paths))
    return _FORM_FIELDS[form.sha256]
