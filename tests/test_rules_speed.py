"""The engine's shared precomputations (SharedRule) change nothing: a rule run alone on a
workbook finds what it finds inside check_book."""

from __future__ import annotations

from pathlib import Path

import pytest

from xl_budget.check import _file_name, check_book
from xl_budget.findings import Finding
from xl_budget.parse import read_book
from xl_budget.profile import load_profile
from xl_budget.rules import book_rules
from xl_budget.rules.schedule import Plan

WORKBOOKS = sorted((Path(__file__).parent.parent / "workbooks").glob("*.xlsx"))


@pytest.mark.parametrize("profile_name", [None, "central2021"])
@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_engine_equals_rules_run_alone(path: Path, profile_name: str | None) -> None:
    book = read_book(path)
    profile = load_profile(profile_name)
    assert not profile.disable  # every rule runs in the engine too
    alone = [f for rule in book_rules() for f in rule(path.name).check_book(book, profile)]
    assert check_book(book, profile) == sorted(alone, key=Finding.sort_key)


def test_finding_sort_is_stable_sort_by_key() -> None:
    book = read_book(WORKBOOKS[0])
    found = [f for rule in book_rules() for f in rule("a.xlsx").check_book(book, load_profile())]
    found += found[:3]  # equal keys keep their order
    assert Finding.sort(found) == sorted(found, key=Finding.sort_key)


def test_plans_are_interned_per_content() -> None:
    book = read_book(WORKBOOKS[0])
    schedules = [p.schedule for p in book.projects]
    assert Plan.of(schedules[0]) is Plan.of(schedules[0].model_copy())


@pytest.mark.parametrize("path", ["a.xlsx", "/x/y/审核 a.xlsx", "x//a.xlsx", "x/./a.xlsx", "./a.xlsx",
                                  "a/../b.xlsx", "a/", "a/.", "a/..", ".", "..", "/", "//a", "a/..."])
def test_file_name_is_path_name(path: str) -> None:
    assert _file_name(path) == Path(path).name
