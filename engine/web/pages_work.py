"""Idag, Enhet, Krav (with the decision forms and their confirmation) and Länet."""

from __future__ import annotations

import datetime as dt
import json
import re

from markupsafe import Markup
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.errors import InputError
from engine.followup import actions
from engine.followup.ledger import Ledger
from engine.report.demands_table import history_rows, view_dict

from .context import as_int, audit, ctx, needs, store, today_, unit_allowed

SOON_DAYS = 14  # "plans due within 14 days"
DISPENS_SOON_DAYS = 30

# The decision forms of a demand: kind → its heading, in the order a handläggare meets them.
DECISIONS = {
    "plan": "Handlingsplan inkommen",
    "godkand": "Handlingsplan godkänd",
    "underkand": "Handlingsplan underkänd",
    "forelaggande": "Föreläggande om rättelse",
    "vite": "Vite",
    "rattelse": "Rättelse har skett",
    "dispens": "Dispens",
    "korrigering": "Korrigering av en händelse",
    "aterkallelse": "Återkallelse av en händelse",
}
PER = {"": "regelbokens standard", "vecka": "per påbörjad vecka", "manad": "per påbörjad månad",
       "engang": "en gång"}


def register(app) -> None:
    app.add_url_rule("/idag", "idag", idag)
    app.add_url_rule("/lanet", "lanet", lanet)
    app.add_url_rule("/enhet/<hsa_id>", "enhet", enhet)
    app.add_url_rule("/enhet/<hsa_id>/krav/<rule_id>/<int:period>", "krav", krav)
    app.add_url_rule("/enhet/<hsa_id>/krav/<rule_id>/<int:period>/<kind>", "besluta", besluta,
                     methods=["POST"])


def _day_arg() -> dt.date:
    """?per=ÅÅÅÅ-MM-DD to look at another day; today otherwise."""
    value = request.args.get("per")
    if not value:
        return today_()
    try:
        return actions.day(value, "Per datum") or today_()
    except InputError:
        abort(400)


@needs("read")
def idag():
    day = _day_arg()
    # the same for every reader until the ledger changes: made once, by one thread
    body = ctx()["views"].memo(("idag", day), lambda: Markup(
        render_template("idag_body.html", day=day, **_today(day))))
    return render_template("idag.html", body=body)


def _today(day: dt.date) -> dict:
    """What needs a handläggare on `day`, each list in the ledger's order."""
    views = ctx()["views"].all(day)
    soon, overdue, frister, proposals, rights = [], [], [], [], []
    for v in views:
        if not v.open:
            continue
        late = v.status in ("kravd", "forsenad") and v.deadline and v.deadline < day
        soon_ = (v.status in ("kravd", "forsenad") and v.deadline and not late
                 and (v.deadline - day).days <= SOON_DAYS)
        passed = v.status in ("forelaggande", "vite") and v.deadline and v.deadline < day
        right = bool(v.termination and v.termination.get("arisen"))
        if not (late or soon_ or passed or right or v.proposals):
            continue  # only the demands shown are turned into rows
        d = view_dict(v)
        if late:
            overdue.append(d)
        if soon_:
            soon.append(d)
        if passed:
            frister.append(d)
        for p in v.proposals:
            proposals.append({**d, "proposal": p})
        if right:
            rights.append(d)
    ending = [x for state in ctx()["views"].states(day).values() for x in state.dispenser
              if x.valid_on(day) and (x.last_day - day).days <= DISPENS_SOON_DAYS]
    ending.sort(key=lambda x: (x.last_day, x.hsa_id, x.rule_id))
    return {"soon": soon, "overdue": overdue, "frister": frister, "proposals": proposals,
            "rights": rights, "ending": ending, "names": _names(),
            "open_count": sum(1 for v in views if v.open),
            "vite_kr": sum(v.vite_kr for v in views)}


def _names() -> dict[str, str]:
    return ctx()["views"].memo("names", lambda: {u["hsa_id"]: u["unit_name"]
                                                 for u in store().units()}, scope="checks")


