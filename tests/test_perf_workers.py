"""The number of worker processes of a folder check follows the CPUs the process may use
(a container or `taskset` may allow fewer than the machine has, or more than two).

What a user would check: on a machine or container with N usable CPUs a county check uses N
processes, never more than it may run, and small folders are checked in one process."""

from __future__ import annotations

import os

import pytest

from engine.evaluate import batch


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
