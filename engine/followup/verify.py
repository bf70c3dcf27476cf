"""`kravkoll demands verify`: is the kravliggare what its inputs say it is?

Two independent checks, each naming the journal input (its number, unit, kind and date):

1. The hash chain over the journal (journal_chain.py): an input changed, removed or added
   outside kravkoll breaks it where it was changed.
2. Every journaled submission is read again from where it was registered and evaluated again
   with the rulebook in force for its period, on the day it was registered; its findings are
   compared with the findings the journal holds (and with the check's outcomes in `checks`).
   A rule whose outcome differs is named with both outcomes. A finding the journal holds as
   `waived` (a dispens in force when it was registered) matches a shortfall.

What cannot be checked is said, not passed over: a submission file that is gone or whose
content changed since it was registered, a ledger without the chain (version 2, not written
since kravkoll gained it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from engine.errors import InputError
from engine.evaluate.findings import OUTCOME_LABELS, SHORTFALLS

from .ledger import Ledger


@dataclass(frozen=True)
class Difference:
    input_id: int | None
    hsa_id: str
    kind: str
    date: str
    what: str  # Swedish

    def to_dict(self) -> dict:
        return {"input": self.input_id, "hsa_id": self.hsa_id, "kind": self.kind,
                "date": self.date, "what": self.what}


@dataclass
class Verification:
    path: str
    inputs: int = 0
    checks: int = 0  # submissions evaluated again
    chained: bool = True  # whether the ledger has the chain
    differences: list[Difference] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict:
        return {"ledger": self.path, "inputs": self.inputs, "checks_evaluated": self.checks,
                "chain": self.chained, "clean": self.clean,
                "differences": [d.to_dict() for d in self.differences]}


def _label(outcome: str | None) -> str:
    if outcome is None:
        return "saknas"
    return OUTCOME_LABELS.get(outcome, outcome)


def _normal(data) -> object:
    """As the journal holds it: through JSON (tuples as lists, keys as text)."""
    return json.loads(json.dumps(data, ensure_ascii=False, sort_keys=True, default=str))


def verify(ledger: Ledger, books: list, evaluate) -> Verification:
    """Both checks over the whole journal. `evaluate(path, decided)` gives the CheckResult of
    the submission at `path` evaluated with `books` on `decided` (an InputError when it
    cannot be read)."""
    from .intake import finding_json

    out = Verification(str(ledger.path))
    with ledger.read():
        inputs = ledger.inputs()
        out.inputs = len(inputs)
        out.chained = ledger.has_chain()
        if out.chained:
            out.differences += [Difference(b.input_id, b.hsa_id, b.kind, b.date, b.why)
                                for b in ledger.chain_problems()]
        checks = {c.id: c for c in ledger.checks()}
    for row in inputs:
        if row.kind != "check":
            continue
        c = checks.get(row.check_id)
        diff = _differs(row, c, evaluate, finding_json)
        if c is not None:
            out.checks += 1
        out.differences += [Difference(row.id, row.hsa_id, row.kind, row.date.isoformat(), w)
                            for w in diff]
    out.differences.sort(key=lambda d: (d.input_id is None, d.input_id or 0))
    return out


def _differs(row, c, evaluate, finding_json) -> list[str]:
    if c is None:
        return [f"granskningen (checks.id {row.check_id}) som posten pekar på finns inte"]
    stored = {f["rule_id"]: f for f in row.payload.get("findings", [])}
    found: list[str] = []
    bad_outcomes = sorted(r for r, f in stored.items() if c.outcomes.get(r) != f.get("outcome"))
    bad_outcomes += sorted(r for r in c.outcomes if r not in stored)
    if bad_outcomes:
        found.append("granskningens utfall (tabellen checks) stämmer inte med journalen för "
                     + ", ".join(bad_outcomes))
    try:
        result = evaluate(c.submission_path, c.decided)
    except InputError as exc:
        first = str(exc).splitlines()[0] if str(exc) else ""
        return found + [f"årsbokslutet {c.submission_path} kan inte läsas igen ({first})"]
    if result.submission.sha256 != c.submission_sha256:
        return found + [f"årsbokslutet {c.submission_path} har ändrats sedan det fördes in "
                        f"(sha256 {result.submission.sha256[:12]}…, fört in som "
                        f"{c.submission_sha256[:12]}…); det kan inte granskas igen"]
    book = result.rulebook
    note = ("" if book.sha256 == c.rulebook_sha256 else
            f" (regelboken som gäller nu, {book.model.id}, är inte den som gällde när det "
            "fördes in)")
    again = {f.rule_id: f for f in result.findings}
    outcome_words, detail = [], []
    for rule in sorted(set(stored) | set(again)):
        old, new = stored.get(rule), again.get(rule)
        before = old.get("outcome") if old else None
        now = new.outcome if new else None
        if before == "waived":
            if now not in SHORTFALLS:
                outcome_words.append(f"{rule}: {_label(before)} i journalen, {_label(now)} nu")
            continue
        if before != now:
            outcome_words.append(f"{rule}: {_label(before)} i journalen, {_label(now)} nu")
        elif _normal(finding_json(new)) != _normal(old):
            detail.append(rule)
    if outcome_words:
        found.append("utfallen skiljer: " + "; ".join(outcome_words) + note)
    if detail:
        found.append("fynden skiljer i övrigt (värde, förklaring eller källa) för "
                     + ", ".join(detail) + note)
    return found
