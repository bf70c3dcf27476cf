"""Every value a rule uses must have the type its place needs: a rulebook that passes its schema
and its references can still compare a date with a number, ask for the answer 'ja' from a
number field, or count days with a date. Such a rule cannot be evaluated (it used to end in an
internal error, or in a finding that is always 'missing'); it is refused when the rulebook is
read, at its line, naming its rule, and `kravkoll lint` reports the same.

Types: a field, parameter, measure or arithmetic is a number (tal) or a date (datum). An answer
field (ja/nej, helt/delvis/nej …) is neither: it is read by answer, all_answers and answer_in,
which list values the field can take. The fields and their types are those of the forms the
rulebook reads (forms/<region>/<form>.yaml). `previous` (last year's answer) has its field's type.
any/all parts of checks and conditions are checked each as a check of its own; a scope's values
are checked against the form by rulebook_refs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from engine.errors import Problem
from engine.read.yamlstrict import Document, dotted

from .form import find_form, load_forms
from .form_fields import DATE, NUMBER, form_fields
from .rulebook import Check, Compare, Expr, Rulebook, When
from .rulebook_refs import check_parts, rule_exprs, scope_parts

ANSWER_CODE, TYPE_CODE = "svarsvarde", "typ"  # lint's codes for the two families
MAX_DAYS = 3650  # a frist in days: ten years is already far beyond any contract
_GROWING, _FALLING = {">", ">="}, {"<", "<="}
_OP_NAMES = {"add": "adderas", "mul": "multipliceras", "div": "divideras"}
_UNIT_RANGES = {"procent": (0, 100), "dagar": (0, MAX_DAYS), "antal": (0, None), "kr": (0, None)}


# --- The submission's fields, by kind ------------------------------------------------------------


def rulebook_fields(rulebook: Rulebook) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The fields of the forms a rulebook reads (`forms:`; unknown forms are reported by
    check_references). A field of one kind in every form that has it keeps that kind, and an
    answer field the answers of all its forms (a value any form allows can occur); a field whose
    kind differs between the forms is left out: its type is not known."""
    known = load_forms()
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    mixed: set[str] = set()
    for form_id in rulebook.forms:
        form = find_form(known, form_id)
        if form is None:
            continue
        for path, (kind, answers) in form_fields(form).items():
            if path not in out:
                out[path] = (kind, answers)
            elif out[path][0] != kind:
                mixed.add(path)
            else:
                out[path] = (kind, tuple(dict.fromkeys(out[path][1] + answers)))
    return {p: v for p, v in out.items() if p not in mixed}


_KIND_WORDS = {"text": "ett textfält", "lista": "en lista", "grupp": "en grupp av fält",
               "svar": "ett svarsfält", NUMBER: "ett tal", DATE: "ett datum"}


# --- Checking -----------------------------------------------------------------------------------


