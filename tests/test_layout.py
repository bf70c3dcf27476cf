"""The package's shape: engine/ is the flow a check takes, and imports run one way along it.

read → model → evaluate → (gate | followup) → report → (cli | web); the few top-level modules
(errors, exit codes, safe output) sit below every stage. gate and followup stand side by side and
never import each other; so do cli and web, except that the `serve` and `users` commands
(engine/cli/commands_web.py) start the web. Only engine/evaluate/rete.py imports durable_rules.
"""

import ast
from pathlib import Path

from .support import ROOT

ENGINE = ROOT / "engine"
RANK = {"": 0, "read": 1, "model": 2, "evaluate": 3, "gate": 4, "followup": 4, "report": 5,
        "cli": 6, "web": 6}
# The one module of cli that may import web: `kravkoll serve` and `kravkoll users add`.
CLI_STARTS_WEB = "engine/cli/commands_web.py"


def _stage(module: str) -> str:
    """'engine.model.rulebook' -> 'model'; 'engine.errors' -> ''."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in RANK) else ""


def _module_of(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import of the file, those inside functions too."""
    module = _module_of(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((node.lineno, target))
            out += [(node.lineno, f"{target}.{a.name}") for a in node.names
                    if _is_module(f"{target}.{a.name}")]
    return out


def _is_module(dotted: str) -> bool:
    """`from engine.model import sanctions` imports a module; `from engine import identity` not."""
    path = ROOT.joinpath(*dotted.split("."))
    return path.is_dir() or path.with_suffix(".py").exists()


def _sources() -> list[Path]:
    return sorted(ENGINE.rglob("*.py"))


def test_engine_top_level_is_the_stages_and_a_handful_of_modules():
    stages = sorted(p.name for p in ENGINE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert stages == sorted(s for s in RANK if s)
    modules = sorted(p.name for p in ENGINE.glob("*.py"))
    assert len(modules) <= 5, modules


def test_imports_run_one_way_along_the_flow():
    wrong = []
    for path in _sources():
        own = _stage(_module_of(path))
        for line, target in _imports(path):
            if not target.startswith("engine"):
                continue
            other = _stage(target)
            sideways = {own, other} == {"gate", "followup"} or (
                {own, other} == {"cli", "web"}
                and not (own == "cli" and str(path.relative_to(ROOT)) == CLI_STARTS_WEB))
            if RANK[other] > RANK[own] or sideways:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {own or 'engine'} imports {target}")
    assert wrong == []


def test_only_rete_imports_durable_rules():
    importers = {str(p.relative_to(ROOT)) for p in _sources()
                 for _line, target in _imports(p) if target.split(".")[0] in ("durable", "rules")}
    assert importers == {"engine/evaluate/rete.py"}


def test_the_rulebooks_beside_the_engine_are_found_from_any_folder(tmp_path):
    from .support import EXAMPLE, run_cli

    run = run_cli("check", str(EXAMPLE), "--format", "json", cwd=tmp_path)
    assert run.returncode == 1, run.stderr.decode()  # the example falls short of three krav
    assert b"jamtland-halsoval-2023" in run.stdout


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle of `graph` (module -> modules it imports), each once, from its
    smallest module: the strongly connected components of more than one module, and a module
    that imports itself."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v: str) -> None:  # Tarjan; the graphs here are a few dozen modules
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1 or v in graph.get(v, ()):
                out.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def _package_graph(folder: Path) -> dict[str, set[str]]:
    """module -> the modules of the same package it imports (at the top or inside a function:
    an import deferred into a function is still a circle)."""
    package = _module_of(folder / "__init__.py")
    graph = {}
    for path in sorted(folder.glob("*.py")):
        module = _module_of(path)
        graph[module] = {t for _line, t in _imports(path)
                         if t.startswith(package + ".") and _is_module(t) and t != package}
    return graph


def test_no_import_cycle_inside_followup():
    # the follow-up is a fold: journal → fold → what is owed and proposed → store and views;
    # a module that imports one that imports it back hides which way the data flows
    assert _cycles(_package_graph(ENGINE / "followup")) == []


def test_a_cycle_is_found_even_through_an_import_inside_a_function():
    # the check above can fail: two modules that import each other, one of them lazily
    graph = {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": {"p.a"}, "p.d": {"p.a"}, "p.e": {"p.e"}}
    assert _cycles(graph) == [["p.a", "p.b", "p.c"], ["p.e"]]
    assert _cycles({"p.a": {"p.b"}, "p.b": set()}) == []
    read = [t for _line, t in _imports(ENGINE / "followup" / "journal.py")]
    assert "engine.followup.replay" in read  # the graph reads the package's real imports
