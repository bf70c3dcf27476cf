"""Property-based tests: whatever bytes arrive, kravkoll ends with 0, 1 or 2 and no traceback."""

import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli.main import main
from engine.read.numbers import NotANumber, format_number, parse_number

from .support import EXAMPLE, RULEBOOKS

BASE = EXAMPLE.read_text(encoding="utf-8")
LINES = BASE.splitlines(keepends=True)
# a short slice in the suite; the long campaign is benchmarks/fuzz_campaign.py (or raise this)
EXAMPLES = int(os.environ.get("KRAVKOLL_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=5000,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def run_check(data: bytes, capsys) -> tuple[int, str]:
    fd, path = tempfile.mkstemp(suffix=".yaml")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        code = main(["check", path, "--rulebooks", str(RULEBOOKS), "--format", "json"])
    finally:
        os.unlink(path)
    return code, capsys.readouterr().err


@FUZZ
@given(st.binary(max_size=4000))
def test_any_bytes_end_in_0_1_or_2(capsys, data):
    code, err = run_check(data, capsys)
    assert code in (0, 1, 2)
    assert "Traceback" not in err


# Edits a person could make to the example: drop, repeat or change a line, or type a character.
edit = st.one_of(
    st.tuples(st.just("drop"), st.integers(0, len(LINES) - 1), st.just("")),
    st.tuples(st.just("repeat"), st.integers(0, len(LINES) - 1), st.just("")),
    st.tuples(st.just("type"), st.integers(0, len(BASE)),
              st.sampled_from(list(":-[]{}&*!|>#%@`'\"\t ,0123456789.\u00a0åäöÅÄÖ\r\n") + ["  ", "- "])),
    st.tuples(st.just("value"), st.integers(0, len(LINES) - 1),
              st.sampled_from(["-1", "1e9", "101", "ja", "nej", "null", "~", "''", "[]", "{}", "0123",
                               "12:30", "2024-13-45", "63,3 %", "6 412", "yes", "true", "&a x", "*a"])),
)


def apply(edits) -> str:
    text = BASE
    for kind, where, what in edits:
        lines = text.splitlines(keepends=True) or [""]
        i = where % len(lines)
        if kind == "drop":
            del lines[i]
            text = "".join(lines)
        elif kind == "repeat":
            lines.insert(i, lines[i])
            text = "".join(lines)
        elif kind == "type":
            pos = where % (len(text) + 1)
            text = text[:pos] + what + text[pos:]
        else:
            line = lines[i]
            if ":" in line and not line.lstrip().startswith("#"):
                key = line.split(":", 1)[0]
                lines[i] = f"{key}: {what}\n"
            text = "".join(lines)
    return text


@FUZZ
@given(st.lists(edit, min_size=1, max_size=4))
def test_edited_examples_end_in_0_1_or_2(capsys, edits):
    code, err = run_check(apply(edits).encode("utf-8"), capsys)
    assert code in (0, 1, 2), err
    assert "Traceback" not in err
    if code == 2:
        assert err.startswith("kravkoll: fel i indata") and ":" in err


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=10**9))
def test_numbers_written_the_swedish_way_read_back(n):
    assert parse_number(format_number(n)) == n


@settings(max_examples=300)
@given(st.text(max_size=20))
def test_parse_number_either_reads_or_says_why(text):
    try:
        value = parse_number(text)
    except NotANumber as exc:
        assert str(exc)
    else:
        assert isinstance(value, (int, float))


@pytest.mark.parametrize("written", ["1,5e3", "NaN", "inf", "--3", "3,", ",5"])
def test_odd_numbers_are_refused(written):
    with pytest.raises(NotANumber):
        parse_number(written)
