"""Every name a rulebook uses must exist: field paths, parameters, measures, sanctions, documents.

Pydantic checks each piece of a rulebook on its own; this module checks how the pieces refer to
each other, and reports each broken reference at its line in the rulebook file.
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.errors import Problem
from engine.read.yamlstrict import Document, dotted

from .form import LoadedForm, find_form, load_forms
from .form_fields import form_paths
from .rulebook import Check, Expr, Rulebook, Scope, Source, When


def walk_expr(expr: Expr, path: tuple) -> Iterator[tuple[Expr, tuple]]:
    """Every node of an expression with its path in the rulebook file."""
    yield expr, path
    op = expr.operator
    if op:
        name, args = op
        for i, arg in enumerate(args):
            yield from walk_expr(arg, path + (name, i))


def check_parts(node: Check | When, path: tuple) -> Iterator[tuple[Check | When, tuple]]:
    """The leaves of a check or condition (any/all opened), each with its path in the file."""
    parts = node.any or node.all
    if not parts:
        yield node, path
        return
    key = "any" if node.any else "all"
    for j, part in enumerate(parts):
        yield from check_parts(part, path + (key, j))


def rule_leaves(rule, i: int) -> Iterator[tuple[Check | When, tuple]]:
    """Every comparison and answer of a rule: its check's parts and its condition's parts."""
    base = ("rules", i, "check")
    yield from check_parts(rule.check, base)
    if rule.check.required_when:
        yield from check_parts(rule.check.required_when.when, base + ("required_when", "when"))


def scope_parts(scope: Scope, path: tuple) -> Iterator[tuple[str, list[str], tuple]]:
    """(attribute field path, values, path in the file) of a scope and its any/all parts."""
    for field, values in scope.conditions():
        if scope.attributes and field in scope.attributes:
            key = ("attributes", field)
        else:
            key = ("regi",) if field == "enhet.regi" else ("tillaggsuppdrag",)
        yield field, values, path + key
    for key in ("any", "all"):
        for j, part in enumerate(getattr(scope, key) or []):
            yield from scope_parts(part, path + (key, j))


def rule_exprs(rulebook: Rulebook) -> Iterator[tuple[Expr, tuple]]:
    """Every expression in rules and measures, with its path."""
    for name, measure in rulebook.measures.items():
        yield from walk_expr(measure.formula, ("measures", name, "formula"))
    for i, rule in enumerate(rulebook.rules):
        compares = [(leaf.compare, p + ("compare",)) for leaf, p in rule_leaves(rule, i)
                    if leaf.compare is not None]
        for cmp, p in compares:
            yield from walk_expr(cmp.left, p + ("left",))
            yield from walk_expr(cmp.right, p + ("right",))
            if cmp.partial_right is not None:
                yield from walk_expr(cmp.partial_right, p + ("partial_right",))
        if rule.consequence and rule.consequence.handlingsplan_days is not None:
            yield from walk_expr(rule.consequence.handlingsplan_days,
                                 ("rules", i, "consequence", "handlingsplan_days"))
    if rulebook.followup is not None:
        yield from walk_expr(rulebook.followup.rattelse_days, ("followup", "rattelse_days"))
        if rulebook.followup.uppsagning_days is not None:
            yield from walk_expr(rulebook.followup.uppsagning_days, ("followup", "uppsagning_days"))


def rule_fields(rulebook: Rulebook) -> Iterator[tuple[str, tuple]]:
    """Every submission field path a rule reads directly, with its path in the rulebook."""
    for expr, path in rule_exprs(rulebook):
        if expr.field:
            yield expr.field, path + ("field",)
        if expr.previous:
            yield expr.previous, path + ("previous",)
    for i, rule in enumerate(rulebook.rules):
        base = ("rules", i, "check")
        c = rule.check
        for leaf, p in rule_leaves(rule, i):
            if isinstance(leaf, Check) and leaf.answer:
                yield leaf.answer.field, p + ("answer", "field")
            if isinstance(leaf, When) and leaf.answer_in and (leaf.any is None) and p != base + (
                    "required_when", "when"):
                yield leaf.answer_in.field, p + ("answer_in", "field")
        if c.all_answers:
            for j, f in enumerate(c.all_answers.fields):
                yield f, base + ("all_answers", "fields", j)
        if c.required_when:
            yield c.required_when.field, base + ("required_when", "field")
            if c.required_when.when.answer_in:
                yield c.required_when.when.answer_in.field, base + ("required_when", "when",
                                                                    "answer_in", "field")


def _sources(rulebook: Rulebook, decided: bool = False) -> Iterator[tuple[Source, tuple]]:
    """Every source in the rulebook with its path; `decided` adds the rules' decided texts."""
    for i, rule in enumerate(rulebook.rules):
        yield rule.source, ("rules", i, "source")
        if decided and rule.decided is not None:
            yield rule.decided, ("rules", i, "decided")
    for name, p in rulebook.parameters.items():
        if p.source:
            yield p.source, ("parameters", name, "source")
    for name, s in rulebook.sanctions.items():
        yield s.source, ("sanctions", name, "source")


