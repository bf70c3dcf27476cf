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
import sys
from pathlib import Path

import click

from engine.errors import InputError, UsageError
from engine.followup import actions

from . import params

HSA_ID = actions.HSA_ID
RULE_ID = actions.RULE_ID
# One reading of dates and rule ids for the command line and the web (engine/followup/actions.py).
_day = actions.day
_recorded = actions.recorded


def _as_of(value: str | None) -> dt.date:
    """--as-of, or today: the one place these commands read the clock, and it is printed."""
    return _day(value, "--as-of") or dt.date.today()


_hsa = actions.hsa
_rules = actions.rules


def _unit_form(ctx, param, value: str | None) -> str | None:
    """Checked before the ledger is opened: a word with digits and no space is meant as an
    HSA-id and must be one (ASCII; a look-alike with full-width or Arabic-Indic digits is
    refused); anything else is a unit's name, looked up in the ledger."""
    if value is not None and any(ch.isdigit() for ch in value) and not any(ch.isspace() for ch in value):
        _hsa(value)
    return value


def _unit(ledger, value: str) -> str:
    """A unit named by its HSA-id or by its name (compared as names are, read.names): one
    match, or a message listing the candidates."""
    from engine.read.names import name_key

    if HSA_ID.fullmatch(value):
        return value.upper()  # as submissions store it (model.submission._hsa_id)
    units = {(c.hsa_id, c.unit_name) for c in ledger.checks()}
    hits = sorted({hsa for hsa, name in units if name_key(name) == name_key(value)})
    if len(hits) == 1:
        return hits[0]
    if hits:
        shown = "; ".join(f"{hsa} ({name})" for hsa, name in sorted(units) if hsa in hits)
        raise InputError.single(None, f"namnet '{value}' passar flera enheter: {shown}; ange HSA-id")
    near = sorted({name for _, name in units if name_key(value) in name_key(name)})
    hint = f" (menade du {', '.join(near[:3])}?)" if near else ""
    raise UsageError.single(None, f"'{value}' är inget HSA-id (t.ex. SE2321000207-E00000000042) "
                            f"och inget namn på en enhet i kravliggaren{hint}")


def _region(ledger, value: str | None) -> str | None:
    """--region as the ledger spells it; one that matches nothing is said so (exit 2)."""
    from engine.read.names import name_key

    if value is None:
        return None
    known = sorted({c.region for c in ledger.checks()})
    hit = next((r for r in known if name_key(r) == name_key(value)), None)
    if hit is None:
        raise InputError.single(None, f"--region '{value}' finns inte i kravliggaren; regioner: "
                                + (", ".join(known) if known else "inga"))
    return hit


def _known_unit(ledger, hsa: str) -> None:
    """A unit the ledger has never seen is a typo, not a unit without demands."""
    if not ledger.checks(hsa) and not ledger.dispenser(hsa):
        raise InputError.single(None, f"kravliggaren ({ledger.path}) har ingen granskning av {hsa}")


def _ledger(path: str | None, create: bool = False, readonly: bool = False):
    from engine.followup.ledger import DEFAULT_PATH, Ledger

    return Ledger(path or DEFAULT_PATH, create=create, readonly=readonly)


def _say(text: str) -> None:
    """Plain text to stdout; data in it (a name, a diarienummer, a reason from an older
    ledger) with its control characters written visibly (read.text_rules.shown)."""
    from engine.read.text_rules import shown

    sys.stdout.write(shown(text))


