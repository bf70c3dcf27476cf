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
- citat: every source has a quote (not empty, not a placeholder).
- foljd: every krav has a consequence with a handlingsplan, a plan_for or a sanction.
- oanvand: every parameter, measure, sanction and document is used (warning).

Checks across the rulebooks of one region and vårdval:
- overlapp: validity periods do not overlap.
- glapp: no unintended gap between consecutive validity periods (a gap is allowed when the
  folder's kravkoll.yaml lists its years under allowed_gaps, with a reason).
- id: a rule id keeps its kind and title from one rulebook to the next (warning).
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from engine import identity
from engine.errors import InputError
from engine.model.library import LoadedRulebook, rulebook_files
from engine.model.rulebook_layers import resolve
from engine.model.rulebook import Rulebook
from engine.model.rulebook_refs import check_references, rule_exprs
from engine.output import dumps_json
from engine.read.validation import validate
from engine.read.yamlstrict import dotted, load_file

from .casefiles import FolderSettings, Settings, load_settings, submission_fields, unwrap

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
        self.out.append(Message(self.book.path, line, dotted(path), severity, code, text))


# --- Checks on one rulebook -------------------------------------------------------------------

_FIELDS = submission_fields()


def _leaf(annotation) -> tuple[set[str] | None, set[type]]:
    """(allowed answer values or None, base types) of a submission field's annotation."""
    values: set[str] = set()
    types: set[type] = set()
    literal = False
    for t in unwrap(annotation):
        if typing.get_origin(t) is typing.Literal:
            literal = True
            values.update(str(a) for a in typing.get_args(t))
        elif t is not type(None):
            types.add(typing.get_origin(t) or t)
    return (values if literal else None), types


def check_answers(c: _Collector) -> None:
    """Answer values a field can take; numbers or dates for compare."""
    for i, rule in enumerate(c.book.model.rules):
        base = ("rules", i, "check")
        chk = rule.check
        lists: list[tuple[str, tuple, list[str], tuple]] = []
        if chk.answer:
            lists.append((chk.answer.field, base + ("answer", "field"), chk.answer.pass_,
                          base + ("answer", "pass")))
            if chk.answer.partial:
                lists.append((chk.answer.field, base + ("answer", "field"), chk.answer.partial,
                              base + ("answer", "partial")))
        if chk.all_answers:
            for j, f in enumerate(chk.all_answers.fields):
                lists.append((f, base + ("all_answers", "fields", j), chk.all_answers.pass_,
                              base + ("all_answers", "pass")))
        if chk.required_when and chk.required_when.when.answer_in:
            a = chk.required_when.when.answer_in
            p = base + ("required_when", "when", "answer_in")
            lists.append((a.field, p + ("field",), a.in_, p + ("in",)))
        for field, fpath, values, vpath in lists:
            if field not in _FIELDS:
                continue  # reported by check_references
            allowed, _ = _leaf(_FIELDS[field])
            if allowed is None:
                c.add(ERROR, "svarsvarde", f"fältet '{field}' är inget svarsfält (ja/nej, "
                      "helt/delvis/nej …); använd compare för tal och datum", fpath)
                continue
            for k, v in enumerate(values):
                if v not in allowed:
                    c.add(ERROR, "svarsvarde", f"'{v}' är inget möjligt svar i fältet '{field}' "
                          f"(möjliga svar: {', '.join(sorted(allowed))}); regeln kan aldrig ge "
                          "det utfallet", vpath + (k,))
    for expr, path in rule_exprs(c.book.model):
        if expr.field and expr.field in _FIELDS:
            allowed, types = _leaf(_FIELDS[expr.field])
            if allowed is not None or not types <= {int, float, dt.date}:
                c.add(ERROR, "svarsvarde", f"fältet '{expr.field}' är inget tal eller datum och "
                      "kan inte jämföras eller räknas med", path + ("field",))


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
        sanctions |= {m.followup.late_plan_sanction, m.followup.rattelse_sanction}
    documents = {r.source.document for r in m.rules}
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


BOOK_CHECKS = (check_answers, check_quotes, check_consequences, check_unused)


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
        groups.setdefault((b.model.region, b.model.vardval), []).append(b)
    return [sorted(g, key=lambda b: (b.model.valid_from, b.path)) for _, g in sorted(groups.items())]


# --- Running -------------------------------------------------------------------------------


def _load(path: Path) -> tuple[LoadedRulebook | None, list[Message]]:
    name = str(path)
    try:
        doc = resolve(load_file(path))
        model = validate(doc, Rulebook)
    except InputError as exc:
        return None, [Message(exc.file or name, p.line or 1, p.path, ERROR, "schema", p.message)
                      for p in exc.problems]
    book = LoadedRulebook(model, name, doc.sha256, doc)
    return book, [Message(name, p.line or 1, p.path, ERROR, "referens", p.message)
                  for p in check_references(model, doc)]


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
