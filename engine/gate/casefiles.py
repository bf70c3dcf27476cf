"""Rulebook test cases and folder settings, as files: loading, validating, building submissions.

Test cases live beside the rulebooks, in `<region>/tests/*.yaml`, one file per rule or area (in
the spirit of sqlfluff's rule fixtures). A case file names a base submission and the cases; each
case changes some fields of the base (or gives a whole submission) and states the outcome it
expects per rule:

    area: Struktur för kvalitet            # or `rule: JHV-BEM-03`; a label for reports
    base: underlag/hc-2023.yaml            # relative to this file; a list runs each case per base
    cases:
      - name: exakt 50 procent är inte mer än 50
        changes: {bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor: 5.0}
        expect: {JHV-BEM-03: fail}

`changes` maps dotted field paths of the submission to new values (null = the answer is left
out); file-level `changes` apply to every case first. A case may give `base` (overriding the
file's) or a whole `submission` inline instead. Base submissions used only by the tests belong
in a subfolder (e.g. `tests/underlag/`): only `tests/*.yaml` are case files.

The folder settings file `<region>/kravkoll.yaml` holds what `kravkoll test --coverage` and
`kravkoll lint` need to know about the folder: the coverage threshold and the declared gaps
between validity periods.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import os
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from engine.errors import InputError, Problem
from engine.evaluate.evaluation import LoadedSubmission
from engine.model.form import load_forms, validate_submission
from engine.model.rulebook import RuleId
from engine.read.validation import validate
from engine.read.yamlstrict import Document, dotted, load_file

SETTINGS_FILE = "kravkoll.yaml"
TESTS_DIR = "tests"

ExpectedOutcome = Literal["pass", "fail", "partial", "missing", "observation", "not_applicable"]
ChangePath = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")]
Label = Annotated[str, Field(min_length=1, max_length=200)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Case(Model):
    """One case: a submission (base + changes, or inline) and the outcomes it must give."""

    name: Label
    description: str | None = None
    base: str | list[str] | None = None
    changes: dict[ChangePath, Any] = Field(default_factory=dict)
    submission: dict[str, Any] | None = None
    # The unit's årsbokslut of the year before, for rules with `previous:` (relative to this
    # file), with changes of its own; without it those rules find no previous year.
    previous: str | None = None
    previous_changes: dict[ChangePath, Any] = Field(default_factory=dict)
    expect: Annotated[dict[RuleId, ExpectedOutcome], Field(min_length=1)]

    @model_validator(mode="after")
    def _one_source(self):
        if self.submission is not None and (self.base is not None or self.changes):
            raise PydanticCustomError("kravkoll_case", "ett fall med submission (ett helt "
                                      "årsbokslut) kan inte också ha base eller changes")
        return self


class CaseFile(Model):
    rule: RuleId | None = None
    area: Label | None = None
    description: str | None = None
    base: str | list[str] | None = None
    changes: dict[ChangePath, Any] = Field(default_factory=dict)
    previous: str | None = None  # for every case that does not name its own
    cases: Annotated[list[Case], Field(min_length=1)]


class CoverageSettings(Model):
    threshold: Annotated[float, Field(ge=0, le=100)] = 100


class AllowedGap(Model):
    year: Annotated[int, Field(ge=2000, le=2100)]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class FolderSettings(Model):
    """`kravkoll.yaml` in a rulebook folder."""

    coverage: CoverageSettings = Field(default_factory=CoverageSettings)
    allowed_gaps: list[AllowedGap] = Field(default_factory=list)

    def gap_allowed(self, year: int) -> bool:
        return any(g.year == year for g in self.allowed_gaps)


@dataclass(frozen=True)
class Settings:
    model: FolderSettings
    path: str | None  # None: no kravkoll.yaml, defaults apply
    doc: Document | None


def load_settings(folder: str | Path) -> Settings:
    path = Path(folder) / SETTINGS_FILE
    if not path.is_file():
        return Settings(FolderSettings(), None, None)
    doc = load_file(path)
    return Settings(validate(doc, FolderSettings), str(path), doc)


# --- The submission format's field paths --------------------------------------------------


def unwrap(annotation: Any) -> list[Any]:
    """The types inside Optional/Union/Annotated, flattened."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out = []
        for arg in typing.get_args(annotation):
            out.extend(unwrap(arg))
        return out
    return [annotation]


