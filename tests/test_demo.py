"""Tests of the demo units (xl_budget.demo)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from xl_budget.demo import demo_books, project_code

CODE = re.compile(r"^13082123P\d{11}[0-9A-Z]$")


@pytest.fixture(scope="module")
def books():
    return demo_books()


def test_deterministic(books) -> None:
    assert [b.content() for b in demo_books(0)] == [b.content() for b in books]
    assert [b.content() for b in demo_books(1)] != [b.content() for b in books]


def test_shape(books) -> None:
    assert len(books) == 4 and len(demo_books(0, 1)) == 2
    assert all(b.unit.county == "承德县" and b.unit.year == 2023 for b in books)
    assert all(2 <= len(b.projects) <= 4 for b in books)
    codes = [p.code for b in books for p in b.projects]
    assert all(CODE.match(c) for c in codes) and len(set(codes)) == len(codes)
    assert project_code(20, 1, 2).startswith("13082123P00020010002")


def test_clean_units_are_consistent(books) -> None:
    for book in books[:-1]:
        assert not book.department.is_empty
        for p in book.projects:
            b = p.budget
            assert b.total == b.fiscal + (b.other or Decimal(0))
            plan = p.schedule.values()
            assert plan[-1] == 100 and plan == sorted(plan)
            levels = {(i.level1, i.level2) for i in p.indicators}
            for part in ("数量指标", "质量指标", "时效指标", "成本指标"):
                assert ("产出指标", part) in levels
            assert any(l1 == "效益指标" for l1, _ in levels)
            assert any(l1 == "满意度指标" for l1, _ in levels)
            assert all(i.basis and i.value and i.value.kind != "invalid" for i in p.indicators)


def test_flawed_unit(books) -> None:
    bad = books[-1]
    b = bad.projects[0].budget
    assert b.total != b.fiscal + b.other
    assert bad.projects[1].schedule.dec is None
    sat = [i for i in bad.projects[2].indicators if i.level1 == "满意度指标"]
    assert [i.value.raw for i in sat] == ["≥70%"]


def test_validator_agrees(books) -> None:
    check = pytest.importorskip("xl_budget.check")
    for book in books[:-1]:
        assert check.check_book(book) == []
    codes = sorted(f.code for f in check.check_book(books[-1]))
    assert codes == ["B002", "I009", "P003"]
