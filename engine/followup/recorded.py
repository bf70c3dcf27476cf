"""A demand's recorded events as they stand after the corrections (korrigering) and
withdrawals (aterkallelse) recorded after them: what every view and letter reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Recorded:
    """A recorded event as it stands after corrections: its date and details may have been
    corrected (korrigering) or the event withdrawn (aterkallelse), each with a reason."""

    event: object  # ledger.EventRow
    date: dt.date
    detail: dict
    corrections: tuple = ()  # (date, reason, changes)
    withdrawn: tuple | None = None  # (date, reason)


def recorded(events: list) -> dict[int, Recorded]:
    """Every event by id, with the corrections and withdrawals recorded after it applied."""
    out = {e.id: Recorded(e, e.date, dict(e.detail or {})) for e in events}
    for e in sorted(events, key=lambda x: (x.date, x.id)):
        d = e.detail or {}
        if e.event == "korrigering" and d.get("corrects") in out:
            r = out[d["corrects"]]
            changes = dict(d.get("changes") or {})
            date = dt.date.fromisoformat(changes.pop("date")) if "date" in changes else r.date
            out[r.event.id] = Recorded(r.event, date, {**r.detail, **changes},
                                       r.corrections + ((e.date, d.get("reason"), d.get("changes")),),
                                       r.withdrawn)
        elif e.event == "aterkallelse" and d.get("withdraws") in out:
            r = out[d["withdraws"]]
            out[r.event.id] = Recorded(r.event, r.date, r.detail, r.corrections,
                                       (e.date, d.get("reason")))
    return out
