"""A catalogue of hostile and broken input: each gets exit code 2 and one clear Swedish message
naming the file (and line and field where there is one); never a traceback."""

import pytest

from .support import EXAMPLE, RULEBOOKS, rulebook_text, run_cli

BASE = EXAMPLE.read_text(encoding="utf-8")

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9))

SUBMISSIONS = {
    "malformed YAML": ("enhet:\n  namn: [Hälsocentralen\n", ["ogiltig YAML", ":3:"]),
    "not YAML at all": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ["inte en textfil"]),
    "empty file": ("", ["filen är tom"]),
    "only a list": ("- a\n- b\n", ["förväntade ett årsbokslut"]),
    "alias bomb": (BILLION_LAUGHS, ["ankare (&a) är inte tillåtet", ":1:"]),
    "deep nesting": ("a: " + "[" * 50_000 + "]" * 50_000 + "\n", ["för djup nästling"]),
    "duplicate key": (BASE.replace("period: 2023", "period: 2023\nperiod: 2023"),
                      ["nyckeln 'period' förekommer två gånger", ":24:"]),
    "unknown key": (BASE.replace("  hembesok: 810", "  hembesk: 810"),
                    ["okänd nyckel 'hembesk'", "menade du hembesok?", "verksamhet.hembesk"]),
    "octal-looking id": (BASE.replace("SE2321000207-E00000000042", "0123"), ["'0123'", "enhet.hsa_id"]),
    "unquoted time": (BASE.replace('"08:00-17:00"', "08:00", 1), ["verksamhet.oppettider.mandag"]),
    "wrong type": (BASE.replace("antal_listade: 6412", "antal_listade: [1, 2]"),
                   ["forutsattningar.antal_listade"]),
    "negative count": (BASE.replace("nyinflyttade: 19", "nyinflyttade: -19"),
                       ["sabo.nyinflyttade", "får inte vara negativt"]),
    "percent over 100": (BASE.replace("di03l1_procent: 61.8", "di03l1_procent: 618"),
                         ["kvalitet.di03l1_procent", "högst 100"]),
    "period without rulebook": (BASE.replace("period: 2023", "period: 2019"),
                                ["ingen regelbok", "perioden 2019", "fält 'period'"]),
    # Västerbotten has rulebooks since the second region came: a region with none stands in.
    "unit from another region": (BASE.replace("region: Region Jämtland Härjedalen",
                                              "region: Region Gotland"),
                                 ["ingen regelbok för regionen 'Region Gotland'", "enhet.region",
                                  "det finns för: Region Jämtland Härjedalen, Region Västerbotten"]),
    "python tag": ("enhet: !!python/object/apply:os.system ['echo pwned']\n", ["taggen !!python"]),
    "invalid UTF-8 and not Windows-1252": (b"namn: \x81\x8d\x8f\x90\x9d\n", ["varken UTF-8"]),
}


@pytest.mark.parametrize("name", sorted(SUBMISSIONS))
def test_hostile_submission(tmp_path, name):
    content, expected = SUBMISSIONS[name]
    path = tmp_path / "inlamnat.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    run = run_cli("check", str(path), timeout=30)
    err = run.stderr.decode()
    assert run.returncode == 2, err
    assert "Traceback" not in err and run.stdout == b""
    assert str(path) in err
    for fragment in expected:
        assert fragment in err


def test_a_very_large_file_is_refused_by_size(tmp_path):
    path = tmp_path / "stor.yaml"
    path.write_text(BASE + "# " + "x" * 3_000_000 + "\n", encoding="utf-8")
    run = run_cli("check", str(path), timeout=30)
    assert run.returncode == 2
    assert "största tillåtna storlek" in run.stderr.decode()


@pytest.mark.parametrize("encode", [
    lambda t: t.replace("–", "-").replace("…", "...").encode("latin-1"),
    lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
    lambda t: t.replace("\n", "\r\n").encode("utf-8"),
    lambda t: t.replace("\n", "\r\n").encode("cp1252"),  # cp1252 has the en dash
], ids=["latin-1", "bom", "crlf", "windows"])
def test_files_saved_on_windows_are_read_as_written(tmp_path, encode):
    path = tmp_path / "windows.yaml"
    path.write_bytes(encode(BASE))
    run = run_cli("check", str(path), "--format", "json")
    assert run.returncode == 1, run.stderr.decode()
    assert '"name": "Hälsocentralen Exempelbyn"' in run.stdout.decode()


def _rulebook_folder(tmp_path, change):
    folder = tmp_path / "regler" / "jamtland"
    folder.mkdir(parents=True)
    text = rulebook_text(RULEBOOKS / "jamtland" / "halsoval-2023.yaml")
    changed = change(text)
    assert changed != text
    (folder / "halsoval-2023.yaml").write_text(changed, encoding="utf-8")
    return folder.parent


RULEBOOK_CASES = {
    "syntax error": (lambda t: t.replace("rules:\n", "rules: [\n", 1), ["ogiltig YAML"]),
    "unknown field path": (lambda t: t.replace("field: kvalitet.medrave,", "field: kvalitet.medrav,"),
                           ["fältet 'kvalitet.medrav' finns inte", "rules[13].check.answer.field"]),
    "missing parameter": (lambda t: t.replace("right: {param: di03l1_malniva}",
                                              "right: {param: di03l1_mal}"),
                          ["okänd parameter 'di03l1_mal'"]),
    "python tag": (lambda t: t.replace("title: Inga patienter nekas listning i strid med listningsreglerna",
                                       "title: !!python/object/apply:os.system ['echo pwned']"),
                   ["taggen !!python"]),
    "format string in a title": (lambda t: t.replace("title: Inga patienter nekas listning",
                                                     "title: Inga {rule.__class__.__init__.__globals__}"),
                                 ["klammerparenteser"]),
}


@pytest.mark.parametrize("name", sorted(RULEBOOK_CASES))
def test_hostile_rulebook(tmp_path, name):
    change, expected = RULEBOOK_CASES[name]
    folder = _rulebook_folder(tmp_path, change)
    run = run_cli("check", str(EXAMPLE), "--rulebooks", str(folder))
    err = run.stderr.decode()
    assert run.returncode == 2, err
    assert "Traceback" not in err and "pwned" not in run.stdout.decode()
    assert "halsoval-2023.yaml:" in err
    for fragment in expected:
        assert fragment in err


def test_an_output_path_outside_reach_is_a_clean_error(tmp_path):
    blocker = tmp_path / "fil"
    blocker.write_text("x")
    run = run_cli("check", str(EXAMPLE), "--format", "json", "--output", str(blocker / "rapport.json"))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr.decode()
