"""The workspace over HTTP (Flask's test client): what a region's IT department tries first."""

from __future__ import annotations

import re
import sqlite3

import pytest

from engine.followup.ledger import Ledger

from ..support import EXAMPLE
from .conftest import EVIL, OTHER, PASSWORDS, UNIT, signed_in, token

KRAV = f"/enhet/{UNIT}/krav/JHV-BEM-03/2023"  # the example's distriktssköterske-krav


def _status(page: str) -> str:
    return re.search(r"<dt>Status per [^<]+</dt><dd>(.+?) sedan ", page).group(1).strip()


def test_pages_need_a_signed_in_user(app):
    client = app.test_client()
    for url in ("/idag", "/lanet", f"/enhet/{UNIT}", KRAV, "/brev", "/regelbok", "/inlamning"):
        r = client.get(url)
        assert r.status_code == 302 and "/logga-in" in r.headers["Location"], url


def test_every_page_is_swedish_and_guarded_by_the_headers(app):
    client = signed_in(app, "admin")
    for url in ("/idag", "/lanet", f"/enhet/{UNIT}", KRAV, "/brev", f"/brev/{UNIT}", "/regelbok",
                "/regelbok/JHV-BEM-03", "/inlamning", "/granskningslogg", "/anvandare", "/ledning",
                "/trender"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert '<html lang="sv">' in r.text
        csp = r.headers["Content-Security-Policy"]
        assert "script-src" not in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
        assert "<script" not in r.text and "style=" not in r.text, url  # nothing inline
        # every input has a label (hidden fields and buttons aside)
        for field in re.findall(r"<(?:input|select|textarea)\b[^>]*>", r.text):
            if 'type="hidden"' in field:
                continue
            ident = re.search(r'id="([^"]+)"', field).group(1)
            assert f'for="{ident}"' in r.text, (url, field)


def test_a_post_without_a_csrf_token_is_refused(app):
    client = signed_in(app, "hanna")
    r = client.post(f"{KRAV}/forelaggande", data={"datum": "2024-09-02",
                                                  "diarienummer": "RJH 2024/1", "bekrafta": "ja"})
    assert r.status_code == 400 and "CSRF" in r.text
    r = client.post("/logga-ut")
    assert r.status_code == 400


def test_forelaggande_preview_writes_nothing_then_confirm_records_it_with_the_user(app, ledger):
    client = signed_in(app, "hanna")
    before = _status(client.get(KRAV).text)
    assert before == "inkommen"  # the example states a handlingsplan for BEM-03
    form = {"csrf_token": client.csrf, "datum": "2024-09-02", "diarienummer": "RJH 2024/17",
            "frist_dagar": "30", "vasentlig": "ja"}
    r = client.post(f"{KRAV}/forelaggande", data=form)
    assert r.status_code == 200 and "Bekräfta och registrera" in r.text
    assert "<td>forelaggande</td>" in r.text and "2024-10-02" in r.text  # frist: 30 days
    with Ledger(ledger, readonly=True) as led:
        assert [i.kind for i in led.inputs(UNIT)] == ["check"]  # nothing written yet
    r = client.post(f"{KRAV}/forelaggande", data={**form, "bekrafta": "ja"})
    assert r.status_code == 302
    page = client.get(KRAV).text
    assert _status(page) == "föreläggande om rättelse"
    assert "RJH 2024/17" in page and "<td>hanna</td>" in page  # the history names the user
    with Ledger(ledger, readonly=True) as led:
        inputs = led.inputs(UNIT)
        assert [i.kind for i in inputs] == ["check", "forelaggande"]
        assert inputs[-1].payload["diarienummer"] == "RJH 2024/17"
    db = sqlite3.connect(ledger)
    assert db.execute("SELECT user FROM input_by WHERE input_id = ?", (inputs[-1].id,)).fetchone() == ("hanna",)
    audit = db.execute("SELECT user, action, target FROM web_audit WHERE action LIKE 'föreläggande%'").fetchall()
    assert audit == [("hanna", "föreläggande om rättelse", f"{UNIT} JHV-BEM-03 2023")]


def test_a_decision_the_command_line_refuses_is_refused_with_its_message(app, ledger):
    client = signed_in(app, "hanna")
    r = client.post(f"{KRAV}/forelaggande", data={"csrf_token": client.csrf, "datum": "2099-01-01",
                                                  "diarienummer": "X", "bekrafta": "ja"})
    assert r.status_code == 400 and "ligger i framtiden" in r.text
    r = client.post(f"{KRAV}/vite", data={"csrf_token": client.csrf, "datum": "2024-09-02",
                                          "belopp": "mycket", "diarienummer": "X"})
    assert r.status_code == 400 and "är inget heltal" in r.text
    with Ledger(ledger, readonly=True) as led:
        assert [i.kind for i in led.inputs(UNIT)] == ["check"]


def test_a_diarienummer_or_note_with_control_characters_never_reaches_the_journal(app, ledger):
    """The text rules hold for a form as for the command line (issue 19): a line break in a
    diarienummer or an escape in a note would later break a letter or its e-mail headers."""
    client = signed_in(app, "hanna")
    for field, value in (("diarienummer", "RS 1\r\nBcc: x@example.invalid"),
                         ("anteckning", "ok\x1b[31m"), ("diarienummer", "RS \u202e1")):
        data = {"csrf_token": client.csrf, "datum": "2024-09-02", "diarienummer": "RS 2024/1",
                "bekrafta": "ja", field: value}
        r = client.post(f"{KRAV}/forelaggande", data=data)
        assert r.status_code == 400, (field, value)
        assert "\x1b" not in r.text and "\u202e" not in r.text
    with Ledger(ledger, readonly=True) as led:
        assert [i.kind for i in led.inputs(UNIT)] == ["check"]


def test_a_reader_cannot_post(app, ledger):
    client = signed_in(app, "lars")
    assert client.get(KRAV).status_code == 200
    assert "Visa vad som händer" not in client.get(KRAV).text  # no decision forms shown
    r = client.post(f"{KRAV}/forelaggande", data={"csrf_token": client.csrf, "datum": "2024-09-02",
                                                  "diarienummer": "RJH 1", "bekrafta": "ja"})
    assert r.status_code == 403
    assert client.post("/inlamning", data={"csrf_token": client.csrf}).status_code == 403
    assert client.post("/anvandare", data={"csrf_token": client.csrf, "namn": "x"}).status_code == 403
    with Ledger(ledger, readonly=True) as led:
        assert [i.kind for i in led.inputs(UNIT)] == ["check"]


def test_a_unit_sees_only_its_own(app):
    client = signed_in(app, "enhet42")
    for url in (f"/enhet/{OTHER}", f"/enhet/{OTHER}/krav/JHV-BEM-03/2023", f"/brev/{OTHER}",
                f"/brev/{OTHER}/docx", "/idag", "/lanet", "/brev", "/brev-alla/docx",
                "/inlamning", "/granskningslogg", f"/enhet/{UNIT}", f"/brev/{UNIT}/pdf"):
        assert client.get(url).status_code in (403, 404), url
    assert client.get("/egenkontroll").status_code == 200


def test_a_unit_cannot_check_another_units_file(app):
    client = signed_in(app, "enhet42")
    data = EXAMPLE.read_bytes().replace(UNIT.encode(), OTHER.encode())
    import io

    r = client.post("/egenkontroll", data={"csrf_token": client.csrf,
                                           "fil": (io.BytesIO(data), "annan.yaml")},
                    content_type="multipart/form-data")
    assert r.status_code == 403 and "annan enhet" in r.text


def test_a_download_id_of_another_unit_is_refused(app):
    import io

    hanna = signed_in(app, "hanna")
    other_krav = f"/enhet/{OTHER}/krav/JHV-BEM-03/2023"
    r = hanna.post(f"{other_krav}/plan", data={"csrf_token": hanna.csrf, "datum": "2024-05-01",
                                               "fil": (io.BytesIO(b"plan"), "plan.pdf")},
                   content_type="multipart/form-data")
    assert r.status_code in (200, 400), r.text
    from engine.web.store import Store

    files = Store(app.extensions["kravkoll"]["ledger"]).files(hsa_id=OTHER)
    assert files, "the uploaded plan is kept, bound to its unit"
    unit = signed_in(app, "enhet42")
    assert unit.get(f"/fil/{files[0]['token']}").status_code == 403
    assert hanna.get(f"/fil/{files[0]['token']}").data == b"plan"
    assert hanna.get("/fil/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_a_unit_name_with_markup_is_shown_as_text(app):
    client = signed_in(app, "admin")
    for url in (f"/enhet/{OTHER}", "/idag", "/lanet"):
        page = client.get(url).text
        assert "<script>alert" not in page, url
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Hälsocentralen Ond" in client.get(f"/enhet/{OTHER}").text


def test_session_cookie_flags(ledger):
    from engine.web.app import create_app

    for https in (False, True):
        app = create_app(ledger, https=https)
        client = app.test_client()
        t = token(client.get("/logga-in").text)
        r = client.post("/logga-in", data={"namn": "admin", "losenord": PASSWORDS["admin"],
                                           "csrf_token": t},
                        base_url="https://localhost" if https else "http://localhost")
        cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("kravkoll_session="))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) == https


