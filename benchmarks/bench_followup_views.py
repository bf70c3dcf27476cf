"""What the day-by-day cross-check of money and rights (engine/followup/simulation.py) costs
when the kravliggare is read: `demands list` for every unit, with and without the check.

    .venv/bin/python -m benchmarks.bench_followup_views [UNITS]

Prints seconds per run and per unit; nothing is asserted (speed is measured, never tested).
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from engine.evaluate.evaluation import check, load_submission
from engine.followup import demands, replay, simulation
from engine.followup.ledger import Ledger
from engine.model.library import load_library
from tests.support import variant
from tests.test_ledger_helpers import scenario_rulebooks


def main(units: int = 100) -> None:
    folder = Path(tempfile.mkdtemp())
    books = load_library(scenario_rulebooks(folder / "rulebooks"))
    plan = folder / "plan.pdf"
    plan.write_bytes(b"plan")
    start = dt.date(2024, 3, 25)
    with Ledger(folder / "k.sqlite") as ledger:
        t0 = time.perf_counter()
        for n in range(units):
            hsa = f"SE2321000207-E{n:011d}"
            path = variant(folder, {"enhet.hsa_id": hsa, "enhet.namn": f"Enhet {n}",
                                    "verksamhet.jour_och_beredskap": "nej",
                                    "listning.nekade_listningar_i_strid_med_reglerna": 2},
                           f"u{n}.yaml")
            demands.register(ledger, check(load_submission(str(path)), books), start)
            demands.record_refusal(ledger, hsa, "JHV-LIS-01", start, 2)
            demands.record_forelaggande(ledger, hsa, ["JHV-VER-01"], dt.date(2024, 6, 3),
                                        f"RS/{n}/2024", frist_days=45, vasentlig=True)
        print(f"{units} enheter registrerade på {time.perf_counter() - t0:.1f} s")
        as_of = dt.date(2025, 1, 1)
        for label, check_on in (("med dag-för-dag-kontroll", True), ("utan kontroll", False)):
            real = simulation.verify
            if not check_on:
                simulation.verify = lambda views: None
            try:
                best = None
                for _ in range(3):
                    t0 = time.perf_counter()
                    with ledger.read():
                        vs = replay.views(ledger, as_of)
                    took = time.perf_counter() - t0
                    best = took if best is None else min(best, took)
            finally:
                simulation.verify = real
            print(f"{label}: {len(vs)} krav, {best:.3f} s ({best / units * 1000:.2f} ms per enhet)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
