"""The rulebook format: a region's förfrågningsunderlag for one validity period, as data.

A rulebook is YAML validated by these models. It holds no code: conditions are a small fixed
vocabulary (compare, answer, all_answers, required_when) over field paths of the submission,
named parameters and derived measures. `check_references` then verifies every name a rule uses.
"""

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from engine.read.dates import outside_window

# forslag: a krav proposed but not (as far as the sources show) decided: a dialogue point with
# no handlingsplan, vite or termination until the rulebook names the decided text.
# dialog: a question of the form the beställarenhet follows up in the dialogue, stating no krav.
Kind = Literal["krav", "forslag", "riktlinje", "malniva", "lag", "dialog"]
KIND_LABELS = {"krav": "Krav", "forslag": "Förslag till krav", "riktlinje": "Riktlinje",
               "malniva": "Målnivå", "lag": "Lag", "dialog": "Dialogfråga"}
# Shown in brackets after a source in every output. The two readings of a secondary text as the
# förfrågningsunderlag's krav (formular_aterger_krav, aterger_fu) carry an assumption instead.
SOURCE_STATUS_LABELS = {"forslag": "förslag", "sammanstallning": "sammanställning",
                        "rutin": "regional rutin", "nationell_malniva": "nationell målnivå",
                        "lag": "lag"}
# A rule whose every source has one of these statuses rests on no decided text.
UNDECIDED = ("forslag", "sammanstallning")
# Statuses that read a secondary document as stating the decided förfrågningsunderlag: an
# interpretation, so the source must say it in `assumption`.
READINGS = ("formular_aterger_krav", "aterger_fu")
SourceStatus = Literal["beslutad", "forslag", "sammanstallning", "formular_aterger_krav",
                       "aterger_fu", "rutin", "nationell_malniva", "lag"]
Op = Literal[">", ">=", "<", "<=", "==", "!="]
OP_WORDS = {">": "mer än", ">=": "minst", "<": "mindre än", "<=": "högst", "==": "lika med",
            "!=": "skilt från"}

RULE_ID_PATTERN = r"^[A-Z][A-Z0-9]{1,9}(-[A-Z0-9]{1,10}){1,4}$"
RuleId = Annotated[str, Field(pattern=RULE_ID_PATTERN,
                              description="Stabilt id, t.ex. JHV-BEM-02")]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
FieldPath = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")]
def _plain_text(value: Any) -> Any:
    """Rulebook texts are shown, never evaluated; text that looks like template code is refused
    so that no later change to a renderer can turn a title into code."""
    if isinstance(value, str) and ("{" in value or "}" in value or "${" in value):
        raise PydanticCustomError("kravkoll_template", "klammerparenteser { } är inte tillåtna i "
                                  "regelbokens texter (de kan tolkas som mallkod)")
    return value


Text = Annotated[str, BeforeValidator(_plain_text), Field(min_length=1, max_length=5000)]

# A rulebook number is a percentage, a count of days or people, an index or an amount in kronor:
# written as a number in the YAML (not as text, which pydantic would read as 'nan' or 'inf'),
# finite, and small enough that arithmetic and dates built from it stay exact and in range.
MAX_NUMBER = 1_000_000_000
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _number(value: Any, dates: bool = False) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("kravkoll_number", "förväntade ett tal, fick ett ja/nej-värde")
    if isinstance(value, str):
        if dates and _ISO_DATE.match(value.strip()):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                raise PydanticCustomError("kravkoll_number", f"datumet '{value}' finns inte") from None
        raise PydanticCustomError("kravkoll_number", _not_a_number(value, dates))
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("kravkoll_number", "förväntade ett ändligt tal")
    if isinstance(value, (int, float)) and abs(value) > MAX_NUMBER:
        raise PydanticCustomError("kravkoll_number", f"talet {value:g} är för stort för en regelbok "
                                  f"(högst {MAX_NUMBER:,} till beloppet)".replace(",", " "))
    return value