def test_the_sign_in_limit_holds(app):
    client = app.test_client()
    t = token(client.get("/logga-in").text)
    for _ in range(5):
        r = client.post("/logga-in", data={"namn": "hanna", "losenord": "fel-losenord", "csrf_token": t})
        assert r.status_code == 401 and "Fel användarnamn eller lösenord" in r.text
    r = client.post("/logga-in", data={"namn": "hanna", "losenord": PASSWORDS["hanna"], "csrf_token": t})
    assert r.status_code == 429 and "För många" in r.text  # even the right password now
    other = app.test_client()  # the same address: limited too, for another name
    t = token(other.get("/logga-in").text)
    r = other.post("/logga-in", data={"namn": "lars", "losenord": PASSWORDS["lars"], "csrf_token": t})
    assert r.status_code == 429


def test_passwords_are_stored_as_argon2_hashes(ledger):
    rows = sqlite3.connect(ledger).execute("SELECT password FROM web_users").fetchall()
    assert rows and all(p.startswith("$argon2id$") for (p,) in rows)
    assert not any(pw in p for (p,) in rows for pw in PASSWORDS.values())


def test_letter_docx_opens_and_names_the_unit(app):
    import io

    import docx

    client = signed_in(app, "lars")
    r = client.get(f"/brev/{UNIT}/docx?per=2024-09-01")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.data)).paragraphs)
    assert text.startswith("Uppföljning av årsbokslut 2023") and "2024-09-01" in text
    r = client.get("/brev-alla/pdf?per=2024-09-01")
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)


