"""The reader's shortcuts give exactly what the plain, validating way gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from xl_budget.model import Budget, BudgetBook, Indicator, Located, Project, Schedule, Unit, UnitRef
from xl_budget.parse import read_book
from xl_budget.values import parse_value

WORKBOOKS = sorted((Path(__file__).parent.parent / "workbooks").glob("*.xlsx"))


def _parts(model: BaseModel) -> list[Located]:
    """Every Located part inside ``model``, itself included."""
    found = [model] if isinstance(model, Located) else []
    for value in model.__dict__.values():
        items = value if isinstance(value, list) else [value]
        found += [p for item in items if isinstance(item, BaseModel) for p in _parts(item)]
    return found


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_read_parts_equal_validated_ones(path: Path) -> None:
    book = read_book(path)
    parts = _parts(book)
    assert any(isinstance(p, Indicator) for p in parts)
    for part in parts:
        validated = type(part).model_validate(part.__dict__)
        assert part.__dict__ == validated.__dict__
        assert list(part.__dict__) == list(validated.__dict__)
        assert repr(part) == repr(validated)
        if isinstance(part, Indicator):
            assert part.model_fields_set == set(Indicator.model_fields) - {"invalid"}


@pytest.mark.parametrize("model", [Indicator, Budget, Schedule, Unit, UnitRef, Project, BudgetBook])
def test_from_typed_fills_defaults_like_validation(model: type[Located]) -> None:
    built, validated = model.from_typed(sheet="表"), model(sheet="表")
    assert built == validated
    assert list(built.__dict__) == list(validated.__dict__)
    assert built.model_fields_set == validated.model_fields_set == {"sheet"}
    assert built.cells is not model.from_typed().cells  # a fresh dict each time


def test_from_typed_keeps_public_construction_validating() -> None:
    fields = {"name": "验收合格率", "value": parse_value("≥95%"), "inherited": (True, False)}
    assert Indicator.from_typed(**fields) == Indicator(**fields)
    with pytest.raises(ValueError):
        Indicator(name=["not", "text"])