def escape(text: str) -> str:
    """rich's markup escape, imported when first needed (JSON output never loads rich)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def _console():
    from engine.report.console import SafeConsole

    # No emoji codes either: a unit called "Vårdcentralen :fire:" keeps its name.
    return SafeConsole(highlight=False, emoji=False)


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
@click.option("--form", "form_id", default=None, metavar="FORMULÄR",
              help="SUBMISSIONS är enkätexporter (CSV eller Excel, en rad per enhet) av formuläret.")
@click.option("--blad", "sheet", default=None, metavar="NAMN",
              help="Excel: bladet som läses (standard: det enda synliga bladet med uppgifter; "
              "dolda blad läses aldrig).")
def register_cmd(submissions, rulebooks, ledger_path, as_of, fmt, form_id, sheet):
    """Granska årsbokslut och för in kraven i kravliggaren.

    Brister i krav blir krav på handlingsplan (sista dag: beslutsdagen + regelbokens antal
    dagar); ett krav som redan är öppet för enheten följs upp: uppfyllt → åtgärdat, inte
    uppfyllt ett senare år → föreslås föreläggande om rättelse (beställarenheten beslutar).
    --as-of är beslutsdagen. Samma årsbokslut två gånger ändrar ingenting. Mappar läses som
    'kravkoll check' läser dem (.yaml och .yml, inga dolda filer).
    """
    from engine.evaluate.evaluation import check, load_submission
    from engine.followup.demands import register
    from engine.model.form import fixed_forms
    from engine.model.library import default_folder, load_library
    from engine import jsontext
    from engine.followup.ledger import DEFAULT_PATH
    from engine.output import write_stdout
    from engine.report.demands_table import changes_json_pieces

    from .register_known import light, ordered, registered

    decided = _recorded(as_of, "--as-of") or dt.date.today()
    if form_id is not None:  # every row of an export is a unit
        from .commands_forms import export_paths

        files = export_paths(list(submissions), form_id, sheet)
    else:
        files = _expand(submissions)
        if sheet is not None:
            from engine.evaluate.evaluation import sheet_path

            if len(files) != 1:
                raise UsageError.single(None, "--blad gäller en arbetsbok (en ifylld mall, eller "
                                        "enkätexporter med --form)")
            files = [sheet_path(files[0], sheet)]
    # Content the ledger already holds is not checked again; the rest is checked one file at
    # a time, in registration order, keeping only what is shown (register_known.py).
    known = registered(Path(ledger_path or DEFAULT_PATH), files, decided)
    new = [f for f in files if f not in known]
    books = load_library(rulebooks or default_folder()) if new else []
    # JSON: each registration's text goes to a spool as it is made, and is written out from
    # there once all are registered (a county's registrations are never held together).
    spool = _Spool() if fmt == "json" else None
    done = []
    with fixed_forms():  # every file against the forms as they were when the run began
        order = ordered(new, known, books, registration_order)
        with _ledger(ledger_path, create=True) as ledger:
            for f, reg in order:
                r = reg or light(register(ledger, check(load_submission(f), books, decided),
                                          decided))
                if spool is not None:
                    spool.add(jsontext.dumps_bytes(_registration_dict(r), "    "))
                else:
                    done.append(r)
            path = str(ledger.path)
    if spool is not None:
        with spool:
            write_stdout(changes_json_pieces(spool.items(), decided, path))
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


class _Spool:
    """Pieces of bytes kept in a temporary file, given back in order."""

    def __init__(self):
        import tempfile

        self._file = tempfile.TemporaryFile()
        self._sizes: list[int] = []

    def add(self, piece: bytes) -> None:
        self._file.write(piece)
        self._sizes.append(len(piece))

    def items(self):
        self._file.seek(0)
        for size in self._sizes:
            yield self._file.read(size)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._file.close()


def _expand(paths) -> list[str]:
    """Exactly the files `kravkoll check` reads (batch.collect: .yaml and .yml, no hidden files
    or folders, FIFOs and other non-files skipped)."""
    from engine.evaluate.batch import collect

    return collect(paths)


def registration_order(result):
    """The order a run registers its submissions in, whatever the files are called: by unit,
    period and inlämningsdag (a corrected resubmission, handed in later, is registered after
    the original and stands), then by content sha256 when two have the same inlämningsdag
    (assumption samma_inlamnad in the rulebook's followup section)."""
    m = result.submission.model
    return (m.period, m.enhet.hsa_id, m.inlamnad or dt.date.min, result.submission.sha256)


def _registration_dict(r) -> dict:
    s = r.result.submission
    return {"submission": {"path": s.path, "sha256": s.sha256, "period": s.model.period,
                           "hsa_id": s.model.enhet.hsa_id, "unit": s.model.enhet.namn},
            "rulebook": {"id": r.result.rulebook.model.id, "sha256": r.result.rulebook.sha256},
            "decided": r.decided.isoformat(), "already": r.already,
            "changes": [c.to_dict() for c in r.changes],
            "waived": sorted(f.rule_id for f in r.findings if f.outcome == "waived")}


@demands_group.command("list")
@click.argument("hsa_id", required=False, metavar="[HSA-ID|NAMN]", type=params.LINE, callback=_unit_form)
@click.option("--region", default=None, metavar="NAMN", type=params.LINE, help="Bara enheter i denna region.")
@click.option("--all", "show_all", is_flag=True, help="Visa även åtgärdade krav.")
@ledger_option
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["rich", "json", "xlsx", "html"]),
              default="rich", show_default=True,
              help="Utdataformat; xlsx och html är kravliggaren som rapport (krav, beslut med "
                   "diarienummer, vite beräknat och beslutat per enhet och år).")
