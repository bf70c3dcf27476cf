"""What a parameter rests on: decided text, a decision the region recorded, or only an
assumption. design.md: no krona and no right without a decided basis."""

import datetime as dt

from engine.model.rulebook import Parameter, Rulebook


def _rulebook(parameters: dict) -> Rulebook:
    return Rulebook.model_validate({
        "id": "test-2023", "title": "T", "region": "Testregionen", "vardval": "Hälsoval",
        "version": "1", "valid_from": "2023-01-01", "valid_to": "2023-12-31", "forms": ["f"],
        "documents": {"fu": {"title": "Förfrågningsunderlag"},
                      "utkast": {"title": "Utkast", "status": "forslag"}},
        "parameters": parameters,
        "rules": [{"id": "TT-01", "kind": "riktlinje", "title": "t", "area": "A",
                   "source": {"document": "fu", "section": "1", "quote": "q"},
                   "check": {"compare": {"left": {"field": "a"}, "op": "==", "right": {"value": 1}}}}],
    })


def test_a_value_rests_on_text_a_recorded_decision_or_only_a_proposal():
    rb = _rulebook({
        "ur_texten": {"title": "a", "value": 30, "unit": "dagar",
                      "source": {"document": "fu", "section": "4.7", "quote": "inom 30 dagar"}},
        "ur_utkast": {"title": "b", "value": 30, "unit": "dagar",
                      "source": {"document": "utkast", "section": "1", "quote": "30 dagar"}},
        "antagen": {"title": "c", "value": 60, "unit": "dagar", "assumption": "Källorna anger ingen tid."},
        "beslutad": {"title": "d", "value": 60, "unit": "dagar", "assumption": "Förslag: 60 dagar.",
                     "beslut": {"datum": "2023-02-01", "diarienummer": "RS 2023/12"}},
    })
    assert rb.param_basis("ur_texten") == "kalla"
    assert rb.param_basis("ur_utkast") == "forslag"  # a proposal document decides nothing
    assert rb.param_basis("antagen") == "forslag"
    assert rb.param_basis("beslutad") == "beslut"
    assert rb.parameters["beslutad"].beslut.datum == dt.date(2023, 2, 1)


def test_a_parameter_needs_some_basis():
    import pydantic
    import pytest

    with pytest.raises(pydantic.ValidationError, match="source, assumption eller beslut"):
        Parameter.model_validate({"title": "x", "value": 1, "unit": "dagar"})


def _with_rules(parameters: dict, rules: list[dict]) -> Rulebook:
    rb = _rulebook(parameters).model_dump(mode="json", by_alias=True, exclude_none=True)
    rb["rules"] = rules
    return Rulebook.model_validate(rb)


def _compare(rule_id: str, param: str, document: str) -> dict:
    return {"id": rule_id, "kind": "riktlinje", "title": "t", "area": "A",
            "source": {"document": document, "section": "1", "quote": "alla ska erbjudas"},
            "check": {"compare": {"left": {"field": "a"}, "op": ">=", "right": {"param": param}}}}


def test_the_level_of_a_rule_rests_on_its_weakest_parameter():
    from engine.model.rulebook_basis import level_basis

    rb = _with_rules({
        "samtliga": {"title": "alla", "value": 100, "unit": "procent", "from_rule_quote": True,
                     "assumption": "Regelns citat säger alla."},
        "antagen": {"title": "c", "value": 75, "unit": "procent", "assumption": "Ingen källa."},
    }, [_compare("TT-01", "samtliga", "fu"), _compare("TT-02", "samtliga", "utkast"),
        _compare("TT-03", "antagen", "fu")])
    # "alla" in decided text is decided; the same word in a draft is a proposal
    assert level_basis(rb, rb.rule("TT-01")) == "kalla"
    assert level_basis(rb, rb.rule("TT-02")) == "forslag"
    # 75 % that no source gives: a proposal whatever the rule's source
    assert level_basis(rb, rb.rule("TT-03")) == "forslag"


def test_explain_shows_the_rulebooks_vasentlig_as_a_proposal_the_region_decides():
    """003 l.874–876 does not say which parts are väsentliga: the rulebook's reason is a
    proposal; the right to terminate can only arise from a decision (--vasentlig)."""
    from .support import run_cli

    proc = run_cli("explain", "JHV-VER-01", env={"COLUMNS": "200"})
    out = " ".join(proc.stdout.decode().split())
    assert proc.returncode == 0, proc.stderr.decode()
    assert "Väsentlig brist (förslag)" in out and "(--vasentlig)" in out
    assert "Regionens förslag" not in out


def test_explain_says_what_each_value_rests_on():
    """Every output says which basis it used: the årsbokslut's deadline is a proposal ("Källorna
    anger inget datum för årsbokslutet"), the specialist share's limit is the form's restatement
    of the krav (004 l.398), and Västerbotten's NPE level is a proposal reported as values."""
    from .support import run_cli

    def grund(*args):
        proc = run_cli("explain", *args, env={"COLUMNS": "300"})
        assert proc.returncode == 0, proc.stderr.decode()
        return [" ".join(line.split()) for line in proc.stdout.decode().splitlines()
                if line.startswith("Grund")]

    (deadline,) = grund("JHV-INL-01")
    assert "(2024-02-29): förslag, inget beslut" in deadline and "kronor och rättigheter" in deadline
    level, days = grund("JHV-BEM-01")
    assert level.endswith("(50): avtalstext.") and "(60): förslag, inget beslut" in days
    (npe,) = grund("VHV-UPF-01", "--period", "2024")  # an all-check: explained, not a crash
    assert "(75): förslag, inget beslut: enhetens värde redovisas för dialogen" in npe