def _county() -> list[dict]:
    """Every check's unit, region, year, verdict and outcomes (kept until the ledger changes)."""
    def make():
        rows = store().read("SELECT hsa_id, unit_name, region, period, verdict, outcomes FROM "
                            "checks ORDER BY period, unit_name, hsa_id, id")
        return [{"hsa_id": r["hsa_id"], "unit_name": r["unit_name"], "region": r["region"],
                 "period": r["period"], "verdict": r["verdict"],
                 "outcomes": json.loads(r["outcomes"])} for r in rows]
    return ctx()["views"].memo("county", make, scope="checks")


def _year(region: str | None, year: int) -> dict:
    latest: dict[str, dict] = {}
    for r in _county():
        if r["region"] == region and r["period"] == year:
            latest[r["hsa_id"]] = r  # a corrected resubmission stands in for the first
    units = sorted(latest.values(), key=lambda r: (r["unit_name"], r["hsa_id"]))
    counts: dict[str, dict[str, int]] = {}
    for r in units:
        for rule, outcome in r["outcomes"].items():
            counts.setdefault(rule, {}).setdefault(outcome, 0)
            counts[rule][outcome] += 1
    table = []
    for rule in sorted(counts):
        c = counts[rule]
        judged = sum(n for o, n in c.items() if o != "not_applicable")
        share = round(100 * c.get("pass", 0) / judged) if judged else None
        table.append({"rule": rule, "counts": c, "judged": judged, "met": c.get("pass", 0),
                      "share": share, "heat": _heat(share)})
    return {"units": units, "table": table, "matrix_rules": sorted(counts),
            "verdicts": _verdicts(units)}


LANET_PAGE = 50  # units per page of the matrix


