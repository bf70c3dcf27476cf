"""Vite arithmetic: weeks counted the way the rulebook says, amounts capped per occasion."""

from __future__ import annotations

from .rulebook import Sanction


def weeks(days: int, counting: str) -> int:
    """Weeks in `days`: 'begun' counts a begun week as a week, 'whole' only completed weeks."""
    if days <= 0:
        return 0
    return -(-days // 7) if counting == "begun" else days // 7


def accrued_kr(sanction: Sanction, days: int) -> int:
    """The amount for `days` overdue: rate × weeks, at most the cap."""
    if sanction.interval != "vecka" or sanction.kind != "vite":
        return 0
    amount = weeks(days, sanction.weeks) * sanction.amount_kr
    return min(amount, sanction.cap_kr) if sanction.cap_kr else amount


def describe(sanction: Sanction) -> str:
    """'5 000 kr per vecka och handling, högst 50 000 kr per tillfälle och handling'."""
    from engine.read.numbers import format_number

    if sanction.kind == "innehallande":
        what = (f"{format_number(sanction.amount_kr)} kr" if sanction.amount_kr
                else "den ersättning som är kopplad till uppgiften")
        return f"regionen får innehålla {what} ({sanction.per}) i avvaktan på att uppgiften lämnas"
    text = f"{format_number(sanction.amount_kr)} kr per {sanction.per}"
    if sanction.interval is None:
        text = f"upp till {text}"
    if sanction.cap_kr:
        text += f", högst {format_number(sanction.cap_kr)} kr"
        if sanction.cap_per:
            text += f" per {sanction.cap_per}"
    if sanction.interval == "vecka":
        text += " (påbörjade veckor räknas)" if sanction.weeks == "begun" else " (hela veckor räknas)"
    return text


def as_dict(name: str, sanction: Sanction) -> dict:
    return {"id": name, "title": sanction.title, "kind": sanction.kind, "amount_kr": sanction.amount_kr,
            "per": sanction.per, "interval": sanction.interval, "cap_kr": sanction.cap_kr,
            "cap_per": sanction.cap_per, "weeks": sanction.weeks, "text": describe(sanction)}
