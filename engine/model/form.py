"""A region's årsbokslut form as data (`forms/<region>/<form>.yaml`), and the submission model
built from it.

A form lists its questions in the form's order: the number and text as printed, the field path
the answer has in a submission, its type, unit and range, whether it is required and when it is
required because of another answer. From that list `submission_model` builds the pydantic model a
submission of the form is validated with (unknown keys, wrong types and values out of range are
errors, with the Swedish messages of `engine.read.validation`), and the JSON Schema, the Excel
template and the survey-export reader all use the same list. Which attributes of a unit a rulebook
may scope by (regi, tilläggsuppdrag …) is the form's `attribute: true` questions, not code.
"""

import contextlib
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, create_model,
                      field_validator, model_validator)
from pydantic_core import PydanticCustomError

from engine.errors import InputError, Problem, UsageError
from engine.read.names import same_name
from engine.read.validation import validate
from engine.read.yamlstrict import Document, load_file

from engine.read import text_rules

from .rulebook import empty_dict, empty_list
from .submission import (BOUNDS, MAX_TEXT, Bound, JaNej, Line, Percent, Text, TimeRange, Weekday,
                         _answer, bounded_number, check_submitted_after, exceeds, hsa_id_type,
                         text_rule)

QuestionType = Literal["ja_nej", "choice", "multichoice", "number", "percent", "date", "text",
                       "hsa_id", "list", "schedule", "counts", "items"]
TYPE_LABELS = {"ja_nej": "ja eller nej", "choice": "ett av alternativen",
               "multichoice": "noll eller flera av alternativen", "number": "tal",
               "percent": "andel i procent (0–100)", "date": "datum (ÅÅÅÅ-MM-DD)", "text": "text",
               "hsa_id": "HSA-id", "list": "lista av texter", "schedule": "veckodag: tid",
               "counts": "namn: antal", "items": "lista"}
FieldPath = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")]
Number = Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+){0,3}$")]
FormId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,80}$")]
SHORT_TEXT = 200  # a text answer this short at most is one line unless the form says multiline


class _Spec(BaseModel):
    # defer_build: a validator is built when a form is first validated, not at import (a
    # check whose forms come from the library cache validates none)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Condition(_Spec):
    """Another answer: `field` has one of the values `in`."""

    field: FieldPath
    in_: Annotated[list[str], Field(alias="in", min_length=1)]