def check_references(rulebook: Rulebook, doc: Document) -> list[Problem]:
    problems: list[Problem] = []

    def add(message: str, path: tuple) -> None:
        line, col = doc.locate(path)
        problems.append(Problem(message, dotted(path), line, col))

    seen: dict[str, int] = {}
    for i, rule in enumerate(rulebook.rules):
        if rule.id in seen:
            add(f"regel-id {rule.id} finns redan (regel nr {seen[rule.id] + 1})", ("rules", i, "id"))
        seen.setdefault(rule.id, i)
        if rule.consequence:
            target = rule.consequence.plan_for
            if target is not None and (rulebook.rule(target) is None or target == rule.id):
                add(f"plan_for: okänd regel '{target}'", ("rules", i, "consequence", "plan_for"))
            for j, s in enumerate(rule.consequence.sanctions):
                if s not in rulebook.sanctions:
                    add(f"okänd sanktion '{s}'", ("rules", i, "consequence", "sanctions", j))
            days = rule.consequence.handlingsplan_days
            if days is not None and days.param is None and days.value is None:
                add("handlingsplan_days ska vara ett tal eller en parameter",
                    ("rules", i, "consequence", "handlingsplan_days"))

    if rulebook.followup is not None:
        for key in ("late_plan_sanction", "rattelse_sanction", "innehallande_sanction"):
            name = getattr(rulebook.followup, key)
            if name is not None and name not in rulebook.sanctions:
                add(f"okänd sanktion '{name}'", ("followup", key))
        for key in ("rattelse_days", "uppsagning_days"):
            days = getattr(rulebook.followup, key)
            if days is not None and days.param is None and days.value is None:
                add(f"{key} ska vara ett tal eller en parameter", ("followup", key))

    for source, path in _sources(rulebook):
        if source.document not in rulebook.documents:
            add(f"okänt dokument '{source.document}'", path + ("document",))

    for expr, path in rule_exprs(rulebook):
        if expr.param and expr.param not in rulebook.parameters:
            add(f"okänd parameter '{expr.param}'", path + ("param",))
        if expr.measure and expr.measure not in rulebook.measures:
            add(f"okänt mått '{expr.measure}'", path + ("measure",))

    forms = _forms(rulebook, add)
    for field, path in rule_fields(rulebook):
        lacking = [f.form.id for f in forms if field not in form_paths(f)]
        if lacking and len(lacking) == len(forms):
            add(f"fältet '{field}' finns inte i årsbokslutets format", path)
        elif lacking:
            add(f"fältet '{field}' finns inte i formuläret {', '.join(lacking)}", path)
    for i, rule in enumerate(rulebook.rules):
        for field, wanted, path in scope_parts(rule.scope, ("rules", i, "scope")):
            name = field.rsplit(".", 1)[-1]
            for f in forms:
                q = f.form.question(field)
                if q is None or not q.attribute:
                    known = ", ".join(a.field for a in f.form.attributes().values())
                    add(f"scope: '{field}' är ingen enhetsuppgift i formuläret {f.form.id} "
                        f"(enhetsuppgifter: {known})", path)
                    continue
                options = q.options or []
                for value in wanted:
                    if options and value not in options:
                        add(f"scope: '{value}' är inte ett värde av {name} i formuläret {f.form.id}"
                            f" (förväntade ett av: {', '.join(options)})", path)

    problems.extend(_measure_cycles(rulebook, doc))
    return problems


def _forms(rulebook: Rulebook, add) -> list[LoadedForm]:
    """The forms the rulebook reads (`forms:`), each checked to exist."""
    known = load_forms()
    out = []
    for j, form_id in enumerate(rulebook.forms):
        found = find_form(known, form_id)
        if found is not None:
            out.append(found)
        else:
            add(f"okänt formulär '{form_id}' (kända formulär: {', '.join(sorted(known))})",
                ("forms", j))
    return out


def _measure_cycles(rulebook: Rulebook, doc: Document) -> list[Problem]:
    def deps(name: str) -> set[str]:
        m = rulebook.measures.get(name)
        if not m:
            return set()
        return {e.measure for e, _ in walk_expr(m.formula, ()) if e.measure}

    problems = []
    for start in rulebook.measures:
        stack, seen = [start], set()
        while stack:
            cur = stack.pop()
            for d in deps(cur):
                if d == start:
                    line, col = doc.locate(("measures", start))
                    problems.append(Problem(f"måttet '{start}' beror på sig självt",
                                            f"measures.{start}", line, col))
                    stack = []
                    break
                if d not in seen:
                    seen.add(d)
                    stack.append(d)
    return problems