def _not_a_number(text: str, dates: bool) -> str:
    expected = "ett tal eller ett datum som 2024-02-29" if dates else "ett tal"
    word = text.strip().lower().lstrip("+-.")
    if word in ("nan", "inf", "infinity"):
        return f"förväntade {expected}, fick '{text}' (inget ändligt tal)"
    try:
        float(text)
    except ValueError:
        return f"förväntade {expected}, fick texten '{text}'"
    return (f"förväntade {expected}, fick texten '{text}' (skriv talet som 65 eller 0.5, "
            "utan citattecken och utan exponent)")


Number = Annotated[float | int, BeforeValidator(_number)]
def _in_window(value: Any) -> Any:
    """A rulebook date lies where the engine's dates lie (read/dates.py): 9999-12-31 is a typo."""
    if isinstance(value, dt.date):
        why = outside_window(value)
        if why:
            raise PydanticCustomError("kravkoll_date", why)
    return value


NumberOrDate = Annotated[float | int | dt.date, BeforeValidator(lambda v: _number(v, dates=True)),
                         AfterValidator(_in_window)]
Day = Annotated[dt.date, AfterValidator(_in_window)]
Kronor = Annotated[int, BeforeValidator(_number), Field(gt=0)]


def empty_list() -> list:
    """An empty list as a default_factory: a function of ours, not `list`, whose signature
    pydantic reads when it builds a validator and, for a builtin, parses from its text with the
    tokenizer's patterns compiled for it (3 ms of a run that reads the rulebooks)."""
    return []


def empty_dict() -> dict:
    """An empty dict as a default_factory (see empty_list)."""
    return {}


class Model(BaseModel):
    # defer_build: the validator is built when a rulebook is first validated, not at import
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


def _exactly_one(model: BaseModel, names: tuple[str, ...], what: str) -> None:
    given = [n for n in names if getattr(model, n) is not None]
    if len(given) != 1:
        raise PydanticCustomError("kravkoll_one_of", f"{what} ska ha exakt en av nycklarna "
                                  f"{', '.join(names)} (fick {', '.join(given) or 'ingen'})")


class Document(Model):
    """A source document the rules quote from."""

    title: Text
    reference: str | None = None  # diarienummer or similar
    date: str | None = None
    status: Literal["beslutad", "forslag", "sammanstallning", "riktlinje"] = "beslutad"
    note: str | None = None


class Source(Model):
    document: Name
    section: Text
    quote: Text
    lines: str | None = None  # where in the source document, e.g. "l.410–412"
    # What kind of text the quote is; unset: the document's status. formular_aterger_krav: the
    # form's question states the förfrågningsunderlag's krav ("Uppfylls kravet på …");
    # aterger_fu: the document quotes the förfrågningsunderlag ("I förfrågningsunderlaget
    # framkommer"). Both are readings and need an `assumption`.
    status: SourceStatus | None = None
    note: str | None = None  # e.g. why a proposal is used
    assumption: str | None = None  # how the quote is read, where that is an interpretation


class Beslut(Model):
    """The region's recorded decision on a value the sources leave to it (a deadline, a time,
    a level): kravkoll computes kronor and rights from such a value only with this record."""

    datum: Day  # the decision's date
    diarienummer: Text
    beslutat_av: Text | None = None  # who decided, e.g. "Hälsovalsenheten, beställarenheten"
    note: str | None = None


# What a parameter's value rests on: decided text (kalla), a decision the region has recorded
# (beslut), or only the rulebook's assumption (forslag: usable for reminders, never for money).
Basis = Literal["kalla", "beslut", "forslag"]
BASIS_LABELS = {"kalla": "avtalstext", "beslut": "regionens beslut", "forslag": "förslag"}


class Parameter(Model):
    title: Text
    value: NumberOrDate
    unit: Literal["procent", "dagar", "datum", "antal", "kr", "index"]
    source: Source | None = None
    assumption: str | None = None  # why a value the sources do not give was chosen
    beslut: Beslut | None = None  # the region's decision of this value, for this rulebook's period
    # The value is the word of the quote of each rule that uses it ("alla", "samtliga", "varje"
    # → 100 %, "inga" → 0), not a level of its own: it rests on that rule's source.
    from_rule_quote: bool = False

    @model_validator(mode="after")
    def _sourced(self):
        if self.source is None and not self.assumption and self.beslut is None:
            raise PydanticCustomError("kravkoll_source",
                                      "en parameter behöver source, assumption eller beslut")
        return self


