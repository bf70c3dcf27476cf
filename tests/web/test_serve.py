"""`kravkoll users add` and `kravkoll serve` as a user runs them: a real waitress on 127.0.0.1."""

from __future__ import annotations

import http.cookiejar
import re
import socket
import subprocess
import sys
import urllib.parse
import urllib.request

from ..support import ROOT, run_cli


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_users_add_first_is_admin_and_the_password_is_never_stored(tmp_path):
    ledger = tmp_path / "kravliggare.sqlite"
    run = run_cli("users", "add", "anna", "--roll", "lasare", "--ledger", str(ledger),
                  input=b"ett-langt-losenord\n")
    assert run.returncode == 0, run.stderr.decode()
    assert "rollen admin (den första användaren blir administratör)" in run.stdout.decode()
    run = run_cli("users", "add", "bo", "--roll", "läsare", "--ledger", str(ledger),
                  input=b"ett-annat-losenord\n")
    assert run.returncode == 0 and "rollen lasare" in run.stdout.decode()
    run = run_cli("users", "add", "bo", "--roll", "lasare", "--ledger", str(ledger),
                  input=b"ett-annat-losenord\n")
    assert run.returncode == 2 and "finns redan" in run.stderr.decode()
    run = run_cli("users", "add", "cilla", "--roll", "enhet", "--ledger", str(ledger),
                  input=b"ett-annat-losenord\n")
    assert run.returncode == 2 and "--hsa-id" in run.stderr.decode()
    run = run_cli("users", "add", "dan", "--roll", "chef", "--ledger", str(ledger), input=b"x\n")
    assert run.returncode == 2 and "finns inte" in run.stderr.decode()
    run = run_cli("users", "add", "eva", "--roll", "lasare", "--ledger", str(ledger), input=b"kort\n")
    assert run.returncode == 2 and "minst 8 tecken" in run.stderr.decode()
    assert b"ett-langt-losenord" not in ledger.read_bytes()
    listed = run_cli("users", "list", "--ledger", str(ledger)).stdout.decode().splitlines()
    assert listed == ["anna\tadministratör\t–\taktiv", "bo\tläsare\t–\taktiv"]


def test_serve_answers_on_loopback_and_signs_in(tmp_path):
    ledger = tmp_path / "kravliggare.sqlite"
    assert run_cli("users", "add", "anna", "--ledger", str(ledger),
                   input=b"ett-langt-losenord\n").returncode == 0
    port = _port()
    server = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--port", str(port),
                               "--ledger", str(ledger)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        line = server.stdout.readline().decode()
        assert f"http://127.0.0.1:{port}/" in line
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with opener.open(f"http://127.0.0.1:{port}/logga-in", timeout=30) as r:
            page = r.read().decode()
            assert r.headers["Server"] == "kravkoll"  # waitress, with its own ident
            assert "HttpOnly" in r.headers["Set-Cookie"]
        t = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"namn": "anna", "losenord": "ett-langt-losenord",
                                       "csrf_token": t}).encode()
        with opener.open(f"http://127.0.0.1:{port}/logga-in", data, timeout=30) as r:
            assert r.url.endswith("/idag") and "Idag" in r.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_refuses_a_port_in_use(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        run = run_cli("serve", "--port", str(port), "--ledger", str(tmp_path / "k.sqlite"), timeout=60)
    assert run.returncode == 2 and "porten används redan" in run.stderr.decode()