class _Checker:
    def __init__(self, rulebook: Rulebook, doc: Document):
        self.book = rulebook
        self.doc = doc
        self.out: list[tuple[str, Problem]] = []
        self._measures: dict[str, str | None] = {}
        self.rule: str | None = None  # id of the rule being checked, named in every message
        self.fields = rulebook_fields(rulebook)

    def add(self, message: str, path: tuple, code: str = TYPE_CODE) -> None:
        line, col = self.doc.locate(path)
        if self.rule:
            message = f"regel {self.rule}: {message}"
        self.out.append((code, Problem(message, dotted(path), line, col)))

    # Expressions

    def type_of(self, expr: Expr, path: tuple) -> str | None:
        """tal or datum; None when unknown (an unknown name, reported by check_references) or
        already reported here."""
        if expr.value is not None:
            return NUMBER
        if expr.field:
            return self._field(expr.field, path + ("field",))
        if expr.previous:  # last year's answer has this year's type
            return self._field(expr.previous, path + ("previous",))
        if expr.param:
            p = self.book.parameters.get(expr.param)
            return None if p is None else DATE if isinstance(p.value, dt.date) else NUMBER
        if expr.measure:
            return self.measure(expr.measure)
        name, (a, b) = expr.operator
        ta, tb = self.type_of(a, path + (name, 0)), self.type_of(b, path + (name, 1))
        if name == "div" and self._constant(b) == 0:
            self.add("division med noll (nämnaren är alltid 0)", path + (name, 1))
            return None
        if ta is None or tb is None:
            return None
        if ta == tb == NUMBER:
            return NUMBER
        if name == "sub" and ta == tb == DATE:
            return NUMBER  # days between two dates
        at = path + (name, 0 if ta == DATE else 1)  # the date is what does not fit
        if name == "sub":
            self.add(f"{ta} minus {tb} går inte att räkna: ett datum kan bara dras från ett "
                     "datum (det ger antal dagar)", at)
        else:
            self.add(f"ett datum kan inte {_OP_NAMES[name]}; bara sub (datum minus datum) "
                     "räknar med datum", at)
        return None

    def _field(self, field: str, path: tuple) -> str | None:
        if field not in self.fields:
            return None
        kind, _ = self.fields[field]
        if kind in (NUMBER, DATE):
            return kind
        self.add(f"fältet '{field}' är inget tal eller datum utan {_KIND_WORDS[kind]} och kan "
                 "inte jämföras eller räknas med" + (" (använd answer)" if kind == "svar" else ""),
                 path, ANSWER_CODE)
        return None

    def measure(self, name: str) -> str | None:
        if name not in self.book.measures:
            return None
        if name not in self._measures:
            self._measures[name] = None  # a cycle (reported by check_references) stays unknown
            rule, self.rule = self.rule, None
            self._measures[name] = self.type_of(self.book.measures[name].formula,
                                                ("measures", name, "formula"))
            self.rule = rule
        return self._measures[name]

    def _constant(self, expr: Expr):
        """The value of a literal or a parameter; None for anything read from a submission."""
        if expr.value is not None:
            return expr.value
        if expr.param and expr.param in self.book.parameters:
            return self.book.parameters[expr.param].value
        return None

    # Conditions

    def compare(self, cmp: Compare, path: tuple) -> None:
        left = self.type_of(cmp.left, path + ("left",))
        sides = [("right", cmp.right)]
        if cmp.partial_right is not None:
            sides.append(("partial_right", cmp.partial_right))
        for key, expr in sides:
            other = self.type_of(expr, path + (key,))
            if left is not None and other is not None and other != left:
                self.add(f"jämför {'ett datum' if left == DATE else 'ett tal'} (left) med "
                         f"{'ett datum' if other == DATE else 'ett tal'} ({key}); jämför datum "
                         "med datum och tal med tal", path + (key,))
        if cmp.partial_op is None:
            return
        if (cmp.op in _GROWING and cmp.partial_op in _FALLING) or (
                cmp.op in _FALLING and cmp.partial_op in _GROWING):
            self.add(f"partial_op '{cmp.partial_op}' går åt motsatt håll mot op '{cmp.op}': "
                     "delvis uppfyllt ska vara en svagare gräns åt samma håll", path + ("partial_op",))
            return
        main, weak = self._constant(cmp.right), self._constant(cmp.partial_right)
        if main is None or weak is None or isinstance(main, dt.date) != isinstance(weak, dt.date):
            return
        if _empty_band(cmp.op, main, cmp.partial_op, weak):
            self.add(f"partial_right ({weak}) är ingen svagare gräns än right ({main}); "
                     "utfallet delvis kan aldrig inträffa", path + ("partial_right",))

    def answers(self, field: str, fpath: tuple, lists: list[tuple[list[str], tuple]]) -> None:
        """An answer field, and values it can take, each once."""
        if field not in self.fields:
            return
        kind, allowed = self.fields[field]
        if kind != "svar":
            self.add(f"fältet '{field}' är inget svarsfält (ja/nej, helt/delvis/nej …) utan "
                     f"{_KIND_WORDS[kind]}" + ("; använd compare för tal och datum"
                                               if kind in (NUMBER, DATE) else ""),
                     fpath, ANSWER_CODE)
            return
        seen: dict[str, tuple] = {}
        for values, vpath in lists:
            for k, v in enumerate(values):
                if v not in allowed:
                    self.add(f"'{v}' är inget möjligt svar i fältet '{field}' (möjliga svar: "
                             f"{', '.join(sorted(allowed))}); regeln kan aldrig ge det utfallet",
                             vpath + (k,), ANSWER_CODE)
                elif v in seen and seen[v] is not vpath:
                    self.add(f"'{v}' står både i {seen[v][-1]} och i {vpath[-1]}; ett svar kan "
                             "bara ge ett utfall", vpath + (k,), ANSWER_CODE)
                elif v in seen:
                    self.add(f"'{v}' står två gånger", vpath + (k,), ANSWER_CODE)
                seen.setdefault(v, vpath)

    def days(self, expr: Expr, path: tuple, what: str) -> None:
        """A frist in days: a whole, non-negative number of days, literal or a dagar parameter."""
        if expr.param and expr.param in self.book.parameters:
            p = self.book.parameters[expr.param]
            if p.unit != "dagar":
                self.add(f"{what} pekar på parametern '{expr.param}', som är "
                         f"{'ett datum' if p.unit == 'datum' else 'i ' + p.unit}; "
                         "ange en parameter i dagar", path + ("param",))
            return  # its value is checked with the parameters
        if expr.value is not None and not _whole(expr.value, 0, MAX_DAYS):
            self.add(f"{what} ska vara ett helt antal dagar, 0–{MAX_DAYS} (fick {expr.value:g})",
                     path + ("value",))


