"""What every report format says the same way: identity of inputs and engine, Swedish labels."""

from __future__ import annotations

from engine import identity
from engine.evaluate.evaluation import CheckResult
from engine.evaluate.findings import counts
from engine.model.rulebook import SOURCE_STATUS_LABELS

AREA_ORDER = ("Inlämning", "Verksamhet", "Struktur för kvalitet", "Kvalitet", "SÄBO",
              "Informationssäkerhet", "Listning")


def header(result: CheckResult) -> dict:
    """The identity block shared by JSON, SARIF, JUnit and HTML outputs."""
    book, sub = result.rulebook, result.submission
    return {
        "engine": identity(),
        "rulebook": {"id": book.model.id, "title": book.model.title, "version": book.model.version,
                     "region": book.model.region, "valid_from": book.model.valid_from.isoformat(),
                     "valid_to": book.model.valid_to.isoformat(), "path": book.path,
                     "sha256": book.sha256},
        "submission": {"path": sub.path, "sha256": sub.sha256, "formular": sub.model.formular,
                       "unit": {"name": sub.model.enhet.namn, "hsa_id": sub.model.enhet.hsa_id,
                                "regi": sub.model.enhet.regi},
                       "period": sub.model.period,
                       "inlamnad": sub.model.inlamnad.isoformat() if sub.model.inlamnad else None},
        "as_of": result.as_of.isoformat(),
        "verdict": result.verdict,
        "counts": counts(result.findings),
    }


def source_reference(src: dict) -> str:
    """'Årsbokslut Hälsoval 2023 …, 2.3.3 (l.410–412) [förslag]': where a finding's rule is written."""
    where = f"{src['document_title']}, {src['section']}"
    if src.get("lines"):
        where += f" ({src['lines']})"
    if src.get("status") in SOURCE_STATUS_LABELS:
        where += f" [{SOURCE_STATUS_LABELS[src['status']]}]"
    return where


def grouped(result: CheckResult) -> list[tuple[str, list]]:
    """Findings by area, areas in the order of the årsbokslut form, rules in rulebook order."""
    areas: dict[str, list] = {}
    for f in result.findings:
        areas.setdefault(f.area, []).append(f)
    order = {a: i for i, a in enumerate(AREA_ORDER)}
    return sorted(areas.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
