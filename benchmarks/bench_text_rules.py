"""What the text rules and the journal's hash chain cost (issue 19). Prints figures; asserts
nothing about time.

    .venv/bin/python benchmarks/bench_text_rules.py

1. Validating a county's submissions (the Jämtland 2023 units) against their form's model,
   which now checks every text answer by engine/read/text_rules.py.
2. Drawing the county overview of those units on rich's Console and on the SafeConsole every
   terminal report now uses.
3. Sealing one journal input (journal_chain.extend: one row read back and one sha256) for a
   check input of a typical size, and verifying a journal of 1 000 inputs.
"""

from __future__ import annotations

import io
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def best(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    from engine.evaluate.evaluation import check, load_submission
    from engine.model.form import validate_submission
    from engine.model.library import load_library
    from engine.read.text_rules import check as text_check
    from engine.read.yamlstrict import load_file

    units = sorted((ROOT / "submissions" / "jamtland" / "2023").glob("*.yaml"))
    docs = [load_file(p) for p in units]
    validate_submission(docs[0])  # the model built once
    t = best(lambda: [validate_submission(d) for d in docs])
    print(f"validera {len(docs)} årsbokslut (med textreglerna): {t * 1000:.1f} ms "
          f"({t / len(docs) * 1000:.2f} ms per enhet)")
    words = ["Hälsocentralen Exempelbyn", "Vi har anställt två nya distriktssköterskor.\n" * 20]
    n = 100_000
    t = best(lambda: [text_check(words[i % 2]) for i in range(n)], 3)
    print(f"textreglerna: {t / n * 1e6:.2f} µs per text")

    from rich.console import Console

    from engine.evaluate.batch import Entry, Summary, row_of
    from engine.report import overview
    from engine.report.console import SafeConsole

    books = load_library(ROOT / "rulebooks")
    results = [check(load_submission(str(p)), books) for p in units]
    summary = Summary({r.rulebook.sha256: r.rulebook for r in results})
    for r in results:
        summary.add(Entry(r.submission.path, row_of(r), None, None))

    def draw(kind):
        console = kind(file=io.StringIO(), width=120, force_terminal=True, color_system="truecolor")
        overview.render(summary, console, "jamtland/2023")

    plain, safe = best(lambda: draw(Console), 5), best(lambda: draw(SafeConsole), 5)
    print(f"länsöversikten på terminalen: Console {plain * 1000:.1f} ms, SafeConsole "
          f"{safe * 1000:.1f} ms ({(safe / plain - 1) * 100:+.0f} %)")

    from engine.followup import journal_chain
    from engine.followup.ledger import JOURNAL, _statements

    db = sqlite3.connect(":memory:", isolation_level=None)
    schema = "CREATE TABLE checks (id INTEGER PRIMARY KEY);\n" + JOURNAL + journal_chain.SCHEMA
    for statement in _statements(schema):
        db.execute(statement)
    payload = '{"findings": "' + "x" * 45_000 + '"}'  # a check input is about 45 kB
    db.execute("BEGIN")
    times = []
    for i in range(1, 1001):
        db.execute("INSERT INTO inputs VALUES (?, 'SE2321000207-E00000000042', 'check', "
                   "'2024-03-01', NULL, ?)", (i, payload))
        t0 = time.perf_counter()
        journal_chain.extend(db, i)
        times.append(time.perf_counter() - t0)
    db.execute("COMMIT")
    print(f"försegla en post (45 kB): median {statistics.median(times) * 1e6:.0f} µs")
    t = best(lambda: journal_chain.problems(db), 3)
    print(f"kontrollera kedjan för 1 000 poster: {t * 1000:.0f} ms")


if __name__ == "__main__":
    main()