class Sanction(Model):
    """A contractual sanction: a rate per week (förseningsvite), a ceiling per brist, or
    (kind innehallande, 003 l.852–854) ersättning the region may withhold until the missing
    information is supplied: an amount, or none when it is "the ersättning linked to it"."""

    title: Text
    kind: Literal["vite", "innehallande"] = "vite"
    amount_kr: Kronor | None = None
    per: Text  # in words: "vecka och handling"
    interval: Literal["vecka"] | None = None  # None: one amount per occasion, "upp till"
    cap_kr: Kronor | None = None
    cap_per: str | None = None
    weeks: Literal["begun", "whole"] | None = None  # how weeks are counted for interval=vecka
    source: Source
    # What the source leaves open and the rulebook chose (how weeks are counted, from which day
    # the vite runs, that a clause quoted for one year holds in another): `kravkoll lint`
    # refuses such a choice left unstated.
    assumption: str | None = None

    @model_validator(mode="after")
    def _amount_stated(self):
        if self.kind == "vite" and self.amount_kr is None:
            raise PydanticCustomError("kravkoll_amount", "ett vite behöver amount_kr")
        if self.kind == "innehallande" and self.amount_kr is None and not self.assumption:
            raise PydanticCustomError("kravkoll_amount", "ett innehållande utan amount_kr behöver "
                                      "en assumption (vilken ersättning som innehålls)")
        return self

    @model_validator(mode="after")
    def _weeks_stated(self):
        if self.interval == "vecka" and self.weeks is None:
            raise PydanticCustomError("kravkoll_weeks", "ange weeks: begun (påbörjade veckor) "
                                      "eller whole (hela veckor) när interval är vecka")
        return self


