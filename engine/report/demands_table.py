"""The kravliggare for a person (a rich table) and for machines (JSON): demands as of a date,
what the ledger commands changed, and a demand's history. Sorted, no timestamps: the same
ledger and date give the same bytes. Text from the ledger is escaped or wrapped in Text: a
unit's `[nord]` is never read as markup."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from engine import identity, jsontext
from engine.followup.lifecycle import STATUS_LABELS, kind_of
from engine.followup.views import View
from engine.output import dumps_json
from engine.read.numbers import format_number

KIND_LABELS = {"handlingsplan": "handlingsplan", "uppfoljning": "uppföljning av plan",
               "brist": "rättelse", "komplettering": "komplettering",
               "forsening": "försenad handling"}
# Short labels where a table column is narrow; the full words are in the JSON and the letter.
STATUS_SHORT = dict(STATUS_LABELS, forelaggande="föreläggande", vite="vite")
STATUS_STYLE = {"kravd": "", "forsenad": "bold yellow", "inkommen": "cyan", "godkand": "green",
                "forelaggande": "bold red", "vite": "bold red", "atgardad": "dim"}


dumps = dumps_json


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def kr(amount: int) -> str:
    return f"{format_number(amount)} kr"


def view_dict(v: View) -> dict:
    d = v.demand
    return {
        "id": d.id,
        "hsa_id": d.hsa_id,
        "unit": d.unit_name,
        "region": d.region,
        "rule_id": d.rule_id,
        "title": d.finding.get("title"),
        "period": d.period,
        "kind": kind_of(d),
        "status": v.status,
        "status_label": v.status_label,
        "status_since": _iso(v.since),
        "pending": v.pending,
        "decided": _iso(d.decided),
        "due": _iso(d.due),
        "frist": _iso(d.frist) if v.status in ("forelaggande", "vite") else None,
        "deadline": _iso(v.deadline),
        # what the deadline and the demand's times rest on (avtalstext, regionens beslut with
        # datum and diarienummer, or förslag: a reminder only, never kronor or a right)
        "deadline_basis": v.deadline_basis,
        "basis": d.terms.get("basis"),
        "days_overdue": v.days_overdue,
        "asks": d.terms.get("asks"),
        "plan": ({"received": _iso(v.plan.received), "file": v.plan.file,
                  "sha256": v.plan.file_sha256,
                  "decision": v.plan.decision if v.plan.decided and v.plan.decided <= v.as_of else None,
                  "decided": _iso(v.plan.decided) if v.plan.decided and v.plan.decided <= v.as_of else None}
                 if v.plan else None),
        # every plan received by the date, in order: each its own handling
        "plans": [{"number": n, "received": _iso(p.received), "file": p.file,
                   "decision": p.decision if p.decided and p.decided <= v.as_of else None,
                   "decided": _iso(p.decided) if p.decided and p.decided <= v.as_of else None,
                   "note": p.note if p.decided and p.decided <= v.as_of else None}
                  for n, p in enumerate(v.plans, start=1)],
        "vite": [a.to_dict() for a in v.accruals],
        "vite_kr": v.vite_kr,
        "vite_max": v.vite_max,
        # decided by the beställarenhet, proposed by kravkoll, and the region's rights: kept apart
        "forelaggande": v.forelaggande,
        "proposals": v.proposals,
        "termination_right": v.termination,
        "withheld": v.withheld,
        "invoiced": v.invoiced,
        "invoiced_kr": v.invoiced_kr,
        "notes": v.notes,
        "plan_for": d.terms.get("plan_for"),
        "dispens": ({"diarienummer": v.dispens.diarienummer, "until": _iso(v.dispens.last_day),
                     "justification": v.dispens.justification} if v.dispens else None),
        "rulebook": d.terms.get("rulebook"),
    }


def as_json(views: list[View], as_of, ledger_path: str) -> str:
    open_views = [v for v in views if v.open]
    return dumps({
        "engine": identity(),
        "as_of": as_of.isoformat(),
        "ledger": ledger_path,
        "demands": [view_dict(v) for v in views],
        "totals": {"open": len(open_views), "shown": len(views),
                   "vite_kr": sum(v.vite_kr for v in views),
                   "invoiced_kr": sum(v.invoiced_kr for v in views)},
    })


def render(views: list[View], as_of, ledger_path: str, console: Console) -> None:
    console.print(f"[bold]Krav per {as_of}[/]  [dim](kravliggare {escape(ledger_path)})[/]")
    if not views:
        console.print("Inga krav att visa.")
        return
    units: dict[str, list[View]] = {}
    for v in views:
        units.setdefault(v.demand.hsa_id, []).append(v)
    pending = any(v.pending for v in views)
    for hsa_id, group in units.items():
        console.print(f"\n[bold]{escape(group[0].demand.unit_name)}[/] {escape(hsa_id)}")
        console.print(_table(group))
    open_views = [v for v in views if v.open]
    console.print(f"{len(open_views)} öppna krav; upplupet vite per {as_of}: "
                  f"{kr(sum(v.vite_kr for v in views))}.")
    if any(v.vite_max for v in views):
        console.print("Tak: vite efter föreläggande om rättelse, per brist tills rättelse sker; "
                      "beloppet beslutas efter bristens art och omfattning.")
    lines = []
    for v in views:
        d = v.demand
        for p in v.proposals:
            lines.append(f"{d.hsa_id} {d.rule_id}: {p['text']} (sedan {p['since']}).")
        if v.termination:
            lines.append(f"{d.hsa_id} {d.rule_id}: {v.termination['text']}")
        if v.withheld and (v.withheld["active"] or v.withheld.get("right")):
            lines.append(f"{d.hsa_id} {d.rule_id}: {v.withheld['title']}: {v.withheld['text']}.")
        if v.invoiced:
            lines.append(f"{d.hsa_id} {d.rule_id}: fakturerat {kr(v.invoiced_kr)} "
                         f"(beräknat {kr(v.vite_kr)}).")
        for n in v.notes:
            lines.append(f"{d.hsa_id} {d.rule_id}: {n}")
    if lines:
        console.print("\nFörslag (beslutas av beställarenheten), rättigheter och noteringar:")
        for line in lines:
            console.print(Text("  " + line))
    if pending:
        console.print(f"* följer av att ett datum har passerat per {as_of}; förs in i "
                      "kravliggaren vid nästa registrering eller händelse.")


def _table(views: list[View]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=False)
    table.add_column("Krav", ratio=1)
    table.add_column("År", justify="right", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Sista dag", no_wrap=True)
    table.add_column("Dagar\nsen", justify="right", no_wrap=True)
    table.add_column("Vite", justify="right", no_wrap=True)
    for v in views:
        d = v.demand
        style = STATUS_STYLE[v.status]
        label = "underkänd plan" if v.status_label == "handlingsplan underkänd" else STATUS_SHORT[v.status]
        label += "*" if v.pending else ""
        if v.proposals:
            label += "\nföreslås: " + v.proposals[0]["kind"].replace("forelaggande", "föreläggande").replace("vasentlig", "väsentlig")
        status = escape(label)
        status = f"[{style}]{status}[/]" if style else status
        if v.dispens:
            status += f"\n[cyan]dispens till\n{v.dispens.last_day}[/]"
        vite = kr(v.vite_kr) if v.vite_kr else "–"
        if v.vite_max:
            vite += f"\n[dim]tak {kr(v.vite_max['amount_kr'])}[/]"
        title = (f"[bold]{escape(d.rule_id)}[/] [dim]{KIND_LABELS[kind_of(d)]}[/]\n"
                 f"{escape(d.finding.get('title') or '')}")
        deadline = _iso(v.deadline) or "–"
        if v.deadline is not None and v.deadline_basis == "förslag":
            deadline += "\n[dim](förslag)[/]"
        table.add_row(title, str(d.period), status, deadline,
                      str(v.days_overdue) if v.days_overdue else "–", vite)
    return table


def changes_json_pieces(items: Iterable[bytes], as_of, ledger_path: str) -> Iterator[bytes]:
    """dumps_json({"engine", "as_of", "ledger", "registrations": [...]}) in pieces, with each
    registration given as its JSON (jsontext.dumps_bytes(entry, "    ")): a county's
    registrations are written as they come from a spool, never held together."""
    yield (f'{{\n  "as_of": {jsontext.dumps(as_of.isoformat())},\n'
           f'  "engine": {jsontext.dumps(identity(), "  ")},\n'
           f'  "ledger": {jsontext.dumps(ledger_path)},\n  "registrations": ').encode("utf-8")
    yield from jsontext.array_pieces(items, "  ")
    yield b"\n}\n"


def render_changes(changes, console: Console) -> None:
    """What a command did: one line per change (or 'already recorded')."""
    if not changes:
        console.print("Inga ändringar i kravliggaren.")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_header=True)
    table.add_column("Krav", no_wrap=True)
    table.add_column("År", justify="right")
    table.add_column("Status", overflow="fold")
    table.add_column("Datum", no_wrap=True)
    table.add_column("Skäl", overflow="fold")
    for c in changes:
        if c.noop:
            status = f"{STATUS_SHORT[c.after]} (oförändrad)"
        elif c.before == c.after:
            status = STATUS_SHORT[c.after]
        elif c.before is None:
            status = f"ny: {STATUS_SHORT[c.after]}"
        else:
            status = f"{STATUS_SHORT[c.before]} → {STATUS_SHORT[c.after]}"
        table.add_row(Text(c.rule_id), str(c.period), Text(status), c.date.isoformat(),
                      Text(c.reason))
    console.print(table)


def history_rows(demands: dict, events: list) -> list[dict]:
    """The event log of a unit's demands, with each event's number (for korrigera and
    aterkalla), its notes, and whether it was corrected or withdrawn later."""
    from engine.followup.recorded import recorded

    by_demand: dict[int, list] = {}
    for e in events:
        by_demand.setdefault(e.demand_id, []).append(e)
    rows = []
    for demand_id, evs in by_demand.items():
        reg = recorded(evs)
        d = demands[demand_id]
        for e in evs:
            r = reg[e.id]
            detail = e.detail or {}
            rows.append({
                "id": e.id, "date": e.date.isoformat(), "rule_id": d.rule_id, "period": d.period,
                "from_status": e.from_status, "to_status": e.to_status, "event": e.event,
                "rule": e.rule, "reason": e.reason, "note": detail.get("note"),
                "diarienummer": detail.get("diarienummer"),
                "corrected": [{"date": c[0].isoformat(), "reason": c[1], "changes": c[2]}
                              for c in r.corrections],
                "withdrawn": ({"date": r.withdrawn[0].isoformat(), "reason": r.withdrawn[1]}
                              if r.withdrawn else None),
            })
    rows.sort(key=lambda r: (r["rule_id"], r["period"], r["date"], r["id"]))
    return rows


def history_json(rows: list[dict], ledger_path: str) -> str:
    return dumps({"engine": identity(), "ledger": ledger_path,
                  "events": rows})


def render_history(rows: list[dict], console: Console) -> None:
    if not rows:
        console.print("Inga händelser.")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Nr", justify="right", no_wrap=True)
    table.add_column("Datum", no_wrap=True)
    table.add_column("Krav", no_wrap=True)
    table.add_column("År", justify="right")
    table.add_column("Status", overflow="fold")
    table.add_column("Skäl", overflow="fold")
    for r in rows:
        if r["from_status"] is None:
            status = "ny: " + STATUS_SHORT[r["to_status"]]
        elif r["from_status"] == r["to_status"]:
            status = STATUS_SHORT[r["to_status"]]
        else:
            status = STATUS_SHORT[r["from_status"]] + " → " + STATUS_SHORT[r["to_status"]]
        reason = r["reason"]
        for c in r["corrected"]:
            reason += f" [korrigerad {c['date']}: {c['reason']}]"
        if r["withdrawn"]:
            reason += f" [ÅTERKALLAD {r['withdrawn']['date']}: {r['withdrawn']['reason']}]"
        table.add_row(str(r["id"]), Text(r["date"]), Text(r["rule_id"]), str(r["period"]),
                      Text(status), Text(reason))
    console.print(table)
