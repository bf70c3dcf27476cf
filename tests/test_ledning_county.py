"""The full county report (`check MAPP --format html`) after issue 13: the overview is for people
who need no engine details (rule ids, field paths, source lines and hashes are in the appendix
and the units' details), the dialogue points are counted as rules, the heat map's columns are
readable, and the units' sections print only on request (--med-enheter; tested in Chromium in
test_county_html.py)."""

from __future__ import annotations

import json
import re

import yaml

from .support import ROOT, rulebook_text, run_cli
from .test_county_html import visible_text
from .test_ledning import PASSING, county

COUNTY = "submissions/jamtland/2023"
RULEBOOK = ROOT / "rulebooks" / "jamtland" / "halsoval-2023.yaml"


def _html(*args: str) -> str:
    run = run_cli("check", *args, "--format", "html")
    assert run.returncode in (0, 1), run.stderr.decode()
    return run.stdout.decode()


def _body(html: str) -> str:
    """The overview: everything before the first unit's section and the appendix."""
    return html.split('<section class="unit"', 1)[0].split('<section class="appendix"', 1)[0]


def test_the_overview_shows_no_rule_ids_paths_lines_or_hashes():
    html = _html(COUNTY)
    body = _body(html)
    ids = [r["id"] for r in yaml.safe_load(rulebook_text(RULEBOOK))["rules"]]
    for rule_id in ids:
        assert rule_id not in body, rule_id
        assert rule_id in html  # still there for whoever needs it: the appendix and details
    shown = visible_text(body)  # (anchors between sections are hashes of paths, never shown)
    assert not re.search(r"\b[0-9a-f]{12,64}\b", shown)
    assert ".yaml" not in body
    assert not re.search(r"\bl\.\s?\d", shown)
    assert "Bilaga: regelbok och regler" in html


def test_dialogue_points_are_counted_as_rules_not_findings(tmp_path):
    """Three identical units: each rule other than krav that one unit falls short of is one
    point, and three units' outcomes."""
    folder = county(tmp_path / "lan", [(f"Hälsocentralen {n}", {}) for n in ("Ås", "Lit", "Berg")])
    one = json.loads(run_cli("check", str(next(folder.glob("*.yaml"))), "--format",
                             "json").stdout)
    short = {f["rule_id"] for f in one["findings"]
             if f["kind"] != "krav" and f["outcome"] in ("fail", "partial", "missing")}
    assert short  # the example has points for the dialogue
    text = visible_text(_html(str(folder)))
    assert (f"{len(short)} regler (riktlinjer, målnivåer, lagkrav och förslag) följs inte av "
            f"alla enheter: {3 * len(short)} utfall hos 3 enheter") in text


def test_the_heat_map_columns_are_numbered_and_named_in_a_legend():
    html = _html(COUNTY)
    section = html.split('<section id="matris">', 1)[1].split("</section>", 1)[0]
    titles = [r["title"] for r in yaml.safe_load(rulebook_text(RULEBOOK))["rules"]]
    legend = section.split('<ol class="heat-legend">', 1)[1]
    items = re.findall(r'<li value="(\d+)">([^<]*)</li>', legend)
    assert [int(n) for n, _ in items] == list(range(1, len(titles) + 1))
    from html import unescape

    assert [unescape(t) for _, t in items] == titles
    assert "rotate(" not in section  # upright labels, not slanted ids
    labels = re.findall(r'font-size="([\d.]+)" text-anchor="middle"><title>', section)
    assert len(labels) >= len(titles) and min(float(s) for s in labels) >= 9


def test_unit_sections_print_only_with_med_enheter(tmp_path):
    folder = county(tmp_path / "lan", [("Hälsocentralen Ås", PASSING)])
    plain, with_units = _html(str(folder)), _html(str(folder), "--med-enheter")
    assert "<body>" in plain and '<body class="med-enheter">' in with_units
    assert "--med-enheter" in visible_text(plain)  # the printed overview says how to get them
    assert plain.count('<section class="unit"') == with_units.count('<section class="unit"') == 1