def _empty_band(op: str, main, partial_op: str, weak) -> bool:
    """True when no value fails `op main` and meets `partial_op weak` (op <, <=, > or >=)."""
    if partial_op == "!=" or op not in _GROWING | _FALLING:
        return False
    inclusive = partial_op in (">=", "<=", "==")  # the partial bound itself can be met
    strict = op in (">", "<")  # failing the main bound includes the bound itself
    if weak == main:
        return not (strict and inclusive)
    return weak > main if op in _GROWING else weak < main


def _whole(value, low: float, high: float | None) -> bool:
    return float(value).is_integer() and value >= low and (high is None or value <= high)


def check_types(rulebook: Rulebook, doc: Document) -> list[tuple[str, Problem]]:
    """(lint code, problem) for every value whose type does not fit where it is used."""
    c = _Checker(rulebook, doc)
    users: dict[str, list[str]] = {}
    for expr, path in rule_exprs(rulebook):
        if expr.param and path[0] == "rules":
            ids = users.setdefault(expr.param, [])
            rule_id = rulebook.rules[path[1]].id
            if rule_id not in ids:
                ids.append(rule_id)
    for name, p in rulebook.parameters.items():
        before = len(c.out)
        _parameter(c, name, p)
        if len(c.out) > before and users.get(name):
            code, problem = c.out[-1]
            shown = users[name][:4] + (["…"] if len(users[name]) > 4 else [])
            problem.message += f"; parametern används av regel {', '.join(shown)}"
    for name in rulebook.measures:
        if c.measure(name) == DATE:
            c.add(f"måttet '{name}' blir ett datum; ett mått ska vara ett tal "
                  f"({rulebook.measures[name].unit})", ("measures", name, "formula"))
    for i, rule in enumerate(rulebook.rules):
        c.rule = rule.id
        _rule(c, rule, ("rules", i))
    c.rule = None
    if rulebook.followup is not None:
        f = rulebook.followup
        c.days(f.rattelse_days, ("followup", "rattelse_days"), "rattelse_days")
        if f.uppsagning_days is not None:
            c.days(f.uppsagning_days, ("followup", "uppsagning_days"), "uppsagning_days")
        withheld = rulebook.sanctions.get(f.innehallande_sanction) if f.innehallande_sanction else None
        if withheld is not None and withheld.kind != "innehallande":
            c.add(f"innehallande_sanction '{f.innehallande_sanction}' har inte kind: innehallande",
                  ("followup", "innehallande_sanction"))
        ids = [t.id for t in f.forelaggande_triggers]
        if len(set(ids)) != len(ids):
            c.add("samma utlösare står två gånger i forelaggande_triggers",
                  ("followup", "forelaggande_triggers"))
        late, rattelse = rulebook.sanctions.get(f.late_plan_sanction), rulebook.sanctions.get(
            f.rattelse_sanction)
        if late is not None and late.interval != "vecka":
            c.add(f"late_plan_sanction '{f.late_plan_sanction}' är inget vite per vecka; en sen "
                  "handlingsplan räknas i veckor (ange en sanktion med interval: vecka)",
                  ("followup", "late_plan_sanction"))
        if rattelse is not None and rattelse.kind != "vite":
            c.add(f"rattelse_sanction '{f.rattelse_sanction}' är inget vite",
                  ("followup", "rattelse_sanction"))
        if rattelse is not None and rattelse.interval is not None:
            c.add(f"rattelse_sanction '{f.rattelse_sanction}' är ett vite per {rattelse.interval}; "
                  "vitet efter ett föreläggande är ett belopp per brist (utan interval)",
                  ("followup", "rattelse_sanction"))
    return c.out


