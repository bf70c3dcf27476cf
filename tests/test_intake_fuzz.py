"""A short, deterministic slice of the intake fuzz campaign (tests/intake_fuzz.py; the long
run is benchmarks/fuzz_intake.py): mutated templates and exports end in exit 0, 1 or 2 with
no traceback, and a valid answer is read as the visible cell shows it."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from .intake_fuzz import Tally, export_kind, export_layout, export_property, csv_noise
from .intake_fuzz import templates_strategy_saved, template_property

SLICE = settings(max_examples=25, derandomize=True, deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))


@SLICE
@given(templates_strategy_saved())
def test_a_mutated_template_reads_as_shown_or_is_refused_without_a_traceback(case):
    (answers, date, layout, hidden_key, damage), excel_saved = case
    template_property(answers, date, layout, hidden_key, damage, Tally(), excel_saved)


@SLICE
@given(export_kind, export_layout, csv_noise)
def test_a_mutated_export_checks_its_visible_units_or_is_refused_without_a_traceback(kind, layout, noise):
    export_property(kind, layout, noise, Tally())
