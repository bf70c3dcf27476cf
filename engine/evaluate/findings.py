"""What a check produces: one Finding per rule and submission, and the verdict over them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from engine.model.rulebook import KIND_LABELS

# observation: a riktlinje, målnivå or lag whose level is only the rulebook's proposal (no source,
# no decision of the region): its value is reported for the dialogue, with the proposed level,
# and judged neither pass nor fail (design.md: no krona and no right without a decided basis).
Outcome = Literal["pass", "fail", "partial", "missing", "observation", "not_applicable", "waived"]
# The outcomes of a krav (the follow-up's lifecycle takes these: a krav is never an observation,
# lint refuses a krav with handlingsplan or vite on a proposed level) …
OUTCOMES: tuple[str, ...] = ("pass", "fail", "partial", "missing", "not_applicable", "waived")
# … and of any finding, as reports count them.
ALL_OUTCOMES: tuple[str, ...] = ("pass", "fail", "partial", "missing", "observation",
                                 "not_applicable", "waived")
OUTCOME_LABELS = {
    "pass": "uppfyllt",
    "fail": "ej uppfyllt",
    "partial": "delvis uppfyllt",
    "missing": "uppgift saknas",
    "observation": "värde för dialogen",
    "not_applicable": "ej tillämplig",
    "waived": "dispens",
}
# The kinds that are indicators for the dialogue: judged against a level only where it is sourced.
OBSERVED_KINDS = ("riktlinje", "malniva", "lag", "dialog")
PROPOSED_LEVEL = "regelbokens förslag, inget beslut"
PROPOSAL_MARK = " [förslag]"
# Outcomes of a krav that call for action (handlingsplan, exit code 1): missing data is never a pass.
SHORTFALLS = ("fail", "partial", "missing")


@dataclass
class Location:
    path: str | None  # dotted path in the submission of the field the rule reads
    line: int | None
    cell: str | None = None  # in a workbook: "Årsbokslut!C41"


@dataclass
class Finding:
    rule_id: str
    kind: str
    title: str
    area: str
    question: str | None
    outcome: str
    observed: Any  # the value read or computed (number, text, date) or None
    observed_text: str  # as a person reads it
    expected: str  # the condition in words, e.g. "mer än 50,0 %"
    explanation: str  # one Swedish sentence on why this outcome
    derivation: str | None
    fields: list[str]
    location: Location
    source: dict
    consequence: dict | None
    missing: list[str] = field(default_factory=list)
    # The rule rests on a proposal, not decided text: a dialogue point, shown with PROPOSAL_MARK
    # in every output (and in letters) until the rulebook names the decided text.
    proposal: bool = False

    @property
    def marked_kind(self) -> str:
        """The kind in words, with [förslag] for a rule that rests on a proposal."""
        return KIND_LABELS.get(self.kind, self.kind) + (PROPOSAL_MARK if self.proposal else "")

    @property
    def is_shortfall(self) -> bool:
        return self.kind == "krav" and self.outcome in SHORTFALLS

    def to_dict(self) -> dict:
        """For JSON. Shallow (dataclasses.asdict deep-copies, which cost more than the check):
        the nested dicts are built per finding and never shared."""
        out = dict(self.__dict__)
        out["location"] = {"path": self.location.path, "line": self.location.line}
        if self.location.cell:
            out["location"]["cell"] = self.location.cell
        return out


def counts(findings: list[Finding]) -> dict[str, int]:
    out = {o: 0 for o in ALL_OUTCOMES}
    for f in findings:
        out[f.outcome] += 1
    return out


class Decided:
    """What a rule decided for a unit, without its explanation (evaluation.decide): the
    fields of its Finding that a county row reads (batch.row_of), with the same values."""

    __slots__ = ("rule_id", "kind", "outcome", "observed", "observed_text", "expected")

    def __init__(self, rule_id: str, kind: str, outcome: str, observed: Any, observed_text: str,
                 expected: str):
        self.rule_id, self.kind, self.outcome = rule_id, kind, outcome
        self.observed, self.observed_text, self.expected = observed, observed_text, expected

    @property
    def is_shortfall(self) -> bool:
        return self.kind == "krav" and self.outcome in SHORTFALLS


def verdict(findings: list[Finding] | list[Decided]) -> str:
    """'pass' when every krav in scope is met (or waived or not applicable), else 'fail'."""
    return "fail" if any(f.is_shortfall for f in findings) else "pass"