class Expr(Model):
    """A value: a number, a field of the submission, a parameter, a measure, or arithmetic."""

    value: Number | None = None
    field: FieldPath | None = None
    # The same field in the unit's årsbokslut of the year before (same HSA-id, period − 1);
    # unknown (the finding `missing`) when that årsbokslut is not at hand.
    previous: FieldPath | None = None
    param: Name | None = None
    measure: Name | None = None
    add: list["Expr"] | None = None
    sub: list["Expr"] | None = None
    mul: list["Expr"] | None = None
    div: list["Expr"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _literal(cls, data: Any) -> Any:
        if isinstance(data, (int, float, str)):  # a number written alone; text is refused
            return {"value": _number(data)}
        return data

    @model_validator(mode="after")
    def _one(self):
        _exactly_one(self, ("value", "field", "previous", "param", "measure", "add", "sub", "mul",
                            "div"), "ett uttryck")
        for name in ("add", "sub", "mul", "div"):
            args = getattr(self, name)
            if args is not None and len(args) != 2:
                raise PydanticCustomError("kravkoll_arity", f"{name} tar exakt två termer")
        return self

    @property
    def operator(self) -> tuple[str, list["Expr"]] | None:
        for name in ("add", "sub", "mul", "div"):
            args = getattr(self, name)
            if args is not None:
                return name, args
        return None


class Measure(Model):
    """A derived value computed from the submission, e.g. the specialist share."""

    title: Text
    unit: Literal["procent", "antal", "index", "dagar"]
    formula: Expr
    note: str | None = None


class Compare(Model):
    """pass when `left op right`; `partial` (optional) when that fails but a weaker bound holds."""

    left: Expr
    op: Op
    right: Expr
    partial_op: Op | None = None
    partial_right: Expr | None = None

    @model_validator(mode="after")
    def _partial_pair(self):
        if (self.partial_op is None) != (self.partial_right is None):
            raise PydanticCustomError("kravkoll_partial", "partial_op och partial_right anges tillsammans")
        return self


class Answer(Model):
    """One answer field: listed values give pass or partial; any other value is fail."""

    field: FieldPath
    pass_: Annotated[list[str], Field(alias="pass", min_length=1)]
    partial: list[str] = Field(default_factory=empty_list)


class AllAnswers(Model):
    """Several answer fields: all in `pass` → pass, some → partial, none → fail."""

    fields: Annotated[list[FieldPath], Field(min_length=2)]
    pass_: Annotated[list[str], Field(alias="pass", min_length=1)]


class AnswerIn(Model):
    field: FieldPath
    in_: Annotated[list[str], Field(alias="in", min_length=1)]


# The most comparisons and answers one any/all check or condition may combine: each way of
# deciding them is an engine rule (evaluate/compile.py), and they grow fast with the parts.
MAX_PARTS = 8


def _bounded_parts(node, what: str) -> None:
    if (node.any or node.all) and len(node.leaves()) > MAX_PARTS:
        raise PydanticCustomError("kravkoll_any_all", f"{what} med any/all kan kombinera högst "
                                  f"{MAX_PARTS} jämförelser och svar, inte {len(node.leaves())}")


class When(Model):
    """A condition: a comparison, an answer among values, or any/all of conditions."""

    compare: Compare | None = None
    answer_in: AnswerIn | None = None
    any: Annotated[list["When"], Field(min_length=2)] | None = None
    all: Annotated[list["When"], Field(min_length=2)] | None = None

    @model_validator(mode="after")
    def _one(self):
        _exactly_one(self, ("compare", "answer_in", "any", "all"), "when")
        _bounded_parts(self, "ett villkor")
        if self.compare is not None and self.compare.partial_op is not None:
            raise PydanticCustomError("kravkoll_partial", "ett villkor (when) har inget delvis-läge")
        return self

    def leaves(self) -> list["When"]:
        """The comparisons and answers of the condition, depth first."""
        parts = self.any or self.all
        return [leaf for p in parts for leaf in p.leaves()] if parts else [self]


class RequiredWhen(Model):
    """When the condition holds, `field` must be given (non-empty); else the rule does not apply."""

    when: When
    field: FieldPath


CHECK_KINDS = ("compare", "answer", "all_answers", "required_when", "any", "all")


class Check(Model):
    """What a rule checks. `any`/`all` combine comparisons and answers (and further any/all):
    `any` is met when one part is, `all` when every part is; a part without a partial level."""

    compare: Compare | None = None
    answer: Answer | None = None
    all_answers: AllAnswers | None = None
    required_when: RequiredWhen | None = None
    any: Annotated[list["Check"], Field(min_length=2)] | None = None
    all: Annotated[list["Check"], Field(min_length=2)] | None = None

    @model_validator(mode="after")
    def _one(self):
        _exactly_one(self, CHECK_KINDS, "check")
        _bounded_parts(self, "en kontroll")
        for part in self.any or self.all or []:
            if part.kind in ("all_answers", "required_when"):
                raise PydanticCustomError("kravkoll_any_all", f"any/all kan innehålla compare, "
                                          f"answer, any och all, inte {part.kind}")
            if (part.compare is not None and part.compare.partial_op is not None) or (
                    part.answer is not None and part.answer.partial):
                raise PydanticCustomError("kravkoll_any_all", "en del av any/all har inget "
                                          "delvis-läge (partial)")
        return self

    @property
    def kind(self) -> str:
        return next(n for n in CHECK_KINDS if getattr(self, n) is not None)

    def leaves(self) -> list["Check"]:
        """The comparisons and answers of an any/all check, depth first."""
        parts = self.any or self.all
        return [leaf for p in parts for leaf in p.leaves()] if parts else [self]


class Scope(Model):
    """Which units a rule applies to; every part given must hold. Values are the options of
    the form's unit attributes (checked in rulebook_refs)."""

    regi: Annotated[list[Name], Field(min_length=1)] | None = None
    tillaggsuppdrag: Name | None = None  # the rule applies only to units with it
    # Any attribute the form declares (`attribute: true`), by its field path: the unit's answer
    # (for a list: one of its answers) is one of the values.
    attributes: dict[FieldPath, Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]],
                                          Field(min_length=1)]] | None = None
    any: Annotated[list["Scope"], Field(min_length=2)] | None = None
    all: Annotated[list["Scope"], Field(min_length=2)] | None = None

    def conditions(self) -> list[tuple[str, list[str]]]:
        """(attribute field path, accepted values) of this scope's own parts."""
        out = []
        if self.regi:
            out.append(("enhet.regi", list(self.regi)))
        if self.tillaggsuppdrag:
            out.append(("enhet.tillaggsuppdrag", [self.tillaggsuppdrag]))
        out.extend((path, list(values)) for path, values in (self.attributes or {}).items())
        return out