@click.option("--output", "-o", "output", default=None, metavar="FIL",
              help="Skriv till en fil (krävs för xlsx).")
@click.option("--force", is_flag=True, help="Skriv över en befintlig fil.")
def list_cmd(hsa_id, region, show_all, ledger_path, as_of, fmt, output, force):
    """Lista öppna krav för en enhet (HSA-id eller namn) eller hela regionen per ett datum:
    status, sista dag, upplupet vite, vad som föreslås (föreläggande, vite) och regionens rätt
    att säga upp avtalet. Med --format xlsx eller html: kravliggaren som rapport."""
    from engine.followup import replay
    from engine.followup.views import views
    from engine.output import check_target, emit
    from engine.report.demands_table import as_json, render

    day = _as_of(as_of)
    if fmt == "xlsx" and not output:
        raise UsageError.single(None, "--format xlsx är binärt; ange en fil med -o")
    if output:
        check_target(output, force)
    with _ledger(ledger_path, readonly=True) as ledger:
        with ledger.read():
            hsa = _unit(ledger, hsa_id) if hsa_id else None
            if hsa:
                _known_unit(ledger, hsa)
            region = _region(ledger, region)
            vs = []
            for unit in [hsa] if hsa else replay.units(ledger, region):
                state = replay.state(ledger, unit)  # derived from the unit's journal
                vs += views(state.demands(unit, region), state.events(hsa_id=unit),
                            state.plans(), state.dispenser(unit), day)
            vs.sort(key=lambda v: (v.demand.hsa_id, v.demand.rule_id, v.demand.period))
        path = str(ledger.path)
    if not show_all:
        vs = [v for v in vs if v.open]
    if fmt in ("xlsx", "html"):
        from engine.report import demands_register

        emit(demands_register.xlsx_bytes(vs, day) if fmt == "xlsx"
             else demands_register.html(vs, day), output, force)
    elif fmt == "json":
        emit(as_json(vs, day, path), output, force)
    elif output:
        from engine.report.console import emit_rich

        emit_rich(lambda console: render(vs, day, path, console), output, force)
    else:
        render(vs, day, path, _console())
    return 0


@demands_group.command("history")
@click.argument("hsa_id", metavar="HSA-ID|NAMN", type=params.LINE, callback=_unit_form)
@click.argument("rule_id", required=False, type=params.IDENT, callback=lambda c, p, v: _rules([v])[0] if v else None)
@ledger_option
@format_option
def history_cmd(hsa_id, rule_id, ledger_path, fmt):
    """Visa varje händelse för en enhets krav (händelseloggen), med nummer, datum, skäl,
    anteckningar, korrigeringar och återkallelser."""
    from engine.followup import replay
    from engine.report.demands_table import history_json, history_rows, render_history

    rule = _rules([rule_id])[0] if rule_id else None
    with _ledger(ledger_path, readonly=True) as ledger:
        with ledger.read():
            hsa = _unit(ledger, hsa_id)
            _known_unit(ledger, hsa)
            state = replay.state(ledger, hsa)  # derived from the unit's journal
            demands = {d.id: d for d in state.demands(hsa, rule_id=rule)}
            events = [e for e in state.events(hsa_id=hsa) if e.demand_id in demands]
        path = str(ledger.path)
    rows = history_rows(demands, events)
    if fmt == "json":
        sys.stdout.write(history_json(rows, path))
    else:
        console = _console()
        console.print(f"[bold]Händelser för {hsa}[/] (kravliggare {escape(path)})")
        render_history(rows, console)
    return 0


unit_argument = click.argument("hsa_id", metavar="HSA-ID|NAMN", type=params.LINE, callback=_unit_form)
note_option = click.option("--note", default=None, metavar="TEXT", type=params.BLOCK,
                           help="Anteckning (visas i historiken och i brevet).")


@demands_group.command("plan")
@unit_argument
@click.argument("rule_ids", nargs=-1, required=True, type=params.IDENT)
@date_option
@click.option("--file", "file", required=True, metavar="FIL", type=params.LINE,
              help="Handlingsplanen som kom in (filen sparas inte; dess sha256 gör det).")
@ledger_option
def plan_cmd(hsa_id, rule_ids, date, file, ledger_path):
    """Registrera att en handlingsplan har kommit in (en fil kan svara på flera krav: en handling)."""
    day = _recorded(date)
    with _ledger(ledger_path) as ledger:
        changes = actions.decide(ledger, "plan", _unit(ledger, hsa_id), rule_ids, day, file=file)
    _print_changes(changes, f"Handlingsplan inkommen {day} ({Path(file).name})")
    return 0