def submission_fields() -> dict[str, Any]:
    """Every dotted field path of the forms' submission models -> its annotation (groups
    included); where forms share a path, the first form's annotation."""
    out: dict[str, Any] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            path = f"{prefix}{name}"
            out[path] = info.annotation
            for t in unwrap(info.annotation):
                if isinstance(t, type) and issubclass(t, BaseModel):
                    walk(t, path + ".")

    for form in load_forms().values():
        walk(form.model, "")
    return out


def unknown_field_message(path: str) -> str:
    hint = difflib.get_close_matches(path, list(submission_fields()), n=1, cutoff=0.7)
    return (f"fältet '{path}' finns inte i årsbokslutets format"
            + (f" (menade du {hint[0]}?)" if hint else ""))


# --- Loading case files --------------------------------------------------------------------


@dataclass(frozen=True)
class Expectation:
    rule_id: str
    outcome: str
    line: int


@dataclass(frozen=True)
class Variant:
    """One run of a case: the case against one base submission."""

    file: str  # the case file
    index: int  # the case's index in the file
    name: str
    line: int  # line of the case's name
    base: str | None  # the base submission's path, None for an inline submission
    expect: tuple[Expectation, ...]
    submission: LoadedSubmission


@dataclass(frozen=True)
class LoadedCaseFile:
    path: str
    model: CaseFile
    doc: Document
    variants: tuple[Variant, ...]

    @property
    def label(self) -> str:
        return self.model.rule or self.model.area or Path(self.path).stem


_bases: dict[str, tuple[Document, Any]] = {}


def _load_base(path: str) -> tuple[Document, Any]:
    key = os.path.realpath(path)
    if key not in _bases:
        doc = load_file(path)
        if not isinstance(doc.data, dict):
            raise InputError.single(path, "förväntade ett årsbokslut (en mappning med enhet, "
                                    "period …) men filen innehåller något annat", line=1)
        _bases[key] = (doc, validate_submission(doc))
    return _bases[key]


def load_case_file(path: str | Path) -> LoadedCaseFile:
    name = str(path)
    doc = load_file(path)
    if not isinstance(doc.data, dict):
        raise InputError.single(name, "förväntade en fallfil (en mappning med base och cases)", line=1)
    model = validate(doc, CaseFile)
    problems = _check_paths(model, doc)
    if problems:
        raise InputError(name, problems)
    variants = []
    for i, case in enumerate(model.cases):
        variants.extend(_variants(name, doc, model, i, case))
    return LoadedCaseFile(name, model, doc, tuple(variants))


def _check_paths(model: CaseFile, doc: Document) -> list[Problem]:
    problems = []
    where = [(("changes",), model.changes)]
    for i, c in enumerate(model.cases):
        where += [(("cases", i, "changes"), c.changes),
                  (("cases", i, "previous_changes"), c.previous_changes)]
        if c.previous_changes and c.previous is None and model.previous is None:
            line, col = doc.locate_key(("cases", i, "previous_changes"))
            problems.append(Problem("previous_changes ändrar föregående års årsbokslut, men "
                                    "varken fallet eller filen anger previous",
                                    dotted(("cases", i, "previous_changes")), line, col))
    for prefix, changes in where:
        known = submission_fields() if changes else {}
        for key in changes:
            if key not in known:
                line, col = doc.locate_key(prefix + (key,))
                problems.append(Problem(unknown_field_message(key), dotted(prefix + (key,)), line, col))
    return problems


