"""Money is exact: no float anywhere in the product's code, its models or its arithmetic."""

import ast
import decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

ROOT = Path(__file__).resolve().parents[2]
APPS = ["abonent", "billing", "core", "customers", "identity", "metering", "notifications", "portal"]
# Not money: demo data's random spread and the chart's drawing geometry.
ALLOWED = {"core/demo.py", "portal/charts.py"}


def product_sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative and relative not in ALLOWED:
                yield relative, path


@pytest.mark.parametrize(("name", "path"), list(product_sources()), ids=lambda v: v if isinstance(v, str) else "")
def test_no_float_literal_or_conversion_in_the_code(name, path):
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, float):
            found.append(f"line {node.lineno}: float literal {node.value!r}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
            found.append(f"line {node.lineno}: float()")
    assert not found, f"{name}: {found}"


def test_no_float_field_in_any_model():
    floats = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FloatField)
    ]
    assert floats == []


def test_billing_arithmetic_never_meets_a_float(billing_traps_floats):
    with pytest.raises(decimal.FloatOperation):
        decimal.Decimal(0.1)  # noqa: RUF032 - a float turned into money raises instead of carrying 0.1000…055
    with pytest.raises(decimal.FloatOperation):
        assert decimal.Decimal("0.10") < 0.2
