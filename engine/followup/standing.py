"""The submission that stands per unit and year in the kravliggare: what `kravkoll trend
--ledger` and the web's Ledning and Trender read the county's years from."""

from __future__ import annotations

from pathlib import Path

from engine.errors import InputError

from .ledger import Ledger


def standing(path) -> dict[tuple[str, int], object]:
    """(HSA-id, period) → the check that stands: the latest inlämningsdag, then the content's
    sha256 (a corrected resubmission stands in for the first)."""
    with Ledger(path, create=False, readonly=True) as ledger:
        with ledger.read():
            rows = ledger.checks()
    out: dict = {}
    for row in rows:
        key = (row.hsa_id, row.period)
        rank = (row.inlamnad.isoformat() if row.inlamnad else "", row.submission_sha256)
        if key not in out or rank > out[key][0]:
            out[key] = (rank, row)
    return {k: v[1] for k, v in out.items()}


def by_year(path) -> tuple[list[tuple[str, list[str]]], dict[str, tuple[str, str]]]:
    """(label, paths) per year: the submission that stands per unit and period in the ledger;
    and per path the sha256 it was registered with, which trend.build holds it to as it reads
    it (read once, not once to compare and again to check)."""
    rows = standing(path)
    if not rows:
        raise InputError.single(str(path), "kravliggaren har inga årsbokslut att visa över åren")
    years: dict[int, list[str]] = {}
    registered: dict[str, tuple[str, str]] = {}
    for (_, period), row in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        where = row.submission_path
        if not Path(where).exists():
            raise InputError.single(str(path), f"kravliggaren förde in {where} ({row.unit_name}, "
                                    f"{period}), men filen finns inte längre där")
        registered[where] = (row.submission_sha256,
                             f"({row.unit_name}, {period}) har ändrats sedan kravliggaren "
                             f"{path} förde in det; registrera den nya versionen med kravkoll "
                             "demands register")
        years.setdefault(period, []).append(where)
    return [(f"{path} ({year})", paths) for year, paths in sorted(years.items())], registered
