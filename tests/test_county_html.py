"""`--format html`: one self-contained Swedish file, checked in a real browser (headless Chromium).

Chromium comes from Debian's packages (`apt-get install chromium`, see .ci/run). Where it is
absent the browser tests are skipped with a message; the file itself is still checked.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .support import ROOT, run_cli

COUNTY = "submissions/jamtland/2023"
CHROMIUM = next((c for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)), None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium saknas: installera med `apt-get install -y chromium` "
    "(Debian-paketet; .ci/run gör det) för att testa HTML-rapporten i en riktig webbläsare")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("html") / "lansoversikt.html"
    run = run_cli("check", COUNTY, "--format", "html", "--output", str(target))
    assert run.returncode == 1, run.stderr.decode()
    return target


@pytest.fixture(scope="module")
def units():
    data = json.loads(run_cli("check", COUNTY, "--format", "json").stdout)
    return [r["submission"]["unit"]["name"] for r in data["results"]]


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("style", "title", "script")

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "title", "script")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return " ".join(" ".join(p.parts).split())


def test_the_file_is_self_contained(report):
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="sv">' in html
    # nothing is fetched when the file is opened: no scripts, links, imports or remote URLs
    for needle in ("<script", "<link", "@import", "url(", "http://", "https://", "<img", "<iframe"):
        assert needle not in html, needle
    assert html.count("<svg") > 10  # plots are inline SVG


def test_the_file_has_the_overview_plots_and_a_section_per_unit(report, units):
    html = report.read_text(encoding="utf-8")
    text = visible_text(html)
    assert "Länsöversikt årsbokslut 2023 – Region Jämtland Härjedalen" in text
    assert "26 av 28 uppfyller kravet" in text
    assert "Enheter med krav som inte uppfylls – handlingsplan begärs" in text
    assert "målnivå minst 65,0 %" in text  # the level line of Di03L1
    assert html.count('<section class="unit"') == 28
    for name in units:
        assert f"<h2>{name}</h2>" in html
    assert "@page { size: A4" in html


def test_same_input_same_bytes(report, tmp_path):
    again = tmp_path / "igen.html"
    run_cli("check", COUNTY, "--format", "html", "--output", str(again), "--workers", "2")
    assert again.read_bytes() == report.read_bytes()


def _chromium(*args: str, user_data: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND",
         f"--user-data-dir={user_data}", *args],
        capture_output=True, timeout=timeout)


@needs_chromium
def test_chromium_renders_the_page_with_unit_names_and_counts(report, units, tmp_path):
    run = _chromium("--dump-dom", report.as_uri(), user_data=tmp_path / "profil")
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    dom = run.stdout.decode()
    text = visible_text(dom)
    assert "26 av 28 uppfyller kravet" in text
    assert "28 granskade årsbokslut" in text and "26 enheter uppfyller alla krav" in text
    for name in units:
        assert name in text
    assert dom.count("<circle") >= 28  # the indicator plots have a dot per unit


@needs_chromium
def test_chromium_takes_a_screenshot(report, tmp_path):
    shot = tmp_path / "lansoversikt.png"
    run = _chromium("--hide-scrollbars", "--window-size=1000,1400", f"--screenshot={shot}",
                    report.as_uri(), user_data=tmp_path / "profil")
    assert run.returncode == 0 and shot.exists(), run.stderr.decode()[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1000, 1400)
    assert len(data) > 40_000  # a blank page is a few kilobytes; this one has text and figures
    keep = ROOT / "reports" / "test-lansoversikt.png"  # for a person to look at (not committed)
    keep.parent.mkdir(exist_ok=True)
    keep.write_bytes(data)


@needs_chromium
def test_it_prints_on_a4(report, tmp_path):
    pdf = tmp_path / "lansoversikt.pdf"
    run = _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.as_uri(),
                    user_data=tmp_path / "profil")
    assert run.returncode == 0 and pdf.exists(), run.stderr.decode()[-2000:]
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert boxes, "no page sizes in the PDF"
    for w, h in boxes:  # A4 is 595 × 842 points
        assert abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    # the overview alone: the units' sections print only on request (issue 13: 112 pages)
    assert pages <= 8, pages
    with_units = tmp_path / "med-enheter.html"
    assert run_cli("check", COUNTY, "--format", "html", "--med-enheter",
                   "--output", str(with_units)).returncode == 1
    pdf = tmp_path / "med-enheter.pdf"
    run = _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", with_units.as_uri(),
                    user_data=tmp_path / "profil")
    assert run.returncode == 0 and pdf.exists(), run.stderr.decode()[-2000:]
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pages >= 28 + 3  # the overview, then every unit on a page of its own