class Consequence(Model):
    handlingsplan_days: Expr | None = None  # a param: days from the decision date
    handlingsplan_asks: str | None = None  # what the handlingsplan must answer
    # This rule checks that the submission states the handlingsplan of another krav: its
    # shortfall is followed up with that krav's plan, not with a plan (and vite) of its own.
    plan_for: RuleId | None = None
    sanctions: list[Name] = Field(default_factory=empty_list)
    note: str | None = None


class Vasentlig(Model):
    """Why a rule's brist would be one "i väsentliga delar" (003 l.874–876). No seed says which
    parts are väsentliga: with an assumption only, this is the rulebook's proposal to the region;
    a brist is väsentlig, and may give a right to terminate, only by the region's decision."""

    source: Source | None = None
    assumption: str | None = None

    @model_validator(mode="after")
    def _grounded(self):
        if self.source is None and not self.assumption:
            raise PydanticCustomError("kravkoll_source", "vasentlig behöver source eller assumption")
        return self


class Rule(Model):
    id: RuleId
    title: Text
    kind: Kind
    area: Text
    question: Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+){1,3}$")] | None = None  # ASCII, not \d
    source: Source
    scope: Scope = Field(default_factory=Scope)
    check: Check
    consequence: Consequence | None = None
    # A brist in this krav is väsentlig: not corrected within the days after a written notice,
    # it gives the region the right to terminate (a decision may also mark it, --vasentlig).
    vasentlig: Vasentlig | None = None
    description: str | None = None
    # The decided text (förfrågningsunderlaget) the krav rests on, where `source` is a proposal
    # or a sammanställning. Without it such a rule cannot carry handlingsplan or vite.
    decided: Source | None = None

    @model_validator(mode="after")
    def _plan_for_alone(self):
        c = self.consequence
        if c is not None and c.plan_for is not None and c.handlingsplan_days is not None:
            raise PydanticCustomError("kravkoll_plan_for", "plan_for och handlingsplan_days kan inte "
                                      "anges tillsammans: planen är den andra regelns")
        return self

    @model_validator(mode="after")
    def _krav_has_consequence(self):
        if self.kind == "krav" and self.consequence is None:
            raise PydanticCustomError("kravkoll_consequence", "ett krav måste ha en consequence")
        c = self.consequence
        if self.kind != "krav" and c is not None and (c.sanctions or c.handlingsplan_days is not None):
            raise PydanticCustomError("kravkoll_consequence",
                                      "bara krav kan ha handlingsplan eller sanktioner (vite); "
                                      f"detta är {KIND_LABELS[self.kind].lower()}")
        return self


TRIGGERS = ("upprepad_brist", "underkand_plan", "plan_ej_inkommen")


class Trigger(Model):
    """When kravkoll proposes a föreläggande om rättelse (the region decides): a brist
    established after an utredning communicated to the vårdgivare (003 l.856–858)."""

    id: Literal["upprepad_brist", "underkand_plan", "plan_ej_inkommen"]
    assumption: Text  # why this counts as such a brist


class Followup(Model):
    """How demands are followed up under this rulebook (the kravliggare reads these). Every
    step after the handlingsplan is a recorded decision of the beställarenhet; these are the
    defaults and limits kravkoll proposes and checks them against."""

    late_plan_sanction: Name  # the sanction for a handlingsplan that comes in late
    rattelse_days: Expr  # the default frist of a föreläggande om rättelse, in days (a parameter)
    rattelse_sanction: Name  # the ceiling of a decided vite per brist
    forelaggande_triggers: list[Trigger] = Field(default_factory=empty_list)
    vite_per: Literal["vecka", "manad", "engang"] = "engang"  # default accrual of a decided vite
    uppsagning_days: Expr | None = None  # days after a written notice (003 l.874–876)
    innehallande_sanction: Name | None = None  # withheld ersättning for missing answers
    # Why each setting above was chosen, and every other interpretation of the contract the
    # kravliggare makes: the förfrågningsunderlag leaves these steps to the region, so every one
    # is an assumption of the rulebook (`kravkoll lint` refuses one unstated).
    assumptions: dict[str, Text] = Field(default_factory=empty_dict)


