#!/usr/bin/env python3
"""How close `kravkoll check` is to the floor on a national-scale corpus, on this machine.

    python benchmarks/bench_check.py                          # 1 200 and 10 000 units
    python benchmarks/bench_check.py --units 1200 --repeat 3  # one size
    python benchmarks/bench_check.py --units 50000 --repeat 1 # the national scale, once
    python benchmarks/bench_check.py --profile                # and where the time of a batch goes

The floor (benchmarks/floor_libyaml.py) reads and parses every file with libyaml
(`yaml.load(f, Loader=yaml.CSafeLoader)`) in a pool of the same number of processes. Every
repetition runs the floor and then each case, side by side, and the ratios are taken per
repetition; the figures are min/median/max over the repetitions. CPU time (the process and the
workers it waited for, from wait4) is the main figure: the machine is shared, so wall time is
noisy. Printed, for each size:
- `kravkoll check FOLDER` in json, html, csv (to standard output and with -o) and xlsx (-o):
  CPU and wall × the floor (targets ≤ 2 ×, xlsx ≤ 3 ×) and peak memory (PSS of the process
  and its workers, sampled every 20 ms; target ≤ 250 MB at 50 000 units);
- `demands register FOLDER` into a new ledger (× the json folder check, target ≤ 1,5 ×) and
  again with nothing new (× the first run, target ≤ 10 %);
then `kravkoll check FILE` CPU with interpreter start (target ≤ 0,15 s) and the evaluation per
submission of the core krav against GoRules zen-engine (benchmarks/zen_peer.py, the `bench`
extra; target ≤ 2 ×), or a line saying it was skipped.

Corpora are written by scripts/generate_corpus.py to the temporary folder, never into the repo.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

EXAMPLE = ROOT / "submissions" / "examples" / "2023" / "exempelbyn.yaml"


def corpus(units: int, folder: str | None) -> Path:
    # A folder of its own under a parent of its own, as a region keeps a year's årsbokslut:
    # the year before (`previous:`) is looked for in the folders beside the checked one.
    path = (Path(folder) if folder else
            Path(tempfile.gettempdir()) / f"kravkoll-bench-{units}" / "arsbokslut")
    if not path.is_dir() or len(list(path.glob("*.yaml"))) != units:
        print(f"Skriver {units} syntetiska årsbokslut till {path} …", flush=True)
        subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_corpus.py"), "--units",
                        str(units), "--out", str(path), "--force"], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    return path


# --- memory of a process tree -------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_measured(cmd: list[str], extra_env: dict | None = None) -> tuple[float, int, int, float]:
    """(wall seconds, peak PSS of the process tree in kB, peak RSS of the main process in kB,
    CPU seconds of the process and its workers),
    sampled from /proc every 20 ms (wait4's ru_maxrss would count the moment between fork and
    exec, when the child still has this benchmark's memory)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(extra_env or {}))
    peak, peak_main = 0, 0
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    done = threading.Event()

    def sample():
        nonlocal peak, peak_main
        while not done.is_set():
            pids = [proc.pid]
            i = 0
            while i < len(pids):
                pids += _children(pids[i])
                i += 1
            peak = max(peak, sum(_pss_kb(p) for p in pids))
            peak_main = max(peak_main, _rss_kb(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    err = proc.stderr.read().decode()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} gav slutkod {code}:\n{err}")
    return wall, peak, peak_main, usage.ru_utime + usage.ru_stime


# --- the measurements ---------------------------------------------------------------------------

def per_submission(subs, repeat: int):
    from zen_peer import CORE_RULES, ZenPeer

    from engine.evaluate.evaluation import check
    from engine.model.library import LoadedRulebook, load_library

    books = load_library(ROOT / "rulebooks")
    book = next(b for b in books if b.model.id == "jamtland-halsoval-2023")
    core = LoadedRulebook(book.model.model_copy(update={"rules": [
        r for r in book.model.rules if r.id in CORE_RULES]}), book.path, book.sha256 + "-karnkrav",
        book.doc)
    peer = ZenPeer()
    mismatches = 0
    for s in subs:  # the peer is only a peer if it decides the same
        ours = {f.rule_id: f.outcome for f in check(s, [core]).findings}
        theirs = peer.evaluate(s.model)
        mismatches += sum(ours[r] != theirs[r] for r in CORE_RULES)

    def timed(fn):
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            for s in subs:
                fn(s)
            times.append((time.perf_counter() - t) / len(subs))
        return min(times)

    from engine.evaluate.evaluation import engine_for
    from engine.evaluate.facts import build_facts

    facts = {id(s): [f.fact for f in build_facts(core.model, s.model)] for s in subs}
    engine = engine_for(core)
    return {
        "zen": timed(lambda s: peer.evaluate(s.model)),
        "core": timed(lambda s: check(s, [core])),
        "core_facts": timed(lambda s: build_facts(core.model, s.model)),
        "core_engine": timed(lambda s: engine.evaluate(facts[id(s)])),
        "full": timed(lambda s: check(s, [book])),
        "mismatches": mismatches,
        "rules": len(CORE_RULES),
        "all_rules": len(book.model.rules),
    }


def stages(files: list[str]) -> dict[str, float]:
    """Seconds per file for each stage of a batch, in one process."""
    from engine.evaluate.evaluation import check, load_submission
    from engine.model.library import load_library
    from engine.read.yamlstrict import load_file
    from engine.report import json_report

    books = load_library(ROOT / "rulebooks")
    t0 = time.perf_counter()
    for f in files:
        load_file(f)
    t1 = time.perf_counter()
    subs = [load_submission(f) for f in files]
    t2 = time.perf_counter()
    results = [check(s, books) for s in subs]
    t3 = time.perf_counter()
    dicts = [json_report.as_dict(r) for r in results]
    t4 = time.perf_counter()
    for d in dicts:
        json_report.dumps(d)
    t5 = time.perf_counter()
    n = len(files)
    return {"yaml": (t1 - t0) / n, "load": (t2 - t1) / n, "check": (t3 - t2) / n,
            "as_dict": (t4 - t3) / n, "dumps": (t5 - t4) / n}


def profile(files: list[str]) -> str:
    from engine.evaluate.evaluation import check, load_submission
    from engine.model.library import load_library
    from engine.report import formats

    books = load_library(ROOT / "rulebooks")
    pr = cProfile.Profile()
    pr.enable()
    for f in files:
        formats.json_unit(check(load_submission(f), books))
    pr.disable()
    out = io.StringIO()
    pstats.Stats(pr, stream=out).sort_stats("tottime").print_stats(12)
    return out.getvalue()


# --- side by side with the floor ---------------------------------------------------------------

FORMAT_CASES = [("json", False), ("json", True), ("html", False), ("html", True), ("csv", False),
                ("csv", True), ("xlsx", True)]
AS_OF = "2024-12-31"  # a decision day after every generated inlämningsdag


def spread(values) -> str:
    """min/median/max of a series."""
    xs = sorted(values)
    return f"{xs[0]:.2f}/{statistics.median(xs):.2f}/{xs[-1]:.2f}"


def side_by_side(folder: Path, workers: int, repeat: int, register: bool) -> dict:
    """Every folder measurement, interleaved: each repetition runs the floor and then every
    case, so that load from other work on the machine falls on both alike. Returns
    {case: [(wall, peak PSS kB, peak main RSS kB, CPU s), one per repetition]}."""
    cli = [sys.executable, "-m", "engine.cli"]
    floor_cmd = [sys.executable, str(ROOT / "benchmarks" / "floor_libyaml.py"), str(folder),
                 "--workers", str(workers)]
    runs: dict[str, list] = {}
    with tempfile.TemporaryDirectory(prefix="kravkoll-bench-out-") as tmp:
        for rep in range(repeat):
            runs.setdefault("floor", []).append(run_measured(floor_cmd))
            for fmt, to_file in FORMAT_CASES:
                cmd = cli + ["check", str(folder), "--format", fmt, "--workers", str(workers)]
                if to_file:
                    cmd += ["-o", os.path.join(tmp, f"rapport.{fmt}"), "--force"]
                key = f"{fmt} {'-o' if to_file else 'stdout'}"
                runs.setdefault(key, []).append(run_measured(cmd))
            if register:
                ledger = os.path.join(tmp, f"kravliggare-{rep}.sqlite")
                cmd = cli + ["demands", "register", str(folder), "--ledger", ledger, "--as-of",
                             AS_OF, "--format", "json"]
                runs.setdefault("register first", []).append(run_measured(cmd))
                runs.setdefault("register again", []).append(run_measured(cmd))
            print(f"    omgång {rep + 1} av {repeat} klar", flush=True)
    return runs


def report_folder(n: int, runs: dict) -> list[tuple[str, str, bool]]:
    """Print the ratios; returns (target, figure, met) for the summary."""
    floor_runs = runs["floor"]
    goals = []
    print(f"\n  Golvet (libyaml, samma antal processer): CPU {spread(r[3] for r in floor_runs)} s, "
          f"vägg {spread(r[0] for r in floor_runs)} s (min/median/max)")
    print("  Mappgranskning mot golvet, kvot per omgång (min/median/max):")
    print(f"    {'fall':14s} {'CPU × golv':>18s} {'vägg × golv':>18s} {'CPU s':>18s} "
          f"{'största minne MB':>18s}")
    for key in [k for k in runs if k not in ("floor", "register first", "register again")]:
        rs = runs[key]
        cpu = [r[3] / f[3] for r, f in zip(rs, floor_runs)]
        wall = [r[0] / f[0] for r, f in zip(rs, floor_runs)]
        print(f"    {key:14s} {spread(cpu):>18s} {spread(wall):>18s} "
              f"{spread(r[3] for r in rs):>18s} {spread(r[1] / 1024 for r in rs):>18s}")
        limit = 3 if key.startswith("xlsx") else 2
        med_cpu, med_wall = statistics.median(cpu), statistics.median(wall)
        goals.append((f"{n} enheter, {key}: CPU och vägg ≤ {limit} × golvet",
                      f"CPU {med_cpu:.2f} ×, vägg {med_wall:.2f} × (median)",
                      med_cpu <= limit and med_wall <= limit))
        peak = max(r[1] for r in rs) / 1024
        goals.append((f"{n} enheter, {key}: största minne ≤ 250 MB (mål vid 50 000)",
                      f"{peak:.0f} MB", peak <= 250))
    if "register first" in runs:
        first, again = runs["register first"], runs["register again"]
        check = runs["json stdout"]
        r1 = [a[3] / c[3] for a, c in zip(first, check)]
        r2 = [b[3] / a[3] for a, b in zip(first, again)]
        print(f"    demands register, första körningen: CPU {spread(r[3] for r in first)} s = "
              f"{spread(r1)} × mappgranskning (json), största minne "
              f"{spread(r[1] / 1024 for r in first)} MB")
        print(f"    demands register igen, inget nytt:   CPU {spread(r[3] for r in again)} s = "
              f"{spread(r2)} × första körningen")
        goals.append((f"{n} enheter, demands register första gången ≤ 1,5 × mappgranskning",
                      f"{statistics.median(r1):.2f} ×", statistics.median(r1) <= 1.5))
        goals.append((f"{n} enheter, demands register igen ≤ 10 % av första",
                      f"{statistics.median(r2) * 100:.0f} %", statistics.median(r2) <= 0.10))
        peak = max(r[1] for r in first) / 1024
        goals.append((f"{n} enheter, demands register: största minne ≤ 250 MB",
                      f"{peak:.0f} MB", peak <= 250))
    return goals


def one_file(repeat: int) -> list[tuple[str, str, bool]]:
    """`kravkoll check FILE --format json`, interpreter start included, beside a bare
    interpreter start (what no Python program can go below)."""
    cli = [sys.executable, "-m", "engine.cli", "check", str(EXAMPLE), "--format", "json"]
    bare = [sys.executable, "-c", "pass"]
    ours, cold, python = [], [], []
    run_measured(cli)  # the library cache (engine/model/library_cache.py) as after any run
    for _ in range(repeat):
        python.append(run_measured(bare))
        ours.append(run_measured(cli))
        cold.append(run_measured(cli, {"KRAVKOLL_CACHE": "0"}))
    cpu = [r[3] for r in ours]
    print(f"  kravkoll check exempelbyn.yaml --format json: CPU {spread(cpu)} s, vägg "
          f"{spread(r[0] for r in ours)} s (utan regelbokscachen: CPU "
          f"{spread(r[3] for r in cold)} s); en tom Python-start: CPU "
          f"{spread(r[3] for r in python)} s")
    med = statistics.median(cpu)
    return [("en fil: CPU ≤ 0,15 s med uppstart", f"{med:.3f} s (median)", med <= 0.15)]


def evaluation(files: list[str], repeat: int) -> list[tuple[str, str, bool]]:
    try:
        import zen  # noqa: F401
    except ImportError:
        print("  utvärdering mot zen-engine: hoppas över (zen-engine saknas; "
              "pip install -e '.[bench]')")
        return [("utvärdering ≤ 2 × zen-engine", "ej mätt (zen-engine saknas)", False)]
    from engine.evaluate.evaluation import load_submission

    subs = [load_submission(f) for f in files]
    ratios, ours, theirs, d = [], [], [], None
    for _ in range(repeat):
        d = per_submission(subs, 1)
        ratios.append(d["core"] / d["zen"])
        ours.append(d["core"] * 1e6)
        theirs.append(d["zen"] * 1e6)
    print(f"  utvärdering per årsbokslut ({len(subs)} st, {d['rules']} kärnkrav): kravkoll "
          f"{spread(ours)} µs, zen-engine {spread(theirs)} µs = {spread(ratios)} × zen "
          f"(durable_rules {d['core_engine'] * 1e6:.0f} µs, fakta {d['core_facts'] * 1e6:.0f} µs; "
          f"hela regelboken {d['full'] * 1e6:.0f} µs); samma utfall: "
          f"{'ja' if d['mismatches'] == 0 else 'NEJ, ' + str(d['mismatches']) + ' skillnader'}")
    med = statistics.median(ratios)
    return [("utvärdering ≤ 2 × zen-engine", f"{med:.1f} × (median)", med <= 2)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, nargs="+", default=[1200, 10000],
                    help="storlekar (standard 1200 10000; 50000 på begäran)")
    ap.add_argument("--corpus", default=None,
                    help="mapp med årsbokslut (bara med en storlek; skrivs om den saknas)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                    help="processer för både kravkoll och golvet (standard: tillgängliga CPU:er)")
    ap.add_argument("--no-register", action="store_true", help="hoppa över demands register")
    ap.add_argument("--profile", action="store_true", help="visa var tiden går (cProfile)")
    args = ap.parse_args()

    load = os.getloadavg()[0]
    print(f"Maskin: {os.cpu_count()} kärnor ({len(os.sched_getaffinity(0))} tillgängliga), "
          f"Python {sys.version.split()[0]}, last {load:.1f}; {args.workers} processer; "
          f"{args.repeat} omgångar, kravkoll och golvet omväxlande i varje. CPU-tid "
          "(processen och dess arbetare) är huvudmåttet; väggtid störs av annat arbete.",
          flush=True)
    goals = []
    files: list[str] = []
    for n in args.units:
        folder = corpus(n, args.corpus if len(args.units) == 1 else None)
        files = sorted(str(p) for p in folder.glob("*.yaml"))
        print(f"\n{n} enheter ({folder}):", flush=True)
        goals += report_folder(n, side_by_side(folder, args.workers, args.repeat,
                                               not args.no_register))
    print("\nEn fil och utvärderingen:", flush=True)
    goals += one_file(max(5, args.repeat * 2))
    goals += evaluation(files[:300], args.repeat)

    print("\nMål (median av kvoterna):")
    for target, figure, met in goals:
        print(f"  {'uppfyllt ' if met else 'EJ uppfyllt'}  {target}: {figure}")

    if args.profile:
        sample = files[:300]
        st = stages(sample)
        print(f"\nVar tiden går i en process, per fil ({len(sample)} filer): läsa och validera "
              f"{st['load'] * 1000:.2f} ms (varav YAML {st['yaml'] * 1000:.2f} ms), granska "
              f"{st['check'] * 1000:.2f} ms, fynden som dict {st['as_dict'] * 1000:.2f} ms, "
              f"JSON-text {st['dumps'] * 1000:.2f} ms.")
        print("\nProfil (cProfile) av samma arbete, sorterat på egen tid:")
        print(profile(sample))
    return 0


if __name__ == "__main__":
    sys.exit(main())
