"""Write tests/data/layers/halsoval-2023-som-andringar.yaml: Jämtland 2023 as 2021 plus its
differences (extends, rules by id, insert_after, remove), from the two rulebooks as they are.
Run from the project root after either rulebook changes; tests/test_rulebook_layers.py then
shows the result resolves to exactly the full 2023 rulebook."""
import sys, yaml
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
from engine.model.rulebook_layers import resolve, MERGED
from engine.read.yamlstrict import load_file

old = resolve(load_file("rulebooks/jamtland/halsoval-2021.yaml")).data
new = load_file("rulebooks/jamtland/halsoval-2023.yaml").data
out = {"extends": "halsoval-2021.yaml"}
remove = {}
for key, value in new.items():
    if key == "rules":
        continue
    if key in MERGED and isinstance(value, dict):
        base = old.get(key) or {}
        changed = {n: v for n, v in value.items() if base.get(n) != v}
        if changed:
            out[key] = changed
        gone = [n for n in base if n not in value]
        if gone:
            remove[key] = gone
    elif old.get(key) != value:
        out[key] = value
for key in old:
    if key not in new and key != "rules" and key not in ("include",):
        raise SystemExit(f"top-level {key} only in 2021")
old_rules = {r["id"]: r for r in old["rules"]}
new_ids = [r["id"] for r in new["rules"]]
common_old = [i for i in (r["id"] for r in old["rules"]) if i in new_ids]
common_new = [i for i in new_ids if i in old_rules]
assert common_old == common_new, "common rules change order"
replaced, appended, insert_after = [], [], {}
anchor = None
for r in new["rules"]:
    rid = r["id"]
    if rid in old_rules:
        if old_rules[rid] != r:
            replaced.append(r)
        anchor = rid
    else:
        if anchor is None:
            raise SystemExit("a new rule before every old rule")
        tail = all(i not in old_rules for i in new_ids[new_ids.index(rid):])
        if tail:
            appended.append(r)
        else:
            insert_after.setdefault(anchor, []).append(r)
gone = [i for i in old_rules if i not in new_ids]
if gone:
    remove["rules"] = gone
if replaced or appended:
    out["rules"] = replaced + appended
if insert_after:
    out["insert_after"] = insert_after
if remove:
    out["remove"] = remove
header = """# Regelbok: Hälsoval Region Jämtland Härjedalen, verksamhetsår 2023, skriven som ändringarna
# från 2021 (extends): regler med samma id som 2021 ersätts på sin plats (rules), nya regler
# läggs efter en given regel (insert_after) eller sist, och det 2023 inte har tas bort (remove).
# Testfixtur: tests/test_rulebook_layers.py visar att den löses upp till exakt samma regelbok som
# rulebooks/jamtland/halsoval-2023.yaml (som står kvar som hel fil). Tas fram på nytt ur de två
# regelböckerna med scripts/layers_fixture.py när de ändras.
# `kravkoll explain --rulebook jamtland-halsoval-2023` visar den lösta regelboken.

"""
text = header + yaml.safe_dump(out, allow_unicode=True, sort_keys=False, width=100)
open("tests/data/layers/halsoval-2023-som-andringar.yaml", "w", encoding="utf-8").write(text)
print({k: (len(v) if isinstance(v, (list, dict)) else v) for k, v in out.items()})
