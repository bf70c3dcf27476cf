"""`--format json`: one object per check, sorted keys, no timestamps: same input, same bytes."""

from __future__ import annotations

from engine.evaluate.evaluation import CheckResult
from engine.output import dumps_json

from .common import header


def as_dict(result: CheckResult) -> dict:
    out = header(result)
    out["findings"] = [f.to_dict() for f in result.findings]
    return out


def render(result: CheckResult) -> str:
    return dumps(as_dict(result))


dumps = dumps_json