class Question(_Spec):
    field: FieldPath
    number: Number | None = None  # as printed in the form; None: asked outside the form
    text: Annotated[str, Field(min_length=1, max_length=2000)]  # verbatim from the form
    line: int | None = None  # where the question stands in the source document
    label: str | None = None  # what this answer cell holds, when one question has several
    help: str | None = None
    type: QuestionType
    options: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = None
    integer: bool = False
    unit: str | None = None
    # The kind of number (a key of engine.model.submission.BOUNDS: personer, arsarbetare …): its
    # range, whether it is whole and the words of a refusal. Without a kind, min and max.
    kind: str | None = None
    min: float | int | None = None
    max: float | int | None = None
    min_length: int | None = None
    max_length: int | None = None
    # type text: whether the answer may have several lines (a kommentar, a handlingsplan). Not
    # given: one line when max_length is at most SHORT_TEXT (a name, a region, an id), else
    # several. One line refuses line breaks and TAB (engine/read/text_rules.py).
    multiline: bool | None = None
    required: bool = False
    when: Condition | None = None  # required when another answer is one of these
    # type date: falls after the year this (sibling, integer) field gives, within
    # SUBMITTED_WITHIN_YEARS (an årsbokslut is handed in after its year)
    after_year_of: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")] | None = None
    empty_default: bool = False  # an unanswered list is the empty list, not "not given"
    attribute: bool = False  # an attribute of the unit a rulebook may scope by
    fixed: bool = False  # the same for every unit of the form (prefilled in a template)
    items: list["Question"] | None = None  # type items: the questions of each item

    @model_validator(mode="before")
    @classmethod
    def _kind_gives_the_range(cls, data: Any) -> Any:
        """A kind fills in min, max and integer, so the template and schema read one range."""
        if isinstance(data, dict) and isinstance(data.get("kind"), str) and data["kind"] in BOUNDS:
            bound = BOUNDS[data["kind"]]
            data = dict(data)
            for key, value in (("min", bound.low), ("max", bound.high), ("integer", bound.integer)):
                if data.get(key) is not None and data[key] != value:
                    raise PydanticCustomError(
                        "kravkoll_form", f"{key}: {data[key]} strider mot slaget "
                        f"'{data['kind']}' ({key} {value}); ange antingen kind eller min/max")
                data[key] = value
        return data

    @model_validator(mode="after")
    def _consistent(self):
        if self.kind is not None and self.kind not in BOUNDS:
            raise PydanticCustomError("kravkoll_form", f"okänt slag av tal '{self.kind}'; kända: "
                                      f"{', '.join(sorted(BOUNDS))}")
        if self.type in ("number", "counts") and self.kind is None and self.max is None:
            # an answer without an upper bound is what lets a typo of extra zeros through
            raise PydanticCustomError("kravkoll_form", "ett tal behöver kind eller max")
        if self.after_year_of and self.type != "date":
            raise PydanticCustomError("kravkoll_form", "after_year_of gäller bara datum")
        if self.type in ("choice", "multichoice") and not self.options:
            raise PydanticCustomError("kravkoll_form", "ett flervalsfält behöver options")
        if self.type == "items" and not self.items:
            raise PydanticCustomError("kravkoll_form", "typen items behöver items")
        return self

    @property
    def one_line(self) -> bool:
        """A text answer that is one line (see multiline)."""
        if self.multiline is not None:
            return not self.multiline
        return self.max_length is not None and self.max_length <= SHORT_TEXT

    @property
    def title(self) -> str:
        head = f"{self.number} {self.text}" if self.number else self.text
        return f"{head} – {self.label}" if self.label and self.label != self.text else head


class Group(_Spec):
    number: Number | None = None
    title: str


class FieldCheck(_Spec):
    """A part may not exceed its total: `field` ≤ `at_most`, or the sum of `fields` ≤
    `sum_at_most`."""

    field: FieldPath | None = None
    at_most: FieldPath | None = None
    fields: list[FieldPath] | None = None
    sum_at_most: FieldPath | None = None

    @model_validator(mode="after")
    def _one(self):
        if not ((self.field and self.at_most) or (self.fields and self.sum_at_most)):
            raise PydanticCustomError("kravkoll_form", "en kontroll är field + at_most eller "
                                      "fields + sum_at_most")
        return self


class SourceRef(_Spec):
    title: str
    file: str | None = None
    note: str | None = None


class Form(_Spec):
    id: FormId  # the `formular` of a submission
    title: str
    region: str
    year: Annotated[int, Field(ge=2000, le=2100)]
    source: SourceRef | None = None
    note: str | None = None
    sheet: Annotated[str, Field(min_length=1, max_length=31)] = "Årsbokslut"
    groups: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], Group] = Field(default_factory=empty_dict)
    questions: Annotated[list[Question], Field(min_length=1)]
    checks: list[FieldCheck] = Field(default_factory=empty_list)

    def question(self, path: str) -> Question | None:
        return next((q for q in self.questions if q.field == path), None)

    def attributes(self) -> dict[str, Question]:
        """Unit attributes a rulebook may scope by, by their last name (regi, tillaggsuppdrag)."""
        return {q.field.rsplit(".", 1)[-1]: q for q in self.questions if q.attribute}


class FormChange(_Spec):
    """A form written as changes to another: `extends` names it; questions given here replace
    the one with the same field or are added at the end; `remove` drops fields."""

    id: FormId
    extends: FormId
    title: str | None = None
    region: str | None = None
    year: Annotated[int, Field(ge=2000, le=2100)]
    source: SourceRef | None = None
    note: str | None = None
    sheet: str | None = None
    groups: dict[str, Group] = Field(default_factory=empty_dict)
    questions: list[Question] = Field(default_factory=empty_list)
    remove: list[FieldPath] = Field(default_factory=empty_list)
    checks: list[FieldCheck] | None = None


