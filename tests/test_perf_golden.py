"""Speed work must not change a byte of any report: every format of `kravkoll check` on the
Jämtland corpus (folder and single file, to standard output and with -o) is compared with the
golden files in tests/data/golden/, made by the code before the work began.

What a user would check: the report they get today is the same file they got before, so diffs
between runs, archived reports and scripts reading them keep working.

When a change of output is intended, regenerate the goldens and review the diff:

    .venv/bin/python -m tests.golden_outputs --write
"""

from __future__ import annotations

import difflib

import pytest

from tests.golden_outputs import cases, golden, produce


def _first_difference(expected: bytes, got: bytes) -> str:
    a = expected.decode("utf-8", "replace").splitlines()
    b = got.decode("utf-8", "replace").splitlines()
    return "\n".join(list(difflib.unified_diff(a, b, "golden", "nu", lineterm="", n=1))[:20])


@pytest.mark.parametrize("name,path,fmt,to_file", cases(), ids=[c[0] for c in cases()])
def test_output_is_unchanged(name, path, fmt, to_file):
    expected = golden(name)
    got = produce(path, fmt, to_file)
    assert got == expected, f"{name} skiljer sig från den sparade utdatan:\n" + \
        _first_difference(expected, got)
