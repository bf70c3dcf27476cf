"""`kravkoll lint`: check rulebooks beyond their schema, the way yamllint checks YAML.

Each check is a small function over one rulebook (or over the rulebooks of one region) that
yields messages with file, line and field. Errors make `kravkoll lint` exit 1; warnings alone
do not.

Checks on one rulebook:
- schema: the rulebook validates against its format (engine/model/rulebook.py).
- referens: every field, parameter, measure, sanction and document a rule names exists; rule ids
  are unique (engine/model/rulebook_refs.py).
- svarsvarde: an answer rule only lists values the submission field can take; `pass: [yes]` on a
  ja/nej field can never pass. A compare rule reads numbers or dates, not answers or text.
- typ: dates are compared with dates and numbers with numbers, days are whole days of a dagar
  parameter, a parameter's value fits its unit (engine/model/rulebook_types.py).
  Loading a rulebook refuses the same (schema, referens, svarsvarde, typ), so a rulebook with
  such an error stops every command with exit 2; lint lists them all.
- citat: every source has a quote (not empty, not a placeholder).
- foljd: every krav has a consequence with a handlingsplan, a plan_for or a sanction.
- oanvand: every parameter, measure, sanction and document is used (warning).
- beslut: a krav, or a rule with handlingsplan or vite, rests on decided text, not only on a
  proposal or a sammanställning (engine/model/rulebook_policy.py; also refused on load).
- inlamning: a submission deadline lies after the end of the rulebook's period (also on load).
- grund: no krona and no right without a decided basis (engine/model/rulebook_policy.py).
  Error (also on load): a rule with handlingsplan or vite whose level is only the rulebook's
  proposal, a sanction quoted from a proposal. Warning, per parameter: a deadline, time or frist
  that kronor or rights would be computed from is only a proposal and needs the region's
  decision (beslut under the parameter).
- antagande: every choice the sources leave open is stated: a source read as stating the
  förfrågningsunderlag's krav (formular_aterger_krav, aterger_fu) has an assumption; a weekly
  sanction (how weeks count, from which day) and a sanction quoted from a document that is not
  the decided text have one; every followup setting has one under followup.assumptions.
- tal: a number in a rule's quote, or a parameter's or sanction's own quote, matches the value
  used, unit for unit (quote "mer än 50%", parameter 60 → warning).

Checks across the rulebooks of one region and vårdval:
- overlapp: validity periods do not overlap.
- glapp: no unintended gap between consecutive validity periods (a gap is allowed when the
  folder's kravkoll.yaml lists its years under allowed_gaps, with a reason).
- id: a rule id keeps its kind and title from one rulebook to the next (warning).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from engine import identity
from engine.errors import InputError, Problem
from engine.model.library import LoadedRulebook, region_of, rulebook_files
from engine.model.rulebook import READINGS, Rulebook, Source
from engine.model.rulebook_layers import resolve
from engine.model.rulebook_policy import (early_deadlines, undecided_rules, undecided_values,
                                         unfounded_sanctions)
from engine.model.rulebook_refs import _sources, check_references, rule_exprs
from engine.model.rulebook_types import check_types, name_rule, rule_problems
from engine.output import dumps_json
from engine.read.numbers import format_number
from engine.read.validation import validate
from engine.read.yamlstrict import dotted, load_file

from .casefiles import FolderSettings, Settings, load_settings

ERROR, WARNING = "fel", "varning"
PLACEHOLDERS = {"todo", "tbd", "xxx", "...", "…", "-", "citat", "?"}


@dataclass(frozen=True, order=True)
class Message:
    file: str
    line: int
    path: str
    severity: str
    code: str
    text: str

    def render(self) -> str:
        field = f" fält '{self.path}':" if self.path else ""
        return f"{self.file}:{self.line}:{field} {self.severity}: {self.text} [{self.code}]"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "field": self.path,
                "severity": "error" if self.severity == ERROR else "warning",
                "code": self.code, "message": self.text}


@dataclass
class LintReport:
    files: list[str]
    messages: list[Message]

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.severity == ERROR]

    @property
    def warnings(self) -> list[Message]:
        return [m for m in self.messages if m.severity == WARNING]


class _Collector:
    def __init__(self, book: LoadedRulebook):
        self.book = book
        self.out: list[Message] = []

    def add(self, severity: str, code: str, text: str, path: tuple, key: bool = False) -> None:
        doc = self.book.doc
        line = (doc.locate_key(path) if key else doc.locate(path))[0] or 1
        field = dotted(path)
        self.out.append(Message(self.book.path, line, field, severity, code,
                                name_rule(text, field, doc.data)))


# --- Checks on one rulebook -------------------------------------------------------------------

def check_quotes(c: _Collector) -> None:
    m = c.book.model
    sources = [(r.source, ("rules", i, "source")) for i, r in enumerate(m.rules)]
    sources += [(p.source, ("parameters", n, "source")) for n, p in m.parameters.items() if p.source]
    sources += [(s.source, ("sanctions", n, "source")) for n, s in m.sanctions.items()]
    for src, path in sources:
        q = src.quote.strip().strip('"»«”').strip().lower()
        if not q or q in PLACEHOLDERS:
            c.add(ERROR, "citat", "källan saknar ett ordagrant citat ur dokumentet",
                  path + ("quote",))


def check_consequences(c: _Collector) -> None:
    for i, rule in enumerate(c.book.model.rules):
        if rule.kind != "krav":
            continue
        cons = rule.consequence
        if cons is None:
            c.add(ERROR, "foljd", "ett krav måste ha en consequence", ("rules", i, "id"))
        elif cons.handlingsplan_days is None and not cons.sanctions and cons.plan_for is None:
            c.add(ERROR, "foljd", "kravets följd har varken handlingsplan (handlingsplan_days), "
                  "plan_for eller sanktion", ("rules", i, "consequence"))


def check_unused(c: _Collector) -> None:
    m = c.book.model
    params = {e.param for e, _ in rule_exprs(m) if e.param}
    measures = {e.measure for e, _ in rule_exprs(m) if e.measure}
    sanctions = {s for r in m.rules if r.consequence for s in r.consequence.sanctions}
    if m.followup:
        sanctions |= {m.followup.late_plan_sanction, m.followup.rattelse_sanction,
                      m.followup.innehallande_sanction}
    documents = {r.source.document for r in m.rules}
    documents |= {r.decided.document for r in m.rules if r.decided is not None}
    documents |= {p.source.document for p in m.parameters.values() if p.source}
    documents |= {s.source.document for s in m.sanctions.values()}
    for kind, names, used, label in (("parameters", m.parameters, params, "parametern"),
                                     ("measures", m.measures, measures, "måttet"),
                                     ("sanctions", m.sanctions, sanctions, "sanktionen"),
                                     ("documents", m.documents, documents, "dokumentet")):
        for name in names:
            if name not in used:
                c.add(WARNING, "oanvand", f"{label} '{name}' används inte av någon regel "
                      "eller av followup",
                      (kind, name), key=True)


def check_policy(c: _Collector) -> None:
    m = c.book.model
    for code, problems in (("beslut", undecided_rules(m)), ("inlamning", early_deadlines(m)),
                           ("grund", unfounded_sanctions(m))):
        for message, path in problems:
            c.add(ERROR, code, message, path)
    for message, path in undecided_values(m):
        c.add(WARNING, "grund", message, path, key=True)


def _all_sources(m: Rulebook):
    return _sources(m, decided=True)


FOLLOWUP_KEYS = ("late_plan_sanction", "rattelse_days", "rattelse_sanction")
# Settings that need a stated reason when they are set (the escalation of issue 11) …
FOLLOWUP_OPTIONAL = ("innehallande_sanction", "uppsagning_days", "vite_per", "forelaggande_triggers")
# … and the kravliggare's other readings of 4.7 Kravuppfyllnad, which are not settings.
FOLLOWUP_READINGS = ("handling_per_beslut", "plan_for_foljer_kravet", "listningsvite_start",
                     "samma_inlamnad", "komplettering", "forsenad_handling", "beslutad_grund")


def check_assumptions(c: _Collector) -> None:
    m = c.book.model
    for src, path in _all_sources(m):
        if src.status in READINGS and not src.assumption:
            c.add(ERROR, "antagande", f"källan läses som förfrågningsunderlagets krav "
                  f"(status {src.status}); skriv tolkningen under assumption", path + ("status",))
    for name, s in m.sanctions.items():
        if s.assumption:
            continue
        if s.interval == "vecka":
            c.add(ERROR, "antagande", f"sanktionen '{name}' räknas per vecka men källan säger inte "
                  "hur veckor räknas eller från vilken dag; skriv valet under assumption",
                  ("sanctions", name), key=True)
        elif m.source_status(s.source) != "beslutad" and not s.source.assumption:
            c.add(ERROR, "antagande", f"sanktionen '{name}' citeras ur {s.source.document}, som inte "
                  "är beslutad text för regelbokens period; skriv under assumption varför den "
                  "antas gälla", ("sanctions", name), key=True)
    if m.followup is not None:
        given = m.followup.assumptions
        required = FOLLOWUP_KEYS + tuple(k for k in FOLLOWUP_OPTIONAL
                                         if k in m.followup.model_fields_set)
        known = FOLLOWUP_KEYS + FOLLOWUP_OPTIONAL + FOLLOWUP_READINGS
        for key in required:
            if key not in given:
                c.add(ERROR, "antagande", f"followup.{key} är regelbokens val (förfrågningsunderlaget "
                      "lämnar steget åt regionen); skriv skälet under followup.assumptions."
                      f"{key}", ("followup", key))
        for key in given:
            if key not in known:
                c.add(ERROR, "antagande", f"followup.assumptions.{key}: okänd inställning (möjliga: "
                      f"{', '.join(known)})", ("followup", "assumptions", key), key=True)


# Numbers as the sources write them ("50%", "≥ 65 procent", "30 dagar", "5 000 kr"), by the
# parameter unit they would be compared with.
_NUMBER = r"(\d{1,3}(?:[ \u00a0]\d{3})+|\d+(?:,\d+)?)"
_UNIT_WORDS = {"procent": r"\s*(?:%|procent)", "dagar": r"\s*dag(?:ar)?\b", "kr": r"\s*kr\b"}


def quoted_numbers(quote: str, unit: str) -> set[float]:
    pattern = _UNIT_WORDS.get(unit)
    if pattern is None:
        return set()
    return {float(n.replace(" ", "").replace("\u00a0", "").replace(",", "."))
            for n in re.findall(_NUMBER + pattern, quote)}


def _differs(src: Source, value, unit: str) -> set[float] | None:
    numbers = quoted_numbers(src.quote, unit)
    if numbers and float(value) not in numbers:
        return numbers
    return None


def check_numbers(c: _Collector) -> None:
    m = c.book.model

    def warn(where: str, numbers: set[float], value, unit: str, path: tuple) -> None:
        said = ", ".join(format_number(n) for n in sorted(numbers))
        c.add(WARNING, "tal", f"{where} säger {said} ({unit}) men värdet är {format_number(value)}; "
              "stämmer citatet och värdet?", path)

    for name, p in m.parameters.items():
        if p.source and not isinstance(p.value, dt.date):
            numbers = _differs(p.source, p.value, p.unit)
            if numbers:
                warn("parameterns citat", numbers, p.value, p.unit, ("parameters", name, "value"))
    for name, s in m.sanctions.items():
        for key in ("amount_kr", "cap_kr"):
            value = getattr(s, key)
            if value is not None and (numbers := _differs(s.source, value, "kr")):
                warn("sanktionens citat", numbers, value, "kr", ("sanctions", name, key))
    for i, rule in enumerate(m.rules):
        cmp = rule.check.compare or (rule.check.required_when.when.compare
                                     if rule.check.required_when else None)
        if cmp is None:
            continue
        for side in ("left", "right", "partial_right"):
            e = getattr(cmp, side)
            if e is None or not e.param or e.param not in m.parameters:
                continue
            p = m.parameters[e.param]
            if isinstance(p.value, dt.date):
                continue
            numbers = _differs(rule.source, p.value, p.unit)
            if numbers:
                warn(f"{rule.id}:s citat", numbers, p.value, p.unit, ("rules", i, "source", "quote"))


BOOK_CHECKS = (check_quotes, check_consequences, check_unused, check_policy, check_assumptions,
               check_numbers)


# --- Checks across the rulebooks of a region --------------------------------------------------


def _msg(book: LoadedRulebook, path: tuple, severity: str, code: str, text: str) -> Message:
    return Message(book.path, book.doc.locate(path)[0] or 1, dotted(path), severity, code, text)


def check_periods(books: list[LoadedRulebook], settings: dict[str, Settings]) -> Iterator[Message]:
    declared_used: set[tuple[str, int]] = set()
    for group in _regions(books):
        for a, b in zip(group, group[1:]):
            if b.model.valid_from <= a.model.valid_to:
                yield _msg(b, ("valid_from",), ERROR, "overlapp",
                           f"{b.path} ({b.model.valid_from}–{b.model.valid_to}) överlappar {a.path} "
                           f"({a.model.valid_from}–{a.model.valid_to}) för {b.model.region}")
                continue
            start, end = a.model.valid_to + dt.timedelta(days=1), b.model.valid_from - dt.timedelta(days=1)
            if start > end:
                continue
            s = settings[str(Path(b.path).parent)]
            years = range(start.year, end.year + 1)
            missing = [y for y in years if not s.model.gap_allowed(y)]
            declared_used.update((str(Path(b.path).parent), y) for y in years)
            if missing:
                yield _msg(b, ("valid_from",), ERROR, "glapp",
                           f"ingen regelbok för {b.model.region} gäller {start}–{end} (mellan "
                           f"{a.path} och {b.path}); är glappet avsiktligt, ange "
                           f"{', '.join(map(str, missing))} under allowed_gaps i kravkoll.yaml")
    for folder, s in sorted(settings.items()):
        if s.doc is None:
            continue
        for i, gap in enumerate(s.model.allowed_gaps):
            if (folder, gap.year) not in declared_used:
                line = s.doc.locate(("allowed_gaps", i, "year"))[0] or 1
                yield Message(s.path, line, f"allowed_gaps[{i}].year", WARNING, "glapp",
                              f"{gap.year} står som tillåtet glapp, men det finns inget glapp "
                              "det året mellan regelböckerna")


def check_ids(books: list[LoadedRulebook]) -> Iterator[Message]:
    for group in _regions(books):
        for a, b in zip(group, group[1:]):
            for i, rule in enumerate(b.model.rules):
                old = a.model.rule(rule.id)
                if old is None:
                    continue
                if old.kind != rule.kind:
                    yield _msg(b, ("rules", i, "kind"), WARNING, "id",
                               f"regel {rule.id} var {old.kind} i {a.model.id} men är {rule.kind} "
                               "här; ge regeln ett nytt id om den betyder något annat")
                if old.title != rule.title:
                    yield _msg(b, ("rules", i, "title"), WARNING, "id",
                               f"regel {rule.id} hade titeln '{old.title}' i {a.model.id}; "
                               "ge regeln ett nytt id om den betyder något annat")


def _regions(books: list[LoadedRulebook]) -> list[list[LoadedRulebook]]:
    groups: dict[tuple[str, str], list[LoadedRulebook]] = {}
    for b in books:
        groups.setdefault(region_of(b), []).append(b)
    return [sorted(g, key=lambda b: (b.model.valid_from, b.path)) for _, g in sorted(groups.items())]


# --- Running -------------------------------------------------------------------------------


def _load(path: Path) -> tuple[LoadedRulebook | None, list[Message]]:
    """The rulebook and what loading it refuses (the checks of library.load_rulebook)."""
    name = str(path)
    try:
        doc = resolve(load_file(path))
    except InputError as exc:
        return None, _messages(exc.problems, "schema", exc.file or name, None)
    try:
        model = validate(doc, Rulebook)
    except InputError as exc:
        return None, _messages(exc.problems, "schema", exc.file or name, doc.data)
    book = LoadedRulebook(model, name, doc.sha256, doc)
    out = _messages(check_references(model, doc), "referens", name, doc.data)
    for code, problem in check_types(model, doc):
        out += _messages([problem], code, name, doc.data)
    return book, out


def _messages(problems: list[Problem], code: str, file: str, data) -> list[Message]:
    return [Message(file, p.line or 1, p.path, ERROR, code, p.message)
            for p in rule_problems(problems, data)]


def lint_book(book: LoadedRulebook) -> list[Message]:
    c = _Collector(book)
    for check in BOOK_CHECKS:
        check(c)
    return c.out


def lint(paths: list[str]) -> LintReport:
    files: list[Path] = []
    for p in paths:
        if not Path(p).exists():
            raise InputError.single(p, "finns inte (ange en regelboksmapp eller en regelbok)")
        files.extend(rulebook_files(p))
    files = sorted(set(files))
    if not files:
        raise InputError.single(", ".join(paths), "inga regelböcker (*.yaml) att granska")
    messages: list[Message] = []
    books: list[LoadedRulebook] = []
    for f in files:
        book, problems = _load(f)
        messages.extend(problems)
        if book is not None:
            books.append(book)
            messages.extend(lint_book(book))
    settings: dict[str, Settings] = {}
    for b in books:
        folder = str(Path(b.path).parent)
        if folder not in settings:
            try:
                settings[folder] = load_settings(folder)
            except InputError as exc:
                messages.extend(Message(exc.file or folder, p.line or 1, p.path, ERROR,
                                        "installningar", p.message) for p in exc.problems)
                settings[folder] = Settings(FolderSettings(), None, None)
    messages.extend(check_periods(books, settings))
    messages.extend(check_ids(books))
    return LintReport([str(f) for f in files], sorted(set(messages)))


def render_text(report: LintReport) -> str:
    lines = [m.render() for m in report.messages]
    e, w = len(report.errors), len(report.warnings)
    n = len(report.files)
    books = f"{n} regelbok" if n == 1 else f"{n} regelböcker"
    if e or w:
        lines.append(f"{e} fel och {w} varningar i {books}.")
    else:
        lines.append(f"Inga fel eller varningar i {books}.")
    return "\n".join(lines) + "\n"


def render_json(report: LintReport) -> str:
    data = {"engine": identity(), "files": report.files,
            "messages": [m.as_dict() for m in report.messages],
            "summary": {"errors": len(report.errors), "warnings": len(report.warnings)}}
    return dumps_json(data)
