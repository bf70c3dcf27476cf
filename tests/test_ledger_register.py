"""The kravliggare as a register a handläggare can keep (issue 11): corrections and withdrawals
by new events with a reason, no dates in the future, notes shown, invoiced vite beside the
computed one, the order of files and runs does not matter, `register FOLDER` reads what `check
FOLDER` reads, and units are named by HSA-id or name."""

import json
import os

import pytest

from .support import DELETE, example_data, run_cli, with_changes, write_yaml
from .test_ledger_helpers import HSA, scenario_rulebooks, submission_2023_without_plan


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("register")
    return {"rulebooks": str(scenario_rulebooks(folder / "rulebooks")),
            "sub_2023": str(submission_2023_without_plan(folder))}


def ok(*args):
    proc = run_cli(*args, env={"COLUMNS": "250"})
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode()


def refused(*args):
    proc = run_cli(*args, env={"COLUMNS": "250"})
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err, err
    return err


def listing(led, *more):
    data = json.loads(ok("demands", "list", *led, "--format", "json", *more))
    data.pop("ledger")
    return data


def test_invoiced_vite_corrections_and_withdrawals(setup, tmp_path):
    led = ["--ledger", str(tmp_path / "l.sqlite")]
    ok("demands", "register", setup["sub_2023"], "--rulebooks", setup["rulebooks"], *led,
       "--as-of", "2024-03-15")
    # dates in the future are refused for recorded events (a register keeps what happened)
    err = refused("demands", "fakturerat", HSA, "JHV-INF-03", "--date", "2199-01-01",
                  "--belopp", "5000", "--diarienummer", "F/1", *led)
    assert "ligger i framtiden" in err
    ok("demands", "fakturerat", HSA, "JHV-INF-03", "--date", "2024-07-01", "--belopp", "40000",
       "--diarienummer", "F/1", "--note", "Faktura 2024-118", *led)
    data = listing(led, "--as-of", "2024-07-01")
    d = next(x for x in data["demands"] if x["rule_id"] == "JHV-INF-03")
    assert d["invoiced_kr"] == 40000 and d["invoiced"][0]["diarienummer"] == "F/1"
    history = json.loads(ok("demands", "history", HSA, "JHV-INF-03", *led, "--format", "json"))
    invoice = next(e for e in history["events"] if e["event"] == "fakturerat")
    assert invoice["note"] == "Faktura 2024-118"
    # corrected by a new event with a reason; nothing deleted
    ok("demands", "korrigera", HSA, "JHV-INF-03", "--handelse", str(invoice["id"]), "--belopp",
       "35000", "--reason", "Fel belopp på fakturan", "--den", "2024-07-02", *led)
    d = next(x for x in listing(led, "--as-of", "2024-07-02")["demands"] if x["rule_id"] == "JHV-INF-03")
    assert d["invoiced_kr"] == 35000
    history = json.loads(ok("demands", "history", HSA, "JHV-INF-03", *led, "--format", "json"))
    again = next(e for e in history["events"] if e["id"] == invoice["id"])
    assert again["corrected"][0]["reason"] == "Fel belopp på fakturan"
    assert any(e["event"] == "korrigering" for e in history["events"])
    text = ok("demands", "history", HSA, "JHV-INF-03", *led)
    assert "korrigerad 2024-07-02: Fel belopp på fakturan" in text and "Faktura 2024-118" in text
    # withdrawn: stays in the history, marked, and counts no more
    ok("demands", "aterkalla", HSA, "JHV-INF-03", "--handelse", str(invoice["id"]), "--reason",
       "Fakturan makulerad", "--den", "2024-07-03", *led)
    d = next(x for x in listing(led, "--as-of", "2024-07-03")["demands"] if x["rule_id"] == "JHV-INF-03")
    assert d["invoiced_kr"] == 0
    assert "ÅTERKALLAD 2024-07-03: Fakturan makulerad" in ok("demands", "history", HSA, *led)
    # a correction needs a reason, and a status change cannot be withdrawn
    created = next(e for e in history["events"] if e["from_status"] is None)
    err = refused("demands", "aterkalla", HSA, "JHV-INF-03", "--handelse", str(created["id"]),
                  "--reason", "x", "--den", "2024-07-03", *led)
    assert "kan inte återkallas" in err


def test_units_by_name_and_a_region_that_matches_nothing(setup, tmp_path):
    led = ["--ledger", str(tmp_path / "l.sqlite")]
    ok("demands", "register", setup["sub_2023"], "--rulebooks", setup["rulebooks"], *led,
       "--as-of", "2024-03-15")
    by_id = listing(led, HSA, "--as-of", "2024-04-01")
    by_name = listing(led, "hälsocentralen  EXEMPELBYN", "--as-of", "2024-04-01")
    assert by_id == by_name and by_id["demands"]
    err = refused("demands", "list", "Exempelby", *led)
    assert "inget namn på en enhet" in err and "Hälsocentralen Exempelbyn" in err
    err = refused("demands", "list", "--region", "Region Gotland", *led)
    assert "--region 'Region Gotland' finns inte" in err and "Region Jämtland Härjedalen" in err
    assert listing(led, "--region", "region jämtland härjedalen", "--as-of", "2024-04-01")["demands"]


