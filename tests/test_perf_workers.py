"""The number of worker processes of a folder check follows the CPUs the process may use
(a container or `taskset` may allow fewer than the machine has, or more than two).

What a user would check: on a machine or container with N usable CPUs a county check uses N
processes, never more than it may run, and small folders are checked in one process."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from engine.evaluate import batch

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("cpus", [{0}, {0, 1}, {0, 2, 5, 7}])
def test_default_workers_follow_the_usable_cpus(monkeypatch, cpus):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(cpus), raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert batch.default_workers(10_000) == len(cpus)
    assert batch.default_workers(batch.POOL_THRESHOLD - 1) == 1


def test_without_affinity_the_cpu_count_is_used(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert batch.default_workers(10_000) == 3


def test_after_a_pooled_batch_the_parents_objects_are_collected_again(jamtland_books):
    """The pool is started with the parent's objects frozen out of the garbage collector
    (batch._run): when the batch ends, or its reader stops half-way (an output that cannot be
    written), they are handed back, or a long-lived process (the web app) would never free
    them again."""
    files = sorted(str(p) for p in (ROOT / "submissions" / "jamtland" / "2023").glob("*.yaml"))[:4]
    assert gc.get_freeze_count() == 0
    entries = list(batch.run(files, jamtland_books, "rulebooks", workers=2))
    assert [e.path for e in entries] == files and all(e.row is not None for e in entries)
    assert gc.get_freeze_count() == 0
    stopped = batch.run(files, jamtland_books, "rulebooks", workers=2)
    next(stopped)  # the first file is checked in the parent, before the pool starts
    next(stopped)
    assert gc.get_freeze_count() > 0  # while the pool runs
    stopped.close()
    assert gc.get_freeze_count() == 0


@pytest.fixture
def jamtland_books():
    from engine.model.library import load_library

    return load_library(ROOT / "rulebooks")


def test_a_pooled_batch_gives_the_same_entries_as_one_process(jamtland_books):
    """The first file is checked in the parent before the workers are forked (what its check
    builds once is then theirs too): the entries, their order and their rendered pieces are
    those of a check in one process."""
    from engine.report.formats import json_unit

    files = sorted(str(p) for p in (ROOT / "submissions" / "jamtland" / "2023").glob("*.yaml"))
    one = list(batch.run(files, jamtland_books, "rulebooks", workers=1, render=json_unit))
    pooled = list(batch.run(files, jamtland_books, "rulebooks", workers=2,
                            render=json_unit))
    assert [e.path for e in pooled] == files
    assert pooled == one
