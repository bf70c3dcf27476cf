#!/usr/bin/env python3
"""`kravkoll serve` under load, on the loopback interface only, bounded in count and time.

    python benchmarks/bench_serve.py                 # 1 200 units, 20 readers, 4 writers
    python benchmarks/bench_serve.py --units 200 --requests 10

A county of N synthetic units (scripts/generate_corpus.py, as benchmarks/bench_check.py makes
it) is registered into a new kravliggare; `kravkoll serve` is started on 127.0.0.1 and a free
port (waitress, as a user starts it); the readers sign in and fetch Idag, Länet, an Enhet and a
Krav page in turn, while the writers record a föreläggande each on demands of their own, through
the confirmation page. Printed: p50/p95/max per page, the start page (Idag) alone, decisions
confirmed vs. journaled (lost, doubled), and PRAGMA integrity_check afterwards.
Targets (issue 21): p95 ≤ 300 ms, start page ≤ 150 ms, nothing lost or doubled, integrity ok.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
KRAVKOLL = [sys.executable, "-m", "engine.cli"]
PASSWORD = "bench-losenord-1"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    def __init__(self, base: str, name: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect())
        page = self.get("/logga-in")[1]
        self.post("/logga-in", {"namn": name, "losenord": PASSWORD, "csrf_token": _token(page)})
        self.csrf = _token(self.get("/idag")[1])

    def get(self, path: str) -> tuple[int, str, float]:
        t = time.perf_counter()
        with self.opener.open(self.base + path, timeout=60) as r:
            body = r.read().decode()
            return r.status, body, time.perf_counter() - t

    def post(self, path: str, data: dict) -> tuple[int, float]:
        t = time.perf_counter()
        req = urllib.request.Request(self.base + path, urllib.parse.urlencode(data).encode())
        try:
            with self.opener.open(req, timeout=60) as r:
                r.read()
                return r.status, time.perf_counter() - t
        except urllib.error.HTTPError as e:
            return e.code, time.perf_counter() - t


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def pct(values, p) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=1200)
    ap.add_argument("--readers", type=int, default=20)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--requests", type=int, default=20, help="sidor per läsare")
    ap.add_argument("--decisions", type=int, default=5, help="beslut per skrivare")
    ap.add_argument("--timeout", type=float, default=300, help="längsta tid för lasten, sekunder")
    args = ap.parse_args()
    from bench_check import corpus

    work = Path(tempfile.mkdtemp(prefix="kravkoll-serve-"))
    folder = corpus(args.units, None)
    ledger = work / "kravliggare.sqlite"
    t = time.perf_counter()
    subprocess.run(KRAVKOLL + ["demands", "register", str(folder), "--ledger", str(ledger),
                               "--as-of", "2024-04-02", "--format", "json"], check=True,
                   cwd=ROOT, stdout=subprocess.DEVNULL)
    print(f"{args.units} enheter registrerade på {time.perf_counter() - t:.1f} s")
    names = ["admin"] + [f"las{i}" for i in range(args.readers)] + [f"skriv{i}" for i in range(args.writers)]
    for n in names:
        role = "lasare" if n.startswith("las") else "handlaggare"
        subprocess.run(KRAVKOLL + ["users", "add", n, "--roll", role, "--ledger", str(ledger)],
                       input=(PASSWORD + "\n").encode(), check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    port = _port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(KRAVKOLL + ["serve", "--port", str(port), "--ledger", str(ledger),
                                          "--threads", "8"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        server.stdout.readline()  # the line saying where it listens
        admin = Session(base, "admin")
        t = time.perf_counter()
        admin.get("/idag")  # the first derivation of the county (warm-up), timed apart
        print(f"första Idag (hela länet härleds): {(time.perf_counter() - t) * 1000:.0f} ms")
        listed = subprocess.run(KRAVKOLL + ["demands", "list", "--ledger", str(ledger), "--format",
                                            "json", "--as-of", "2024-09-01"], cwd=ROOT,
                                capture_output=True, check=True).stdout
        import json

        demands = [d for d in json.loads(listed)["demands"] if d["status"] in ("kravd", "inkommen", "forsenad", "godkand")]
        krav = sorted({f"/enhet/{d['hsa_id']}/krav/{d['rule_id']}/{d['period']}" for d in demands})
        units = sorted({f"/enhet/{d['hsa_id']}" for d in demands})
        units += sorted(set(re.findall(r'href="(/enhet/[^"/]+)"', admin.get("/lanet")[1])))[:50]
        print(f"{len(krav)} krav och {len(units)} enheter att läsa")
        times: dict[str, list[float]] = {"idag": [], "lanet": [], "enhet": [], "krav": []}
        confirmed, errors = [], []
        lock = threading.Lock()
        stop = time.time() + args.timeout
        per_writer = [krav[i::args.writers][:args.decisions] for i in range(args.writers)]

        # every session signed in before the load starts (argon2 is meant to be slow)
        readers = [Session(base, f"las{i}") for i in range(args.readers)]
        writers = [Session(base, f"skriv{i}") for i in range(args.writers)]
        start = threading.Barrier(args.readers + args.writers)

        def reader(i: int) -> None:
            s = readers[i]
            start.wait()
            for n in range(args.requests):
                if time.time() > stop:
                    return
                kind = ("idag", "lanet", "enhet", "krav")[n % 4]
                path = {"idag": "/idag", "lanet": "/lanet",
                        "enhet": units[(i + n) % len(units)], "krav": krav[(i + n) % len(krav)]}[kind]
                status, _, took = s.get(path)
                with lock:
                    (times[kind] if status == 200 else errors).append(took if status == 200 else (path, status))

        def writer(i: int) -> None:
            s = writers[i]
            start.wait()
            for j, path in enumerate(per_writer[i]):
                if time.time() > stop:
                    return
                form = {"csrf_token": s.csrf, "datum": "2024-09-02",
                        "diarienummer": f"BENCH-{i}-{j}", "frist_dagar": "30"}
                s.post(path + "/forelaggande", form)
                status, _ = s.post(path + "/forelaggande", {**form, "bekrafta": "ja"})
                with lock:
                    if status == 302:
                        confirmed.append(f"BENCH-{i}-{j}")
                    else:
                        errors.append((path, status))

        threads = [threading.Thread(target=reader, args=(i,)) for i in range(args.readers)]
        threads += [threading.Thread(target=writer, args=(i,)) for i in range(args.writers)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t
        start_alone = [admin.get("/idag")[2] for _ in range(10)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    db = sqlite3.connect(ledger)
    journaled = [r[0] for r in db.execute(
        "SELECT json_extract(payload, '$.diarienummer') FROM inputs WHERE kind = 'forelaggande'")]
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    allv = [v for vs in times.values() for v in vs]
    print(f"\n{args.readers} läsare × {args.requests} sidor och {args.writers} skrivare × "
          f"{args.decisions} beslut på {wall:.1f} s ({len(allv)} sidor, {len(errors)} fel)")
    for kind, vs in times.items():
        if vs:
            print(f"  {kind:6} n={len(vs):4}  p50 {pct(vs, 50):6.0f} ms  p95 {pct(vs, 95):6.0f} ms  "
                  f"max {max(vs) * 1000:6.0f} ms")
    if allv:
        print(f"  alla   p95 {pct(allv, 95):.0f} ms (mål ≤ 300 ms)")
    print(f"  startsidan (Idag) ensam, 10 gånger: median {statistics.median(start_alone) * 1000:.0f} ms, "
          f"max {max(start_alone) * 1000:.0f} ms (mål ≤ 150 ms)")
    lost = sorted(set(confirmed) - set(journaled))
    doubled = sorted({d for d in journaled if journaled.count(d) > 1})
    print(f"  beslut bekräftade {len(confirmed)}, i journalen {len(journaled)}: förlorade "
          f"{len(lost)}, dubbla {len(doubled)}")
    print(f"  PRAGMA integrity_check: {integrity}")
    import os

    print(f"  maskinens last (1, 5, 15 min) efteråt: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"på {os.cpu_count()} kärnor (delad maskin: tiderna innehåller väntan på processorn)")
    if errors:
        print(f"  fel: {errors[:5]}")
    return 0 if integrity == "ok" and not lost and not doubled else 1


if __name__ == "__main__":
    sys.exit(main())