class Rulebook(Model):
    id: Name | Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,80}$")]
    title: Text
    region: Text
    vardval: Text
    version: Annotated[str, Field(min_length=1, max_length=40)]
    valid_from: Day
    valid_to: Day
    # submission `formular` values it reads
    forms: Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(min_length=1)]
    documents: dict[Name, Document]
    parameters: dict[Name, Parameter] = Field(default_factory=empty_dict)
    sanctions: dict[Name, Sanction] = Field(default_factory=empty_dict)
    measures: dict[Name, Measure] = Field(default_factory=empty_dict)
    followup: Followup | None = None
    rules: Annotated[list[Rule], Field(min_length=1)]

    @model_validator(mode="after")
    def _period(self):
        if self.valid_to < self.valid_from:
            raise PydanticCustomError("kravkoll_period", "valid_to ligger före valid_from")
        return self

    def days(self, expr: Expr | None) -> int | None:
        """A number of days given as a literal or a parameter."""
        if expr is None:
            return None
        return int(self.parameters[expr.param].value if expr.param else expr.value)

    def source_status(self, source: Source) -> str:
        """What kind of text a source is: its own status, else its document's."""
        if source.status is not None:
            return source.status
        doc = self.documents.get(source.document)
        return doc.status if doc is not None else "beslutad"

    def param_basis(self, name: str) -> Basis:
        """What parameter `name`'s value rests on: a recorded region decision, decided text, or
        only an assumption (a proposal). Money and rights may rest on the first two only."""
        param = self.parameters[name]
        if param.beslut is not None:
            return "beslut"
        if param.source is not None and self.source_status(param.source) not in UNDECIDED:
            return "kalla"
        return "forslag"

    def days_basis(self, expr: Expr | None) -> Basis | None:
        """The basis of a number of days: a literal in the rulebook is its own text's."""
        if expr is None:
            return None
        return self.param_basis(expr.param) if expr.param else "kalla"

    def basis_record(self, expr: Expr | None) -> dict | None:
        """What a deadline or a time rests on, as kept with a demand and shown in every output:
        the basis, the parameter and, for a region decision, its date and diarienummer."""
        if expr is None:
            return None
        out = {"basis": self.days_basis(expr), "param": expr.param}
        beslut = self.parameters[expr.param].beslut if expr.param else None
        if beslut is not None:
            out["beslut"] = {"datum": beslut.datum.isoformat(), "diarienummer": beslut.diarienummer,
                             "beslutat_av": beslut.beslutat_av}
        return out

    def is_proposal(self, rule: Rule) -> bool:
        """True when the rule rests on a proposal, not decided text: a dialogue point, marked
        [förslag] in every output."""
        if rule.decided is not None:
            return False
        return rule.kind == "forslag" or self.source_status(rule.source) == "forslag"

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def covers(self, start: dt.date, end: dt.date) -> bool:
        return self.valid_from <= start and end <= self.valid_to


def basis_decides(record: dict | None) -> bool:
    """May money or a right rest on this? Only decided text or a recorded region decision; a
    record missing (a demand kept before bases were recorded) decides nothing."""
    return bool(record) and record.get("basis") in ("kalla", "beslut")


def basis_words(record: dict | None) -> str:
    """'avtalstext', 'regionens beslut 2024-01-15 (RS 2024/12)' or 'förslag'."""
    basis = (record or {}).get("basis") or "forslag"
    words = BASIS_LABELS[basis]
    b = (record or {}).get("beslut")
    if basis == "beslut" and b:
        words += f" {b['datum']} ({b['diarienummer']})"
    return words
