"""Reading submissions the way people write them, and refusing YAML's traps with a clear message."""

import pytest

from engine.errors import InputError
from engine.read.numbers import format_number, parse_number
from engine.read.yamlstrict import decode, load_text

from .support import EXAMPLE, input_error, parse_submission

BASE = EXAMPLE.read_text(encoding="utf-8")


load, error_of = parse_submission, input_error


def test_the_shared_example_is_accepted_as_it_is():
    s = load(BASE)
    assert s.enhet.namn == "Hälsocentralen Exempelbyn"
    assert s.bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor == 4.6
    assert s.verksamhet.lakarinsatser_kommunal_vard.antal_hemsjukvardspatienter is None
    assert str(s.inlamnad) == "2024-02-23"


@pytest.mark.parametrize("written,value", [
    ("63,3", 63.3), ("6 412", 6412), ("6\u00a0412", 6412), ("84 %", 84), ("84%", 84),
    ("133 599", 133599), ("0,34", 0.34), (" 12 ", 12), (7, 7), (7.5, 7.5),
])
def test_numbers_as_people_write_them(written, value):
    assert parse_number(written) == value


def test_numbers_are_shown_the_swedish_way():
    assert format_number(133599) == "133 599"
    assert format_number(63.3) == "63,3"


def test_decimal_comma_and_thousands_space_in_a_submission():
    s = load(BASE.replace("antal_listade: 6412", 'antal_listade: "6 412"')
             .replace("tackningsgrad_procent: 66", "tackningsgrad_procent: 66,5 %"))
    assert s.forutsattningar.antal_listade == 6412
    assert s.bemanning.tackningsgrad_procent == 66.5


def test_unknown_key_names_file_line_and_suggests_the_closest():
    msg = error_of(BASE.replace("bemanning:", "bemaning:"))
    assert "x.yaml:59:1" in msg and "okänd nyckel 'bemaning'" in msg and "menade du bemanning?" in msg


def test_nested_unknown_key_gives_the_dotted_path():
    msg = error_of(BASE.replace("    distriktsskoterskor: 4.6", "    distriktskoterskor: 4.6"))
    assert "bemanning.sjukskoterskor_arsarbetare.distriktskoterskor" in msg
    assert "menade du distriktsskoterskor?" in msg


def test_duplicate_key_is_an_error_with_both_lines():
    msg = error_of(BASE.replace("period: 2023", "period: 2023\nperiod: 2024"))
    assert "x.yaml:24:1" in msg and "förekommer två gånger (först på rad 23)" in msg


@pytest.mark.parametrize("old,new,expected", [
    ("ko05l: 0.34", "ko05l: 1.34", "får vara högst 1"),
    ("tackningsgrad_procent: 66", "tackningsgrad_procent: 166", "högst 100"),
    ("hembesok: 810", "hembesok: -3", "får inte vara negativt"),
    ("hembesok: 810", "hembesok: 8,5", "förväntade ett heltal"),
    ("jour_och_beredskap: ja", "jour_och_beredskap: kanske", "förväntade ett av: ja, nej"),
    ("inlamnad: 2024-02-23", "inlamnad: 2024-02-30", "förväntade ett datum"),
    ("regi: extern ", "regi: privat ", "förväntade ett av: regiondriven, extern"),
    ("distriktsskoterskor: 4.6", "distriktsskoterskor: 14.6", "kan inte vara fler än totalt"),
    ("antal_listade: 6412", "antal_listade: sextusen", "är inte ett tal"),
])
def test_wrong_values_are_errors_at_their_line(old, new, expected):
    assert old in BASE
    msg = error_of(BASE.replace(old, new, 1))
    assert expected in msg
    assert msg.startswith("x.yaml:")


def test_leading_zero_stays_text_and_is_not_read_as_octal():
    msg = error_of(BASE.replace("hsa_id: SE2321000207-E00000000042", "hsa_id: 0123"))
    assert "'0123'" in msg  # not 83


def test_clock_time_stays_text_and_is_not_read_as_sexagesimal():
    doc = load_text("t: 12:30\n", "x.yaml")
    assert doc.data == {"t": "12:30"}  # YAML 1.1 would give 750


def test_yes_no_are_not_booleans():
    assert load_text("a: no\nb: yes\nc: on\n", "x.yaml").data == {"a": "no", "b": "yes", "c": "on"}


def test_unquoted_time_range_is_refused_with_a_hint():
    msg = error_of(BASE.replace('mandag: "08:00-17:00"', "mandag: 08:00"))
    assert "08:00-17:00" in msg and "verksamhet.oppettider.mandag" in msg


@pytest.mark.parametrize("text,expected", [
    ("a: &x [1, 2]\nb: *x\n", "ankare (&x) är inte tillåtet"),
    ("a: !!python/object/apply:os.system ['ls']\n", "taggen !!python/object/apply:os.system"),
    ("a: !custom 1\n", "taggen !custom"),
    ("a: [1, 2\nb: 3\n", "ogiltig YAML"),
    ("", "filen är tom"),
    ("   \n# bara en kommentar\n", "filen är tom"),
    ("a:\n  <<: {b: 1}\n", "'<<'"),
    ("- " * 100 + "x\n", "för djup nästling"),
])
def test_yaml_traps_are_refused(text, expected):
    with pytest.raises(InputError) as info:
        load_text(text, "x.yaml")
    assert expected in str(info.value)


def test_bom_windows_line_endings_and_latin1_are_read():
    utf8 = BASE.encode("utf-8")
    assert decode(b"\xef\xbb\xbf" + utf8, "x") == BASE
    assert decode(utf8.replace(b"\n", b"\r\n"), "x") == BASE
    assert decode(BASE.encode("cp1252"), "x") == BASE
    load(decode(b"\xef\xbb\xbf" + utf8.replace(b"\n", b"\r\n"), "x"))


def test_a_file_that_is_not_a_mapping_is_refused():
    with pytest.raises(InputError) as info:
        load("- bara\n- en lista\n")
    assert "förväntade" in str(info.value)


def test_missing_answers_are_allowed_and_not_errors():
    s = load(BASE.replace("  jour_och_beredskap: ja            # 2.2.5\n", ""))
    assert s.verksamhet.jour_och_beredskap is None


def test_required_header_fields_are_named_when_missing():
    msg = error_of(BASE.replace("  hsa_id: SE2321000207-E00000000042\n", ""))
    assert "enhet.hsa_id" in msg and "saknas" in msg
