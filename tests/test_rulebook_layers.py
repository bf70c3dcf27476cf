"""The rulebook format beyond one file and one region: include/extends resolve to one plain
rulebook (what explain --rulebook shows and the hash covers), any/all and attribute scopes, and
comparisons with the unit's previous year. A user checks: a year written as changes gives the
same rulebook as written out; a national rule is written once; last year's value is used only
when last year's årsbokslut of the same unit is at hand."""

from __future__ import annotations

import shutil

import pytest
import yaml

from engine.errors import InputError
from engine.model.library import load_library, load_rulebook

from .support import ROOT, RULEBOOKS, rulebook_text, run_cli

VB_EXAMPLE = ROOT / "submissions" / "examples" / "2024" / "skogsberg.yaml"
VB_PREVIOUS = ROOT / "submissions" / "examples" / "2024" / "tidigare" / "skogsberg-2023.yaml"


def _copy(tmp_path):
    shutil.copytree(RULEBOOKS, tmp_path / "rb")
    return tmp_path / "rb"


AS_CHANGES = RULEBOOKS / "jamtland" / "halsoval-2023.yaml"  # Jämtland 2023: 2021 plus its changes


def test_jamtland_2023_written_as_changes_resolves_to_the_rulebook_written_out_whole(tmp_path):
    # rulebook_text puts the 2023 changes into 2021's text; both must give one rulebook
    whole = tmp_path / "halsoval-2023.yaml"
    whole.write_text(rulebook_text(AS_CHANGES), encoding="utf-8")
    assert "extends" not in yaml.safe_load(whole.read_text(encoding="utf-8"))
    assert load_rulebook(whole).model == load_rulebook(AS_CHANGES).model


def test_jamtland_2023_is_2021_plus_its_differences():
    rb = RULEBOOKS
    old, new = (load_rulebook(rb / "jamtland" / f"halsoval-{y}.yaml").model for y in (2021, 2023))
    ids = [r.id for r in new.rules]
    old_ids = [r.id for r in old.rules]
    assert ids[:22] == old_ids[:22] and ids[29] == "JHV-LIS-01" == old_ids[22]
    assert ids[22:29] == [f"JHV-INF-0{i}" for i in range(1, 8)]  # inserted after JHV-SAB-02
    assert "JHV-SAB-02" in yaml.safe_load(AS_CHANGES.read_text(encoding="utf-8"))["insert_after"]
    assert ids[30:] and not set(ids[30:]) & set(old_ids)  # 2023's own rules, added last
    assert str(new.parameters["sista_inlamningsdag"].value) == "2024-02-29"
    assert new.parameters["di03l1_malniva"] == old.parameters["di03l1_malniva"]  # from the layer


def test_the_national_layer_is_shared_and_not_a_rulebook_itself():
    books = {b.model.id: b.model for b in load_library(RULEBOOKS)}
    assert "nationellt-malnivaer" not in books
    for book in ("jamtland-halsoval-2023", "vasterbotten-halsoval-2024"):
        assert books[book].parameters["hba1c_malniva"].value == 10
    assert books["vasterbotten-halsoval-2024"].rule("NAT-VG-01") is not None


