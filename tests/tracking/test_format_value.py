"""`format_value`: the one formatter of values for run names, comparison tables and plots."""

from __future__ import annotations

import pytest

from dsft.tracking import compare, plots
from dsft.tracking.run_names import format_value, run_name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.0003", "3e-4"),
        ("3.0e-4", "3e-4"),
        ("3.0e-04", "3e-4"),
        ("1e-4", "1e-4"),
        ("0.0001", "1e-4"),
        ("1.25e-4", "1.25e-4"),
        ("16", "16"),
        ("+16", "+16"),
        ("100000", "100000"),  # whole numbers stay as typed, however large
        ("2.0", "2"),
        ("0.05", "0.05"),
        ("0", "0"),
        ("0.0", "0"),
        ("1e5", "1e5"),
        ("-0.0003", "-3e-4"),
        ("lora", "lora"),
        ("null", "null"),
        ("inf", "inf"),
        ("nan", "nan"),
        ("", ""),
        (None, "-"),
    ],
)
def test_format_value(value, expected):
    assert format_value(value) == expected


def test_one_implementation_for_names_tables_and_plots():
    assert compare.format_value is format_value
    assert plots.format_value is format_value


def test_run_name_uses_format_value():
    overrides = ["adapter.r=16", "adapter.alpha=32.0", "optimizer.lr=0.0003", "adapter=qlora"]
    assert run_name(overrides) == "r16-a32-lr3e-4-qlora"
