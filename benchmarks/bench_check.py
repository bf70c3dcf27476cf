#!/usr/bin/env python3
"""How fast `kravkoll check` is on a national-scale corpus, on this machine.

    python benchmarks/bench_check.py                 # 1 200 units, written to a temp folder once
    python benchmarks/bench_check.py --profile       # and where the time of a batch goes

Prints (a) the floor: loading and validating every file, no rule evaluated, in this process;
(b) `kravkoll check FOLDER --format json` wall time, interpreter start included (and with
--workers 1, for the gain of the pool); (c) `kravkoll check` on the single example, interpreter
start included; (d) evaluation per submission on the same parsed data: the core krav in
kravkoll and in GoRules zen-engine (benchmarks/zen_peer.py), plus the whole rulebook in kravkoll;
(e) peak memory of (b) (proportional set size of the process and its workers), for 300, 600
and 1 200 files. Then the targets: (b) ≤ 2 × (a), (c) < 0,5 s, kravkoll's evaluation no slower
than zen-engine's, memory that does not grow with the number of files.

Needs the `bench` extra (zen-engine); pyinstrument is not needed (cProfile is used).
Timings are the best of --repeat runs; other work on the machine shows up as noise.
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
    path = Path(folder) if folder else Path(tempfile.gettempdir()) / f"kravkoll-bench-{units}"
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


def run_measured(cmd: list[str]) -> tuple[float, int, int, float]:
    """(wall seconds, peak PSS of the process tree in kB, peak RSS of the main process in kB,
    CPU seconds of the process and its workers),
    sampled from /proc every 20 ms (wait4's ru_maxrss would count the moment between fork and
    exec, when the child still has this benchmark's memory)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
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


def best(fn, repeat: int):
    results = [fn() for _ in range(repeat)]
    return min(results, key=lambda r: r[0] if isinstance(r, tuple) else r), results


# --- the measurements ---------------------------------------------------------------------------

def floor(files: list[str], repeat: int):
    from engine.evaluate.evaluation import load_submission

    times, cpu, subs = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        subs = [load_submission(f) for f in files]
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(times), min(cpu), subs


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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=1200)
    ap.add_argument("--corpus", default=None, help="mapp med årsbokslut (skrivs om den saknas)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="visa var tiden går (cProfile)")
    args = ap.parse_args()

    folder = corpus(args.units, args.corpus)
    files = sorted(str(p) for p in folder.glob("*.yaml"))
    cli = [sys.executable, "-m", "engine.cli", "check"]
    print(f"Maskin: {os.cpu_count()} kärnor, Python {sys.version.split()[0]}; {len(files)} filer "
          f"i {folder}; bäst av {args.repeat}.\n", flush=True)

    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"Obs: maskinen har last {load:.1f} av annat arbete; väggtiderna blir längre än på "
              "en ledig maskin (CPU-tiderna påverkas mindre).\n")
    a, a_cpu, subs = floor(files, args.repeat)
    print(f"(a) golv, läsa och validera alla filer i samma process:  {a:7.2f} s "
          f"({a / len(files) * 1000:.1f} ms per fil; CPU {a_cpu:.2f} s)", flush=True)

    (b, _, _, b_cpu), _ = best(lambda: run_measured(cli + [str(folder), "--format", "json"]),
                               args.repeat)
    print(f"(b) kravkoll check MAPP --format json:                    {b:7.2f} s "
          f"= {b / a:.2f} × (a)  (CPU {b_cpu:.2f} s i 2 arbetare och huvudprocessen)", flush=True)
    (b1, _, _, b1_cpu), _ = best(lambda: run_measured(cli + [str(folder), "--format", "json",
                                                              "--workers", "1"]), 1)
    print(f"    samma med --workers 1 (en process):                   {b1:7.2f} s "
          f"= {b1 / a:.2f} × (a)  (CPU {b1_cpu:.2f} s)", flush=True)

    _, runs = best(lambda: run_measured(cli + [str(EXAMPLE)]), max(5, args.repeat * 2))
    c_times = sorted(r[0] for r in runs)
    print(f"(c) kravkoll check exempelbyn.yaml (med uppstart):        {c_times[0]:7.3f} s "
          f"(median {statistics.median(c_times):.3f} s)", flush=True)

    d = per_submission(subs, args.repeat)
    print("(d) utvärdering per årsbokslut, samma inlästa data:")
    print(f"    zen-engine, {d['rules']} kärnkrav (bara utfall):              "
          f"{d['zen'] * 1e6:7.0f} µs")
    print(f"    kravkoll, samma {d['rules']} kärnkrav (utfall och underlag):   "
          f"{d['core'] * 1e6:7.0f} µs = {d['core'] / d['zen']:.1f} × zen-engine")
    rest = d["core"] - d["core_facts"] - d["core_engine"]
    print(f"      varav fakta och härledda mått {d['core_facts'] * 1e6:.0f} µs, durable_rules "
          f"{d['core_engine'] * 1e6:.0f} µs, fynd med underlag och följd {rest * 1e6:.0f} µs")
    print(f"    kravkoll, hela regelboken ({d['all_rules']} regler):             "
          f"{d['full'] * 1e6:7.0f} µs")
    print(f"    samma utfall i båda: {'ja' if d['mismatches'] == 0 else 'NEJ, ' + str(d['mismatches']) + ' skillnader'}",
          flush=True)

    print("(e) största minne för (b), processen och dess arbetare (PSS):")
    mems = {}
    for n in sorted({len(files) // 4, len(files) // 2, len(files)}):
        subset = files[:n]
        (_, mem, rss, _), _ = best(lambda: run_measured(cli + subset + ["--format", "json"]), 1)
        mems[n] = mem
        print(f"    {n:5d} filer: {mem / 1024:6.1f} MB (huvudprocessen högst {rss / 1024:.1f} MB RSS)",
              flush=True)

    print("\nMål:")
    print(f"  (b) ≤ 2 × (a):                 {b / a:.2f} × (a)  {'uppfyllt' if b <= 2 * a else 'EJ uppfyllt'}")
    print(f"  (c) < 0,5 s:                   {c_times[0]:.3f} s  {'uppfyllt' if c_times[0] < 0.5 else 'EJ uppfyllt'}")
    ratio = d["core"] / d["zen"]
    print(f"  (d) inte långsammare än zen:   {ratio:.1f} × zen  {'uppfyllt' if ratio <= 1 else 'EJ uppfyllt'}")
    smallest, largest = min(mems), max(mems)
    growth = mems[largest] / mems[smallest]
    print(f"  (e) minnet växer inte med antalet filer: {smallest} → {largest} filer "
          f"× {growth:.2f}  {'uppfyllt' if growth < 1.25 else 'EJ uppfyllt'}")

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