@needs("read")
def lanet():
    """The county in a year: counts per rule (heat map), the matrix and the units."""
    county = _county()
    regions = sorted({r["region"] for r in county})
    years = sorted({r["period"] for r in county})
    region = request.args.get("region") or (regions[0] if regions else None)
    try:
        year = int(request.args.get("ar") or (years[-1] if years else 0))
        page = max(1, int(request.args.get("sida") or 1))
    except ValueError:
        abort(400)
    def body():
        data = ctx()["views"].memo(("lanet", region, year), lambda: _year(region, year),
                                   scope="checks")
        units = data["units"]
        shown = units[(page - 1) * LANET_PAGE: page * LANET_PAGE]
        return Markup(render_template(
            "lanet_body.html", regions=regions, years=years, region=region, year=year,
            matrix=[{"unit": r, "outcomes": r["outcomes"]} for r in shown], page=page,
            pages=max(1, -(-len(units) // LANET_PAGE)), **data))

    # the page's body is the same for every reader until the ledger changes: made once
    return render_template("lanet.html", region=region, year=year,
                           body=ctx()["views"].memo(("lanet-page", region, year, page), body,
                                                    scope="checks"))


def _heat(share) -> str:
    if share is None:
        return "heat-none"
    return "heat-" + str(min(4, share // 25))


def _verdicts(units) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in units:
        out[r["verdict"]] = out.get(r["verdict"], 0) + 1
    return out


def _unit_or_404(hsa_id: str):
    unit_allowed(hsa_id)
    row = store().unit(hsa_id)
    if row is None:
        abort(404)
    return row


@needs("read")
def enhet(hsa_id: str):
    unit = _unit_or_404(hsa_id)
    day = _day_arg()
    state = ctx()["views"].states(day, only=hsa_id)[hsa_id]
    checks = [dict(c) for c in store().checks_of(hsa_id)]
    for c in checks:
        c["outcomes"] = json.loads(c["outcomes"])
        c["dialogue"] = json.loads(c["dialogue"])
    latest = checks[-1] if checks else None
    findings = _findings_of(latest, state) if latest else []
    history = _with_users(history_rows(state.demands, state.events), state.events)
    letters = store().read("SELECT at, user, detail FROM web_audit WHERE action = 'brev' AND "
                           "target = ? ORDER BY id DESC", (hsa_id,))
    return render_template("enhet.html", unit=unit, day=day,
                           views=[view_dict(v) for v in state.views], checks=checks,
                           findings=findings, latest=latest, history=history, plans=state.plans,
                           dispenser=state.dispenser, letters=letters,
                           files=store().files(hsa_id=hsa_id))


def _findings_of(check: dict, state) -> list[dict]:
    """The latest check's outcome per rule; a shortfall that became a demand with what the
    check found (value, requirement, source and quote, as the demand stored it)."""
    found = {d.rule_id: d.finding for d in state.demands.values()
             if d.finding.get("submission") == check["submission_path"]}
    found.update({p["rule_id"]: p for p in check["dialogue"]})
    out = []
    for rule, outcome in sorted(check["outcomes"].items()):
        if outcome == "not_applicable":
            continue
        out.append({"rule_id": rule, "outcome": outcome, "finding": found.get(rule)})
    return out


def _with_users(rows: list[dict], events: list) -> list[dict]:
    inputs = {e.id: e.input_id for e in events}
    by = store().recorded_by(inputs.values())
    for r in rows:
        r["by"] = by.get(inputs.get(r["id"]))
    return rows


def _view(hsa_id: str, rule_id: str, period: int, day: dt.date):
    views = ctx()["views"].units(day, only=hsa_id)[hsa_id]
    hit = next((v for v in views if v.demand.rule_id == rule_id and v.demand.period == period),
               None)
    if hit is None:
        abort(404)
    return hit


@needs("read")
def krav(hsa_id: str, rule_id: str, period: int, error: str | None = None, values=None,
         status: int = 200):
    unit = _unit_or_404(hsa_id)
    day = _day_arg()
    v = _view(hsa_id, rule_id, period, day)
    history = _with_users(history_rows({v.demand.id: v.demand}, v.events), v.events)
    return render_template("krav.html", unit=unit, v=view_dict(v), view=v, day=day,
                           history=history, finding=v.demand.finding, decisions=DECISIONS,
                           per=PER, error=error, values=values or {}, open_kind=request.args.get("form")), status


def _fields(kind: str, form, files, hsa_id: str) -> tuple[dt.date | None, dict, list[str]]:
    """The form's values as `actions.decide` takes them, read with the command line's rules;
    the last item is what the confirmation page lists."""
    when = actions.recorded(form.get("datum") or None, "Datum")
    if kind not in ("korrigering", "aterkallelse", "dispens") and when is None:
        raise InputError.single(None, "Datum: ange dagen det hände (ÅÅÅÅ-MM-DD)")
    when = when or today_()
    text = lambda k: (form.get(k) or "").strip() or None  # noqa: E731
    f: dict = {}
    if kind == "plan":
        token = form.get("fil_token")
        if not token:
            upload = files.get("fil")
            if upload is None or not upload.filename:
                raise InputError.single(None, "Fil: välj handlingsplanens fil")
            content = upload.read()
            row = store().add_file(kind="handlingsplan", name=_safe_name(upload.filename),
                                   content=content, user=current_user.name, hsa_id=hsa_id)
            token = row["token"]
        row = store().file(token)
        if row is None or row["hsa_id"] != hsa_id:
            abort(403)
        f["file"] = str(_plan_path(row))
        f["_token"] = token
        f["_name"] = row["name"]
    if kind in ("godkand", "underkand", "forelaggande", "vite", "rattelse", "dispens"):
        f["diarienummer"] = text("diarienummer")
    if kind in ("godkand", "underkand", "forelaggande", "vite", "rattelse"):
        f["note"] = text("anteckning")
    if kind == "underkand":
        f["new_due"] = actions.day(text("ny_sista_dag"), "Ny sista dag")
    if kind == "forelaggande":
        f["frist_days"] = as_int(form.get("frist_dagar"), "Frist i dagar", 1, 3650, required=False)
        f["vasentlig"] = form.get("vasentlig") == "ja"
    if kind == "vite":
        f["belopp"] = as_int(form.get("belopp"), "Belopp i kronor", 1, None)
        f["per"] = text("per")
        if f["per"] is not None and f["per"] not in PER:
            raise InputError.single(None, "Hur vitet löper: välj ett av alternativen")
    if kind in ("korrigering", "aterkallelse"):
        f["event_id"] = as_int(form.get("handelse"), "Händelse nr", 1, None)
        f["reason"] = text("skal")
    if kind == "korrigering":
        vas = form.get("ny_vasentlig") or ""
        f["changes"] = {"date": actions.recorded(text("nytt_datum"), "Rätt datum"),
                        "frist_dagar": as_int(form.get("ny_frist"), "Ny frist", 1, 3650,
                                              required=False),
                        "belopp": as_int(form.get("nytt_belopp"), "Nytt belopp", 1, None,
                                         required=False),
                        "per": text("ny_per"),
                        "personer": as_int(form.get("nya_personer"), "Antal personer", 1, None,
                                           required=False),
                        "diarienummer": text("nytt_diarienummer"),
                        "vasentlig": {"ja": True, "nej": False}.get(vas)}
    if kind == "dispens":
        f["reason"] = text("motivering")
        f["valid_to"] = actions.day(text("till"), "Gäller till och med")
        if f["valid_to"] is None:
            raise InputError.single(None, "Gäller till och med: ange ett datum")
    return when, f, []


# The lifecycle's messages name the command line's flags; the form's fields are named so.
FLAG_LABELS = {"--belopp": "Belopp", "--frist-dagar": "Frist i dagar", "--personer": "Antal personer",
               "--reason": "Skäl", "--ny-sista-dag": "Ny sista dag", "--per": "Hur vitet löper",
               "--diarienummer": "Diarienummer", "--date": "Datum", "--until": "Gäller till och med"}
_FLAG = re.compile(r"--[a-z-]+")


def _as_form(message: str) -> str:
    return _FLAG.sub(lambda m: FLAG_LABELS.get(m.group(0), m.group(0)), message)


def _safe_name(name: str) -> str:
    from pathlib import PurePath

    base = PurePath(name.replace("\\", "/")).name
    return "".join(ch for ch in base if ch.isprintable())[:120] or "fil"


def _plan_path(row):
    """A received plan, kept where the ledger is (the journal names the file and its sha256,
    as `demands plan --file` does); written once, under its content hash."""
    folder = ctx()["ledger"].parent / (ctx()["ledger"].name + ".filer")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{row['sha256']}-{_safe_name(row['name'])}"
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_bytes(row["content"])
        tmp.replace(target)
    return target


@needs("decide")
def besluta(hsa_id: str, rule_id: str, period: int, kind: str):
    if kind not in DECISIONS:
        abort(404)
    unit = _unit_or_404(hsa_id)
    v = _view(hsa_id, rule_id, period, today_())
    form = request.form
    try:
        when, fields, _ = _fields(kind, form, request.files, hsa_id)
        call = {k: val for k, val in fields.items() if not k.startswith("_")}
        if form.get("bekrafta") != "ja":
            changes = actions.preview(ctx()["ledger"], kind, hsa_id, [rule_id], when, **call)
            kept = {k: form.get(k, "") for k in form if k not in ("csrf_token", "bekrafta")}
            if "_token" in fields:
                kept["fil_token"] = fields["_token"]
            return render_template("bekrafta.html", unit=unit, v=view_dict(v), kind=kind,
                                   heading=DECISIONS[kind], when=when, changes=changes,
                                   kept=kept, file_name=fields.get("_name"))
        with Ledger(ctx()["ledger"]) as ledger:
            with actions.attributed(ledger, current_user.name):
                changes = actions.decide(ledger, kind, hsa_id, [rule_id], when, **call)
    except InputError as exc:
        return krav(hsa_id, rule_id, period, error=_as_form(str(exc)), values=dict(form),
                    status=400)
    audit(DECISIONS[kind].lower(), f"{hsa_id} {rule_id} {period}",
          f"{when}; " + "; ".join(c.reason for c in changes))
    flash(f"{DECISIONS[kind]} registrerat {when}." if any(not c.noop for c in changes) or kind == "dispens"
          else "Redan registrerat; ingenting ändrades.")
    return redirect(url_for("krav", hsa_id=hsa_id, rule_id=rule_id, period=period))
