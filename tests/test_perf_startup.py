"""`kravkoll check FILE --format json` does not load what only the terminal report needs
(rich): a script or CI job checking one file at a time pays for the JSON it asked for.

What a user would check: JSON from one file comes without loading the terminal renderer; the
terminal report still loads it."""

from __future__ import annotations

import subprocess
import sys

from tests.support import EXAMPLE, ROOT

PROBE = """
import sys
from engine.cli.main import main
sys.argv = ["kravkoll"] + sys.argv[1:]
try:
    main()
except SystemExit:
    pass
finally:
    sys.stderr.write("\\nLOADED:" + str(any(m == "rich" or m.startswith("rich.") for m in sys.modules)))
"""


def _rich_loaded(*args: str) -> bool:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("LOADED:"), proc.stderr
    return last == "LOADED:True"


def test_json_for_one_file_does_not_load_rich():
    assert not _rich_loaded("check", str(EXAMPLE), "--format", "json")


def test_the_terminal_report_still_does():
    assert _rich_loaded("check", str(EXAMPLE))