# --- The model a submission of a form is validated with ------------------------------------------


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _leaf_type(q: Question, names: dict) -> Any:
    """The annotation of one answer, with the constraints and messages of the hand-written model
    it replaces (engine/model/submission.py's building blocks)."""
    t = q.type
    if t == "ja_nej":
        return JaNej
    if t in ("choice", "multichoice"):
        one = Annotated[Literal[tuple(q.options)], BeforeValidator(_answer)]
        return list[one] if t == "multichoice" else one
    if t == "percent":
        return Percent
    if t == "number":
        return bounded_number(bound_of(q), q.help)
    if t == "date":
        return dt.date
    if t == "text":
        if q.min_length is None and q.max_length is None:
            return Line if q.one_line else Text
        kind = text_rules.LINE if q.one_line else text_rules.BLOCK
        return Annotated[str, BeforeValidator(text_rule(kind)),
                         Field(min_length=q.min_length, max_length=q.max_length or MAX_TEXT)]
    if t == "hsa_id":
        return hsa_id_type(q.help)
    if t == "list":
        return list[Line]  # each entry one line
    if t == "schedule":
        return dict[Weekday, TimeRange]
    if t == "counts":
        return dict[Annotated[str, BeforeValidator(text_rule(text_rules.LINE)),
                              Field(max_length=100)], bounded_number(bound_of(q))]
    if t == "items":
        item = _build_group(_camel(_singular(q.field.rsplit(".", 1)[-1])),
                            answer_tree(q.items), [], "", None, names)
        return list[item]
    raise AssertionError(t)


def answer_type(q: Question) -> Any:
    """The annotation the submission model gives an answer; not for `items` (whose item is a
    model class of its own, built with the form's)."""
    assert q.type != "items"
    return _leaf_type(q, {})


def bound_of(q: Question) -> Bound:
    """The Bound of a number question: its kind's, or one made of its own min and max."""
    if q.kind is not None:
        return BOUNDS[q.kind]
    return Bound(q.max, f"ett tal ({q.unit})" if q.unit else "ett tal", low=q.min or 0,
                 integer=q.integer)


def _singular(name: str) -> str:
    return name[:-2] if name.endswith("er") else name  # filialer -> filial


def answer_tree(questions: list[Question]) -> dict:
    """field paths → nested dict of name → Question (leaf) or dict (group), in form order."""
    root: dict = {}
    for q in questions:
        node = root
        *groups, leaf = q.field.split(".")
        for g in groups:
            node = node.setdefault(g, {})
        node[leaf] = q
    return root


def _required(node: Any) -> bool:
    if isinstance(node, Question):
        return node.required
    return any(_required(v) for v in node.values())


def _build_group(name: str, node: dict, checks: list[FieldCheck], prefix: str,
                 title: str | None, names: dict) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for key, child in node.items():
        path = f"{prefix}{key}"
        if isinstance(child, Question):
            ann = _leaf_type(child, names)
            info = {"title": child.title}
            if child.required:
                fields[key] = (Annotated[ann, Field(**info)], ...)
            elif child.empty_default:
                fields[key] = (Annotated[ann, Field(**info)], Field(default_factory=empty_list))
            else:
                fields[key] = (Annotated[ann | None, Field(**info)], None)
        else:
            model = _build_group(names.get(path, _camel(key)), child, checks, path + ".", None, names)
            fields[key] = (model, ...) if _required(child) else (model | None, None)
    mine = [c for c in checks if _check_group(c) == prefix.rstrip(".")]
    validators = {"_field_checks": model_validator(mode="after")(_checker(mine))} if mine else {}
    for key, child in node.items():
        if isinstance(child, Question) and child.after_year_of:
            validators[f"_after_{key}"] = field_validator(key)(_after_year(child.after_year_of))
    # defer_build: the fields are known at once (rulebook checks read model_fields), the
    # validator is built only for a form a submission is validated with
    config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, defer_build=True,
                        **({"title": title} if title else {}))
    return create_model(name, __config__=config, __validators__=validators, **fields)


def _check_group(c: FieldCheck) -> str:
    paths = [c.field, c.at_most] if c.field else [*c.fields, c.sum_at_most]
    return paths[0].rsplit(".", 1)[0] if "." in paths[0] else ""


