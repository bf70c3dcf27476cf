"""A long campaign of the cross-check properties: durable_rules against the interpreter.

Run by hand (not part of the test suite):
    .venv/bin/python benchmarks/crosscheck_campaign.py --examples 100000 [--seed 1]

It runs the two properties of tests/test_crosscheck.py with random examples: generated
rulebooks with submissions (each decided by durable_rules, checked by crosscheck.py and by the
rules' own words), and histories of demands through the lifecycle (durable_rules, the
interpreter and the table read as data). --examples is the total, split evenly between the two.

durable_rules never frees a ruleset, so the examples run in chunks, each in a fresh process,
one after the other (one core). Each chunk reports what it saw; the totals printed at the end:
examples run, distinct rulebooks, facts and event sequences, time, and every disagreement with
hypothesis' smallest example for it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _digest(obj) -> str:
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def run_chunk(prop: str, examples: int, seed: int) -> dict:
    """In this process: one property, `examples` random examples from `seed`."""
    sys.path.insert(0, str(ROOT))
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as with_seed

    from tests import test_crosscheck as t

    seen = {"examples": 0, "rulebooks": set(), "facts": set(), "sequences": set(),
            "steps": 0, "submissions": 0}
    cfg = settings(max_examples=examples, deadline=None, database=None, derandomize=False,
                   suppress_health_check=list(HealthCheck), print_blob=True)

    if prop == "rulebooks":
        from engine.evaluate.facts import build_facts
        from engine.model.rulebook import Rulebook
        from engine.model.form import default_model
        Submission = default_model()

        @with_seed(seed)
        @cfg
        @given(t.case())
        def prop_test(generated):
            book, subs = generated
            t.decide_all(book, subs)
            seen["examples"] += 1
            seen["submissions"] += len(subs)
            seen["rulebooks"].add(_digest(book))
            model = Rulebook.model_validate(book)
            for s in subs:
                data, previous = t.with_last_year(s)
                for rf in build_facts(model, Submission.model_validate(data),
                                      Submission.model_validate(previous) if previous else None):
                    seen["facts"].add(_digest(rf.fact))
    else:
        from engine.followup import lifecycle

        @with_seed(seed)
        @cfg
        @given(t.histories())
        def prop_test(history):
            start, rounds = history
            steps = t.follow(start, rounds)
            seen["examples"] += 1
            seen["steps"] += len(steps)
            seen["sequences"].add(_digest([[(k, e) for k, e in r] for r in rounds] +
                                          [[s.status, str(s.due)] for s in start]))
            now = {s.key: s for s in start}
            for events in rounds:
                for k, e in events:
                    seen["facts"].add(_digest(lifecycle.fact(now[k], e)))

    failure = None
    started = time.perf_counter()
    try:
        prop_test()
    except BaseException as exc:  # a disagreement, a wrong answer, or an engine error
        failure = f"{type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - started
    return {"prop": prop, "seed": seed, "examples": seen["examples"], "seconds": elapsed,
            "submissions": seen["submissions"], "steps": seen["steps"],
            "rulebooks": sorted(seen["rulebooks"]), "facts": sorted(seen["facts"]),
            "sequences": sorted(seen["sequences"]), "failure": failure}


def campaign(total: int, chunk: int, seed: int) -> int:
    per_prop = total // 2
    totals = {p: {"examples": 0, "seconds": 0.0, "submissions": 0, "steps": 0, "rulebooks": set(),
                  "facts": set(), "sequences": set(), "failures": []}
              for p in ("rulebooks", "lifecycle")}
    started = time.perf_counter()
    n = 0
    for prop in totals:
        left = per_prop
        while left > 0:
            size = min(chunk, left)
            proc = subprocess.run([sys.executable, __file__, "--chunk-of", prop, "--examples",
                                   str(size), "--seed", str(seed + n)],
                                  capture_output=True, text=True, cwd=ROOT)
            n += 1
            left -= size
            if proc.returncode != 0:
                totals[prop]["failures"].append(f"seed {seed + n - 1}: the process ended with "
                                                f"{proc.returncode}: {proc.stderr[-2000:]}")
                continue
            *said, last = proc.stdout.splitlines()
            r = json.loads(last)
            t = totals[prop]
            for key in ("examples", "seconds", "submissions", "steps"):
                t[key] += r[key]
            for key in ("rulebooks", "facts", "sequences"):
                t[key].update(r[key])
            if r["failure"]:
                t["failures"].append(f"seed {r['seed']}: {r['failure']}\n" + "\n".join(said)[-4000:]
                                     + proc.stderr[-2000:])
            print(f"  {prop}: chunk seed {r['seed']}: {r['examples']} examples in "
                  f"{r['seconds']:.0f} s{' – FEL' if r['failure'] else ''}", flush=True)
    wall = time.perf_counter() - started
    rb, lc = totals["rulebooks"], totals["lifecycle"]
    print(f"\nRegelböcker: {rb['examples']} exempel ({rb['submissions']} årsbokslut), "
          f"{len(rb['rulebooks'])} olika regelböcker, {len(rb['facts'])} olika fakta, "
          f"{rb['seconds']:.0f} s")
    print(f"Livscykel:   {lc['examples']} exempel ({lc['steps']} övergångar), "
          f"{len(lc['sequences'])} olika händelseförlopp, {len(lc['facts'])} olika fakta, "
          f"{lc['seconds']:.0f} s")
    failures = rb["failures"] + lc["failures"]
    print(f"Totalt {rb['examples'] + lc['examples']} exempel på {wall:.0f} s; "
          f"oenigheter och fel: {len(failures)}")
    for f in failures:
        print("\n" + f)
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=2000, help="examples per process")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk-of", choices=["rulebooks", "lifecycle"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.chunk_of:
        print(json.dumps(run_chunk(args.chunk_of, args.examples, args.seed)))
        return 0
    return campaign(args.examples, args.chunk, args.seed)


if __name__ == "__main__":
    sys.exit(main())