def _decision(decision: str):
    label = "godkänd" if decision == "godkand" else "underkänd"

    @unit_argument
    @click.argument("rule_ids", nargs=-1, required=True, type=params.IDENT)
    @date_option
    @click.option("--diarienummer", default=None, type=params.IDENT, help="Beslutets diarienummer.")
    @note_option
    @click.option("--ny-sista-dag", "new_due", default=None, metavar="DATUM",
                  help="Vid underkänd plan: sista dag för en ny handlingsplan (en egen handling). "
                       "Standard: beslutsdagen + regelbokens dagar för en handlingsplan.")
    @ledger_option
    def command(hsa_id, rule_ids, date, diarienummer, note, new_due, ledger_path):
        day = _recorded(date)
        due = _day(new_due, "--ny-sista-dag")
        with _ledger(ledger_path) as ledger:
            changes = actions.decide(ledger, decision, _unit(ledger, hsa_id), rule_ids, day,
                                     diarienummer=diarienummer, note=note, new_due=due)
        _print_changes(changes, f"Handlingsplan {label} {day}")
        return 0
    return command


demands_group.command("approve", help="Registrera att en inkommen handlingsplan är godkänd.")(
    _decision("godkand"))
demands_group.command("reject", help="Registrera att en inkommen handlingsplan är underkänd. "
                                     "Statusen ändras inte; kravkoll föreslår föreläggande om "
                                     "rättelse, som beställarenheten beslutar "
                                     "('demands forelaggande').")(_decision("underkand"))


@demands_group.command("forelaggande")
@unit_argument
@click.argument("rule_ids", nargs=-1, required=True, type=params.IDENT)
@date_option
@click.option("--diarienummer", required=True, type=params.IDENT, help="Beslutets diarienummer.")
@click.option("--frist-dagar", "frist_days", type=click.IntRange(1, 3650), default=None,
              help="Fristen för rättelse i dagar från beslutet. Utan den: regelbokens "
                   "followup.rattelse_days, bara om regionen har beslutat värdet (annars "
                   "vägras beslutet: ange fristen).")
@click.option("--vasentlig", is_flag=True,
              help="Regionen har beslutat att bristen är väsentlig: rättas den inte inom 30 "
                   "dagar efter beslutet och inom fristen får regionen säga upp avtalet (003 "
                   "l.874–876). Utan flaggan ger beslutet ingen rätt att säga upp.")
@note_option
@ledger_option
def forelaggande_cmd(hsa_id, rule_ids, date, diarienummer, frist_days, vasentlig, note,
                     ledger_path):
    """Registrera beställarenhetens beslut om föreläggande om rättelse (003 l.856–859) för de
    brister som anges. kravkoll föreslår, beställarenheten beslutar."""
    day = _recorded(date)
    with _ledger(ledger_path) as ledger:
        changes = actions.decide(ledger, "forelaggande", _unit(ledger, hsa_id), rule_ids, day,
                                 diarienummer=diarienummer, frist_days=frist_days,
                                 vasentlig=vasentlig, note=note)
    source = (f"{frist_days} dagar enligt beslutet" if frist_days
              else "regelbokens rattelse_dagar, beslutad av regionen")
    _print_changes(changes, f"Föreläggande om rättelse {day} ({diarienummer}); frist: {source}")
    return 0


@demands_group.command("vite")
@unit_argument
@click.argument("rule_ids", nargs=-1, required=True, type=params.IDENT)
@date_option
@click.option("--belopp", type=int, required=True, metavar="KR",
              help="Beslutat vite i kronor (högst regelbokens tak per brist).")
@click.option("--diarienummer", required=True, type=params.IDENT, help="Beslutets diarienummer.")
@click.option("--per", type=click.Choice(["vecka", "manad", "engang"]), default=None,
              help="Hur vitet löper tills rättelse sker. Standard: regelbokens followup.vite_per.")
@note_option
@ledger_option
def vite_cmd(hsa_id, rule_ids, date, belopp, diarienummer, per, note, ledger_path):
    """Registrera beställarenhetens beslut om vite efter fristen utan rättelse (003 l.859–861).
    Vitet löper tills rättelse sker ('demands rattelse')."""
    day = _recorded(date)
    with _ledger(ledger_path) as ledger:
        changes = actions.decide(ledger, "vite", _unit(ledger, hsa_id), rule_ids, day,
                                 belopp=belopp, diarienummer=diarienummer, per=per, note=note)
    _print_changes(changes, f"Vite beslutat {day} ({diarienummer})")
    return 0