def _after_year(year_field: str):
    def check(cls, day, info: ValidationInfo):
        return check_submitted_after(day, info.data.get(year_field))

    return classmethod(check)


def _checker(checks: list[FieldCheck]):
    """Parts within their total, in the words of the hand-written validators they replace."""

    def check(self):
        for c in checks:
            if c.field:
                part_name, total_name = c.field.rsplit(".", 1)[-1], c.at_most.rsplit(".", 1)[-1]
                part, total = getattr(self, part_name), getattr(self, total_name)
                if part is not None and total is not None and exceeds(total, part):
                    raise PydanticCustomError(
                        "kravkoll_sum", f"{part_name} ({part}) kan inte vara fler än {total_name} "
                        f"({total})")
            else:
                names = [f.rsplit(".", 1)[-1] for f in c.fields]
                total_name = c.sum_at_most.rsplit(".", 1)[-1]
                values, total = [getattr(self, n) for n in names], getattr(self, total_name)
                if total is not None and all(v is not None for v in values) \
                        and exceeds(total, *values):
                    raise PydanticCustomError(
                        "kravkoll_sum", f"{' och '.join(names)} är tillsammans fler än "
                        f"{total_name} ({total})")
        return self

    return check


def build_model(form: Form) -> type[BaseModel]:
    names = {"enhet.filialer": "Filial"}
    return _build_group("Submission", answer_tree(form.questions), form.checks, "", form.title, names)


# --- Forms on disk ---------------------------------------------------------------------------


@dataclass
class LoadedForm:
    form: Form
    path: str
    sha256: str
    doc: Document | None
    _model: type[BaseModel] | None = field(default=None, repr=False)

    @property
    def model(self) -> type[BaseModel]:
        if self._model is None:
            self._model = build_model(self.form)
        return self._model

    def __getstate__(self) -> dict:
        """Pickled (the library cache) without the model: a class made at run time, built
        again when it is asked for."""
        return {**self.__dict__, "_model": None}


DEFAULT_FOLDER = "forms"
# The form `kravkoll schema` describes when none is named: the one of the shared example.
DEFAULT_FORM = "arsbokslut-2023"


def default_folder() -> Path:
    """$KRAVKOLL_FORMS when set (a region's own forms), else ./forms when run from a project
    checkout, else the forms beside the engine."""
    if os.environ.get("KRAVKOLL_FORMS"):
        return Path(os.environ["KRAVKOLL_FORMS"])
    here = Path(DEFAULT_FOLDER)
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / DEFAULT_FOLDER


_cache: dict[tuple, dict[str, LoadedForm]] = {}
_fixed: dict[str, LoadedForm] | None = None  # the default folder's forms, during fixed_forms()


@contextlib.contextmanager
def fixed_forms():
    """The default folder's forms read once, and used as they are until the block ends: a
    batch checks every unit against the same forms, without looking at the folder again for
    each file (a dozen stat calls a unit). A folder that cannot be read is left to each file
    to report, as without the block."""
    global _fixed
    before = _fixed
    try:
        _fixed = load_forms()
    except InputError:
        _fixed = None
    try:
        yield
    finally:
        _fixed = before


def _identity(root: Path) -> tuple:
    """(path, mtime, size) of every *.yaml under root, as rglob finds them (no symbolic links
    to folders followed)."""
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            if name.endswith(".yaml"):
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except OSError:
                    found.append((path, None, None))
                    continue
                found.append((path, st.st_mtime_ns, st.st_size))
    return tuple(sorted(found))


