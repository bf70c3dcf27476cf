"""Brev (preview, DOCX/PDF, e-mail draft, all in one zip), Regelbok and files by token."""

from __future__ import annotations

import io
import zipfile

from flask import Response, abort, render_template, request
from flask_login import current_user, login_required

from engine.followup import letters, sender
from engine.followup.ledger import Ledger
from engine.report import letter_files

from engine.errors import InputError

from .context import audit, ctx, needs, store, unit_allowed
from .pages_work import _day_arg

MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf", "eml": "message/rfc822", "zip": "application/zip"}


def register(app) -> None:
    app.add_url_rule("/brev", "brev", brev)
    app.add_url_rule("/brev/<hsa_id>", "brev_enhet", brev_enhet)
    app.add_url_rule("/brev/<hsa_id>/<fmt>", "brev_fil", brev_fil)
    app.add_url_rule("/brev-alla/<fmt>", "brev_alla", brev_alla)
    app.add_url_rule("/regelbok", "regelbok", regelbok)
    app.add_url_rule("/regelbok/<rule_id>", "regel", regel)
    app.add_url_rule("/fil/<token>", "fil", fil)
    app.add_url_rule("/ledning", "ledning", ledning_page)
    app.add_url_rule("/ledning/<fmt>", "ledning_dokument", ledning_document)
    app.add_url_rule("/trender", "trender", trender_page)
    app.add_url_rule("/trender/dokument", "trender_dokument", trender_document)


def _sender():
    return sender.load(sender.beside(ctx()["ledger"]))


def _download(data: bytes, name: str, fmt: str) -> Response:
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    resp = Response(data, mimetype=MIME.get(fmt, "application/octet-stream"))
    resp.headers["Content-Disposition"] = (f"attachment; filename=\"{ascii_name}\"; "
                                           f"filename*=UTF-8''{quote(name)}")
    return resp


@needs("read")
def brev():
    day = _day_arg()
    with Ledger(ctx()["ledger"], readonly=True) as ledger:
        found = letters.units_with_demands(ledger, day)
    return render_template("brev.html", day=day, units=found)


def _letter(hsa_id: str, day):
    unit_allowed(hsa_id)
    if current_user.role == "enhet":
        abort(403)
    if store().unit(hsa_id) is None:
        abort(404)
    with Ledger(ctx()["ledger"], readonly=True) as ledger:
        return letters.compose_from(letters.gather(ledger, hsa_id, day), _sender())


@needs("read")
def brev_enhet(hsa_id: str):
    day = _day_arg()
    letter = _letter(hsa_id, day)
    return render_template("brev_enhet.html", letter=letter, text=letters.markdown(letter),
                           day=day)


@needs("read")
def brev_fil(hsa_id: str, fmt: str):
    if fmt not in ("docx", "pdf", "eml"):
        abort(404)
    day = _day_arg()
    letter = _letter(hsa_id, day)
    stem = letter_files.file_stem(letter)
    if fmt == "eml":
        data = letter_files.mail(letter, letter_files.render(letter, "pdf"), f"{stem}.pdf")
    else:
        data = letter_files.render(letter, fmt)
    audit("brev", hsa_id, f"{fmt} per {day}")
    return _download(data, f"{stem}.{fmt}", fmt)


