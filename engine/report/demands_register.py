"""The kravliggare as a report for the region: Excel (xlsx) and printable HTML.

Three tables with Swedish headings, from the same views as `demands list`:
- "Krav": one row per demand: unit, year, krav, status, dates, the föreläggande and the vite
  decided (date, diarienummer, amount), vite computed by kravkoll, vite invoiced;
- "Beslut": every decision of the beställarenhet on a demand, with its date and diarienummer
  (withdrawn entries left out, corrected ones as corrected);
- "Per enhet och år": counts and sums per unit and year.
Amounts are numbers formatted as kronor and dates are dates in the workbook, so a region sums
and filters them in Excel. Same ledger and date, same bytes (matrix._reproducible).
"""

from __future__ import annotations

import datetime as dt
import html as _html
import io

from engine.followup.lifecycle import kind_of
from engine.followup.views import View
from engine.read.numbers import format_number
from engine.read.text_rules import shown, xml_safe

from .demands_table import KIND_LABELS

DECISIONS = {"beslut": "Beslut om handlingsplan", "forelaggande": "Föreläggande om rättelse",
             "vite": "Vite", "rattelse": "Rättelse konstaterad", "fakturerat": "Vite fakturerat",
             "nekad_listning": "Nekad listning"}
PER = {"vecka": "per påbörjad vecka", "manad": "per påbörjad månad", "engang": "en gång"}

DEMAND_HEADINGS = ("Enhet", "HSA-id", "Region", "År", "Regel", "Krav", "Gäller", "Status",
                   "Status sedan", "Sista dag för handlingsplan", "Frist för rättelse",
                   "Föreläggande, datum", "Föreläggande, diarienummer", "Vite beslutat, datum",
                   "Vite, diarienummer", "Vite beslutat, belopp (kr)", "Vite per",
                   "Vite beräknat (kr)", "Varav beslutat vite (kr)", "Vite fakturerat (kr)",
                   "Rätt att säga upp avtalet från")
DECISION_HEADINGS = ("Enhet", "HSA-id", "År", "Regel", "Krav", "Beslut", "Datum",
                     "Diarienummer", "Belopp (kr)", "Frist")
SUM_HEADINGS = ("Enhet", "HSA-id", "År", "Krav", "Öppna", "Åtgärdade", "Förelägganden",
                "Vite beräknat (kr)", "Varav beslutat vite (kr)", "Vite fakturerat (kr)")
KR_COLUMNS = {"Vite beslutat, belopp (kr)", "Vite beräknat (kr)", "Varav beslutat vite (kr)",
              "Vite fakturerat (kr)", "Belopp (kr)"}


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _decided_vite(v: View):
    return next((r for r in v.register.values() if r.event.event == "vite"
                 and r.event.to_status == "vite" and not r.withdrawn), None)


def demand_rows(views: list[View]) -> list[tuple]:
    out = []
    for v in views:
        d, f = v.demand, v.forelaggande or {}
        vite = _decided_vite(v)
        det = vite.detail if vite else {}
        out.append((
            d.unit_name, d.hsa_id, d.region, d.period, d.rule_id, d.finding.get("title"),
            KIND_LABELS.get(kind_of(d), d.kind), v.status_label, v.since, d.due,
            d.frist if f else None,
            _date(f.get("date")), f.get("diarienummer"),
            vite.date if vite else None, det.get("diarienummer"),
            int(det["belopp"]) if det.get("belopp") is not None else None,
            PER.get(det.get("per"), det.get("per")) if vite else None,
            v.vite_kr, sum(a.amount_kr for a in v.accruals if a.decided), v.invoiced_kr,
            _date(v.termination["from"]) if v.termination else None))
    return out


def decision_rows(views: list[View]) -> list[tuple]:
    out = []
    for v in views:
        d = v.demand
        for r in sorted(v.register.values(), key=lambda r: (r.date, r.event.id)):
            e, det = r.event, r.detail
            if e.event not in DECISIONS or r.withdrawn:
                continue
            what = DECISIONS[e.event]
            if e.event == "beslut":
                what = "Handlingsplan godkänd" if det.get("decision") == "godkand" else "Handlingsplan underkänd"
            amount = int(det["belopp"]) if e.event in ("vite", "fakturerat") and det.get("belopp") else None
            frist = _date((v.forelaggande or {}).get("frist")) if e.event == "forelaggande" else None
            out.append((d.unit_name, d.hsa_id, d.period, d.rule_id, d.finding.get("title"), what,
                        r.date, det.get("diarienummer"), amount, frist))
    return out


