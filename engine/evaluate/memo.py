"""What is made once per rulebook (or rule, scope, expression) and asked for again for every
unit of a county: kept by the identity of the objects it is made from.

Rulebooks and their parts are never changed once read, so identity is enough, and cheaper
than hashing their content. The objects are kept alive with what was made from them, so that
their ids cannot pass to other objects while an entry exists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LIMIT = 10_000  # entries before the memory is emptied (a run reads a handful of rulebooks)


class ByIdentity:
    def __init__(self) -> None:
        self._made: dict[tuple[int, ...], tuple[tuple, Any]] = {}

    def get(self, owners: tuple, make: Callable[[], Any]) -> Any:
        key = tuple(map(id, owners))
        hit = self._made.get(key)
        # No identity check beside the ids: the entry keeps its owners alive, so no other live
        # object can have their ids. (What is asked for per rule is kept in one plan per
        # rulebook: facts._Plan, evaluation._Plan; this is asked a few times per unit.)
        if hit is not None:
            return hit[1]
        if len(self._made) >= LIMIT:
            self._made.clear()
        value = make()
        self._made[key] = (owners, value)
        return value