@demands_group.command("nekad-listning")
@unit_argument
@click.argument("rule_id", required=False, type=params.IDENT)
@date_option
@click.option("--personer", type=int, required=True, metavar="N", help="Antal personer som nekades.")
@click.option("--diarienummer", default=None, type=params.IDENT, help="Ärendets diarienummer.")
@note_option
@ledger_option
def refusal_cmd(hsa_id, rule_id, date, personer, diarienummer, note, ledger_path):
    """Registrera den dag enheten nekade listning: listningsvitet löper från den dagen
    (003 l.870–872), inte från beslutsdagen."""
    from engine.followup.demands import record_refusal

    day = _recorded(date)
    rule = _rules([rule_id])[0] if rule_id else None
    with _ledger(ledger_path) as ledger:
        changes = record_refusal(ledger, _unit(ledger, hsa_id), rule, day, personer,
                                 diarienummer, note)
    _print_changes(changes, f"Nekad listning {day}")
    return 0


@demands_group.command("fakturerat")
@unit_argument
@click.argument("rule_id", type=params.IDENT)
@date_option
@click.option("--belopp", type=int, required=True, metavar="KR", help="Fakturerat belopp i kronor.")
@click.option("--diarienummer", required=True, type=params.IDENT, help="Beslutets eller fakturans diarienummer.")
@note_option
@ledger_option
def invoice_cmd(hsa_id, rule_id, date, belopp, diarienummer, note, ledger_path):
    """Registrera vite som beslutats och fakturerats; det visas bredvid det beräknade."""
    from engine.followup.demands import record_invoice

    day = _recorded(date)
    with _ledger(ledger_path) as ledger:
        changes = record_invoice(ledger, _unit(ledger, hsa_id), _rules([rule_id])[0], day,
                                 belopp, diarienummer, note)
    _print_changes(changes, f"Fakturerat {day}")
    return 0


@demands_group.command("korrigera")
@unit_argument
@click.argument("rule_id", type=params.IDENT)
@click.option("--handelse", "event_id", type=int, required=True, metavar="NR",
              help="Händelsen som rättas (Nr i 'demands history').")
@click.option("--reason", required=True, metavar="TEXT", type=params.BLOCK, help="Varför den rättas.")
@click.option("--date", "date", default=None, metavar="DATUM", help="Rätt datum för händelsen.")
@click.option("--frist-dagar", "frist_days", type=click.IntRange(1, 3650), default=None)
@click.option("--belopp", type=int, default=None, metavar="KR")
@click.option("--per", type=click.Choice(["vecka", "manad", "engang"]), default=None)
@click.option("--personer", type=int, default=None, metavar="N")
@click.option("--diarienummer", default=None, type=params.IDENT)
@click.option("--vasentlig/--ej-vasentlig", "vasentlig", default=None)
@click.option("--den", "on", default=None, metavar="DATUM",
              help="Dagen korrigeringen görs. Standard: dagens datum.")
@ledger_option
def correct_cmd(hsa_id, rule_id, event_id, reason, date, frist_days, belopp, per, personer,
                diarienummer, vasentlig, on, ledger_path):
    """Korrigera en felaktig post med en ny händelse och ett skäl; ingenting raderas."""
    changes = {"date": _recorded(date), "frist_dagar": frist_days, "belopp": belopp, "per": per,
               "personer": personer, "diarienummer": diarienummer, "vasentlig": vasentlig}
    day = _recorded(on, "--den") or dt.date.today()
    with _ledger(ledger_path) as ledger:
        done = actions.decide(ledger, "korrigering", _unit(ledger, hsa_id), [rule_id], day,
                              event_id=event_id, changes=changes, reason=reason)
    _print_changes(done, f"Korrigering {day}")
    return 0


@demands_group.command("aterkalla")
@unit_argument
@click.argument("rule_id", type=params.IDENT)
@click.option("--handelse", "event_id", type=int, required=True, metavar="NR",
              help="Händelsen som återkallas (Nr i 'demands history').")
@click.option("--reason", required=True, metavar="TEXT", type=params.BLOCK, help="Varför den återkallas.")
@click.option("--den", "on", default=None, metavar="DATUM",
              help="Dagen återkallelsen görs. Standard: dagens datum.")
