"""``xl-budget fill`` reads a plan row (资金支出计划) the way the reader does: it never rewrites a
row into percentages the reader did not see, and a row with a value outside 0–100% is left as
typed and reported (P001)."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from test_fill import calamine
from test_fill_libreoffice import _formula_cells, _recalculate, _same
from typer.testing import CliRunner

from xl_budget.cli import app
from xl_budget.fill import fill_file
from xl_budget.parse import read_book
from xl_budget.template import new_workbook
from xl_budget.writeback import load_for_edit, save_workbook

D = Decimal
PLAN = ("B7", "D7", "E7", "F7")
KEYS = ("mar", "jun", "oct", "dec")


def typed_plan(tmp_path: Path, typed: tuple, formats: tuple[str, ...], name: str = "book") -> Path:
    """A fresh template with one project (预算数 4.86) whose plan row holds ``typed``."""
    path = tmp_path / f"{name}.xlsx"
    new_workbook(path, projects=1, unit_code="731001", unit_name="河北省承德县科学技术协会本级")
    wb = load_for_edit(path)
    ws = wb["项目1"]
    ws["B3"], ws["E3"], ws["C4"], ws["E4"] = "13082123P00019310001H", "科普培训", 4.86, 4.86
    for ref, value, fmt in zip(PLAN, typed, formats, strict=True):
        ws[ref].value = value
        ws[ref].number_format = fmt
    save_workbook(wb, path, source=path)
    return path


def read_plan(path: Path) -> list[Decimal | None]:
    """The percentages the reader (validate, export, consolidate) sees."""
    schedule = read_book(path).projects[0].schedule
    return [getattr(schedule, k) for k in KEYS]


def cells(path: Path) -> list[tuple[Any, str]]:
    ws = openpyxl.load_workbook(path)["项目1"]
    return [(ws[ref].value, ws[ref].number_format) for ref in PLAN]


def calamine_cell(path: Path, ref: str) -> Any:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("项目1").to_python(
        skip_empty_area=False)
    row, col = int(ref[1:]) - 1, ord(ref[0]) - ord("A")
    return rows[row][col]


def test_fractions_with_a_slip_above_one_are_reported_and_left_as_typed(tmp_path: Path) -> None:
    # QA report 4, item 4: General cells holding 0.3 / 0.6 / 0.85 / 1.5
    path = typed_plan(tmp_path, (0.3, 0.6, 0.85, 1.5), ("General",) * 4)
    assert read_plan(path) == [30, 60, 85, 150]
    before = cells(path)
    result = runner_fill(path, tmp_path / "out.xlsx")
    assert result.exit_code == 1, result.output
    out = tmp_path / "out.xlsx"
    assert cells(out) == before
    assert read_plan(out) == [30, 60, 85, 150]
    assert "项目1!F7: P001" in result.output and "150%" in result.output
    assert "B7：" not in result.output                       # no "0.3 → 0.3%" rewrite
    findings = fill_file(path).findings
    assert [(f.code, f.cell) for f in findings] == [("P001", "F7")]
    assert "12月底的支出进度 150% 超出 0–100%" in findings[0].message
    assert [calamine_cell(path, c) for c in ("B8", "D8", "E8")] == [1.46, 2.92, 4.13]


def runner_fill(path: Path, out: Path) -> Any:
    return CliRunner().invoke(app, ["fill", str(path), "-o", str(out)])


G, P, T = "General", "0%", "@"


@pytest.mark.parametrize(("typed", "formats", "bad"), [
    ((0.3, 0.6, 0.85, 1.5), (G,) * 4, ["F7"]),              # the QA case
    ((0.3, 0.6, 0.85, 5), (G,) * 4, ["F7"]),                # 500%
    ((0.3, 0.6, 2, 3), (G,) * 4, ["E7", "F7"]),             # half the row above 1
    ((30, 60, 150, 100), (G,) * 4, ["E7"]),                 # points with a slip: row kept whole
    ((0, 0, 1, 5), (P,) * 4, ["F7"]),                       # cells show 0% 0% 100% 500%
    ((1, 1, 1, 2), (P,) * 4, ["F7"]),                       # cells show 100% … 200%
    ((0.3, 0.6, 0.85, 1.5), (P,) * 4, ["F7"]),
    (("0.3", "0.6", "0.85", "1"), (T,) * 4, []),            # text: the reader reads 0.3%
    ((0.3, "0.6", 0.85, 1), (G,) * 4, []),                  # text among fractions: 0.6%
    ((30, 60, 85, 100), (G,) * 4, []),
    ((0.3, 0.6, 0.85, 1), (G,) * 4, []),
    ((30, 60, 85, 100), (P,) * 4, []),                      # 30 typed into a 0% cell
    ((0, 30, 60, 100), (P,) * 4, []),
    ((0.3, 0.6, 0.85, 1), (P,) * 4, []),
    ((0.3, 0.6, 85, 100), (G,) * 4, []),                    # the reader: 0.3% and 0.6%
])
def test_fill_keeps_what_the_reader_reads(tmp_path: Path, typed: tuple, formats: tuple,
                                          bad: list[str]) -> None:
    path = typed_plan(tmp_path, typed, formats)
    before, cells_before = read_plan(path), cells(path)
    result = fill_file(path)
    assert read_plan(path) == before
    assert [(f.code, f.cell) for f in result.findings] == [("P001", c) for c in bad]
    out_of_range = [ref for ref, pct in zip(PLAN, before, strict=True)
                    if pct is not None and not 0 <= pct <= 100]
    assert bad == out_of_range
    if bad:
        assert cells(path) == cells_before                  # the whole row as typed
        assert not [c for c in result.changes if c.field.startswith("schedule")]
    else:
        assert all(fmt.endswith("%") for _, fmt in cells(path))
        assert fill_file(path).changes == []


def test_text_in_the_row_is_reported_and_the_rest_normalised(tmp_path: Path) -> None:
    # Text never counts in the reader's decision, so writing the others as fractions keeps
    # how it reads them; once 三成 is corrected the row reads right before any second fill.
    path = typed_plan(tmp_path, ("三成", 30, 60, 100), (G,) * 4)
    before = read_plan(path)
    result = fill_file(path)
    assert [(f.code, f.cell) for f in result.findings] == [("P001", "B7")]
    assert cells(path) == [("三成", G), (0.3, P), (0.6, P), (1, P)]
    assert read_plan(path) == before == [None, 30, 60, 100]


def test_a_percent_cell_is_read_as_it_shows(tmp_path: Path) -> None:
    # The reader gets no number formats (python-calamine): B7 shows 30% but it reads 0.3 as
    # 0.3% beside 60 / 85 / 100. Fill sees the format, keeps B7 showing 30%, and writes the
    # rest as the percentages they show; afterwards the reader reads what the cells show.
    path = typed_plan(tmp_path, (0.3, 60, 85, 100), (P, G, G, G))
    assert read_plan(path) == [D("0.3"), 60, 85, 100]
    result = fill_file(path)
    assert result.findings == []
    assert cells(path) == [(0.3, P), (0.6, P), (0.85, P), (1, P)]
    assert read_plan(path) == [30, 60, 85, 100]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_row_left_as_typed_caches_what_its_formulas_compute(tmp_path: Path) -> None:
    # 计划支出金额 and the unit's plan are formulas over the plan cells as they stand.
    books = [typed_plan(tmp_path, (0.3, 0.6, 0.85, 1.5), (G,) * 4, "fractions"),
             typed_plan(tmp_path, (30, 60, 150, 100), (G,) * 4, "points")]
    for path in books:
        assert not fill_file(path).complete
    recalculated = _recalculate(books, tmp_path / "lo")
    computed = [("项目1", c) for c in ("B8", "D8", "E8", "F8")] + [
        ("单位信息", c) for c in ("D16", "E16", "F16", "G16")]
    for path in books:
        assert set(computed) <= set(_formula_cells(path))
        ours, theirs = calamine(path), calamine(recalculated[path.name])
        for key in computed:
            assert _same(ours.get(key), theirs.get(key)), (path.name, key, ours.get(key),
                                                           theirs.get(key))
