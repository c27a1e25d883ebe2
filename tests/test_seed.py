"""The seed end to end: import → write_book → read_book / `xl-budget export`, against the
values typed by hand from the seed (tests/seed_expected.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import seed_expected as X

from xl_budget.importer import import_text
from xl_budget.model import BudgetBook

template = pytest.importorskip("xl_budget.template")
parse = pytest.importorskip("xl_budget.parse")


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "承德县科学技术协会_2023.xlsx"
    template.write_book(import_text(X.seed_path()), path)
    return path


@pytest.fixture(scope="module")
def book(workbook: Path) -> BudgetBook:
    return parse.read_book(workbook)


def _cell_column_row(cell: str) -> tuple[str, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    assert match, cell
    return match[1], int(match[2])


# ------------------------------------------------------------------ read_book
def test_unit(book: BudgetBook) -> None:
    assert (book.unit.code, book.unit.name, book.unit.year) == (X.UNIT["code"], X.UNIT["name"], X.UNIT["year"])


def test_department(book: BudgetBook) -> None:
    d = book.department
    assert d.overall.startswith(X.OVERALL_START) and d.overall.endswith(X.OVERALL_END)
    assert [t.title for t in d.targets] == [t["title"] for t in X.TARGETS]
    for got, want in zip(d.targets, X.TARGETS, strict=True):
        assert got.goal.startswith(want["goal"])
        assert got.indicators.startswith(want["indicators"])
    assert d.measures == X.MEASURES


@pytest.mark.parametrize("i", range(4), ids=lambda i: f"table{i + 1}")
def test_project(book: BudgetBook, i: int) -> None:
    got, want = book.projects[i], X.PROJECTS[i]
    assert (got.code, got.name, got.use, got.goals) == (want["code"], want["name"], want["use"], want["goals"])
    assert (got.budget.total, got.budget.fiscal, got.budget.other) == want["budget"]  # by value
    assert tuple(got.schedule.values()) == want["schedule"]
    rows = [(ind.level1, ind.level2, ind.name, ind.description, ind.value.raw if ind.value else None, ind.basis)
            for ind in got.indicators]
    assert rows == want["indicators"]


@pytest.mark.parametrize("i", range(4), ids=lambda i: f"table{i + 1}")
def test_value_cells_in_column_e(book: BudgetBook, i: int) -> None:
    cells = [_cell_column_row(ind.cell("value")) for ind in book.projects[i].indicators]
    assert {col for col, _ in cells} == {"E"}
    first = cells[0][1]
    assert [row for _, row in cells] == list(range(first, first + len(cells)))


def test_seed_defects_survive(book: BudgetBook) -> None:
    # The workbook must keep what the validator has to find, not repair it.
    assert book.projects[3].schedule.dec is None
    assert all(ind.basis is None for ind in book.projects[3].indicators)
    assert book.projects[0].indicators[1].value.raw == "≥100"


# ------------------------------------------------------------------ xl-budget export
@pytest.fixture(scope="module")
def exported(workbook: Path) -> dict:
    pytest.importorskip("xl_budget.export")
    result = subprocess.run([sys.executable, "-m", "xl_budget", "export", str(workbook)],
                            capture_output=True, text=True, encoding="utf-8", check=False,
                            cwd=X.ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_export_shape(exported: dict) -> None:
    assert set(exported) >= {"unit", "department", "projects"}
    assert exported["unit"] == {"code": "731001", "name": "河北省承德县科学技术协会本级", "year": 2023}
    assert set(exported["department"]) >= {"overall", "targets", "measures"}
    assert exported["department"]["measures"] == X.MEASURES
    for p in exported["projects"]:
        assert set(p) >= {"sheet", "code", "name", "budget", "use", "schedule", "goals", "indicators"}
        assert set(p["schedule"]) == {"mar", "jun", "oct", "dec"}
        for ind in p["indicators"]:
            assert set(ind) >= {"level1", "level2", "name", "description", "basis", "cell", "value"}
            assert set(ind["value"]) >= {"raw", "operator", "number", "unit", "grade"}


def _num(d: Decimal | None) -> float | None:
    return None if d is None else float(d)


def test_export_table1(exported: dict) -> None:
    p = exported["projects"][0]
    assert p["code"] == "13082123P00020010002T" and p["name"] == "安可设备购置"
    assert p["budget"] == {"total": 0.91, "fiscal": 0.91, "other": None}
    assert p["schedule"] == {"mar": None, "jun": None, "oct": 100.0, "dec": None}
    assert p["goals"] == ["安可设备购置"]
    first = p["indicators"][0]
    assert first["level1"] == "产出指标" and first["level2"] == "数量指标" and first["name"] == "购买数量"
    assert first["basis"] == "年初工作计划" and first["cell"].startswith("E")
    assert first["value"] == {"raw": "1", "operator": None, "number": 1.0, "unit": None, "grade": None}
    cost = p["indicators"][5]
    assert cost["value"]["raw"] == "≤0.91" and cost["value"]["operator"] == "≤" and cost["value"]["number"] == 0.91


@pytest.mark.parametrize("i", range(4), ids=lambda i: f"table{i + 1}")
def test_export_projects(exported: dict, i: int) -> None:
    got, want = exported["projects"][i], X.PROJECTS[i]
    assert got["code"] == want["code"] and got["name"] == want["name"]
    assert [got["budget"][k] for k in ("total", "fiscal", "other")] == [_num(v) for v in want["budget"]]
    assert [got["schedule"][k] for k in ("mar", "jun", "oct", "dec")] == [_num(v) for v in want["schedule"]]
    rows = [(d["level1"], d["level2"], d["name"], d["description"], d["value"]["raw"], d["basis"])
            for d in got["indicators"]]
    assert rows == want["indicators"]
    assert all(d["cell"].startswith("E") for d in got["indicators"])


def test_seed_round_trips_model_workbook_model(tmp_path) -> None:
    """The imported seed, written as a workbook and read back, is the same model."""
    from xl_budget.parse import read_book
    from xl_budget.template import write_book

    book = import_text(X.seed_path())
    write_book(book, tmp_path / "seed.xlsx")
    assert read_book(tmp_path / "seed.xlsx").content() == book.content()