def load_forms(folder: str | Path | None = None) -> dict[str, LoadedForm]:
    """Every form in the folder by id (each `<region>/<form>.yaml`), `extends` resolved."""
    if folder is None and _fixed is not None:
        return _fixed
    root = Path(folder) if folder is not None else default_folder()
    if not root.is_dir():
        raise InputError.single(str(root), "formulärmappen finns inte")
    # Keyed by the files' identity too, so that an edited form is read again (looked at for
    # every submission of a batch: os.walk and one stat per file, not rglob and two).
    key = (str(root.resolve()), _identity(root))
    if key in _cache:
        return _cache[key]
    files = sorted(root.rglob("*.yaml"))
    raw: dict[str, tuple[Document, Path]] = {}
    for path in files:
        doc = load_file(path)
        if not isinstance(doc.data, dict):
            raise InputError.single(str(path), "förväntade ett formulär (en mappning med id, "
                                    "questions …)", line=1)
        form_id = doc.data.get("id")
        if not isinstance(form_id, str):
            validate(doc, Form)  # reports the missing or ill-typed id in Swedish
        if form_id in raw:
            raise InputError.single(str(path), f"formuläret '{form_id}' finns redan i "
                                    f"{raw[form_id][1]}", "id", *doc.locate(("id",)))
        raw[form_id] = (doc, path)
    forms: dict[str, LoadedForm] = {}
    for form_id in raw:
        _resolve(form_id, raw, forms, ())
    _cache[key] = forms
    return forms


def remember_forms(root: Path, forms: dict[str, LoadedForm]) -> None:
    """What load_forms(root) gives while root's files stay as they are: the forms of the
    library cache, whose content it has checked against these files."""
    _cache[(str(root.resolve()), _identity(root))] = forms


def _resolve(form_id: str, raw: dict, forms: dict, seen: tuple) -> LoadedForm:
    if form_id in forms:
        return forms[form_id]
    doc, path = raw[form_id]
    if "extends" not in doc.data:
        form = validate(doc, Form)
    else:
        change = validate(doc, FormChange)
        if change.extends in seen + (form_id,) or change.extends not in raw:
            what = "bildar en cirkel" if change.extends in raw else "finns inte"
            raise InputError.single(str(path), f"formuläret '{change.extends}' som extends "
                                    f"pekar på {what}", "extends", *doc.locate(("extends",)))
        base = _resolve(change.extends, raw, forms, seen + (form_id,)).form
        form = _apply(base, change, doc, str(path))
    problems = _form_problems(form, doc)
    if problems:
        raise InputError(str(path), problems)
    canonical = json.dumps(form.model_dump(mode="json", by_alias=True), sort_keys=True,
                           ensure_ascii=False)
    loaded = LoadedForm(form, str(path), hashlib.sha256(canonical.encode()).hexdigest(), doc)
    forms[form_id] = loaded
    return loaded


def _apply(base: Form, change: FormChange, doc: Document, file: str) -> Form:
    questions = list(base.questions)
    for path in change.remove:
        if not any(q.field == path for q in questions):
            raise InputError.single(file, f"remove: fältet '{path}' finns inte i '{base.id}'",
                                    "remove", *doc.locate(("remove",)))
        questions = [q for q in questions if q.field != path]
    for q in change.questions:
        at = next((i for i, old in enumerate(questions) if old.field == q.field), None)
        if at is None:
            questions.append(q)
        else:
            questions[at] = q
    data = base.model_dump(by_alias=True)
    data.update({k: v for k, v in change.model_dump(by_alias=True).items()
                 if k not in ("extends", "remove", "questions", "groups", "checks") and v is not None})
    data["groups"] = {**base.model_dump(by_alias=True)["groups"],
                      **change.model_dump(by_alias=True)["groups"]}
    data["questions"] = [q.model_dump(by_alias=True) for q in questions]
    if change.checks is not None:
        data["checks"] = [c.model_dump() for c in change.checks]
    data["checks"] = [c for c in data["checks"]
                      if all(any(q.field == f for q in questions) for f in _check_fields(c))]
    return Form.model_validate(data)


def _check_fields(c: dict) -> list[str]:
    return [f for f in (c.get("field"), c.get("at_most"), c.get("sum_at_most"), *(c.get("fields") or []))
            if f]


