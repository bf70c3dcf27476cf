"""`--format json`: one object per check, sorted keys, no timestamps: same input, same bytes."""

from __future__ import annotations

import json

from ..evaluation import CheckResult
from .common import header


def as_dict(result: CheckResult) -> dict:
    out = header(result)
    out["findings"] = [f.to_dict() for f in result.findings]
    return out


def render(result: CheckResult) -> str:
    return dumps(as_dict(result))


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
