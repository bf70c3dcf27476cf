"""`kravkoll explain` says what follows a shortfall after the handlingsplan, in the real section
of the contract (4.7 Kravuppfyllnad): decided by the beställarenhet, proposed by kravkoll."""

from .support import run_cli


def words(*args):
    proc = run_cli(*args, env={"COLUMNS": "250"})
    assert proc.returncode == 0, proc.stderr.decode()
    return " ".join(proc.stdout.decode().split())


def test_explain_shows_decided_and_proposed_with_the_real_section():
    out = words("explain", "JHV-BEM-03")
    assert "beställarenhetens beslut (förfrågningsunderlaget 4.7 Kravuppfyllnad, 003 l.856–861)" in out
    assert "kravkoll föreslår föreläggande vid: bristen kvarstår ett senare år" in out
    assert "upp till 50 000 kr per brist" in out
    assert "Uppföljning och sanktioner" not in out  # an invented heading


def test_explain_a_plan_for_rule_follows_its_krav():
    out = words("explain", "JHV-BEM-04")
    assert "Föreläggs inte och får inget vite för sig: följer JHV-BEM-03" in out
