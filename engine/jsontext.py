"""The project's JSON text: what orjson writes with OPT_INDENT_2 | OPT_SORT_KEYS, UTF-8 as is.

This is the one writer of the JSON reports (check, the batch, demands, the register): every
value is written by orjson; this module only places the pieces of a document too large to be one
string (pieces, array_pieces), and those pieces are the bytes orjson writes for the whole.

The text is json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) but for:
- a float below 1e-4 in size is written as orjson writes it (0.00001, 1.5e-7) where Python
  writes 1e-05 and 1.5e-07: the same number, read back exactly by any JSON reader;
- a NaN or infinity (not JSON, RFC 8259 section 6) is written as null. kravkoll never has one
  (read/numbers.py refuses them in every input, expressions.py never divides by zero, rete.py
  refuses them in facts);
- what JSON cannot say is refused with TypeError (a bug in the caller, exit 3), never guessed:
  a key that is not text, an integer beyond 64 bits, a datetime or time of day (reports carry
  no clock times: the same input gives the same bytes), a set, a dataclass, any other object.
Beside JSON's own types (and their subclasses: a str enum is its text):
- a datetime.date is its ISO text, "2024-12-31", as date.isoformat() writes it;
- a decimal.Decimal is the number its text says (Decimal("1.50") → 1.50, exact, never through
  a float); a NaN or infinite Decimal is null, like a float;
- a tuple and an Items (below) are arrays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

import orjson

_OPTIONS = (orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
            | orjson.OPT_PASSTHROUGH_DATETIME)
_NULL = orjson.Fragment(b"null")
_DEPTH = 254  # orjson's own limit of nesting
_SCALARS = frozenset((str, int, float, bool, type(None)))


class Items:
    """A list written item by item and never held whole: `make()` gives the items anew each
    time it is called, `n` says how many (a county's units in the summary). pieces() writes
    it as a JSON array item by item; anywhere else it is a list."""

    __slots__ = ("n", "make")

    def __init__(self, n: int, make):
        self.n, self.make = n, make

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        return iter(self.make())


def _default(o):
    """The types beside JSON's own (module docstring); anything else is refused."""
    t = type(o)
    if t is dt.date:
        return o.isoformat()
    if t is Decimal:
        return orjson.Fragment(str(o).encode("ascii")) if o.is_finite() else _NULL
    if t is Items:
        return list(o)
    raise TypeError(f"Object of type {t.__name__} is not JSON serializable")


def dumps_bytes(data, pad: str = "") -> bytes:
    """The JSON text of data as UTF-8; with `pad`, every line after the first is indented by it
    as well (an item nested in a larger document, whose first line the caller places). A unit's
    JSON goes from the worker to the file as these bytes, never decoded and encoded again."""
    raw = orjson.dumps(data, _default, _OPTIONS)
    # A newline inside a string is written \n: every newline in raw is the layout's.
    return raw.replace(b"\n", b"\n" + pad.encode("utf-8")) if pad else raw


def dumps(data, pad: str = "") -> str:
    """dumps_bytes(data, pad) as text."""
    return dumps_bytes(data, pad).decode("utf-8")


def array_pieces(items: Iterable[bytes], pad: str) -> Iterator[bytes]:
    """A JSON array whose closing bracket stands at `pad`, from items already written with
    dumps_bytes(item, pad + "  "): the text of the whole list, given item by item."""
    inner = ("\n" + pad + "  ").encode("utf-8")
    sep = b"[" + inner
    for item in items:
        yield sep  # apart from the item: a unit's tens of kilobytes are not copied to join them
        yield item
        sep = b"," + inner
    yield b"[]" if sep[0] == ord("[") else ("\n" + pad + "]").encode("utf-8")


def pieces(data, pad: str = "", big: int = 32, flush: int = 1 << 15) -> Iterator[bytes]:
    """dumps_bytes(data, pad) in pieces of about `flush` bytes, so that a large document (a
    county's summary) is never one string: a list of containers longer than `big`, an Items,
    and every container holding one are walked here item by item; everything else is written
    whole."""
    out: list[bytes] = []
    size = 0
    for piece in _walk(data, ("\n" + pad).encode("utf-8"), big, _DEPTH):
        out.append(piece)
        size += len(piece)
        if size >= flush:
            yield b"".join(out)
            out.clear()
            size = 0
    yield b"".join(out)


def _walked(v, big: int, depth: int = _DEPTH) -> bool:
    """Whether a value is walked item by item rather than written whole."""
    tv = type(v)
    if tv is Items:
        return True
    if depth <= 0:  # nested too deep (or a loop): orjson refuses it
        return False
    if tv is dict:
        return any(_walked(x, big, depth - 1) for x in v.values())
    if tv is list or tv is tuple:
        # A long list of containers is given item by item; one of scalars (a unit's outcomes,
        # one per rule) is small beside them and written whole, and holds nothing to walk.
        if _SCALARS.issuperset(map(type, v)):
            return False
        return len(v) > big or any(_walked(x, big, depth - 1) for x in v)
    return False


def _walk(o, nl: bytes, big: int, depth: int) -> Iterator[bytes]:
    t = type(o)
    inner = nl + b"  "
    depth -= 1  # below 0 nothing more is walked: orjson refuses what is nested too deep
    if t is dict and o:
        if not all(type(k) is str for k in o):
            raise TypeError("keys must be str")
        sep = b"{" + inner
        for k in sorted(o):  # code point order: orjson's OPT_SORT_KEYS
            v = o[k]
            if depth > 0 and _walked(v, big):
                yield sep + orjson.dumps(k) + b": "
                yield from _walk(v, inner, big, depth)
            else:
                yield sep + orjson.dumps(k) + b": " + _leaf(v, inner)
            sep = b"," + inner
        yield nl + b"}"
    elif (t is list or t is tuple or t is Items) and len(o):
        sep = b"[" + inner
        for v in o:
            if depth > 0 and _walked(v, big):
                yield sep
                yield from _walk(v, inner, big, depth)
            else:
                yield sep + _leaf(v, inner)
            sep = b"," + inner
        yield nl + b"]"
    else:
        yield _leaf(o, nl)


def _leaf(v, nl: bytes) -> bytes:
    raw = orjson.dumps(v, _default, _OPTIONS)
    return raw.replace(b"\n", nl) if nl != b"\n" else raw