@ledger_option
def withdraw_cmd(hsa_id, rule_id, event_id, reason, on, ledger_path):
    """Återkalla en post som gjorts av misstag (nekad listning, fakturering, beslut om
    föreläggande eller vite): den står kvar i historiken, markerad återkallad, och räknas inte;
    ett återkallat beslut är som om det aldrig fattats."""
    day = _recorded(on, "--den") or dt.date.today()
    with _ledger(ledger_path) as ledger:
        done = actions.decide(ledger, "aterkallelse", _unit(ledger, hsa_id), [rule_id], day,
                              event_id=event_id, reason=reason)
    _print_changes(done, f"Återkallelse {day}")
    return 0


@demands_group.command("rattelse")
@unit_argument
@click.argument("rule_ids", nargs=-1, required=True, type=params.IDENT)
@date_option
@click.option("--diarienummer", default=None, type=params.IDENT, help="Beslutets diarienummer.")
@note_option
@ledger_option
def rattelse_cmd(hsa_id, rule_ids, date, diarienummer, note, ledger_path):
    """Registrera att rättelse har skett: kravet blir åtgärdat och vite upphör."""
    day = _recorded(date)
    with _ledger(ledger_path) as ledger:
        changes = actions.decide(ledger, "rattelse", _unit(ledger, hsa_id), rule_ids, day,
                                 diarienummer=diarienummer, note=note)
    _print_changes(changes, f"Rättelse {day}")
    return 0


@demands_group.command("letter")
@click.argument("hsa_id", required=False, metavar="[HSA-ID|NAMN]", type=params.LINE, callback=_unit_form)
@click.option("--all", "all_units", is_flag=True,
              help="Ett brev per enhet som har krav per --as-of, till mappen -o.")
@click.option("--format", "formats", multiple=True, type=click.Choice(["md", "html", "docx", "pdf"]),
              help="Brevets format; kan anges flera gånger. Standard med --all: docx och pdf; "
                   "med -o FIL: filens ändelse.")
@click.option("--output", "-o", "output", default=None, metavar="FIL|MAPP",
              help="Filen för brevet, eller mappen för breven (--all).")
@click.option("--eml", is_flag=True,
              help="Skriv också ett e-postutkast (.eml) per enhet med brevet som PDF-bilaga.")
@click.option("--avsandare", "sender_path", default=None, metavar="FIL",
              help="Avsändaruppgifterna. Standard: avsandare.yaml bredvid kravliggaren.")
@click.option("--force", is_flag=True, help="Skriv över befintliga filer.")
@ledger_option
@as_of_option
@click.option("--out", "out", default=None, metavar="MAPP",
              help="Mapp för .md och .html när varken --format eller -o anges. Standard: reports/brev.")
def letter_cmd(hsa_id, all_units, formats, output, eml, sender_path, force, ledger_path, as_of, out):
    """Skriv brevet till en enhet (HSA-id eller namn), eller med --all ett brev per enhet som
    har krav: vad som har konstaterats, vad avtalet säger, vad enheten ska göra och när, och
    vad som följer annars; åtgärdade brister kvitteras. Format: Word (docx), PDF, HTML och
    Markdown; --eml ger ett e-postutkast per enhet.

    Avsändaren (region, beställarenhet, handläggare, telefon, e-post, svarsadress, logotyp)
    läses ur avsandare.yaml bredvid kravliggaren (se README, avsnittet Brev till enheterna).
    Saknas filen skrivs breven ändå, med en rad som säger vad som ska fyllas i.

    Utan --format och -o skrivs .md och .html till reports/brev (aldrig över ett tidigare brev)."""
    from engine.followup import letters, sender
    from engine.followup.ledger import DEFAULT_PATH
    from engine.report import letter_files

    if not hsa_id and not all_units:
        raise UsageError.single(None, "Argument saknas: 'HSA-ID|NAMN' (eller --all för alla "
                                "enheter med krav).")
    if hsa_id and all_units:
        raise UsageError.single(None, "ange en enhet ('HSA-ID|NAMN') eller --all, inte båda")
    if all_units and output and Path(output).suffix.lower() in letter_files.SUFFIXES:
        raise UsageError.single(None, f"-o {output}: --all skriver ett brev per enhet; ange en mapp")
    day = _as_of(as_of)
    who = (sender.load(sender_path, required=True) if sender_path
           else sender.load(sender.beside(ledger_path or DEFAULT_PATH)))
    file_mode = (output is not None and not all_units and not Path(output).is_dir()
                 and not output.endswith(("/", "\\")))
    if file_mode:
        fmt = _letter_format(formats, output)
    elif not formats and not output and not eml and not all_units:
        with _ledger(ledger_path, readonly=True) as ledger:
            letter = letters.compose(ledger, _unit(ledger, hsa_id), day, who)
        md, page = letters.write(letter, out or letters.DEFAULT_FOLDER)
        _say(f"Brev per {day} till {letter.unit_name} ({letter.hsa_id}):\n  {md}\n  {page}\n")
        return 0
    with _ledger(ledger_path, readonly=True) as ledger:
        if all_units:
            found = letters.units_with_demands(ledger, day)
        else:
            found = [letters.gather(ledger, _unit(ledger, hsa_id), day)]
    composed = [letters.compose_from(d, who) for d in found]
    if not composed:
        sys.stdout.write(f"Ingen enhet har krav per {day}; inga brev skrevs.\n")
        return 0
    if file_mode:
        (letter,) = composed
        data = letter_files.render(letter, fmt)
        files = [(Path(output), data)]
        if eml:
            pdf = data if fmt == "pdf" else letter_files.render(letter, "pdf")
            files.append((Path(output).with_suffix(".eml"),
                          letter_files.mail(letter, pdf, Path(output).with_suffix(".pdf").name)))
    else:
        folder = output or out or letters.DEFAULT_FOLDER
        files = letter_files.planned(composed, folder, tuple(formats) or ("docx", "pdf"), eml)
    letter_files.write_all(files, force)
    what = f"{len(composed)} brev" if all_units else f"Brev till {composed[0].unit_name}"
    _say(f"{what} per {day}" + ("" if who else " (utan avsändare: fyll i "
                                             f"{sender.FILE_NAME})") + ":\n"
                     + "".join(f"  {path}\n" for path, _ in files))
    return 0