def test_upload_preview_then_register(app, ledger):
    import io

    client = signed_in(app, "hanna")
    data = EXAMPLE.read_bytes().replace(UNIT.encode(), b"SE2321000207-E00000000077")
    r = client.post("/inlamning", data={"csrf_token": client.csrf,
                                        "fil": (io.BytesIO(data), "ny.yaml")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and "Förhandsgranskning" in r.text and "JHV-BEM-03" in r.text
    with Ledger(ledger, readonly=True) as led:
        assert not led.checks("SE2321000207-E00000000077")  # a preview writes nothing
    t = re.search(r'name="token" value="([^"]+)"', r.text).group(1)
    r = client.post("/inlamning/registrera", data={"csrf_token": client.csrf, "token": t,
                                                   "per": "2024-04-03", "formular": ""})
    assert r.status_code == 302
    with Ledger(ledger, readonly=True) as led:
        (c,) = led.checks("SE2321000207-E00000000077")
        assert c.decided.isoformat() == "2024-04-03"


def test_an_unreadable_upload_gets_one_swedish_message(app):
    import io

    client = signed_in(app, "hanna")
    r = client.post("/inlamning", data={"csrf_token": client.csrf,
                                        "fil": (io.BytesIO(b"enhet: [\n"), "trasig.yaml")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "trasig.yaml" in r.text and "Traceback" not in r.text


def test_uploads_are_capped(app):
    import io

    client = signed_in(app, "hanna")
    big = io.BytesIO(b"x" * (11 * 1024 * 1024))
    r = client.post("/inlamning", data={"csrf_token": client.csrf, "fil": (big, "stor.yaml")},
                    content_type="multipart/form-data")
    assert r.status_code == 413


def test_the_proxy_header_is_off_unless_asked_for(ledger):
    from engine.web.app import create_app

    off = create_app(ledger).test_client()
    assert off.get("/idag", headers={"X-Remote-User": "admin"}).status_code == 302
    on = create_app(ledger, proxy_user_header="X-Remote-User").test_client()
    assert on.get("/idag", headers={"X-Remote-User": "admin"}).status_code == 200
    assert on.get("/idag", headers={"X-Remote-User": "okand"}).status_code == 302


def test_ledning_and_trender_are_the_command_lines_documents_without_script(app):
    import io

    import pypdf

    client = signed_in(app, "lars")
    page = client.get("/ledning/html?per=2024-09-01")
    assert page.status_code == 200 and "<script" not in page.text
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    pdf = client.get("/ledning/pdf?per=2024-09-01")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert pdf.data.startswith(b"%PDF") and "2023" in text
    trend = client.get(f"/trender/dokument?enhet={UNIT}")
    assert trend.status_code == 200 and "<svg" in trend.text and "<script" not in trend.text
    assert client.get("/trender/dokument?enhet=SE2321000207-E00000000001").status_code == 404


def test_a_decision_from_the_web_is_the_journal_entry_the_command_line_makes(app, ledger, county, tmp_path):
    import json
    import shutil

    from ..support import run_cli

    client = signed_in(app, "hanna")
    form = {"csrf_token": client.csrf, "datum": "2024-09-02", "diarienummer": "RJH 2024/9",
            "frist_dagar": "45", "anteckning": "Muntligt besked 30/8", "bekrafta": "ja"}
    assert client.post(f"{KRAV}/forelaggande", data=form).status_code == 302
    by_cli = tmp_path / "cli.sqlite"
    shutil.copy(county, by_cli)
    run = run_cli("demands", "forelaggande", UNIT, "JHV-BEM-03", "--date", "2024-09-02",
                  "--diarienummer", "RJH 2024/9", "--frist-dagar", "45", "--note",
                  "Muntligt besked 30/8", "--ledger", str(by_cli))
    assert run.returncode == 0, run.stderr.decode()
    with Ledger(ledger, readonly=True) as web, Ledger(by_cli, readonly=True) as cli:
        assert [(i.kind, i.date, i.payload) for i in web.inputs(UNIT)] == \
            [(i.kind, i.date, i.payload) for i in cli.inputs(UNIT)]
    listed = run_cli("demands", "list", UNIT, "--format", "json", "--as-of", "2024-09-10",
                     "--ledger", str(ledger))
    (demand,) = [d for d in json.loads(listed.stdout)["demands"] if d["rule_id"] == "JHV-BEM-03"]
    assert demand["status"] == "forelaggande" and demand["frist"] == "2024-10-17"  # 2024-09-02 + 45


def test_a_survey_export_previews_every_unit_and_registers_them(app, ledger, tmp_path):
    from ..test_workbook import FORM, _export

    client = signed_in(app, "hanna")
    export = _export(tmp_path, ".csv")
    r = client.post("/inlamning", data={"csrf_token": client.csrf, "formular": FORM,
                                        "fil": (export.open("rb"), "export.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 200, r.text
    assert r.text.count("<caption>Fynd för") == 28
    t = re.search(r'name="token" value="([^"]+)"', r.text).group(1)
    r = client.post("/inlamning/registrera", data={"csrf_token": client.csrf, "token": t,
                                                   "formular": FORM, "per": "2024-04-05"})
    assert r.status_code == 302
    with Ledger(ledger, readonly=True) as led:
        assert len({c.hsa_id for c in led.checks() if c.decided.isoformat() == "2024-04-05"}) == 28


def test_vite_within_the_cap_only(app, ledger):
    client = signed_in(app, "hanna")
    base = {"csrf_token": client.csrf, "bekrafta": "ja"}
    assert client.post(f"{KRAV}/forelaggande", data={**base, "datum": "2024-09-02",
                                                     "diarienummer": "RJH 1",
                                                     "frist_dagar": "30"}).status_code == 302
    over = client.post(f"{KRAV}/vite", data={**base, "datum": "2024-10-10", "belopp": "60000",
                                             "diarienummer": "RJH 2"})
    assert over.status_code == 400
    assert "Belopp 60000 kr är mer än regelbokens tak 50000 kr" in over.text  # 003 l.860-861
    assert "--belopp" not in over.text
    ok = client.post(f"{KRAV}/vite", data={**base, "datum": "2024-10-10", "belopp": "20000",
                                           "per": "engang", "diarienummer": "RJH 2"})
    assert ok.status_code == 302
    assert _status(client.get(KRAV + "?per=2024-10-11").text) == "vite beslutat"


def test_idag_lists_a_frist_passed_and_the_vite_proposal_linking_to_the_demand(app):
    client = signed_in(app, "hanna")
    assert client.post(f"{KRAV}/forelaggande", data={
        "csrf_token": client.csrf, "bekrafta": "ja", "datum": "2024-09-02",
        "diarienummer": "RJH 3", "frist_dagar": "30"}).status_code == 302

    def section(page: str, heading: str) -> str:
        return page.split(heading, 1)[1].split("</section>", 1)[0]

    before = client.get("/idag?per=2024-10-02").text  # the frist's last day: nothing yet
    assert "Inga." in section(before, "Frister för rättelse som har passerat")
    after = client.get("/idag?per=2024-10-03").text
    passed = section(after, "Frister för rättelse som har passerat")
    proposed = section(after, "Förslag som väntar på beslut")
    assert f'href="{KRAV}"' in passed and "2024-10-02" in passed
    assert f'href="{KRAV}"' in proposed and "vite tills rättelse sker" in proposed
