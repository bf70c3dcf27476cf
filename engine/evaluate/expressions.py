"""Evaluate rulebook expressions against a submission, keeping how each value was reached.

Arithmetic is decimal, so 3,5 of 7,0 is exactly 50 % and "mer än 50 %" is decided on the exact
value, not on a binary float near it. Every result carries the derivation a person can check
("3,2 / (7,0 − 2,0) × 100 = 64,0") and the submission fields it read.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from decimal import Decimal, InvalidOperation, getcontext, localcontext

from pydantic import BaseModel

from engine.model.rulebook import Expr, Rulebook
from engine.model.submission import path_parts, read_parts
from engine.read.numbers import format_number

from .memo import ByIdentity

_SYMBOLS = {"add": "+", "sub": "−", "mul": "×", "div": "/"}
_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2}


class Value:
    """A computed value: None when it cannot be known, with the reason in `missing`."""

    __slots__ = ("value", "_text", "_raw", "fields", "missing", "derivation", "unit", "precedence")

    def __init__(self, value: Decimal | dt.date | None, text: str | None,
                 fields: list[str] | None = None, missing: list[str] | None = None,
                 derivation: str | None = None, unit: str | None = None, precedence: int = 3):
        self.value = value
        self._text = text  # how it reads in a derivation
        self._raw = None  # the number as read, written as text only when the text is asked for
        self.fields = fields if fields is not None else []  # submission fields read, in order
        self.missing = missing if missing is not None else []  # why it is unknown
        self.derivation = derivation  # for measures: the whole computation
        self.unit = unit
        self.precedence = precedence

    @classmethod
    def read(cls, raw: int | float, path: str, unit: str | None) -> "Value":
        """A number read from a field: its text (format_number) is written only if a
        derivation or an expectation shows it, not for every field read."""
        made = cls(to_decimal(raw), None, [path], unit=unit)
        made._raw = raw
        return made

    @property
    def text(self) -> str:
        text = self._text
        if text is None:
            text = self._text = format_number(self._raw)
        return text

    @property
    def known(self) -> bool:
        return self.value is not None

    @property
    def raw(self) -> int | float | None:
        """The number as read from a field (Value.read), else None."""
        return self._raw

    def __repr__(self) -> str:
        return (f"Value(value={self.value!r}, text={self.text!r}, fields={self.fields!r}, "
                f"missing={self.missing!r}, derivation={self.derivation!r}, unit={self.unit!r}, "
                f"precedence={self.precedence!r})")


def to_decimal(value: object) -> Decimal:
    if type(value) is int:  # exact either way; no detour through text
        return Decimal(value)
    return Decimal(str(value))


def show(value: Decimal | dt.date | None, unit: str | None = None) -> str:
    if value is None:
        return "uppgift saknas"
    if isinstance(value, dt.date):
        return value.isoformat()
    if unit == "procent":
        text = format_number(round(float(value), 1), 1)
    elif value == value.to_integral_value():
        text = format_number(int(value))
    else:
        text = format_number(float(value))
    if unit == "procent":
        return f"{text} %"
    if unit == "dagar":
        return f"{text} dagar"
    return text


# An expression of a rulebook made once into a function of the Evaluator (the unit's values):
# what is the same for every unit (constants, parameters, field paths, the measure to compute)
# is found out once per rulebook, not for every unit.
Compiled = Callable[["Evaluator"], Value]
_compiled = ByIdentity()


def compiled(rulebook: Rulebook, expr: Expr) -> Compiled:
    """The expression as a function of an Evaluator for the rulebook, made once per rulebook."""
    return _compiled.get((rulebook, expr), lambda: _compile(rulebook, expr))


def _compile(rulebook: Rulebook, expr: Expr) -> Compiled:
    if expr.value is not None or expr.param:
        constant = _constant(rulebook, expr)  # a Value is never changed once made
        return lambda ev: constant
    if expr.field:
        return _field_reader(expr.field)
    if expr.previous:
        path = expr.previous
        return lambda ev: ev._previous(path)
    if expr.measure:
        return _measure_reader(rulebook, expr.measure)
    name, (a, b) = expr.operator
    left, right = _compile(rulebook, a), _compile(rulebook, b)
    return lambda ev: _arith(name, left(ev), right(ev))


def _constant(rulebook: Rulebook, expr: Expr) -> Value:
    """A number written in the rule or a parameter of the rulebook: the same for every unit."""
    if expr.value is not None:
        return Value(to_decimal(expr.value), format_number(expr.value))
    p = rulebook.parameters[expr.param]
    v = p.value if isinstance(p.value, dt.date) else to_decimal(p.value)
    return Value(v, show(v, p.unit), unit=p.unit)


def _field_reader(path: str) -> Compiled:
    parts, unit = path_parts(path), _unit_of(path)
    return lambda ev: _field_value(ev.submission, path, parts, unit)


def _unit_of(path: str) -> str | None:
    """A field named *_procent holds a share in per cent (shown with %)."""
    return "procent" if path.endswith("_procent") else None


def _field_value(submission: BaseModel, path: str, parts: tuple[str, ...],
                 unit: str | None) -> Value:
    raw = read_parts(submission, parts)
    if raw is None:
        return Value(None, "?", [path], [f"{path} saknas"])
    if isinstance(raw, dt.date):
        return Value(raw, raw.isoformat(), [path])
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return Value(None, str(raw), [path], [f"{path} är inte ett tal"])
    return Value.read(raw, path, unit)


def _measure_reader(rulebook: Rulebook, name: str) -> Compiled:
    m = rulebook.measures[name]
    formula, unit = _compile(rulebook, m.formula), m.unit

    def measure(ev: Evaluator) -> Value:  # computed once per unit
        got = ev._measures.get(name)
        if got is None:
            got = ev._measures[name] = _measure_value(formula(ev), unit)
        return got

    return measure


def _measure_value(inner: Value, unit: str) -> Value:
    result = Value(inner.value, show(inner.value, unit), inner.fields, inner.missing, unit=unit)
    if inner.value is not None:
        result.derivation = f"{inner.text} = {result.text}"
    return result


class Evaluator:
    """Evaluates expressions for one submission; measures are computed once and reused."""

    def __init__(self, rulebook: Rulebook, submission: BaseModel, previous: BaseModel | None = None):
        self.rulebook = rulebook
        self.submission = submission
        self.previous = previous  # the unit's årsbokslut of the year before, when at hand
        self._measures: dict[str, Value] = {}

    def _previous(self, path: str) -> Value:
        """A field of last year's årsbokslut; it is not a field of this one, so `fields` (what
        a finding points at) stays empty."""
        if self.previous is None:
            return Value(None, "?", [], [f"föregående års årsbokslut saknas ({path})"])
        got = _field_value(self.previous, path, path_parts(path), _unit_of(path))
        if not got.known:
            return Value(None, "?", [], [f"föregående års {m}" for m in got.missing])
        return Value(got.value, f"{got.text} (föregående år)", [], unit=got.unit)


def _arith(name: str, a: Value, b: Value) -> Value:
    prec = _PRECEDENCE[name]
    ta = f"({a.text})" if a.precedence < prec else a.text
    tb = f"({b.text})" if b.precedence < prec or (b.precedence == prec and name in ("sub", "div")) \
        else b.text
    text = f"{ta} {_SYMBOLS[name]} {tb}"
    fields = a.fields + [f for f in b.fields if f not in a.fields] if b.fields else a.fields[:]
    missing = a.missing + b.missing
    if a.value is None or b.value is None:
        return Value(None, text, fields, missing, precedence=prec)
    x, y = a.value, b.value
    if isinstance(x, dt.date) or isinstance(y, dt.date):
        if name == "sub" and isinstance(x, dt.date) and isinstance(y, dt.date):
            return Value(Decimal((x - y).days), text, fields, precedence=prec)
        return Value(None, text, fields, ["datum kan bara subtraheras från datum"], precedence=prec)
    try:
        if name == "div" and y == 0:
            return Value(None, text, fields, [f"nämnaren är 0 ({b.text})"], precedence=prec)
        if getcontext().prec == _DIGITS:  # the usual case: no copy of the context needed
            r = _OPERATIONS[name](x, y)
        else:
            with localcontext() as ctx:
                ctx.prec = _DIGITS
                r = _OPERATIONS[name](x, y)
    except InvalidOperation:
        return Value(None, text, fields, ["beräkningen gick inte att utföra"], precedence=prec)
    return Value(r, text, fields, precedence=prec)


_DIGITS = 28
_OPERATIONS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
               "div": operator.truediv}


_NINE_DECIMALS = Decimal("1e-9")


def difference(left: Value, right: Value) -> Decimal | None:
    """left − right, in days for dates; rounded to 9 decimals so exact ties stay ties."""
    a, b = left.value, right.value
    if a is None or b is None:
        return None
    if type(a) is Decimal and type(b) is Decimal:  # the usual case, as the last lines below
        diff = a - b
        return diff if diff.adjusted() >= 18 else diff.quantize(_NINE_DECIMALS)
    if isinstance(a, dt.date) != isinstance(b, dt.date):
        return None
    if isinstance(a, dt.date):
        return Decimal((a - b).days)
    diff = a - b
    if diff.adjusted() >= 18:  # 19+ whole digits: no ninth decimal to keep, and quantize
        return diff            # would need more than the context's 28 digits (InvalidOperation)
    return diff.quantize(_NINE_DECIMALS)
