"""`kravkoll trend --format json`: the trend as plain data (sorted keys, no timestamps)."""

from __future__ import annotations

from engine.evaluate.trend import Trend, UnitSeries
from engine.output import dumps_json


def as_dict(trend: Trend, unit: UnitSeries | None = None) -> dict:
    units = [unit] if unit is not None else trend.units
    last = trend.years[-1]
    return {
        "years": trend.years,
        "sources": {str(y): trend.sources[y] for y in trend.years},
        "rulebooks": {str(y): trend.rulebooks[y] for y in trend.years},
        "indicators": [{
            "key": i.key, "label": i.label, "unit": i.unit, "rule_id": i.rule_id,
            "rule_title": i.rule_title, "direction": i.direction, "baseline": i.baseline,
            "target_change_percent": i.target_change,
            "county": {str(y): trend.county(i.key, y) for y in trend.years},
            "ranking": trend.ranking(i, last) if i.direction else [],
        } for i in trend.indicators],
        "rules": [{"rule_id": r.rule_id, "title": r.title, "kind": r.kind, "area": r.area,
                   "county": {str(y): trend.rule_counts(r.rule_id, y) for y in trend.years}}
                  for r in trend.rules],
        "standing": trend.standing(last),
        "units": [{
            "hsa_id": u.hsa_id, "name": u.name,
            "years": {str(y): {"path": uy.path, "name": uy.name, "values": uy.values,
                               "outcomes": uy.outcomes} for y, uy in sorted(u.years.items())},
            "baseline": {i.key: trend.baseline(u, i) for i in trend.indicators if i.baseline},
        } for u in units],
    }


def json_text(trend: Trend, unit: UnitSeries | None = None) -> str:
    return dumps_json(as_dict(trend, unit))