def _form_problems(form: Form, doc: Document) -> list[Problem]:
    """Fields are unique, no field is both an answer and a group, conditions and checks name
    fields of the form."""
    problems, seen = [], set()
    paths = {q.field for q in form.questions}
    # every path's parts before a dot ('a', 'a.b' of 'a.b.c'): the groups, looked up at once
    # instead of comparing every question with every path
    groups = {".".join(parts[:k]) for parts in (p.split(".") for p in paths)
              for k in range(1, len(parts))}
    for i, q in enumerate(form.questions):
        where = doc.locate(("questions", i, "field")) if "extends" not in doc.data else (None, None)
        if q.field in seen:
            problems.append(Problem(f"fältet '{q.field}' finns två gånger", "questions", *where))
        seen.add(q.field)
        if q.field in groups:
            problems.append(Problem(f"'{q.field}' är både ett svar och en grupp", "questions", *where))
        if q.when and q.when.field not in paths:
            problems.append(Problem(f"when: fältet '{q.when.field}' finns inte i formuläret",
                                    "questions", *where))
    for c in form.checks:
        for f in _check_fields(c.model_dump()):
            if f not in paths:
                problems.append(Problem(f"checks: fältet '{f}' finns inte i formuläret", "checks"))
    for name in ("formular", "period", "enhet.region"):
        if name not in paths:
            problems.append(Problem(f"formuläret saknar fältet '{name}' (varje årsbokslut har det)",
                                    "questions"))
    return problems


def find_form(forms: dict[str, LoadedForm], form_id: str) -> LoadedForm | None:
    """The form with this id, compared as a person reads it (read/names.py): a pasted
    zero-width space or another letter case is the same id."""
    if form_id in forms:
        return forms[form_id]
    matches = [f for key, f in forms.items() if same_name(key, form_id)]
    return matches[0] if len(matches) == 1 else None


def default_model() -> type[BaseModel]:
    """The model of the Jämtland 2023 form (forms/jamtland/arsbokslut-2023.yaml): the form the
    submission model described in code before forms became data (tests and scripts use it)."""
    return get_form(DEFAULT_FORM).model


def get_form(form_id: str, folder: str | Path | None = None) -> LoadedForm:
    """The form a command line names (FORMULÄR, --form). An unknown id is a wrong command line
    (UsageError); a caller reading the id from a file (a template's formular cell) turns it
    into an InputError at that place."""
    forms = load_forms(folder)
    found = find_form(forms, form_id)
    if found is None:
        import difflib

        hint = difflib.get_close_matches(form_id, list(forms), n=1, cutoff=0.6)
        raise UsageError.single(None, f"okänt formulär '{form_id}'"
                                + (f" (menade du {hint[0]}?)" if hint else "")
                                + f"; kända formulär: {', '.join(sorted(forms))}")
    return found


def form_of(data: Any, file: str, doc: Document | None = None,
            folder: str | Path | None = None) -> LoadedForm:
    """The form a submission answers, by its `formular`. A submission without a (textual)
    formular is validated against the first form, so that its other problems are still named."""
    forms = load_forms(folder)
    formular = data.get("formular") if isinstance(data, dict) else None
    if not isinstance(formular, str) or not formular.strip():
        return forms[sorted(forms, key=lambda f: forms[f].path)[0]]
    formular = formular.strip()
    found = find_form(forms, formular)
    if found is None:
        import difflib

        hint = difflib.get_close_matches(formular, list(forms), n=1, cutoff=0.6)
        where = doc.locate(("formular",)) if doc is not None else (None, None)
        raise InputError.single(file, f"okänt formulär '{formular}'"
                                + (f" (menade du {hint[0]}?)" if hint else "")
                                + f"; kända formulär: {', '.join(sorted(forms))}",
                                "formular", *where)
    return found


def validate_submission(doc: Document, folder: str | Path | None = None) -> BaseModel:
    """Validate a submission document against the model of the form it names."""
    return validate(doc, form_of(doc.data, doc.file, doc, folder).model)


def json_schema(loaded: LoadedForm) -> dict:
    """The JSON Schema of a form's submissions, for an editor: question numbers and texts as
    titles, ranges as minimum/maximum (pydantic writes a number that may also be given as text
    with its own `ge`/`le` keys, which no editor knows)."""
    data = loaded.model.model_json_schema()

    def fix(node: Any) -> None:
        if isinstance(node, dict):
            for ours, theirs in (("ge", "minimum"), ("le", "maximum")):
                if ours in node and isinstance(node[ours], (int, float)) and "anyOf" in node:
                    node[theirs] = node.pop(ours)
            for value in node.values():
                fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    fix(data)
    form = loaded.form
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    data["title"] = f"{form.title} ({form.id}, {form.region} {form.year})"
    return data
