"""A longer fuzzing campaign over `kravkoll check`: many hypothesis examples, figures printed.

Run once by hand (it is not part of the test suite):
    .venv/bin/python benchmarks/fuzz_campaign.py [EXAMPLES]
It runs the two property tests of tests/test_properties.py with EXAMPLES examples each and
prints how many inputs ended in each exit code and how long the slowest one took.
"""

from __future__ import annotations

import collections
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from engine.cli.main import main  # noqa: E402
from tests.test_properties import apply, edit  # noqa: E402

RULEBOOKS = str(ROOT / "rulebooks")


def run(data: bytes, tally: collections.Counter, slowest: list) -> None:
    fd, path = tempfile.mkstemp(suffix=".yaml")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    devnull = open(os.devnull, "w")
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = devnull
    start = time.perf_counter()
    try:
        code = main(["check", path, "--rulebooks", RULEBOOKS, "--format", "json"])
    finally:
        sys.stdout, sys.stderr = old_out, old_err
        devnull.close()
        os.unlink(path)
    elapsed = time.perf_counter() - start
    tally[code] += 1
    slowest[0] = max(slowest[0], elapsed)
    assert code in (0, 1, 2), f"exit {code} for {data[:200]!r}"


def campaign(examples: int) -> None:
    cfg = settings(max_examples=examples, deadline=None, database=None,
                   suppress_health_check=list(HealthCheck))
    for name, strategy, encode in [
        ("godtyckliga byte", st.binary(max_size=4000), lambda d: d),
        ("redigerade exempel", st.lists(edit, min_size=1, max_size=6), lambda e: apply(e).encode()),
    ]:
        tally: collections.Counter = collections.Counter()
        slowest = [0.0]

        @cfg
        @given(strategy)
        def prop(value):
            run(encode(value), tally, slowest)

        start = time.perf_counter()
        prop()
        total = time.perf_counter() - start
        codes = ", ".join(f"slutkod {c}: {n}" for c, n in sorted(tally.items()))
        print(f"{name}: {sum(tally.values())} körningar på {total:.1f} s ({codes}); "
              f"långsammaste {slowest[0] * 1000:.0f} ms; inga tracebacks, inga andra slutkoder")


if __name__ == "__main__":
    campaign(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
