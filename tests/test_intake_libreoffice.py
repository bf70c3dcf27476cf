"""A template filled in and saved by LibreOffice Calc checks the same as the one kravkoll wrote:
Calc rewrites every part of the workbook (shared strings, styles, its own number formats,
hidden="false" attributes), so this is the reader against a real spreadsheet program."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from .support import EXAMPLE, run_cli

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) finns inte: "
                                "apt-get install libreoffice-calc-nogui")


def _outcomes(path) -> dict:
    run = run_cli("check", str(path), "--format", "json", "--as-of", "2024-04-01")
    assert run.returncode in (0, 1), run.stderr
    return {f["rule_id"]: (f["outcome"], f.get("observed")) for f in json.loads(run.stdout)["findings"]}


def test_a_template_resaved_by_calc_checks_the_same(tmp_path):
    template = tmp_path / "mall.xlsx"
    run = run_cli("template", "arsbokslut-2023", "-o", str(template), "--from", str(EXAMPLE))
    assert run.returncode == 0, run.stderr
    out = tmp_path / "calc"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                    "--calc", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out),
                    str(template)], check=True, capture_output=True, timeout=240)
    resaved = out / "mall.xlsx"
    assert resaved.read_bytes() != template.read_bytes()  # Calc wrote a workbook of its own
    expected = _outcomes(template)
    assert len(expected) > 30 and _outcomes(resaved) == expected
