"""A peer for the benchmark: the core krav of the 2023 rulebook as a GoRules zen-engine decision.

zen_core_krav.json (JDM) holds the deadline (JHV-INL-01), the two staffing shares (JHV-BEM-01,
JHV-BEM-03, strict "mer än 50 %"), the SÄBO riktlinjer (JHV-SAB-01, JHV-SAB-02, only for units
with the SÄBO uppdrag) and informationssäkerhet (JHV-INF-01..07, only for extern regi), with the
same outcomes as kravkoll: pass, fail, partial, missing, not_applicable. It returns outcomes
only, no evidence. It reads the same parsed data (the pydantic Submission) through `context()`.

Needs `pip install zen-engine` (the `bench` extra).
"""

from __future__ import annotations

import json
from pathlib import Path

DECISION = Path(__file__).with_name("zen_core_krav.json")
CORE_RULES = ("JHV-INL-01", "JHV-BEM-01", "JHV-BEM-03", "JHV-SAB-01", "JHV-SAB-02", "JHV-INF-01",
              "JHV-INF-02", "JHV-INF-03", "JHV-INF-04", "JHV-INF-05", "JHV-INF-06", "JHV-INF-07")


def _get(obj, path: str):
    for part in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj


def context(s) -> dict:
    """The decision's input from a parsed Submission (engine.model.form.default_model())."""
    return {
        "regi": s.enhet.regi,
        "tillaggsuppdrag": list(s.enhet.tillaggsuppdrag),
        "inlamnad": s.inlamnad.isoformat() if s.inlamnad else None,
        "lakare_totalt": _get(s, "bemanning.lakare_arsarbetare.totalt"),
        "lakare_at_bt_st": _get(s, "bemanning.lakare_arsarbetare.at_bt_st"),
        "lakare_specialister": _get(s, "bemanning.lakare_arsarbetare.specialister_allmanmedicin"),
        "ssk_totalt": _get(s, "bemanning.sjukskoterskor_arsarbetare.totalt"),
        "ssk_distriktsskoterskor": _get(s, "bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor"),
        "sabo_nyinflyttade": _get(s, "sabo.nyinflyttade"),
        "sabo_erbjudna": _get(s, "sabo.erbjudna_lakarundersokning_inom_6_veckor"),
        "sabo_lmg_procent": _get(s, "sabo.boende_med_arlig_lakemedelsgenomgang_procent"),
        "inf_redogorelse": _get(s, "informationssakerhet.redogorelse_skadlig_kod_och_phishing"),
        "inf_registerkoordinator": _get(s, "informationssakerhet.lokal_registerkoordinator"),
        "inf_reservrutiner": _get(s, "informationssakerhet.reservrutiner_kritiska_it_stod"),
        "inf_e_utbildning_procent": _get(s, "informationssakerhet.e_utbildning_genomford_procent"),
        "inf_kontaktperson": _get(s, "informationssakerhet.kontaktperson_sakerhet"),
        "inf_patientsakerhetsberattelse": _get(
            s, "informationssakerhet.redovisat_i_patientsakerhetsberattelsen"),
        "inf_behorighetsrutiner": _get(s, "informationssakerhet.behorighetsrutiner_dokumenterade"),
    }


class ZenPeer:
    """The decision loaded once (zen compiles and caches it by key) and evaluated per submission."""

    def __init__(self):
        import zen

        content = json.loads(DECISION.read_text(encoding="utf-8"))
        self._engine = zen.ZenEngine({"loader": {"type": "static", "content": {"karnkrav": content}}})

    def evaluate(self, submission) -> dict[str, str]:
        return self._engine.evaluate("karnkrav", context(submission))["result"]