def test_the_hash_follows_the_resolved_content_not_the_layout(tmp_path):
    rb = _copy(tmp_path)
    path = rb / "jamtland" / "halsoval-2023.yaml"
    before = load_rulebook(path).sha256
    path.write_text("# en kommentar till\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_rulebook(path).sha256 == before
    layer = rb / "nationellt" / "malnivaer.yaml"
    layer.write_text(layer.read_text(encoding="utf-8").replace("value: 65", "value: 70"), encoding="utf-8")
    assert load_rulebook(path).sha256 != before  # a change in the base is a change of 2023


@pytest.mark.parametrize("change,message", [
    ("extends: finns-inte.yaml", "finns inte"),
    ("extends: halsoval-2023.yaml", "cirkel"),
    ("remove: {rules: [JHV-XXX-01]}", "finns inte"),
    ("remove: {parameters: [finns_ej]}", "finns inte"),
])
def test_a_broken_extends_is_refused_with_its_file_and_key(tmp_path, change, message):
    rb = _copy(tmp_path)
    path = rb / "jamtland" / "halsoval-2023.yaml"
    text = path.read_text(encoding="utf-8")
    key = change.split(":")[0]
    text = text.replace("extends: halsoval-2021.yaml", change if key == "extends"
                        else "extends: halsoval-2021.yaml\n" + change)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as exc:
        load_rulebook(path)
    assert exc.value.file == str(path)


def test_explain_shows_the_resolved_rulebook_and_its_hash(tmp_path):
    rb = _copy(tmp_path)
    run = run_cli("explain", "--rulebook", "jamtland-halsoval-2023", "--rulebooks", str(rb),
                  timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    text = run.stdout.decode()
    head, body = text.split("\n", 2)[:2], text.split("\n", 2)[2]
    assert "halsoval-2021.yaml" in head[0] and "malnivaer.yaml" in head[0]
    data = yaml.safe_load(body)
    full = load_rulebook(RULEBOOKS / "jamtland" / "halsoval-2023.yaml").model
    assert "extends" not in data and [r["id"] for r in data["rules"]] == [r.id for r in full.rules]
    assert load_rulebook(rb / "jamtland" / "halsoval-2023.yaml").sha256 in head[1]


def _findings(run):
    import json

    assert run.returncode in (0, 1), run.stderr.decode()
    return {f["rule_id"]: f["outcome"] for f in json.loads(run.stdout)["findings"]}


def test_previous_year_named_with_previous_and_missing_without():
    without = _findings(run_cli("check", str(VB_EXAMPLE), "--format", "json", timeout=60))
    assert without["VHV-KON-01"] == "missing"
    given = _findings(run_cli("check", str(VB_EXAMPLE), "--previous", str(VB_PREVIOUS),
                              "--format", "json", timeout=60))
    assert given["VHV-KON-01"] == "pass" and given["VHV-UPF-02"] == "fail"  # 61 ≥ 58; 71 < 74


def test_previous_year_is_found_beside_the_file(tmp_path):
    (tmp_path / "2024").mkdir()
    (tmp_path / "2023").mkdir()
    shutil.copy(VB_EXAMPLE, tmp_path / "2024" / "a.yaml")
    shutil.copy(VB_PREVIOUS, tmp_path / "2023" / "b.yaml")
    assert _findings(run_cli("check", str(tmp_path / "2024" / "a.yaml"), "--format", "json",
                             timeout=60))["VHV-KON-01"] == "pass"


def test_a_previous_year_of_another_unit_is_refused(tmp_path):
    other = tmp_path / "annan.yaml"
    other.write_text(VB_PREVIOUS.read_text(encoding="utf-8").replace("E00000000101", "E00000000199"),
                     encoding="utf-8")
    run = run_cli("check", str(VB_EXAMPLE), "--previous", str(other), timeout=60)
    assert run.returncode == 2 and "--previous" in run.stderr.decode()


def test_a_scope_attribute_the_form_does_not_declare_is_refused(tmp_path):
    rb = _copy(tmp_path)
    path = rb / "vasterbotten" / "halsoval-2024.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "attributes: {enhet.enhetstyp: [filial]}", "attributes: {enhet.namn: [filial]}"), encoding="utf-8")
    with pytest.raises(InputError, match="ingen enhetsuppgift"):
        load_rulebook(path)


def test_any_scope_applies_when_one_part_holds(tmp_path):
    from engine.evaluate.evaluation import check, load_submission

    rb = _copy(tmp_path)
    path = rb / "vasterbotten" / "halsoval-2024.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "attributes: {enhet.enhetstyp: [filial]}",
        "any: [{attributes: {enhet.enhetstyp: [filial]}}, {regi: [privat]}]"), encoding="utf-8")
    found = {f.rule_id: f.outcome for f in check(load_submission(str(VB_EXAMPLE)),
                                                  load_library(rb)).findings}
    assert found["VHV-FIL-01"] == "not_applicable"  # in scope (privat), but not a filial: the when


def test_a_layer_many_rulebooks_take_in_is_read_once_per_library_and_named_by_each(monkeypatch):
    """Jämtland 2021 includes the national målnivåer, 2022 and 2023 extend 2021 and Västerbotten
    includes lagkrav, which includes målnivåer: one library load reads each such file once, and
    every rulebook still names all it takes in (`explain --rulebook`'s 'löst från')."""
    from engine.model import rulebook_layers

    reads = []
    real = rulebook_layers.load_file
    monkeypatch.setattr(rulebook_layers, "load_file", lambda p: reads.append(p) or real(p))
    monkeypatch.setenv("KRAVKOLL_CACHE", "0")
    books = {b.path.rsplit("/", 1)[-1]: b for b in load_library(RULEBOOKS)}
    names = sorted(p.name for p in reads)
    assert names == sorted(set(names)) == ["halsoval-2021.yaml", "lagkrav.yaml", "malnivaer.yaml"]
    for name in ("halsoval-2021.yaml", "halsoval-2022.yaml", "halsoval-2023.yaml",
                 "halsoval-2024.yaml"):
        assert any(s.endswith("malnivaer.yaml") for s in books[name].doc.sources), name
    assert any(s.endswith("halsoval-2021.yaml") for s in books["halsoval-2023.yaml"].doc.sources)
