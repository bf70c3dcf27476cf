"""The long intake fuzz campaign (issue 19): mutated templates and survey exports through
`kravkoll check`, every file asserted to end in exit 0, 1 or 2 with no traceback, and a valid
answer read as the visible cell shows it (the properties are in tests/intake_fuzz.py; the test
suite runs a short slice of them, tests/test_intake_fuzz.py).

Run by hand (not part of the test suite):
    .venv/bin/python benchmarks/fuzz_intake.py [FILES]      # default 10 000, split 3:1
    .venv/bin/python benchmarks/fuzz_intake.py --templates 2000 --exports 2500
Prints how many files each part generated, the exit codes and the time it took.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.intake_fuzz import (Tally, csv_noise, export_kind, export_layout,  # noqa: E402
                               export_property, template_property,
                               templates_strategy_saved)


def campaign(templates: int, exports: int) -> None:
    total = Tally()
    began = time.perf_counter()
    for name, examples, strategies, prop in [
        ("mallar (svar, format, dolda rader och blad, formler, datum, XML-skador)", templates,
         templates_strategy_saved(),
         lambda t, case: template_property(*case[0], t, case[1])),
        ("enkätexporter (xlsx och CSV med ; , tabb, BOM, dolda rader, upprepade enheter, brus)",
         exports, st.tuples(export_kind, export_layout, csv_noise),
         lambda t, case: export_property(*case, t)),
    ]:
        if not examples:
            continue
        tally = Tally()
        cfg = settings(max_examples=examples, deadline=None, database=None,
                       suppress_health_check=list(HealthCheck))

        @cfg
        @given(strategies)
        def run(case):
            prop(tally, case)

        start = time.perf_counter()
        run()
        print(tally.line(name, time.perf_counter() - start), flush=True)
        total.files += tally.files
        total.codes.update(tally.codes)
        total.slowest = max(total.slowest, tally.slowest)
    print(total.line("totalt", time.perf_counter() - began), flush=True)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="?", type=int, default=10_000)
    parser.add_argument("--templates", type=int, default=None)
    parser.add_argument("--exports", type=int, default=None)
    args = parser.parse_args()
    if args.templates is None and args.exports is None:
        campaign(args.files * 3 // 4, args.files - args.files * 3 // 4)
    else:
        campaign(args.templates or 0, args.exports or 0)