def _bases_of(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _variants(file: str, doc: Document, model: CaseFile, i: int, case: Case) -> list[Variant]:
    here = ("cases", i)
    line = doc.locate(here + ("name",))[0] or 1
    expect = tuple(Expectation(r, o, doc.locate(here + ("expect", r))[0] or line)
                   for r, o in case.expect.items())
    if case.submission is not None:
        positions, keys = _reroot(doc, here + ("submission",), ())
        sub_doc = Document(file, copy.deepcopy(case.submission), positions, keys)
        return [Variant(file, i, case.name, line, None, expect, _loaded(sub_doc, file, case.name))]
    bases = _bases_of(case.base) or _bases_of(model.base)
    if not bases:
        raise InputError.single(file, "fallet anger inget årsbokslut: ange base (i filen eller "
                                "fallet) eller submission", dotted(here), line)
    base_key = "base" if case.base is not None else None
    out = []
    for j, base in enumerate(bases):
        base_path = os.path.normpath(os.path.join(os.path.dirname(file), base))
        if not os.path.isfile(base_path):
            at = (here + ("base",) if base_key else ("base",))
            at = at + (j,) if not isinstance(case.base if base_key else model.base, str) else at
            raise InputError.single(file, f"basårsbokslutet '{base}' finns inte ({base_path})",
                                    dotted(at), doc.locate(at)[0])
        base_doc, _ = _load_base(base_path)
        data = copy.deepcopy(base_doc.data)
        positions = {(): (line, 1)}
        keys: dict = {}
        for prefix, changes in ((("changes",), model.changes), (here + ("changes",), case.changes)):
            for key, value in changes.items():
                path = tuple(key.split("."))
                _apply(data, path, copy.deepcopy(value), file, doc.locate_key(prefix + (key,))[0])
                pos, kpos = _reroot(doc, prefix + (key,), path)
                positions.update(pos)
                keys.update(kpos)
                for k in range(1, len(path)):
                    positions.setdefault(path[:k], pos[path])
        sub_doc = Document(file, data, positions, keys)
        name = case.name if len(bases) == 1 else f"{case.name} [{Path(base).stem}]"
        loaded = _loaded(sub_doc, file, name)
        loaded.previous = _previous(file, doc, model, i, case)
        out.append(Variant(file, i, name, line, base_path, expect, loaded))
    return out


def _previous(file: str, doc: Document, model: CaseFile, i: int, case: Case) -> Any:
    """The previous year's submission a case names (its model), with the case's changes."""
    ref = case.previous or model.previous
    if ref is None:
        return None
    at = ("cases", i, "previous") if case.previous else ("previous",)
    path = os.path.normpath(os.path.join(os.path.dirname(file), ref))
    if not os.path.isfile(path):
        raise InputError.single(file, f"föregående års årsbokslut '{ref}' finns inte ({path})",
                                dotted(at), doc.locate(at)[0])
    data = copy.deepcopy(_load_base(path)[0].data)
    for key, value in case.previous_changes.items():
        _apply(data, tuple(key.split(".")), copy.deepcopy(value), file,
               doc.locate_key(("cases", i, "previous_changes", key))[0])
    return _loaded(Document(file, data, {(): (doc.locate(at)[0] or 1, 1)}, {}), file,
                   f"{case.name} (föregående år)").model


def _reroot(doc: Document, old: tuple, new: tuple) -> tuple[dict, dict]:
    """Positions under `old` in doc, keyed as if they stood under `new`."""
    n = len(old)
    pos = {new + p[n:]: v for p, v in doc.positions.items() if p[:n] == old}
    keys = {new + p[n:]: v for p, v in doc.key_positions.items() if p[:n] == old and len(p) > n}
    return pos, keys


def _apply(data: dict, path: tuple, value: Any, file: str, line: int | None) -> None:
    node = data
    for k, part in enumerate(path[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise InputError.single(file, f"kan inte ändra '{'.'.join(path)}': "
                                    f"'{'.'.join(path[:k + 1])}' är inte en grupp av fält",
                                    ".".join(path), line)
        node = child
    node[path[-1]] = value


def _loaded(doc: Document, file: str, case: str) -> LoadedSubmission:
    try:
        model = validate_submission(doc)
    except InputError as exc:
        raise InputError(exc.file, [Problem(f"årsbokslutet i fallet '{case}': {p.message}", p.path,
                                            p.line, p.column) for p in exc.problems]) from None
    canonical = json.dumps(doc.data, sort_keys=True, ensure_ascii=False, default=str)
    return LoadedSubmission(model, file, hashlib.sha256(canonical.encode()).hexdigest(), doc,
                            search_previous=False)


# --- Finding case files ---------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFolder:
    """A rulebook folder with its test cases (`<folder>/tests/*.yaml`) and settings."""

    folder: str
    case_files: tuple[str, ...]


def discover(paths: list[str]) -> list[CaseFolder]:
    """Rulebook folders and their case files under the given paths (folders or case files)."""
    found: dict[str, set[str]] = {}
    for arg in paths:
        p = Path(arg)
        if p.is_file():
            if p.parent.name != TESTS_DIR:
                raise InputError.single(arg, f"en fallfil ska ligga i en mapp som heter {TESTS_DIR}/ "
                                        "bredvid regelböckerna")
            found.setdefault(str(p.parent.parent), set()).add(str(p))
            continue
        if not p.is_dir():
            raise InputError.single(arg, "finns inte (ange en regelboksmapp eller en fallfil)")
        dirs = [p] if p.name == TESTS_DIR else []
        dirs += [d for d in p.rglob(TESTS_DIR) if d.is_dir()]
        for d in dirs:
            files = {str(f) for f in d.glob("*.yaml") if f.is_file()}
            if files:
                found.setdefault(str(d.parent), set()).update(files)
    return [CaseFolder(folder, tuple(sorted(files))) for folder, files in sorted(found.items())]