def sum_rows(views: list[View]) -> list[tuple]:
    groups: dict[tuple, list[View]] = {}
    for v in views:
        groups.setdefault((v.demand.unit_name, v.demand.hsa_id, v.demand.period), []).append(v)
    out = []
    for (unit, hsa, period), vs in sorted(groups.items()):
        out.append((unit, hsa, period, len(vs), sum(v.open for v in vs),
                    sum(not v.open for v in vs), sum(v.forelaggande is not None for v in vs),
                    sum(v.vite_kr for v in vs),
                    sum(a.amount_kr for v in vs for a in v.accruals if a.decided),
                    sum(v.invoiced_kr for v in vs)))
    return out


def _tables(views: list[View]) -> list[tuple[str, tuple, list[tuple]]]:
    return [("Krav", DEMAND_HEADINGS, demand_rows(views)),
            ("Beslut", DECISION_HEADINGS, decision_rows(views)),
            ("Per enhet och år", SUM_HEADINGS, sum_rows(views))]


def xlsx_bytes(views: list[View], as_of: dt.date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from .matrix import FIXED_TIME, _reproducible

    wb = Workbook()
    wb.properties.creator = "kravkoll"
    wb.properties.title = f"Kravliggaren per {as_of.isoformat()}"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.remove(wb.active)
    for title, headings, rows in _tables(views):
        ws = wb.create_sheet(title)
        ws.append(list(headings))
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            ws.append([xml_safe(v) for v in row])  # an old row's control character: visible
        for c, heading in enumerate(headings, 1):
            letter = get_column_letter(c)
            width = max([len(heading) * 0.6] + [len(str(r[c - 1])) for r in rows if r[c - 1] is not None])
            ws.column_dimensions[letter].width = min(max(10, width + 2), 60)
            for cell in ws[letter][1:]:
                if heading in KR_COLUMNS:
                    cell.number_format = '#,##0" kr"'
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                elif heading == "År":
                    cell.number_format = "0"
                if cell.data_type == "f":  # a name beginning with '=' is text, never a formula
                    cell.data_type = "s"
        ws.freeze_panes = "C2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{max(1, len(rows) + 1)}"
    raw = io.BytesIO()
    wb.save(raw)
    return _reproducible(raw.getvalue())


CSS = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 9pt; color: #000; margin: 1.5em; }
h1 { font-size: 15pt; } h2 { font-size: 12pt; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: 2px 4px; vertical-align: top; text-align: left; }
th { background: #eee; }
td.num { text-align: right; white-space: nowrap; }
tr { page-break-inside: avoid; }
""".strip()


def _cell(heading: str, value) -> str:
    if value is None:
        return "<td></td>"
    if heading in KR_COLUMNS:
        return f'<td class="num">{format_number(value)} kr</td>'
    if isinstance(value, dt.date):
        return f"<td>{value.isoformat()}</td>"
    return f"<td>{_html.escape(str(value))}</td>"


def html(views: list[View], as_of: dt.date) -> str:
    parts = [f"<h1>Kravliggaren per {as_of.isoformat()}</h1>"]
    for title, headings, rows in _tables(views):
        parts.append(f"<h2>{_html.escape(title)}</h2>")
        if not rows:
            parts.append("<p>Inga.</p>")
            continue
        parts.append("<table><thead><tr>" + "".join(f"<th>{_html.escape(h)}</th>" for h in headings)
                     + "</tr></thead><tbody>")
        parts.extend("<tr>" + "".join(_cell(h, v) for h, v in zip(headings, row)) + "</tr>"
                     for row in rows)
        parts.append("</tbody></table>")
    # shown: an old row's control character or bidi override is written visibly, never raw
    return shown("<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"
                 f"<title>Kravliggaren per {as_of.isoformat()}</title>\n<style>\n{CSS}\n</style>\n"
                 "</head>\n<body>\n" + "\n".join(parts) + "\n</body>\n</html>\n")