def _letter_format(formats, output: str) -> str:
    from engine.report.letter_files import SUFFIXES

    if len(formats) > 1:
        raise UsageError.single(None, "-o FIL tar ett format; ange en mapp med -o för flera")
    fmt = SUFFIXES.get(Path(output).suffix.lower())
    if formats and fmt and fmt != formats[0]:
        raise UsageError.single(None, f"-o {output} slutar inte på .{formats[0]} men --format är "
                                f"{formats[0]}; ändra filnamnet eller formatet")
    if formats:
        return formats[0]
    if fmt is None:
        raise UsageError.single(None, f"-o {output}: ange --format (docx, pdf, html, md) eller en "
                                "fil som slutar på .docx, .pdf, .html eller .md")
    return fmt


@demands_group.command("verify")
@ledger_option
@click.option("--rulebooks", "rulebooks", default=None, metavar="MAPP",
              help="Regelböckerna årsboksluten granskas igen med. Standard: ./rulebooks.")
@format_option
def verify_cmd(ledger_path, rulebooks, fmt):
    """Kontrollera kravliggaren: att journalens hashkedja är hel (ingen post ändrad, borttagen
    eller tillagd utanför kravkoll), och att varje årsbokslut den fört in, läst igen och
    granskat igen med regelboken som gäller för dess period på dagen det fördes in, ger de
    utfall journalen har. Skriver ingenting.

    Slutkod 0: inga skillnader. 1: minst en post skiljer (visas med nummer, enhet och vad som
    skiljer). 2: fel i indata eller användning."""
    from engine.evaluate.evaluation import check, load_submission
    from engine.followup.verify import verify
    from engine.model.library import default_folder, load_library

    books = load_library(rulebooks or default_folder())

    def evaluate(path, decided):
        return check(load_submission(path), books, decided)

    with _ledger(ledger_path, readonly=True) as ledger:
        result = verify(ledger, books, evaluate)
    if fmt == "json":
        from engine.output import dumps_json

        sys.stdout.write(dumps_json(result.to_dict()))
        return 0 if result.clean else 1
    _render_verification(result, _console())
    return 0 if result.clean else 1


def _render_verification(result, console) -> None:
    from rich.table import Table
    from rich.text import Text

    console.print(Text(f"Kontroll av kravliggaren {result.path}", style="bold"))
    console.print(f"{result.inputs} poster i journalen; {result.checks} årsbokslut granskade "
                  "igen.", markup=False)
    if not result.chained:
        console.print("Journalen har ingen hashkedja ännu (kravliggaren är skriven av en äldre "
                      "version av kravkoll; kedjan läggs till vid nästa skrivning). Bara "
                      "granskningen igen är gjord.", markup=False)
    if result.clean:
        console.print("Inga skillnader: kedjan är hel och varje årsbokslut ger de utfall "
                      "journalen har.", markup=False)
        return
    table = Table(title=f"{len(result.differences)} skillnader", title_justify="left")
    for heading in ("Nr", "Enhet", "Slag", "Datum", "Vad skiljer"):
        table.add_column(heading, overflow="fold", no_wrap=heading in ("Nr", "Enhet", "Datum"))
    for d in result.differences:
        table.add_row(*(Text(str(v)) for v in ("" if d.input_id is None else d.input_id,
                                                d.hsa_id, d.kind, d.date, d.what)))
    console.print(table)


