"""engine.jsontext is the project's one JSON writer: orjson's indented, sorted text, which is
json.dumps(ensure_ascii=False, sort_keys=True, indent=2) but for floats below 1e-4 in size
(orjson's shortest form), NaN and Infinity (null: not JSON) and the types it names.

What a user would check: a JSON report, a batch or a register export reads back as the data
written, with sorted keys and a two-space indent; a large document given in pieces is the same
bytes as the whole; a value JSON cannot say is refused, never guessed."""

from __future__ import annotations

import collections
import datetime as dt
import enum
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.jsontext import Items, dumps, dumps_bytes, pieces


def reference(data) -> str:
    """The standard library's text: the independent reference where the two agree."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2)


def _finite(data):
    """NaN and ±Infinity as None (what jsontext writes as null)."""
    if type(data) is float and (data != data or data in (float("inf"), float("-inf"))):
        return None
    if type(data) is dict:
        return {k: _finite(v) for k, v in data.items()}
    if type(data) in (list, tuple):
        return [_finite(v) for v in data]
    return data


ints = st.integers(min_value=-2 ** 63, max_value=2 ** 64 - 1)  # orjson's range
# Floats as the standard library writes them too: 0 or at least 1e-4 in size.
plain_floats = st.floats(allow_nan=False, allow_infinity=False).filter(
    lambda x: x == 0 or abs(x) >= 1e-4)
keys = st.text(max_size=6)


def _values(floats):
    scalars = st.none() | st.booleans() | ints | floats | st.text()
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.lists(inner, max_size=3).map(tuple)
                        | st.dictionaries(keys, inner, max_size=4), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(_values(plain_floats))
def test_same_text_as_the_standard_library_where_it_writes_json(data):
    assert dumps(data) == reference(data)
    # nested as an item of a larger document (the batch JSON's "results")
    assert dumps(data, "    ") == reference(data).replace("\n", "\n    ")


any_floats = st.floats() | st.floats(min_value=-1e-3, max_value=1e-3)


@settings(max_examples=300, deadline=None)
@given(_values(any_floats))
def test_reads_back_as_written_and_pieces_are_the_whole(data):
    text = dumps_bytes(data, "  ")
    assert json.loads(text) == _finite(data)  # a float read back is the same float
    # in pieces (a county's summary), walked item by item from the smallest size on
    assert b"".join(pieces(data, "  ", big=1, flush=1)) == text
    assert b"".join(pieces(data, "  ")) == text


def test_small_floats_are_the_same_numbers_in_orjsons_form():
    for x, text in ((1e-05, "0.00001"), (1.5e-07, "1.5e-7"), (-1.0035973285916098e-09,
                                                              "-1.0035973285916098e-9")):
        assert dumps({"v": [x]}) == '{\n  "v": [\n    ' + text + "\n  ]\n}"
        assert json.loads(dumps(x)) == x
    for x in (9.99e-05 * 10, 1e16, 1e22, 123456789.123, -0.0, 0.1 + 0.2):  # as Python writes
        assert dumps(x) == repr(x)


def test_not_a_number_is_written_as_null():
    text = dumps({"a": [float("nan"), 1.5], "b": float("inf"), "c": [[float("-inf")]],
                  "d": Decimal("NaN"), "e": Decimal("-Infinity")})
    assert json.loads(text) == {"a": [None, 1.5], "b": None, "c": [[None]], "d": None, "e": None}
    assert "NaN" not in text and "Infinity" not in text


def test_dates_and_decimals():
    data = {"day": dt.date(2024, 12, 31), "amount": Decimal("1250.50"), "tiny": Decimal("1E-7"),
            "whole": Decimal("-3"), "none": None}
    assert dumps(data) == ('{\n  "amount": 1250.50,\n  "day": "2024-12-31",\n  "none": null,\n'
                           '  "tiny": 1E-7,\n  "whole": -3\n}')
    assert json.loads(dumps(data), parse_float=Decimal)["amount"] == Decimal("1250.50")
    assert b"".join(pieces([data] * 3, big=1, flush=1)) == dumps_bytes([data] * 3)


class Colour(str, enum.Enum):
    RED = "röd"


class Count(int):
    pass


def test_text_escapes_subclasses_and_empty_containers():
    cases = [
        {"å": "ä\u2028ö\x00\x1f\"\\/\n", "b": [1.0, -0.0, 1e16, 0.1 + 0.2]},
        {"a": {}, "b": [], "c": [{}], "d": [[], [[]]], "e": ()},
        {"enum": Colour.RED, "count": Count(3)}, [Count(1), Colour.RED],
        [collections.OrderedDict(b=1, a=[2])], {"o": collections.OrderedDict(a=1)},
        "bare string", 12, None, [], {"Ö": 1, "Z": 2, "a": 3, "ä": 4, "": 5},
    ]
    for data in cases:
        assert dumps(data) == reference(data)
        whole = [list(range(5)), data]
        assert b"".join(pieces(whole, big=2, flush=1)) == reference(whole).encode("utf-8")


def test_refuses_what_json_cannot_say():
    loop: list = []
    loop.append(loop)
    bad_values = [loop, {"a": object()}, {"a": {1, 2}}, {2: "number key"}, {Colour.RED: 1},
                  2 ** 64, -2 ** 63 - 1, dt.datetime(2024, 1, 1, 12), dt.time(12),
                  {"a": collections.Counter}]
    for bad in bad_values:
        with pytest.raises(TypeError):
            dumps(bad)
        with pytest.raises(TypeError):
            b"".join(pieces({"x": [bad] * 40}))


def test_a_large_list_deep_inside_small_containers_is_given_in_pieces():
    """The batch summary holds one rulebook (a list of one) whose matrix lists every unit: the
    text must still come in pieces of bounded size, not as one string per rulebook."""
    units = [{"path": f"enhet-{i}.yaml", "outcomes": ["pass", "fail"] * 5} for i in range(5000)]
    data = {"rulebooks": [{"id": "r", "matrix": {"units": units}}], "files": 5000}
    parts = list(pieces(data, "  "))
    assert b"".join(parts) == reference(data).replace("\n", "\n  ").encode("utf-8")
    assert len(parts) > 10 and max(map(len, parts)) < len(b"".join(parts)) / 10
    made = []

    def make():
        made.append(1)
        return iter(units)

    lazy = {"rulebooks": [{"id": "r", "matrix": {"units": Items(len(units), make)}}],
            "files": 5000}
    assert b"".join(pieces(lazy, "  ")) == b"".join(parts)
    assert made == [1]  # walked once, item by item
    assert b"".join(pieces({"none": Items(0, list)})) == reference({"none": []}).encode()
    assert dumps({"l": Items(2, lambda: iter([1, {"b": 2}]))}) == reference({"l": [1, {"b": 2}]})