def _two(folder, names):
    """The original årsbokslut and its corrected resubmission (handed in later, 2.3.3 now
    met), under the given file names."""
    base = {"bemanning.handlingsplaner": DELETE}
    original = with_changes(example_data(), base)
    corrected = with_changes(example_data(), dict(base, inlamnad="2024-02-27", **{
        "bemanning.sjukskoterskor_arsarbetare.distriktsskoterskor": 6.0}))
    folder.mkdir()
    write_yaml(folder / names[0], original)
    write_yaml(folder / names[1], corrected)
    return folder


def test_the_later_inlamnad_stands_whatever_the_order_of_the_runs(setup, tmp_path):
    # Issue 19: both in one folder is refused (the same unit and year twice in one run); the
    # correction is registered in a run of its own, before or after the original.
    results = []
    folder = _two(tmp_path / "both", ("a.yaml", "b.yml"))
    err = refused("demands", "register", str(folder), "--rulebooks", setup["rulebooks"],
                  "--ledger", str(tmp_path / "both.sqlite"), "--as-of", "2024-03-15")
    assert "samma enhet" in err and "a.yaml" in err and "b.yml" in err
    for n, order in enumerate((("a.yaml", "b.yml"), ("b.yml", "a.yaml"))):
        led = ["--ledger", str(tmp_path / f"l{n}.sqlite")]
        for name in order:
            ok("demands", "register", str(folder / name), "--rulebooks", setup["rulebooks"],
               *led, "--as-of", "2024-03-15")
        data = listing(led, "--as-of", "2024-04-01", "--all")
        for d in data["demands"]:
            d.pop("id")
        results.append(data)
    assert results[0]["demands"] == results[1]["demands"]
    bem03 = next(d for d in results[0]["demands"] if d["rule_id"] == "JHV-BEM-03")
    assert bem03["status"] == "atgardad"  # the corrected resubmission (inlämnad later) stands


def test_an_earlier_year_after_a_later_one_gives_what_date_order_gives(setup, tmp_path):
    """A forgotten 2023 registered after 2024 (each with its own beslutsdag) is replayed in
    domain order: the same demands, statuses, proposals and history as registering 2023 first
    (issue 11: "order must not matter")."""
    from .test_ledger_helpers import SUB_2024

    def run(name, order):
        led = ["--ledger", str(tmp_path / name)]
        for path, decided in order:
            ok("demands", "register", str(path), "--rulebooks", setup["rulebooks"], *led,
               "--as-of", decided)
        history = json.loads(ok("demands", "history", HSA, *led, "--format", "json"))
        history.pop("ledger")
        return listing(led, "--as-of", "2025-04-01", "--all"), history

    in_order = run("l1.sqlite", [(setup["sub_2023"], "2024-03-15"), (SUB_2024, "2025-03-14")])
    forgotten = run("l2.sqlite", [(SUB_2024, "2025-03-14"), (setup["sub_2023"], "2024-03-15")])
    assert forgotten == in_order
    bem03 = next(d for d in in_order[0]["demands"] if d["rule_id"] == "JHV-BEM-03")
    # the 2023 brist is the demand; 2024 is the same brist again (003 l.856–859: proposals)
    assert (bem03["period"], bem03["status"]) == (2023, "forsenad")
    assert [p["trigger"] for p in bem03["proposals"]] == ["upprepad_brist", "plan_ej_inkommen"]
    # in one run, the order of the files does not matter either
    led2 = ["--ledger", str(tmp_path / "l3.sqlite")]
    ok("demands", "register", str(SUB_2024), setup["sub_2023"], "--rulebooks", setup["rulebooks"],
       *led2, "--as-of", "2025-03-14")
    led3 = ["--ledger", str(tmp_path / "l4.sqlite")]
    ok("demands", "register", setup["sub_2023"], str(SUB_2024), "--rulebooks", setup["rulebooks"],
       *led3, "--as-of", "2025-03-14")
    a, b = listing(led2, "--as-of", "2025-04-01", "--all"), listing(led3, "--as-of", "2025-04-01", "--all")
    assert a == b


def test_register_folder_reads_exactly_what_check_reads(setup, tmp_path):
    folder = tmp_path / "in"
    (folder / ".gammalt").mkdir(parents=True)
    data = with_changes(example_data(), {"bemanning.handlingsplaner": DELETE})
    write_yaml(folder / "exempelbyn.yml", data)  # .yml counts
    write_yaml(folder / ".gammalt" / "kopia.yaml", {"inte": "ett årsbokslut"})  # hidden: skipped
    write_yaml(folder / ".dold.yaml", {"inte": "ett årsbokslut"})
    os.mkfifo(folder / "rör.yaml")  # a FIFO would block a reader: skipped
    led = ["--ledger", str(tmp_path / "l.sqlite")]
    out = json.loads(ok("demands", "register", str(folder), "--rulebooks", setup["rulebooks"],
                        *led, "--as-of", "2024-03-15", "--format", "json"))
    registered = [r["submission"]["path"] for r in out["registrations"]]
    assert registered == [str(folder / "exempelbyn.yml")]
    proc = run_cli("check", str(folder), "--rulebooks", setup["rulebooks"], "--as-of",
                   "2024-03-15", "--format", "json")
    assert proc.returncode == 1, proc.stderr.decode()  # 1: shortfalls found
    checked = proc.stdout.decode()
    assert "exempelbyn.yml" in checked and "kopia.yaml" not in checked and "dold" not in checked
    assert "rör.yaml" not in checked
