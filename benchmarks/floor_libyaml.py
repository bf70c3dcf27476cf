#!/usr/bin/env python3
"""The floor of a county check: read and parse every *.yaml in a folder with libyaml
(`yaml.load(f, Loader=yaml.CSafeLoader)`) in a pool of N processes, and nothing else.

    python benchmarks/floor_libyaml.py FOLDER --workers 2

Run as its own process by bench_check.py, side by side with `kravkoll check`, so that both pay
for an interpreter start, a pool and the same files.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
from pathlib import Path

import yaml


def _load(path: str) -> int:
    with open(path, "rb") as fh:
        data = yaml.load(fh, Loader=yaml.CSafeLoader)
    return len(data) if isinstance(data, dict) else 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    files = sorted(str(p) for p in Path(args.folder).rglob("*.yaml"))
    if args.workers <= 1:
        total = sum(_load(f) for f in files)
    else:
        with mp.get_context("fork").Pool(args.workers) as pool:
            total = sum(pool.imap(_load, files, chunksize=16))
    print(total)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