def _parameter(c: _Checker, name: str, p) -> None:
    path = ("parameters", name, "value")
    is_date = isinstance(p.value, dt.date)
    if is_date != (p.unit == "datum"):
        c.add(f"parametern har enheten {p.unit} men värdet är "
              f"{'ett datum' if is_date else 'ett tal'}", path)
        return
    low, high = _UNIT_RANGES.get(p.unit, (None, None))
    if is_date or low is None:
        return
    if p.unit == "dagar" and not _whole(p.value, low, high):
        c.add(f"ett antal dagar ska vara ett heltal, 0–{high} (fick {p.value:g})", path)
    elif p.value < low or (high is not None and p.value > high):
        c.add(f"ett värde i {p.unit} ska vara " + (f"{low}–{high}" if high is not None else
                                                   f"minst {low}") + f" (fick {p.value:g})", path)


def _rule(c: _Checker, rule, base: tuple) -> None:
    path = base + ("check",)
    for leaf, p in check_parts(rule.check, path):  # a check, or each part of its any/all
        _check(c, leaf, p)
    for field, values, p in scope_parts(rule.scope, base + ("scope",)):
        _scope_values(c, field, values, p)
    cons = rule.consequence
    if cons is not None and cons.handlingsplan_days is not None:
        c.days(cons.handlingsplan_days, base + ("consequence", "handlingsplan_days"),
               "handlingsplan_days")
    target = c.book.rule(cons.plan_for) if cons is not None and cons.plan_for else None
    if target is not None and target.id != rule.id and (
            target.kind != "krav" or target.consequence is None
            or target.consequence.handlingsplan_days is None):
        c.add(f"plan_for pekar på {target.id}, som inte är ett krav med handlingsplan "
              "(handlingsplan_days); planen som efterfrågas finns inte", base + ("consequence",
                                                                                "plan_for"))


def _check(c: _Checker, chk: Check, path: tuple) -> None:
    if chk.compare:
        c.compare(chk.compare, path + ("compare",))
    if chk.answer:
        a, p = chk.answer, path + ("answer",)
        c.answers(a.field, p + ("field",), [(a.pass_, p + ("pass",)), (a.partial, p + ("partial",))])
    if chk.all_answers:
        a, p = chk.all_answers, path + ("all_answers",)
        seen: set[str] = set()
        for j, f in enumerate(a.fields):
            if f in seen:
                c.add(f"fältet '{f}' står två gånger", p + ("fields", j), ANSWER_CODE)
            seen.add(f)
            c.answers(f, p + ("fields", j), [(a.pass_, p + ("pass",))])
    if chk.required_when:
        rw, p = chk.required_when, path + ("required_when",)
        for when, wp in check_parts(rw.when, p + ("when",)):  # a condition, or its any/all parts
            _when(c, when, wp)
        if rw.field in c.fields and c.fields[rw.field][0] == "grupp":
            c.add(f"fältet '{rw.field}' är en grupp av fält; ange det fält som ska vara ifyllt",
                  p + ("field",))


def _when(c: _Checker, when: When, path: tuple) -> None:
    if when.compare:
        c.compare(when.compare, path + ("compare",))
    elif when.answer_in:
        a = when.answer_in
        c.answers(a.field, path + ("answer_in", "field"), [(a.in_, path + ("answer_in", "in"))])


def _scope_values(c: _Checker, field: str, values: list[str], path: tuple) -> None:
    """A scope's values of one attribute, each once (that they are options of the attribute,
    and the attribute one the form declares, is checked by check_references)."""
    seen: set[str] = set()
    for k, v in enumerate(values):
        if v in seen:
            c.add(f"'{v}' står två gånger", path + (k,), ANSWER_CODE)
        seen.add(v)


def name_rule(message: str, path: str, data: Any) -> str:
    """A message about something inside a rule begins with that rule's id ("regel JHV-BEM-01:
    ..."), read from the file as written, so that even a rule that fails its schema is named."""
    rule_id = _rule_id_at(path, data.get("rules") if isinstance(data, dict) else None)
    if rule_id is None or message.startswith("regel "):
        return message
    return f"regel {rule_id}: {message}"


def rule_problems(problems: Iterable[Problem], data: Any) -> list[Problem]:
    """The problems, each once, those inside a rule naming it (name_rule)."""
    out, seen = [], set()
    for p in problems:
        named = Problem(name_rule(p.message, p.path, data), p.path, p.line, p.column)
        key = (named.path, named.line, named.message)
        if key not in seen:
            seen.add(key)
            out.append(named)
    return out


def _rule_id_at(path: str, rules: Any) -> str | None:
    if not path.startswith("rules[") or not isinstance(rules, list):
        return None
    index = path[len("rules["):].split("]", 1)[0]
    if not index.isdigit() or int(index) >= len(rules) or not isinstance(rules[int(index)], dict):
        return None
    rule_id = rules[int(index)].get("id")
    return rule_id if isinstance(rule_id, str) and rule_id else None
