"""The kravliggare commands: `kravkoll demands …` and `kravkoll dispens …`.

Every command reads or writes the ledger (SQLite, default reports/kravliggare.sqlite, another
with --ledger); the commands that only read write nothing and never wait for a writer.
Dates are explicit: --as-of (default: today, always printed) for what is judged as of a date,
--date for when something happened; each lies in read.dates' window (1900–2199). Bad input is
an InputError (exit 2). Text from units and people (names, paths, reasons) is printed as text,
never as rich markup: `[nord]` in a unit's name stays `[nord]`.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from engine.errors import InputError, UsageError
from engine.model.rulebook import RULE_ID_PATTERN
from engine.model.submission import HSA_ID_PATTERN
from engine.read.dates import outside_window, parse_day

HSA_ID = re.compile(HSA_ID_PATTERN)
RULE_ID = re.compile(RULE_ID_PATTERN)


def _day(value: str | None, flag: str) -> dt.date | None:
    if value is None:
        return None
    day = parse_day(value)
    if day is None:
        raise UsageError.single(None, f"{flag}: '{value}' är inget datum; skriv som 2024-03-31")
    why = outside_window(day)
    if why:
        raise UsageError.single(None, f"{flag}: {why}")
    return day


def _as_of(value: str | None) -> dt.date:
    """--as-of, or today: the one place these commands read the clock, and it is printed."""
    return _day(value, "--as-of") or dt.date.today()


def _hsa(value: str) -> str:
    if not HSA_ID.fullmatch(value):
        raise UsageError.single(None, f"'{value}' är inget HSA-id (t.ex. SE2321000207-E00000000042)")
    return value


def _rules(values) -> list[str]:
    out = []
    for v in values:
        rule = v.upper()
        if not v.isascii() or not RULE_ID.fullmatch(rule):  # 'ß'.upper() is 'SS'
            raise UsageError.single(None, f"'{v}' är inget regel-id (t.ex. JHV-BEM-03)")
        if rule not in out:
            out.append(rule)
    return out


def _known_unit(ledger, hsa: str) -> None:
    """A unit the ledger has never seen is a typo, not a unit without demands."""
    if not ledger.checks(hsa) and not ledger.dispenser(hsa):
        raise InputError.single(None, f"kravliggaren ({ledger.path}) har ingen granskning av {hsa}")


def _ledger(path: str | None, create: bool = False, readonly: bool = False):
    from engine.followup.ledger import DEFAULT_PATH, Ledger

    return Ledger(path or DEFAULT_PATH, create=create, readonly=readonly)


def _console() -> Console:
    # No emoji codes either: a unit called "Vårdcentralen :fire:" keeps its name.
    return Console(highlight=False, emoji=False)


ledger_option = click.option("--ledger", "ledger_path", default=None, metavar="FIL",
                             help="Kravliggaren (SQLite). Standard: reports/kravliggare.sqlite.")
as_of_option = click.option("--as-of", "as_of", default=None, metavar="DATUM",
                            help="Per vilket datum (ÅÅÅÅ-MM-DD). Standard: dagens datum; skrivs "
                                 "alltid ut.")
format_option = click.option("--format", "fmt", type=click.Choice(["rich", "json"]),
                             default="rich", show_default=True, help="Utdataformat.")
date_option = click.option("--date", "date", required=True, metavar="DATUM",
                           help="Dagen det hände (ÅÅÅÅ-MM-DD).")


def _print_changes(changes, header: str) -> None:
    from engine.report.demands_table import render_changes

    console = _console()
    console.print(header, markup=False)
    render_changes(changes, console)


# --- kravkoll demands --------------------------------------------------------------------------

@click.group("demands")
def demands_group() -> None:
    """Krav på handlingsplan, vite och uppföljning över år (kravliggaren)."""


@demands_group.command("register")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--rulebooks", "rulebooks", default=None, metavar="MAPP",
              help="Mapp (eller fil) med regelböcker. Standard: ./rulebooks.")
@ledger_option
@as_of_option
@format_option
def register_cmd(submissions, rulebooks, ledger_path, as_of, fmt):
    """Granska årsbokslut och för in kraven i kravliggaren.

    Brister i krav blir krav på handlingsplan (sista dag: beslutsdagen + regelbokens antal
    dagar); ett krav som redan är öppet för enheten följs upp: uppfyllt → åtgärdat, inte
    uppfyllt ett senare år → föreläggande om rättelse. --as-of är beslutsdagen. Samma
    årsbokslut två gånger ändrar ingenting.
    """
    from engine.evaluate.evaluation import check, load_submission
    from engine.followup.demands import register
    from engine.model.library import default_folder, load_library
    from engine.report.demands_table import changes_json

    decided = _as_of(as_of)
    books = load_library(rulebooks or default_folder())
    files = _expand(submissions)
    results = [check(load_submission(f), books, decided) for f in files]
    results.sort(key=lambda r: (r.submission.model.period, r.submission.model.enhet.hsa_id,
                                r.submission.path))
    with _ledger(ledger_path, create=True) as ledger:
        done = [register(ledger, r, decided) for r in results]
        path = str(ledger.path)
    if fmt == "json":
        sys.stdout.write(changes_json([_registration_dict(r) for r in done], decided, path))
        return 0
    console = _console()
    console.print(f"[bold]Kravliggaren[/] {escape(path)} · beslutsdag {decided}")
    for r in done:
        s = r.result.submission
        unit = s.model.enhet
        console.print(f"\n[bold]{escape(unit.namn)}[/] {unit.hsa_id} · årsbokslut {s.model.period} "
                      f"({escape(s.path)}) · regelbok {escape(r.result.rulebook.model.id)}")
        if r.already:
            console.print(f"Redan registrerat (beslutsdag {r.decided}); inget ändrades.")
            continue
        waived = [f for f in r.findings if f.outcome == "waived"]
        for f in waived:
            console.print(f"Dispens: {f.rule_id} {f.title}. {f.explanation}", markup=False)
        from engine.report.demands_table import render_changes

        render_changes(r.changes, console)
    return 0


def _expand(paths) -> list[str]:
    out = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(str(x) for x in path.rglob("*.yaml"))
            if not found:
                raise InputError.single(p, "inga årsbokslut (*.yaml) i mappen")
            out.extend(found)
        else:
            out.append(p)
    return out


def _registration_dict(r) -> dict:
    s = r.result.submission
    return {"submission": {"path": s.path, "sha256": s.sha256, "period": s.model.period,
                           "hsa_id": s.model.enhet.hsa_id, "unit": s.model.enhet.namn},
            "rulebook": {"id": r.result.rulebook.model.id, "sha256": r.result.rulebook.sha256},
            "decided": r.decided.isoformat(), "already": r.already,
            "changes": [c.to_dict() for c in r.changes],
            "waived": sorted(f.rule_id for f in r.findings if f.outcome == "waived")}


@demands_group.command("list")
@click.argument("hsa_id", required=False)
@click.option("--region", default=None, metavar="NAMN", help="Bara enheter i denna region.")
@click.option("--all", "show_all", is_flag=True, help="Visa även åtgärdade krav.")
@ledger_option
@as_of_option
@format_option
def list_cmd(hsa_id, region, show_all, ledger_path, as_of, fmt):
    """Lista öppna krav för en enhet (HSA-id) eller hela regionen per ett datum: sista dag,
    dagar försenat och upplupet vite."""
    from engine.followup.lifecycle import views
    from engine.report.demands_table import as_json, render

    day = _as_of(as_of)
    hsa = _hsa(hsa_id) if hsa_id else None
    with _ledger(ledger_path, readonly=True) as ledger:
        with ledger.read():
            if hsa:
                _known_unit(ledger, hsa)
            rows = ledger.demands(hsa, region)
            vs = views(rows, ledger.events(hsa_id=hsa) if hsa else ledger.events(),
                       ledger.plans(), ledger.dispenser(hsa), day)
        path = str(ledger.path)
    if not show_all:
        vs = [v for v in vs if v.open]
    if fmt == "json":
        sys.stdout.write(as_json(vs, day, path))
    else:
        render(vs, day, path, _console())
    return 0


@demands_group.command("history")
@click.argument("hsa_id")
@click.argument("rule_id", required=False)
@ledger_option
@format_option
def history_cmd(hsa_id, rule_id, ledger_path, fmt):
    """Visa varje statusändring för en enhets krav (händelseloggen), med datum och skäl."""
    from engine.report.demands_table import history_json, render_history

    hsa = _hsa(hsa_id)
    rule = _rules([rule_id])[0] if rule_id else None
    with _ledger(ledger_path, readonly=True) as ledger:
        with ledger.read():
            _known_unit(ledger, hsa)
            demands = {d.id: d for d in ledger.demands(hsa, rule_id=rule)}
            events = [e for e in ledger.events(hsa_id=hsa) if e.demand_id in demands]
        path = str(ledger.path)
    rows = [{"date": e.date.isoformat(), "rule_id": demands[e.demand_id].rule_id,
             "period": demands[e.demand_id].period, "from_status": e.from_status,
             "to_status": e.to_status, "event": e.event, "rule": e.rule, "reason": e.reason}
            for e in events]
    rows.sort(key=lambda r: (r["rule_id"], r["period"], r["date"]))
    if fmt == "json":
        sys.stdout.write(history_json(rows, path))
    else:
        console = _console()
        console.print(f"[bold]Händelser för {hsa}[/] (kravliggare {escape(path)})")
        render_history(rows, console)
    return 0


@demands_group.command("plan")
@click.argument("hsa_id")
@click.argument("rule_ids", nargs=-1, required=True)
@date_option
@click.option("--file", "file", required=True, metavar="FIL",
              help="Handlingsplanen som kom in (filen sparas inte; dess sha256 gör det).")
@ledger_option
def plan_cmd(hsa_id, rule_ids, date, file, ledger_path):
    """Registrera att en handlingsplan har kommit in (en fil kan svara på flera krav)."""
    from engine.followup.demands import record_plan

    day = _day(date, "--date")
    with _ledger(ledger_path) as ledger:
        changes = record_plan(ledger, _hsa(hsa_id), _rules(rule_ids), day, file)
    _print_changes(changes, f"Handlingsplan inkommen {day} ({Path(file).name})")
    return 0


def _decision(decision: str):
    label = "godkänd" if decision == "godkand" else "underkänd"

    @click.argument("hsa_id")
    @click.argument("rule_ids", nargs=-1, required=True)
    @date_option
    @click.option("--diarienummer", default=None, help="Beslutets diarienummer.")
    @click.option("--note", default=None, metavar="TEXT", help="Kommentar till beslutet.")
    @ledger_option
    def command(hsa_id, rule_ids, date, diarienummer, note, ledger_path):
        from engine.followup.demands import record_decision

        day = _day(date, "--date")
        with _ledger(ledger_path) as ledger:
            changes = record_decision(ledger, _hsa(hsa_id), _rules(rule_ids), decision, day,
                                      diarienummer, note)
        _print_changes(changes, f"Handlingsplan {label} {day}")
        return 0
    return command


demands_group.command("approve", help="Registrera att en inkommen handlingsplan är godkänd.")(
    _decision("godkand"))
demands_group.command("reject", help="Registrera att en inkommen handlingsplan är underkänd: "
                                     "kravet går till föreläggande om rättelse.")(_decision("underkand"))


@demands_group.command("rattelse")
@click.argument("hsa_id")
@click.argument("rule_ids", nargs=-1, required=True)
@date_option
@click.option("--diarienummer", default=None, help="Beslutets diarienummer.")
@ledger_option
def rattelse_cmd(hsa_id, rule_ids, date, diarienummer, ledger_path):
    """Registrera att rättelse har skett: kravet blir åtgärdat och vite upphör."""
    from engine.followup.demands import record_rattelse

    day = _day(date, "--date")
    with _ledger(ledger_path) as ledger:
        changes = record_rattelse(ledger, _hsa(hsa_id), _rules(rule_ids), day, diarienummer)
    _print_changes(changes, f"Rättelse {day}")
    return 0


@demands_group.command("letter")
@click.argument("hsa_id")
@ledger_option
@as_of_option
@click.option("--out", "out", default=None, metavar="MAPP", help="Mapp för breven. Standard: reports/brev.")
def letter_cmd(hsa_id, ledger_path, as_of, out):
    """Skriv brevet till en enhet (Markdown och utskrivbar HTML): varje brist med källa, vad
    handlingsplanen ska besvara, sista dag och sanktion. Ett tidigare brev skrivs aldrig över."""
    from engine.followup.letters import DEFAULT_FOLDER, compose, write

    day = _as_of(as_of)
    with _ledger(ledger_path, readonly=True) as ledger:
        letter = compose(ledger, _hsa(hsa_id), day)
    md, page = write(letter, out or DEFAULT_FOLDER)
    sys.stdout.write(f"Brev per {day} till {letter.unit_name} ({letter.hsa_id}):\n  {md}\n  {page}\n")
    return 0


# --- kravkoll dispens --------------------------------------------------------------------------

@click.group("dispens")
def dispens_group() -> None:
    """Dispenser: undantag för en enhet från en regel, med motivering, diarienummer och slutdatum."""


@dispens_group.command("grant")
@click.argument("hsa_id")
@click.argument("rule_id")
@click.option("--reason", required=True, metavar="TEXT", help="Motivering.")
@click.option("--diarienummer", required=True, help="Beslutets diarienummer.")
@click.option("--until", "until", required=True, metavar="DATUM", help="Sista dag dispensen gäller.")
@click.option("--from", "start", default=None, metavar="DATUM",
              help="Första dag dispensen gäller. Standard: dagens datum; skrivs ut.")
@click.option("--rulebooks", "rulebooks", default=None, metavar="MAPP",
              help="Regelböckerna regel-id prövas mot. Standard: ./rulebooks.")
@ledger_option
def grant_cmd(hsa_id, rule_id, reason, diarienummer, until, start, rulebooks, ledger_path):
    """Bevilja en dispens: brister i regeln blir 'dispens' (visas, krävs inte) medan den gäller."""
    from engine.followup.demands import grant_dispens
    from engine.model.library import default_folder, load_library

    rule = _rules([rule_id])[0]
    known = {r.id for b in load_library(rulebooks or default_folder()) for r in b.model.rules}
    if rule not in known:
        import difflib

        hint = difflib.get_close_matches(rule, sorted(known), n=1)
        raise InputError.single(None, f"ingen regel med id {rule}" + (f" (menade du {hint[0]}?)" if hint else ""))
    first = _day(start, "--from") or dt.date.today()
    with _ledger(ledger_path, create=True) as ledger:
        d, new = grant_dispens(ledger, _hsa(hsa_id), rule, diarienummer, reason, first,
                               _day(until, "--until"))
    state = "beviljad" if new else "redan registrerad, oförändrad"
    sys.stdout.write(f"Dispens {d.diarienummer} för {d.rule_id} ({d.hsa_id}) {state}: gäller "
                     f"{d.valid_from} till och med {d.last_day}.\n")
    return 0


@dispens_group.command("end")
@click.argument("hsa_id")
@click.argument("rule_id")
@click.option("--diarienummer", required=True, help="Dispensens diarienummer.")
@date_option
@ledger_option
def end_cmd(hsa_id, rule_id, diarienummer, date, ledger_path):
    """Avsluta en dispens: från --date bedöms regeln som vanligt igen."""
    from engine.followup.demands import end_dispens

    with _ledger(ledger_path) as ledger:
        d, new = end_dispens(ledger, _hsa(hsa_id), _rules([rule_id])[0], diarienummer,
                             _day(date, "--date"))
    state = "avslutad" if new else "redan avslutad"
    sys.stdout.write(f"Dispens {d.diarienummer} för {d.rule_id} ({d.hsa_id}) {state}: gällde till "
                     f"och med {d.last_day}.\n")
    return 0


@dispens_group.command("list")
@click.argument("hsa_id", required=False)
@ledger_option
@as_of_option
def dispens_list_cmd(hsa_id, ledger_path, as_of):
    """Lista dispenser och om de gäller per ett datum."""
    day = _as_of(as_of)
    with _ledger(ledger_path, readonly=True) as ledger:
        rows = ledger.dispenser(_hsa(hsa_id) if hsa_id else None)
    out = [f"Dispenser per {day}:"]
    for d in rows:
        state = "gäller" if d.valid_on(day) else "gäller inte"
        out.append(f"  {d.hsa_id} {d.rule_id} {d.diarienummer}: {d.valid_from} – {d.last_day} "
                   f"({state}). {d.justification}")
    if not rows:
        out.append("  inga")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def register(cli) -> None:
    cli.add_command(demands_group)
    cli.add_command(dispens_group)
