"""`demands register` skips what the ledger already holds: a file whose content (sha256) is
registered is neither read as YAML nor checked, so a re-run with nothing new costs little more
than hashing the files.

Its registration is rebuilt from the ledger's own record: the same lines as when it was checked
again and found registered ("Redan registrerat", nothing changes), with the path given now, and
the rulebook and dispensations the record holds (the ones it was registered with).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from types import SimpleNamespace

from engine.errors import InputError
from engine.evaluate.batch import SUBMISSION_SUFFIXES
from engine.read.yamlstrict import MAX_BYTES


def _sha256(path: str) -> str | None:
    """The content hash load_file would give, or None (not a plain YAML file, unreadable, too
    large): then the file is read and checked as always, and any problem reported as always."""
    if Path(path).suffix.lower() not in SUBMISSION_SUFFIXES:
        return None
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError:
        return None
    if len(raw) > MAX_BYTES:
        return None
    return hashlib.sha256(raw).hexdigest()


def registered(ledger_path: Path, files: list[str], decided: dt.date) -> dict[str, object]:
    """{path: its Registration (already=True)} for the files whose content the ledger holds."""
    from engine.followup.demands import Registration
    from engine.followup.ledger import Ledger

    if not ledger_path.is_file():
        return {}
    try:
        ledger = Ledger(ledger_path, create=False, readonly=True)
    except InputError:  # empty, or not a ledger: the ordinary path says so, or creates it
        return {}
    out: dict[str, object] = {}
    with ledger:
        for path in files:
            sha = _sha256(path)
            row = ledger.check_by_sha(sha) if sha else None
            if row is None:
                continue
            if row.inlamnad and decided < row.inlamnad:  # as demands.register refuses it
                raise InputError.single(path, f"beslutsdagen {decided} ligger före "
                                        f"årsbokslutets inlämningsdag {row.inlamnad}", "inlamnad")
            out[path] = Registration(_result(path, row), row.decided, _waived(row), [], True,
                                     row.id)
    return out


def _result(path: str, row) -> SimpleNamespace:
    """What the output reads of a CheckResult, from the ledger's record."""
    unit = SimpleNamespace(hsa_id=row.hsa_id, namn=row.unit_name)
    model = SimpleNamespace(period=row.period, inlamnad=row.inlamnad, enhet=unit)
    submission = SimpleNamespace(path=path, sha256=row.submission_sha256, model=model)
    rulebook = SimpleNamespace(model=SimpleNamespace(id=row.rulebook_id),
                               sha256=row.rulebook_sha256)
    return SimpleNamespace(submission=submission, rulebook=rulebook)


def _waived(row) -> list[SimpleNamespace]:
    return [SimpleNamespace(rule_id=rule_id, outcome=outcome)
            for rule_id, outcome in row.outcomes.items() if outcome == "waived"]


# --- one file at a time -------------------------------------------------------------------------

def ordered(new: list[str], known: dict[str, object], books, key) -> list[tuple[str, object]]:
    """(path, its known Registration or None) in registration order (`key` of a CheckResult).
    The new files are read here once for their unit, period and day and checked later, one at
    a time, so that a county's results are never held together. Whatever makes a file
    unusable (it cannot be read, no rulebook is in force for it) is refused here, before
    anything is registered, as when every file was checked first."""
    from engine.evaluate.evaluation import load_submission
    from engine.model.library import select

    items, units = [], {}
    for path in new:
        sub = load_submission(path)
        select(books, sub.model, sub.path, sub.doc.locate)
        # the unit and year only: a county's parsed submissions are never held together
        # (every answer of 50 000 of them came to 600 MB)
        units[path] = (sub.model.enhet.hsa_id, sub.model.period)
        items.append((key(SimpleNamespace(submission=sub)), path, None))
    items += [(key(reg.result), path, reg) for path, reg in known.items()]
    for path, reg in known.items():
        model = reg.result.submission.model
        units[path] = (model.enhet.hsa_id, model.period)
    _refuse_twice([(path, *units[path]) for _, path, _reg in items])
    items.sort(key=lambda item: item[0])
    return [(path, reg) for _, path, reg in items]


def _refuse_twice(units: list[tuple[str, str, int]]) -> None:
    """The same unit and period twice in one run (a resubmission saved beside the first, a row
    repeated) is refused before anything is registered, naming both files."""
    from engine.errors import Problem
    from engine.read.yamlstrict import shown_name

    seen: dict[tuple, str] = {}
    problems = []
    for path, hsa_id, period in units:
        unit = (hsa_id.upper(), period)
        if unit in seen:
            problems.append(Problem(f"{shown_name(path)}: samma enhet ({hsa_id}) och "
                                    f"period ({period}) som {shown_name(seen[unit])}; en "
                                    "körning registrerar varje enhet och år en gång: ta bort den "
                                    "ena (en rättelse registreras i en egen körning)"))
            continue
        seen[unit] = path
    if problems:
        raise InputError(None, problems)


def light(reg):
    """A Registration with only what the output shows (the check's findings and the parsed
    submission are let go)."""
    from engine.followup.demands import Registration

    result, model = reg.result, reg.result.submission.model
    row = SimpleNamespace(hsa_id=model.enhet.hsa_id, unit_name=model.enhet.namn,
                          period=model.period, inlamnad=model.inlamnad,
                          submission_sha256=result.submission.sha256,
                          rulebook_id=result.rulebook.model.id,
                          rulebook_sha256=result.rulebook.sha256)
    return Registration(_result(result.submission.path, row), reg.decided,
                        [f for f in reg.findings if f.outcome == "waived"], reg.changes,
                        reg.already, reg.check_id)