@needs("read")
def brev_alla(fmt: str):
    if fmt not in ("docx", "pdf"):
        abort(404)
    day = _day_arg()
    who = _sender()
    with Ledger(ctx()["ledger"], readonly=True) as ledger:
        found = letters.units_with_demands(ledger, day)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for data in found:
            letter = letters.compose_from(data, who)
            info = zipfile.ZipInfo(f"{letter_files.file_stem(letter)}.{fmt}",
                                   date_time=(day.year, day.month, day.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, letter_files.render(letter, fmt))
    audit("brev", "alla", f"{len(found)} brev ({fmt}) per {day}")
    return _download(buf.getvalue(), f"brev-{day}-{fmt}.zip", "zip")


def _rules_of_books():
    from .pages_intake import books

    out = []
    for b in books():
        for r in b.model.rules:
            out.append((b, r))
    return out


@needs("read")
def regelbok():
    from engine.model.form import load_forms

    books = {}
    for b, r in _rules_of_books():
        books.setdefault(b.model.id, (b, []))[1].append(r)
    forms = load_forms()
    chosen = request.args.get("formular")
    form = forms[chosen].form if chosen in forms else None
    return render_template("regelbok.html", books=books, forms=sorted(forms), form=form,
                           chosen=chosen)


@needs("read")
def regel(rule_id: str):
    from engine.evaluate.explain import explain

    having = [(b, r) for b, r in _rules_of_books() if r.id == rule_id.upper()]
    if not having:
        abort(404)
    book, rule = max(having, key=lambda x: x[0].model.valid_from)
    return render_template("regel.html", rule=rule, book=book.model,
                           words=explain(rule, book.model),
                           others=[b.model.id for b, _ in having if b is not book])


@login_required
def fil(token: str):
    row = store().file(token)
    if row is None:
        abort(404)
    if current_user.role == "enhet":
        if row["hsa_id"] is None or row["hsa_id"] != current_user.hsa_id:
            abort(403)
    elif not current_user.may("read"):
        abort(403)
    audit("hämtad fil", row["name"], f"{row['kind']} {row['sha256'][:12]}")
    return _download(bytes(row["content"]), row["name"], row["name"].rsplit(".", 1)[-1])


# --- Ledning and Trender: the command line's reports, from the submissions the ledger holds ------

def _years() -> tuple[list[str], list[int]]:
    from engine.followup.standing import standing

    rows = ctx()["views"].memo("standing", lambda: standing(ctx()["ledger"]), scope="checks")
    return (sorted({r.region for r in rows.values()}), sorted({p for _, p in rows}))


def _choice():
    regions, years = _years()
    region = request.args.get("region") or (regions[0] if regions else None)
    try:
        year = int(request.args.get("ar") or (years[-1] if years else 0))
    except ValueError:
        abort(400)
    if region not in regions or year not in years:
        abort(404)
    return regions, years, region, year


@needs("read")
def ledning_page():
    regions, years, region, year = _choice() if _years()[1] else ([], [], None, None)
    return render_template("ledning.html", regions=regions, years=years, region=region,
                           year=year, day=_day_arg())


def _summary(region: str, year: int):
    """The county summary of the year as `check MAPP` makes it, from the submissions that stand
    in the ledger (one process: the server's threads go on answering meanwhile)."""
    from pathlib import Path

    from engine.evaluate import batch
    from engine.followup.standing import standing
    from engine.model.library import default_folder

    from .pages_intake import books

    rows = ctx()["views"].memo("standing", lambda: standing(ctx()["ledger"]), scope="checks")
    paths = [r.submission_path for (_, p), r in sorted(rows.items(), key=lambda kv: kv[0])
             if p == year and r.region == region and Path(r.submission_path).exists()]
    if not paths:
        return None
    summary = batch.Summary({b.sha256: b for b in books()})
    for entry in batch.run(paths, books(), str(ctx()["rulebooks"] or default_folder()), None, 1):
        summary.add(entry)
    return summary


def _ledning_html(region: str, year: int, day) -> str:
    from engine.report import ledning

    summary = _summary(region, year)
    if summary is None:
        abort(404)
    before = _summary(region, year - 1)
    views = [v for v in ctx()["views"].all(day) if v.demand.region == region]
    return ledning.render(summary, ledning.Previous(before) if before else None,
                          ledning.LedgerFacts(day, views))


@needs("read")
def ledning_document(fmt: str):
    if fmt not in ("html", "pdf"):
        abort(404)
    _, _, region, year = _choice()
    day = _day_arg()
    page = ctx()["views"].memo(("ledning", region, year, day), lambda: _ledning_html(region, year, day))
    audit("ledning", f"{region} {year}", f"{fmt} per {day}")
    if fmt == "pdf":
        from engine.report.pdf import html_to_pdf

        return _download(html_to_pdf(page), f"ledning-{year}.pdf", "pdf")
    return _document(page)


def _document(page: str) -> Response:
    from .context import DOCUMENT_CSP

    resp = Response(page, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = DOCUMENT_CSP
    return resp


@needs("read")
def trender_page():
    return render_template("trender.html", units=store().units())


@needs("read")
def trender_document():
    from engine.evaluate.trend import build
    from engine.followup.standing import by_year
    from engine.report.trend_html import html_page

    from .pages_intake import books

    enhet = request.args.get("enhet") or None
    def make():
        years, registered = by_year(ctx()["ledger"])
        return build(years, books(), registered)

    trend = ctx()["views"].memo("trend", make, scope="checks")
    unit = None
    if enhet:
        if store().unit(enhet) is None:
            abort(404)
        try:
            unit = trend.unit(enhet)
        except InputError:
            abort(404)
    return _document(html_page(trend, unit))
