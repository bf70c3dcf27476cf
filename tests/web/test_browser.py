"""The main flows in a real browser: Debian's chromium through its chromedriver (Selenium, the
driver's path given, so selenium-manager downloads nothing), against `kravkoll serve`'s waitress
on 127.0.0.1. axe-core (tests/web/node_modules, `npm ci`) checks every page visited: no serious
or critical violations. Skipped, with the reason, when chromium, chromedriver or axe is absent."""

from __future__ import annotations

import io
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from ..support import EXAMPLE, RULEBOOKS, run_cli
from .conftest import PASSWORDS, UNIT

HERE = Path(__file__).parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium saknas (apt-get install chromium)"),
    pytest.mark.skipif(not Path(CHROMEDRIVER).exists(),
                       reason="chromedriver saknas (apt-get install chromium-driver)"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core saknas (cd tests/web && npm ci)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(ledger):
    from waitress.server import create_server

    from engine.web.app import create_app

    app = create_app(ledger, rulebooks=str(RULEBOOKS))
    port = _free_port()
    srv = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    srv.close()


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(arg)
    downloads = tmp_path / "nedladdat"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.downloads = downloads
    driver.axe_results = []
    yield driver
    driver.quit()
    checked = len(driver.axe_results)
    minor = [(url.split("/", 3)[-1], ids) for url, ids in driver.axe_results if ids]
    print(f"\naxe-core: {checked} sidor kontrollerade, inga allvarliga; mindre: {minor or 'inga'}")


def axe(driver) -> None:
    """axe-core on the page as it stands: no serious or critical violation (WCAG 2.1 AA)."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', "
        "'wcag21aa', 'best-practice']}}).then(r => done(r.violations.map(v => "
        "({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))));")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    driver.axe_results.append((driver.current_url, [f"{v['id']} ({v['impact']})" for v in result]))
    assert bad == [], (driver.current_url, bad)


def visit(driver, url: str) -> None:
    driver.get(url)
    assert driver.find_element("css selector", "html").get_attribute("lang") == "sv"
    axe(driver)


def sign_in(driver, base: str, name: str) -> None:
    visit(driver, base + "/logga-in")
    driver.find_element("id", "namn").send_keys(name)
    driver.find_element("id", "losenord").send_keys(PASSWORDS[name])
    driver.find_element("css selector", "main button[type=submit]").click()
    wait(driver, lambda d: "/logga-in" not in d.current_url)


def wait(driver, until, seconds: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, seconds).until(until)


def click_then(driver, element, text: str) -> None:
    """Click, and wait for the page that says `text`."""
    element.click()
    wait(driver, lambda d: text in d.page_source)


def test_sign_in_record_a_forelaggande_and_see_the_demand_change(server, browser):
    sign_in(browser, server, "hanna")
    assert browser.current_url.endswith("/idag")
    axe(browser)
    for page in ("/lanet", f"/enhet/{UNIT}", "/regelbok", "/brev"):
        visit(browser, server + page)
    krav = f"{server}/enhet/{UNIT}/krav/JHV-BEM-03/2023"
    visit(browser, krav)
    status = lambda: browser.find_element("css selector", "dl.facts dd").text  # noqa: E731
    assert status().startswith("inkommen")
    # keyboard: the form opens from its summary
    summary = next(s for s in browser.find_elements("css selector", "summary")
                   if s.text == "Föreläggande om rättelse")
    summary.click()
    browser.execute_script("document.getElementById('forelaggande-datum').value = '2024-09-02'")
    browser.find_element("id", "forelaggande-dnr").send_keys("RJH 2024/5")
    browser.find_element("id", "forelaggande-frist").send_keys("30")
    click_then(browser, summary.find_element("xpath", "..").find_element(
        "css selector", "button[type=submit]"), "Bekräfta och registrera")
    axe(browser)
    click_then(browser, browser.find_element("xpath", "//button[contains(., 'Bekräfta och "
                                               "registrera')]"), "registrerat 2024-09-02")
    assert status().startswith("föreläggande om rättelse")
    assert "RJH 2024/5" in browser.page_source and "hanna" in browser.page_source
    axe(browser)


def test_upload_preview_register(server, browser, tmp_path):
    data = EXAMPLE.read_bytes().replace(UNIT.encode(), b"SE2321000207-E00000000066")
    upload = tmp_path / "nyenhet.yaml"
    upload.write_bytes(data)
    sign_in(browser, server, "hanna")
    visit(browser, server + "/inlamning")
    browser.find_element("id", "fil").send_keys(str(upload))
    click_then(browser, browser.find_element("xpath", "//main//button[contains(., 'Granska')]"),
               "Förhandsgranskning av nyenhet.yaml")
    axe(browser)
    click_then(browser, browser.find_element("xpath", "//button[contains(., 'Registrera i "
                                               "kravliggaren')]"), "registrerat med beslutsdag")
    assert browser.current_url.endswith("/enhet/SE2321000207-E00000000066")
    assert "registrerat med beslutsdag" in browser.page_source
    axe(browser)


def test_download_a_letter_that_opens_in_word(server, browser):
    import docx

    sign_in(browser, server, "lars")
    visit(browser, f"{server}/brev/{UNIT}")
    browser.find_element("link text", "Word (docx)").click()
    deadline = time.time() + 30
    while time.time() < deadline:
        done = [p for p in browser.downloads.iterdir() if p.suffix == ".docx"]
        if done:
            break
        time.sleep(0.2)
    (path,) = done
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert text.startswith("Uppföljning av årsbokslut")


def test_a_units_self_check(server, browser, tmp_path):
    template = tmp_path / "mall.xlsx"
    run = run_cli("template", "arsbokslut-2023", "-o", str(template), "--from", str(EXAMPLE))
    assert run.returncode == 0, run.stderr.decode()
    sign_in(browser, server, "enhet42")
    assert browser.current_url.endswith("/egenkontroll")
    axe(browser)
    browser.find_element("id", "fil").send_keys(str(template))
    click_then(browser, browser.find_element("xpath", "//main//button[contains(., 'Granska')]"),
               "Fynd för")
    assert "Fynd för" in browser.page_source and "JHV-BEM-03" in browser.page_source
    axe(browser)
    nav = [a.text for a in browser.find_elements("css selector", "nav a")]
    assert nav == ["Egenkontroll"]


def test_every_other_page_passes_axe(server, browser):
    sign_in(browser, server, "admin")
    for page in ("/granskningslogg", "/anvandare", "/ledning", "/trender", "/regelbok/JHV-BEM-03",
                 "/regelbok?formular=arsbokslut-2023", f"/brev/{UNIT}", "/lanet?sida=1",
                 "/ledning/html?per=2024-09-01", f"/trender/dokument?enhet={UNIT}"):
        visit(browser, server + page)
    visit(browser, server + "/anvandare")
    browser.find_element("id", "namn").send_keys("nyanvandare")
    browser.find_element("id", "losenord").send_keys("ett-langt-losenord")
    click_then(browser, browser.find_element("xpath", "//main//button[contains(., 'Skapa')]"),
               "Användaren nyanvandare")
    axe(browser)
