"""Evaluate rulebook expressions against a submission, keeping how each value was reached.

Arithmetic is decimal, so 3,5 of 7,0 is exactly 50 % and "mer än 50 %" is decided on the exact
value, not on a binary float near it. Every result carries the derivation a person can check
("3,2 / (7,0 − 2,0) × 100 = 64,0") and the submission fields it read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext

from pydantic import BaseModel

from engine.model.rulebook import Expr, Rulebook
from engine.model.submission import read_path
from engine.read.numbers import format_number

from .memo import ByIdentity

_SYMBOLS = {"add": "+", "sub": "−", "mul": "×", "div": "/"}
_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2}


@dataclass
class Value:
    """A computed value: None when it cannot be known, with the reason in `missing`."""

    value: Decimal | dt.date | None
    text: str  # how it reads in a derivation
    fields: list[str] = field(default_factory=list)  # submission fields read, in order
    missing: list[str] = field(default_factory=list)  # why it is unknown
    derivation: str | None = None  # for measures: the whole computation
    unit: str | None = None
    precedence: int = 3

    @property
    def known(self) -> bool:
        return self.value is not None


def to_decimal(value: object) -> Decimal:
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


_constants = ByIdentity()


class Evaluator:
    """Evaluates expressions for one submission; measures are computed once and reused."""

    def __init__(self, rulebook: Rulebook, submission: BaseModel, previous: BaseModel | None = None):
        self.rulebook = rulebook
        self.submission = submission
        self.previous = previous  # the unit's årsbokslut of the year before, when at hand
        self._measures: dict[str, Value] = {}

    def eval(self, expr: Expr) -> Value:
        if expr.value is not None or expr.param:
            return self._constant(expr)
        if expr.field:
            return self._field(expr.field)
        if expr.previous:
            return self._previous(expr.previous)
        if expr.measure:
            return self.measure(expr.measure)
        name, (a, b) = expr.operator
        return self._arith(name, self.eval(a), self.eval(b))

    def _constant(self, expr: Expr) -> Value:
        """A number written in the rule or a parameter of the rulebook: the same for every
        submission, so made once per rulebook (a Value is never changed once made)."""
        def make() -> Value:
            if expr.value is not None:
                return Value(to_decimal(expr.value), format_number(expr.value))
            p = self.rulebook.parameters[expr.param]
            v = p.value if isinstance(p.value, dt.date) else to_decimal(p.value)
            return Value(v, show(v, p.unit), unit=p.unit)

        return _constants.get((self.rulebook, expr), make)

    def _field(self, path: str) -> Value:
        return self._field_of(self.submission, path)

    @staticmethod
    def _field_of(submission: BaseModel, path: str) -> Value:
        raw = read_path(submission, path)
        if raw is None:
            return Value(None, "?", [path], [f"{path} saknas"])
        if isinstance(raw, dt.date):
            return Value(raw, raw.isoformat(), [path])
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            return Value(None, str(raw), [path], [f"{path} är inte ett tal"])
        unit = "procent" if path.endswith("_procent") else None
        return Value(to_decimal(raw), format_number(raw), [path], unit=unit)

    def _previous(self, path: str) -> Value:
        """A field of last year's årsbokslut; it is not a field of this one, so `fields` (what
        a finding points at) stays empty."""
        if self.previous is None:
            return Value(None, "?", [], [f"föregående års årsbokslut saknas ({path})"])
        got = self._field_of(self.previous, path)
        if not got.known:
            return Value(None, "?", [], [f"föregående års {m}" for m in got.missing])
        return Value(got.value, f"{got.text} (föregående år)", [], unit=got.unit)

    def measure(self, name: str) -> Value:
        if name not in self._measures:
            m = self.rulebook.measures[name]
            inner = self.eval(m.formula)
            result = Value(inner.value, show(inner.value, m.unit), inner.fields, inner.missing,
                           unit=m.unit)
            if inner.known:
                result.derivation = f"{inner.text} = {show(inner.value, m.unit)}"
            self._measures[name] = result
        return self._measures[name]

    def _arith(self, name: str, a: Value, b: Value) -> Value:
        prec = _PRECEDENCE[name]
        ta = f"({a.text})" if a.precedence < prec else a.text
        tb = f"({b.text})" if b.precedence < prec or (b.precedence == prec and name in ("sub", "div")) \
            else b.text
        text = f"{ta} {_SYMBOLS[name]} {tb}"
        fields = a.fields + [f for f in b.fields if f not in a.fields]
        missing = a.missing + b.missing
        if not a.known or not b.known:
            return Value(None, text, fields, missing, precedence=prec)
        x, y = a.value, b.value
        if isinstance(x, dt.date) or isinstance(y, dt.date):
            if name == "sub" and isinstance(x, dt.date) and isinstance(y, dt.date):
                return Value(Decimal((x - y).days), text, fields, precedence=prec)
            return Value(None, text, fields, ["datum kan bara subtraheras från datum"], precedence=prec)
        with localcontext() as ctx:
            ctx.prec = 28
            try:
                if name == "add":
                    r = x + y
                elif name == "sub":
                    r = x - y
                elif name == "mul":
                    r = x * y
                else:
                    if y == 0:
                        return Value(None, text, fields, [f"nämnaren är 0 ({b.text})"], precedence=prec)
                    r = x / y
            except InvalidOperation:
                return Value(None, text, fields, ["beräkningen gick inte att utföra"], precedence=prec)
        return Value(r, text, fields, precedence=prec)


def difference(left: Value, right: Value) -> Decimal | None:
    """left − right, in days for dates; rounded to 9 decimals so exact ties stay ties."""
    if not left.known or not right.known:
        return None
    a, b = left.value, right.value
    if isinstance(a, dt.date) != isinstance(b, dt.date):
        return None
    if isinstance(a, dt.date):
        return Decimal((a - b).days)
    diff = a - b
    if diff.adjusted() >= 18:  # 19+ whole digits: no ninth decimal to keep, and quantize
        return diff            # would need more than the context's 28 digits (InvalidOperation)
    return diff.quantize(Decimal("1e-9"))
