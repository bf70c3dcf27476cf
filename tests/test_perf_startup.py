"""`kravkoll check FILE --format json` does not load what only the terminal report needs
(rich), nor what only workbooks, files written, hints or pydantic plugins need: a script or CI
job checking one file at a time pays for the JSON it asked for.

What a user would check: JSON from one file comes without loading the terminal renderer or the
spreadsheet readers; the terminal report, a workbook, a report file and a "menade du …?" hint
still work; no pydantic plugin observes a check unless the user asks for plugins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import EXAMPLE, ROOT, run_cli

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


# --- what a one-file check of a YAML file does not load (issue 22: ≤ 0.15 s CPU) -----------------

LOADED = """
import io, sys
from engine.cli.main import main
out, sys.stdout = sys.stdout, io.StringIO()
code = main(sys.argv[1:])
sys.stdout = out
print(code, " ".join(sorted(sys.modules)))
"""


def _loaded(*args: str, env: dict | None = None, cwd=ROOT) -> tuple[int, set[str]]:
    full = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    proc = subprocess.run([sys.executable, "-c", LOADED, *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=120)
    code, _, names = proc.stdout.strip().rpartition("\n")[2].partition(" ")
    assert code.isdigit(), proc.stderr
    return int(code), set(names.split())


@pytest.mark.parametrize("cache", ["0", "1"])
def test_checking_a_yaml_file_loads_no_spreadsheet_reader_and_no_plugin_finder(tmp_path, cache):
    """The xlsx and CSV readers are for workbooks; importlib.metadata (with email, zipfile, csv)
    is what pydantic's plugin finder loads; tempfile is for a file written (a report, the
    library cache); difflib for a "menade du …?" hint. A YAML file checked to stdout, with the
    rulebooks read or taken from the library cache, needs none of them."""
    env = {"KRAVKOLL_CACHE": cache, "KRAVKOLL_CACHE_DIR": str(tmp_path / "cache")}
    if cache == "1":  # written by a first run, read by the one looked at
        assert _loaded("check", str(EXAMPLE), "--format", "json", env=env)[0] == 1
        assert list((tmp_path / "cache").glob("library-*.pickle"))
    code, loaded = _loaded("check", str(EXAMPLE), "--format", "json", env=env)
    assert code == 1  # the example has shortfalls: it was checked
    unneeded = {"engine.read.workbook", "engine.read.xlsx", "zipfile", "csv", "importlib.metadata",
                "email", "pydantic.plugin._loader", "tempfile", "shutil", "difflib"}
    assert loaded & unneeded == {"pydantic.plugin._loader"}  # kravkoll's own, no finder's module
    assert "engine.model.form" in loaded  # the submission was validated with its form's model


def test_a_workbook_is_still_read_with_the_spreadsheet_reader(tmp_path):
    filled = tmp_path / "mall.xlsx"
    made = run_cli("template", "arsbokslut-2023", "--from", str(EXAMPLE), "-o", str(filled))
    assert made.returncode == 0, made.stderr
    code, loaded = _loaded("check", str(filled), "--format", "json")
    assert code == 1  # the example's answers, with its shortfalls
    assert {"engine.read.workbook", "engine.read.xlsx"} <= loaded


def test_a_report_written_to_a_file_and_a_near_miss_still_work(tmp_path):
    report = tmp_path / "rapport.json"
    code, loaded = _loaded("check", str(EXAMPLE), "--format", "json", "-o", str(report))
    assert code == 1 and "tempfile" in loaded
    assert report.read_bytes() == run_cli("check", str(EXAMPLE), "--format", "json").stdout
    typo = tmp_path / "typo.yaml"
    typo.write_text(EXAMPLE.read_text(encoding="utf-8").replace("formular:", "formularr:", 1),
                    encoding="utf-8")
    proc = run_cli("check", str(typo), "--format", "json")
    assert proc.returncode == 2 and "menade du formular?" in proc.stderr.decode()


# A pydantic plugin, installed the way plugins are (an entry point in the group `pydantic`),
# that says on stderr when pydantic asks it about a validator.
PLUGIN = """
import sys

class Plugin:
    def new_schema_validator(self, schema, schema_type, schema_type_path, schema_kind, config,
                             plugin_settings):
        sys.stderr.write(f"PLUGIN {schema_type_path.name}\\n")
        return None, None, None

plugin = Plugin()
"""


def _install_plugin(where: Path) -> Path:
    (where / "spyplugin.py").write_text(PLUGIN, encoding="utf-8")
    info = where / "spyplugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: spyplugin\nVersion: 1.0\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text("[pydantic]\nspy = spyplugin:plugin\n",
                                           encoding="utf-8")
    return where


def test_no_pydantic_plugin_observes_a_check_unless_the_user_asks_for_plugins(tmp_path):
    """kravkoll validates as with PYDANTIC_DISABLE_PLUGINS=__all__ (engine/cli/main.py); a user
    who sets PYDANTIC_DISABLE_PLUGINS themselves (empty: every plugin) gets pydantic's own
    finder and their plugins, and the same report."""
    path = f"{ROOT}{os.pathsep}{_install_plugin(tmp_path)}"
    plain = run_cli("check", str(EXAMPLE), "--format", "json", env={"PYTHONPATH": path})
    asked = run_cli("check", str(EXAMPLE), "--format", "json",
                    env={"PYTHONPATH": path, "PYDANTIC_DISABLE_PLUGINS": ""})
    assert b"PLUGIN" not in plain.stderr
    assert b"PLUGIN Submission" in asked.stderr
    assert (plain.returncode, plain.stdout) == (asked.returncode, asked.stdout)
    assert plain.returncode == 1


FINDER = """
from engine.cli.main import without_pydantic_plugins
without_pydantic_plugins()
from pydantic.plugin._loader import get_plugins
print(list(get_plugins()))
from pydantic.plugin._loader import PYDANTIC_ENTRY_POINT_GROUP  # pydantic's own finder's
print(PYDANTIC_ENTRY_POINT_GROUP)
"""


def test_what_kravkolls_plugin_finder_lacks_is_taken_from_pydantics_own():
    """A later pydantic that asks its finder for more than get_plugins gets it, not an error."""
    proc = subprocess.run([sys.executable, "-c", FINDER], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.stdout.split() == ["[]", "pydantic"], proc.stderr


GC_AFTER = """
import gc, io, sys
from engine.cli.main import main
out, sys.stdout = sys.stdout, io.StringIO()
code = main(sys.argv[1:])
sys.stdout = out
print(code, gc.isenabled(), gc.get_freeze_count() > 1000)
"""


def test_the_garbage_collector_runs_after_startup_with_the_imports_frozen():
    """Startup imports with the collector paused and freezes what they made (engine/cli/main.py):
    the check itself, and a folder's workers, run with the collector on."""
    proc = subprocess.run([sys.executable, "-c", GC_AFTER, "check", str(EXAMPLE), "--format",
                           "json"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.stdout.split() == ["1", "True", "True"], proc.stderr