# --- kravkoll dispens --------------------------------------------------------------------------

@click.group("dispens")
def dispens_group() -> None:
    """Dispenser: undantag för en enhet från en regel, med motivering, diarienummer och slutdatum."""


@dispens_group.command("grant")
@click.argument("hsa_id", metavar="HSA-ID|NAMN", type=params.LINE, callback=_unit_form)
@click.argument("rule_id", type=params.IDENT)
@click.option("--reason", required=True, metavar="TEXT", type=params.BLOCK, help="Motivering.")
@click.option("--diarienummer", required=True, type=params.IDENT, help="Beslutets diarienummer.")
@click.option("--until", "until", required=True, metavar="DATUM", help="Sista dag dispensen gäller.")
@click.option("--from", "start", default=None, metavar="DATUM",
              help="Första dag dispensen gäller. Standard: dagens datum; skrivs ut.")
@click.option("--rulebooks", "rulebooks", default=None, metavar="MAPP",
              help="Regelböckerna regel-id prövas mot. Standard: ./rulebooks.")
@ledger_option
def grant_cmd(hsa_id, rule_id, reason, diarienummer, until, start, rulebooks, ledger_path):
    """Bevilja en dispens: brister i regeln blir 'dispens' (visas, krävs inte) medan den gäller."""
    from engine.model.library import default_folder, load_library

    rule = _rules([rule_id])[0]
    actions.known_rule(load_library(rulebooks or default_folder()), rule)
    first = _day(start, "--from") or dt.date.today()
    with _ledger(ledger_path, create=True) as ledger:
        d, new = actions.grant(ledger, _unit(ledger, hsa_id), rule, diarienummer, reason, first,
                               _day(until, "--until"))
    state = "beviljad" if new else "redan registrerad, oförändrad"
    _say(f"Dispens {d.diarienummer} för {d.rule_id} ({d.hsa_id}) {state}: gäller "
                     f"{d.valid_from} till och med {d.last_day}.\n")
    return 0


@dispens_group.command("end")
@click.argument("hsa_id", metavar="HSA-ID|NAMN", type=params.LINE, callback=_unit_form)
@click.argument("rule_id", type=params.IDENT)
@click.option("--diarienummer", required=True, type=params.IDENT, help="Dispensens diarienummer.")
@date_option
@ledger_option
def end_cmd(hsa_id, rule_id, diarienummer, date, ledger_path):
    """Avsluta en dispens: från --date bedöms regeln som vanligt igen."""
    from engine.followup.demands import end_dispens

    with _ledger(ledger_path) as ledger:
        d, new = end_dispens(ledger, _unit(ledger, hsa_id), _rules([rule_id])[0], diarienummer,
                             _day(date, "--date"))
    state = "avslutad" if new else "redan avslutad"
    _say(f"Dispens {d.diarienummer} för {d.rule_id} ({d.hsa_id}) {state}: gällde till "
                     f"och med {d.last_day}.\n")
    return 0


@dispens_group.command("list")
@click.argument("hsa_id", required=False, metavar="[HSA-ID|NAMN]", type=params.LINE, callback=_unit_form)
@ledger_option
@as_of_option
def dispens_list_cmd(hsa_id, ledger_path, as_of):
    """Lista dispenser och om de gäller per ett datum."""
    day = _as_of(as_of)
    with _ledger(ledger_path, readonly=True) as ledger:
        rows = ledger.dispenser(_unit(ledger, hsa_id) if hsa_id else None)
    out = [f"Dispenser per {day}:"]
    for d in rows:
        state = "gäller" if d.valid_on(day) else "gäller inte"
        out.append(f"  {d.hsa_id} {d.rule_id} {d.diarienummer}: {d.valid_from} – {d.last_day} "
                   f"({state}). {d.justification}")
    if not rows:
        out.append("  inga")
    _say("\n".join(out) + "\n")
    return 0


def register(cli) -> None:
    cli.add_command(demands_group)
    cli.add_command(dispens_group)
