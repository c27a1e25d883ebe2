"""``xl-budget fill``: every filled value is right, read back by python-calamine and by openpyxl
(data_only), the workbook keeps everything else, and a second fill changes nothing."""

from __future__ import annotations

import json
import zipfile
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from seed_expected import SEED_CANDIDATES
from typer.testing import CliRunner

from xl_budget.cli import app
from xl_budget.fill import (
    LOG_SHEET,
    CellState,
    compute_changes,
    fill_file,
    find_unit_cells,
    read_cells,
)
from xl_budget.grids import read_grids
from xl_budget.importer import import_text
from xl_budget.model import Budget, BudgetBook, Indicator, Project, Schedule, Unit
from xl_budget.parse import parse_grids, read_book
from xl_budget.profile import load_profile
from xl_budget.template import new_workbook, write_book
from xl_budget.values import parse_value
from xl_budget.writeback import load_for_edit, save_workbook

D = Decimal
SEED = [p for p in SEED_CANDIDATES if p.exists()]
runner = CliRunner()


# ------------------------------------------------------------------ helpers
def project(code: str = "13082123P00019310001H", name: str = "科协科普工作经费",
            total: str | None = "8", fiscal: str | None = "7.5", other: str | None = None,
            plan: tuple[str | None, ...] = ("30", "60", "85", "100"),
            cost: str | None = "≤8万元") -> Project:
    return Project(
        code=code, name=name, use="举办活动",
        budget=Budget(total=num(total), fiscal=num(fiscal), other=num(other)),
        schedule=Schedule(**{k: num(v) for k, v in zip(("mar", "jun", "oct", "dec"), plan, strict=True)}),
        goals=["科技周、科普日活动等"],
        indicators=[
            Indicator(level1="产出指标", level2="数量指标", name="培训次数", description="培训次数",
                      value=parse_value("≥4次"), basis="计划标准"),
            Indicator(level1="产出指标", level2="成本指标", name="项目预算控制数", description="控制数",
                      value=parse_value(cost), basis="计划标准"),
        ])


def num(v: str | None) -> Decimal | None:
    return None if v is None else D(v)


def template(tmp_path: Path, *projects: Project, name: str = "book.xlsx") -> Path:
    book = BudgetBook(unit=Unit(code="731001", name="河北省承德县科学技术协会本级", year=2023),
                      projects=list(projects))
    path = tmp_path / name
    write_book(book, path)
    return path


def edit(path: Path, cells: dict[tuple[str, str], Any]) -> None:
    """Type values into a workbook as staff would (keeping cached formula values)."""
    wb = load_for_edit(path)
    for (sheet, ref), value in cells.items():
        wb[sheet][ref] = value
    save_workbook(wb, path, source=path)


def calamine(path: Path) -> dict[tuple[str, str], Any]:
    book = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in book.sheet_names:
        for r, row in enumerate(book.get_sheet_by_name(name).to_python(skip_empty_area=False)):
            for c, v in enumerate(row):
                if v != "":
                    out[(name, openpyxl.utils.get_column_letter(c + 1) + str(r + 1))] = v
    return out


def data_only(path: Path) -> dict[tuple[str, str], Any]:
    wb = openpyxl.load_workbook(path, data_only=True)
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.value is not None}


def both(path: Path) -> tuple[dict, dict]:
    return calamine(path), data_only(path)


def dump(path: Path) -> dict[str, Any]:
    """Cell-by-cell dump (value or formula, format, style) plus sheet-level features."""
    wb = openpyxl.load_workbook(path, rich_text=True)
    out: dict[str, Any] = {"sheets": wb.sheetnames,
                           "names": sorted((n, d.attr_text) for n, d in wb.defined_names.items())}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                cells[c.coordinate] = (repr(c.value), c.number_format, repr(c.font), repr(c.fill),
                                       repr(c.border), repr(c.alignment), repr(c.protection),
                                       c.comment.text if c.comment else None)
        out[ws.title] = {
            "cells": cells, "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "validations": sorted((str(v.sqref), v.type, v.formula1, v.prompt)
                                  for v in ws.data_validations.dataValidation),
            "protected": ws.protection.sheet, "state": ws.sheet_state,
            "print_area": ws.print_area, "widths": {k: d.width for k, d in ws.column_dimensions.items()},
        }
    return out


def fill(path: Path, *args: str) -> Any:
    return runner.invoke(app, ["fill", str(path), *args])


def changed(result: Any) -> dict[tuple[str, str], Any]:
    return {(c.sheet, c.cell): c.new for c in result.changes}


# ------------------------------------------------------------------ the seed
@pytest.fixture(scope="module")
def seed_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SEED:
        pytest.skip("seed text not available")
    path = tmp_path_factory.mktemp("seed") / "seed.xlsx"
    write_book(import_text(SEED[0]), path)
    return path


def test_seed_fills_other_funds_year_end_and_planned(tmp_path: Path, seed_book: Path) -> None:
    path = tmp_path / "seed.xlsx"
    path.write_bytes(seed_book.read_bytes())
    result = fill(path)
    assert result.exit_code == 0, result.output
    cal, opx = both(path)
    for view in (cal, opx):
        for sheet in ("项目1", "项目2", "项目3", "项目4"):
            assert view[(sheet, "G4")] == 0                       # blank 其他资金 = 0
        assert view[("项目1", "F7")] == 1                          # 10月底 100% carried forward
        assert view[("项目1", "F8")] == pytest.approx(0.91)
        assert view[("项目4", "F7")] == 1                          # table 4: 30/60/85 → 12月底 100%
        assert view[("项目4", "F8")] == pytest.approx(6)
        assert view[("单位信息", "B12")] == pytest.approx(14.77)
        assert view[("单位信息", "B14")] == 0
        assert view[("单位信息", "G16")] == pytest.approx(1)       # every project ends at 100%
    wb = openpyxl.load_workbook(path)
    assert wb["项目1"]["F7"].number_format == "0%"
    assert wb["项目1"]["G4"].number_format == "0.00"
    assert wb["项目4"]["F8"].value == '=IF(OR(C4="",F7=""),"",ROUND(C4*F7,2))'
    assert "项目1!G4：（空） → 0.00（其他资金 = 预算数 0.91 − 财政资金 0.91）" in result.output
    assert read_book(path).projects[3].schedule.values() == [30, 60, 85, 100]


def test_second_fill_changes_nothing(tmp_path: Path, seed_book: Path) -> None:
    path = tmp_path / "seed.xlsx"
    path.write_bytes(seed_book.read_bytes())
    assert fill(path).exit_code == 0
    before, data = dump(path), path.read_bytes()
    second = fill(path)
    assert second.exit_code == 0
    assert "无需填充" in second.output and "→" not in second.output
    assert fill_file(path).changes == []
    assert dump(path) == before and path.read_bytes() == data


def test_output_file_leaves_the_source_untouched(tmp_path: Path, seed_book: Path) -> None:
    src, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    src.write_bytes(seed_book.read_bytes())
    assert fill(src, "-o", str(out)).exit_code == 0
    assert src.read_bytes() == seed_book.read_bytes()
    assert calamine(out)[("项目1", "G4")] == 0
    # nothing to change: the output is still written, as an unchanged copy
    again = tmp_path / "again.xlsx"
    assert fill(out, "-o", str(again)).exit_code == 0
    assert again.read_bytes() == out.read_bytes()


# ------------------------------------------------------------------ budget
@pytest.mark.parametrize(("amounts", "expected"), [
    (("8", "7.5", None), {"G4": 0.5}),
    ((None, "5", None), {"C4": 5, "G4": 0}),
    (("8", None, "3"), {"E4": 5}),
    ((None, "5", "2.25"), {"C4": 7.25}),
    (("4.86", "4.86", None), {"G4": 0}),
])
def test_budget_third_amount(tmp_path: Path, amounts: tuple, expected: dict) -> None:
    path = template(tmp_path, project(total=amounts[0], fiscal=amounts[1], other=amounts[2],
                                      cost="≤1万元"))
    result = fill_file(path)
    assert result.complete and not result.findings
    cal, opx = both(path)
    wb = openpyxl.load_workbook(path)
    for ref, value in expected.items():
        assert cal[("项目1", ref)] == pytest.approx(value) and opx[("项目1", ref)] == pytest.approx(value)
        assert wb["项目1"][ref].number_format == "0.00"
    book = read_book(path)
    b = book.projects[0].budget
    assert b.total == (b.fiscal or 0) + (b.other or 0)
    assert cal[("单位信息", "B12")] == pytest.approx(float(b.total))


@pytest.mark.parametrize(("amounts", "cell", "words"), [
    (("8", "7.5", "1"), "C4", "≠"),
    (("8", None, None), "E4", "无法拆分"),
    (("5", "6", None), "E4", "大于预算数"),
    ((None, None, "2"), "C4", "预算数为空"),
])
def test_budget_that_cannot_be_filled_is_reported_and_kept(tmp_path: Path, amounts: tuple,
                                                            cell: str, words: str) -> None:
    path = template(tmp_path, project(total=amounts[0], fiscal=amounts[1], other=amounts[2]))
    before = calamine(path)
    result = fill(path)
    assert result.exit_code == 1
    [finding] = [f for f in fill_file(path).findings if f.code.startswith("B")]
    assert (finding.sheet, finding.cell) == ("项目1", cell) and words in finding.message
    assert f"book.xlsx:项目1!{cell}: {finding.code} error" in result.output
    after = calamine(path)
    for ref in ("C4", "E4", "G4"):
        assert after.get(("项目1", ref)) == before.get(("项目1", ref))


def test_text_in_amount_cell_is_reported_never_zeroed(tmp_path: Path) -> None:
    path = template(tmp_path, project(total="8", fiscal=None, other=None))
    edit(path, {("项目1", "C4"): "2000万", ("项目1", "E4"): 7.5})
    result = fill_file(path)
    [finding] = result.findings
    assert (finding.code, finding.cell) == ("B001", "C4") and "“2000万”" in finding.message
    assert not any(c.cell in ("C4", "E4", "G4") for c in result.changes)
    assert calamine(path)[("项目1", "C4")] == "2000万"


# ------------------------------------------------------------------ schedule
def _plan(path: Path, sheet: str = "项目1", cells: tuple[str, ...] = ("B7", "D7", "E7", "F7")) -> list:
    cal, opx = both(path)
    values = [cal.get((sheet, c)) for c in cells]
    assert values == [opx.get((sheet, c)) for c in cells]
    return values


def test_percentages_are_normalised_to_fractions(tmp_path: Path) -> None:
    path = template(tmp_path, project(plan=(None, None, None, None)))
    edit(path, {("项目1", "B7"): 30, ("项目1", "D7"): "60%", ("项目1", "E7"): "８５％"})
    result = fill_file(path)
    assert result.complete
    assert _plan(path) == [0.3, 0.6, 0.85, 1]
    wb = openpyxl.load_workbook(path)
    assert [wb["项目1"][c].number_format for c in ("B7", "D7", "E7", "F7")] == ["0%"] * 4
    assert [wb["项目1"][c].data_type for c in ("B7", "D7", "E7")] == ["n"] * 3
    assert _plan(path, cells=("B8", "D8", "E8", "F8")) == [2.4, 4.8, 6.8, 8]


@pytest.mark.parametrize(("typed", "fmt", "expected", "bad"), [
    ((30, 60, 85, 100), "0%", [0.3, 0.6, 0.85, 1], None),          # points typed into % cells
    ((30, 60, 85, 100), "General", [0.3, 0.6, 0.85, 1], None),     # points in plain cells
    ((0.3, 0.6, 0.85, 1), "General", [0.3, 0.6, 0.85, 1], None),   # fractions in plain cells
    (("30", "60", "85", "100"), "@", [0.3, 0.6, 0.85, 1], None),   # numbers stored as text
    ((0.3, 0.6, 1.5, 1), "0%", [0.3, 0.6, 1.5, 1], "E7"),          # 150%: reported, kept
])
def test_how_a_plan_row_is_read(tmp_path: Path, typed: tuple, fmt: str, expected: list,
                                bad: str | None) -> None:
    path = template(tmp_path, project(plan=(None,) * 4))
    wb = load_for_edit(path)
    for ref, value in zip(("B7", "D7", "E7", "F7"), typed, strict=True):
        wb["项目1"][ref].value = value
        wb["项目1"][ref].number_format = fmt
    save_workbook(wb, path, source=path)
    result = fill_file(path)
    assert _plan(path) == pytest.approx(expected)
    assert [f.cell for f in result.findings] == ([bad] if bad else [])
    wb = openpyxl.load_workbook(path)
    formats = {wb["项目1"][ref].number_format for ref in ("B7", "D7", "E7", "F7")}
    assert formats == {fmt if fmt == "0%" else "0%"}


def test_fresh_template_needs_no_fill(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    new_workbook(path, projects=3, unit_code="731001", unit_name="单位")
    result = fill_file(path)
    assert (result.changes, result.findings) == ([], [])


def test_blank_plan_gets_the_profile_default(tmp_path: Path) -> None:
    path = template(tmp_path, project(plan=(None, None, None, None)))
    result = fill_file(path)
    assert _plan(path) == [0.3, 0.6, 0.85, 1]
    assert all("默认进度 30%/60%/85%/100%" in c.reason for c in result.changes if c.field.startswith("schedule"))


def test_one_hundred_carries_forward(tmp_path: Path) -> None:
    path = template(tmp_path, project(plan=("50", "100", None, None)))
    fill_file(path)
    assert _plan(path) == [0.5, 1, 1, 1]


@pytest.mark.parametrize(("plan", "words"), [
    ((None, "60", "85", None), "3月底尚未填写"),
    (("30", "60", "50", None), "累计进度下降（6月底 60% → 10月底 50%）"),
])
def test_year_end_that_cannot_be_inferred_is_reported(tmp_path: Path, plan: tuple, words: str) -> None:
    path = template(tmp_path, project(plan=plan))
    result = fill_file(path)
    [finding] = result.findings
    assert (finding.code, finding.cell) == ("P003", "F7") and words in finding.message
    assert _plan(path)[3] is None
    assert fill(path).exit_code == 1


def test_text_in_a_percentage_cell_is_reported(tmp_path: Path) -> None:
    path = template(tmp_path, project(plan=(None, None, None, None)))
    edit(path, {("项目1", "B7"): "三成", ("项目1", "D7"): 0.6})
    result = fill_file(path)
    assert [(f.code, f.cell) for f in result.findings] == [("P001", "B7")]
    assert "“三成”" in result.findings[0].message
    assert _plan(path) == ["三成", 0.6, None, None]          # no default pacing over staff input


# ------------------------------------------------------------------ 成本指标
@pytest.mark.parametrize(("profile", "level1", "level2"), [
    ("default", "产出指标", "成本指标"), ("central2021", "成本指标", "经济成本指标")])
def test_empty_cost_indicator_gets_the_budget(tmp_path: Path, profile: str, level1: str, level2: str) -> None:
    p = project(total="4.86", fiscal="4.86", cost=None)
    p.indicators[1].level1, p.indicators[1].level2 = level1, level2
    path = template(tmp_path, p)
    value_cell = read_book(path).projects[0].indicators[1].cell("value")
    fill_file(path, profile=load_profile(profile))
    cal, opx = both(path)
    assert cal[("项目1", value_cell)] == opx[("项目1", value_cell)] == "≤4.86万元"
    assert read_book(path).projects[0].indicators[1].value.number == D("4.86")


def test_cost_indicator_with_a_value_is_kept(tmp_path: Path) -> None:
    path = template(tmp_path, project(cost="≤7万元", other="0.5"))
    assert not any(c.field == "indicator.value" for c in fill_file(path).changes)


# ------------------------------------------------------------------ 单位信息
def test_unit_totals_follow_the_projects(tmp_path: Path) -> None:
    path = template(tmp_path, project(), project(code="13082123P00019610001J", name="老科协经费",
                                                 total=None, fiscal="3", plan=("20", "40", None, None)))
    fill_file(path)
    cal, opx = both(path)
    for view in (cal, opx):
        assert view[("单位信息", "B11")] == 2
        assert view[("单位信息", "B12")] == pytest.approx(11)
        assert view[("单位信息", "B13")] == pytest.approx(10.5)
        assert view[("单位信息", "B14")] == pytest.approx(0.5)
        # weighted by budget: (8×30% + 3×20%) / 11, …; project 2's blank 10月底 carries 40% forward
        assert [view[("单位信息", c)] for c in ("D16", "E16", "F16")] == pytest.approx(
            [(2.4 + 0.6) / 11, (4.8 + 1.2) / 11, (6.8 + 1.2) / 11])
    wb = openpyxl.load_workbook(path)
    assert wb["单位信息"]["B12"].value == "=SUM('项目1'!C4,'项目2'!C4)"
    assert wb["单位信息"]["B12"].number_format == "0.00"


def test_unit_cells_are_found_by_label(tmp_path: Path, seed_book: Path) -> None:
    unit = find_unit_cells(read_grids(seed_book))
    assert unit is not None and unit.sheet == "单位信息"
    assert unit.cells == {"projects": "B11", "total": "B12", "fiscal": "B13", "other": "B14",
                          "plan.mar": "D16", "plan.jun": "E16", "plan.oct": "F16", "plan.dec": "G16"}


def test_a_typed_unit_total_becomes_a_live_formula(tmp_path: Path) -> None:
    path = template(tmp_path, project(other="0.5"))
    edit(path, {("单位信息", "B12"): 99})
    result = fill_file(path)
    [change] = [c for c in result.changes if c.cell == "B12"]
    assert change.old == 99 and change.formula == "=SUM('项目1'!C4)" and change.new == 8
    assert calamine(path)[("单位信息", "B12")] == 8


# ------------------------------------------------------------------ hand-built sheets
HAND_TABLE = [
    ["科协科普工作经费绩效目标表"],
    ["731001 河北省承德县科学技术协会本级", None, None, None, None, "单位：万元"],
    ["项目编码", "13082123P00019310001H", None, "项目名称", "科协科普工作经费"],
    ["预算规模及资金用途", "预算数", None, "其中：财政资金", "４.５", "其他资金", "0.36"],
    [None, "举办相关活动和培训的场地材料、办公用品费等"],
    ["资金支出计划（%）", "3月底", None, "6月底", "10月底", "12月底"],
    [None, 30, None, "60", "85%", None],
    ["计划支出金额（万元）", 1, None, None, None, None],
    ["绩效目标", "1. 目标内容 1 科技周、科普日活动等"],
    ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"],
    ["产出指标", "数量指标", "培训次数", "培训次数", "≥4次", "计划标准"],
    [None, "成本指标", "项目预算控制数", "项目预算控制数", None, "计划标准"],
]


def hand_built(tmp_path: Path, origin: tuple[int, int] = (3, 2)) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "科普经费"
    r0, c0 = origin
    for i, row in enumerate(HAND_TABLE):
        for j, value in enumerate(row):
            if value is not None:
                ws.cell(r0 + i, c0 + j, value)
    ws.merge_cells(start_row=r0 + 6, start_column=c0 + 1, end_row=r0 + 6, end_column=c0 + 2)
    path = tmp_path / "hand.xlsx"
    wb.save(path)
    return path


def test_hand_built_shifted_sheet_with_text_numbers(tmp_path: Path) -> None:
    path = hand_built(tmp_path)                                # block starts at B3, no 单位信息
    result = fill(path)
    assert result.exit_code == 0, result.output
    cal, opx = both(path)
    for view in (cal, opx):
        assert view[("科普经费", "F6")] == 4.5                  # "４.５" text → number
        assert view[("科普经费", "H6")] == 0.36                 # "0.36" text → number
        assert view[("科普经费", "D6")] == pytest.approx(4.86)  # 预算数 = 4.5 + 0.36
        assert [view[("科普经费", c)] for c in ("C9", "E9", "F9", "G9")] == [0.3, 0.6, 0.85, 1]
        assert [view[("科普经费", c)] for c in ("C10", "E10", "F10", "G10")] == pytest.approx(
            [1.46, 2.92, 4.13, 4.86])
        assert view[("科普经费", "F14")] == "≤4.86万元"
    wb = openpyxl.load_workbook(path)
    ws = wb["科普经费"]
    assert ws["C10"].value == '=IF(OR(D6="",C9=""),"",ROUND(D6*C9,2))'   # typed 1 → live formula
    assert ws["C9"].number_format == "0%" and ws["D6"].number_format == "0.00"
    assert "没有“单位信息”汇总区" in result.output
    assert fill_file(path).changes == []


UNIT_SHEET = [
    ["单位编码", "731001"],
    ["单位名称", "河北省承德县科学技术协会本级"],
    [],
    ["项目个数", None],
    ["预算数合计（万元）", 12.5],
    ["财政资金合计（万元）", None],
    ["其他资金合计（万元）", None],
    ["计划支出进度（%）", "3月底", "6月底", "10月底", "12月底"],
]


def hand_built_with_unit(tmp_path: Path) -> Path:
    """A 单位信息 sheet typed by hand and a project table without the 计划支出金额 row."""
    wb = openpyxl.Workbook()
    unit = wb.active
    unit.title = "单位信息"
    for row in UNIT_SHEET:
        unit.append(row)
    ws = wb.create_sheet("项目A")
    for i, row in enumerate(r for r in HAND_TABLE if not (r and r[0] == "计划支出金额（万元）")):
        for j, value in enumerate(row):
            if value is not None:
                ws.cell(1 + i, 1 + j, value)
    ws["E7"] = None                                     # 10月底 blank: carried from 6月底
    path = tmp_path / "hand_unit.xlsx"
    wb.save(path)
    return path


def test_hand_built_unit_sheet_without_planned_row(tmp_path: Path) -> None:
    path = hand_built_with_unit(tmp_path)
    result = fill_file(path)
    assert [(f.code, f.cell) for f in result.findings] == [("P003", "F7")]
    cal, opx = both(path)
    for view in (cal, opx):
        assert view[("单位信息", "B4")] == 1
        assert view[("单位信息", "B5")] == pytest.approx(4.86)   # typed 12.5 → live formula
        assert [view.get(("单位信息", c)) for c in ("B9", "C9", "D9", "E9")] == pytest.approx(
            [0.3, 0.6, 0.6, 0.6])
    formula = openpyxl.load_workbook(path)["单位信息"]["D9"].value
    assert formula == ("=IF(N(B5)=0,\"\",(N('项目A'!C4)*IFERROR(LOOKUP(2,1/ISNUMBER('项目A'!B7:E7),"
                       "'项目A'!B7:E7),0))/B5)")


def test_a_unit_total_label_boxed_in_by_labels_gets_no_formula(tmp_path: Path) -> None:
    # 项目个数 with labels right of it and under it: no cell of its own. fill once crashed here
    # (a None cell), and before that wrote its formula over the label beside it.
    path = hand_built_with_unit(tmp_path)
    wb = openpyxl.load_workbook(path)
    unit = wb["单位信息"]
    unit["B4"], unit["A5"], unit["B5"] = "预算数合计（万元）", "财政资金合计（万元）", "其他资金合计（万元）"
    unit["A6"] = unit["A7"] = None
    wb.save(path)
    result = fill_file(path)
    after = openpyxl.load_workbook(path)["单位信息"]
    assert [after[c].value for c in ("A4", "B4", "A5", "B5")] == [
        "项目个数", "预算数合计（万元）", "财政资金合计（万元）", "其他资金合计（万元）"]
    assert not any(c.sheet == "单位信息" and c.cell in {"B4", "A5", "B5"} for c in result.changes)


def test_two_tables_on_one_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目"
    second = [list(r) for r in HAND_TABLE]
    second[2] = ["项目编码", "13082123P00019610001J", None, "项目名称", "老科协科普工作经费"]
    second[3] = ["预算规模及资金用途", "预算数", 3, "其中：财政资金", 3, "其他资金", None]
    for i, row in enumerate(HAND_TABLE + [[]] + second):
        for j, value in enumerate(row):
            if value is not None:
                ws.cell(1 + i, 1 + j, value)
    path = tmp_path / "two.xlsx"
    wb.save(path)
    result = fill_file(path)
    assert result.complete
    cal = calamine(path)
    assert cal[("项目", "C4")] == pytest.approx(4.86) and cal[("项目", "G17")] == 0
    assert cal[("项目", "E25")] == "≤3万元"


def test_workbook_without_tables_reports_f002(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "随便写的内容"
    path = tmp_path / "none.xlsx"
    wb.save(path)
    data = path.read_bytes()
    result = fill(path)
    assert result.exit_code == 1 and "F002" in result.output
    assert path.read_bytes() == data


# ------------------------------------------------------------------ nothing else changes
def test_everything_else_is_kept(tmp_path: Path) -> None:
    path = template(tmp_path, project(other=None, plan=("30", None, None, None)),
                    project(code="13082123P00019610001J", name="二", total="3", fiscal="3", plan=(None,) * 4))
    wb = load_for_edit(path)
    wb["项目1"]["A3"].comment = openpyxl.comments.Comment("请核对", "审核人")
    save_workbook(wb, path, source=path)
    before = dump(path)
    result = fill_file(path)
    after = dump(path)
    touched = {(c.sheet, c.cell) for c in result.changes}
    assert touched
    assert after["sheets"] == before["sheets"] + [LOG_SHEET]
    assert after["names"] == before["names"]
    for sheet in before["sheets"]:
        old, new = before[sheet], after[sheet]
        assert {k: v for k, v in old.items() if k != "cells"} == {k: v for k, v in new.items() if k != "cells"}
        assert old["cells"].keys() == new["cells"].keys()
        for ref, (value, fmt, *style) in old["cells"].items():
            if (sheet, ref) in touched:
                assert new["cells"][ref][2:] == tuple(style)   # styles of filled cells kept
            else:
                assert new["cells"][ref] == (value, fmt, *style), (sheet, ref)
    assert after["项目1"]["cells"]["A3"][-1] == "请核对"


def test_macros_survive_byte_identical(tmp_path: Path) -> None:
    vba = bytes(range(256)) * 40
    book = BudgetBook(unit=Unit(code="731001", name="单位"), projects=[project()])
    path = tmp_path / "book.xlsm"
    write_book(book, path, vba_project=vba)
    result = fill(path)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/vbaProject.bin") == vba
        assert b"macroEnabled" in zf.read("[Content_Types].xml")
    assert calamine(path)[("项目1", "G4")] == 0.5


def test_macro_workbook_keeps_vba_and_buttons(tmp_path: Path) -> None:
    excel = pytest.importorskip("xl_budget.excel")
    path = tmp_path / "macros.xlsm"
    try:
        new_workbook(path, projects=2, unit_code="731001", unit_name="单位", macros=True)
    except Exception as exc:  # xlwings' quickstart workbook not available here
        pytest.skip(f"macro workbook cannot be built: {exc}")
    edit(path, {("项目1", "B3"): "13082123P00019310001H", ("项目1", "C4"): 8, ("项目1", "E4"): 8})
    with zipfile.ZipFile(path) as zf:
        vba = zf.read("xl/vbaProject.bin")
    before = excel.buttons(path)
    assert fill(path).exit_code == 0
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/vbaProject.bin") == vba
    assert excel.buttons(path) == before and before
    assert calamine(path)[("项目1", "G4")] == 0


# ------------------------------------------------------------------ 填充记录
def test_fill_log_lists_every_change_and_is_replaced(tmp_path: Path) -> None:
    path = template(tmp_path, project())
    first = fill_file(path)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(LOG_SHEET).to_python()
    assert rows[1] == ["序号", "工作表", "单元格", "原值", "新值", "公式", "说明"]
    assert [(r[1], r[2], r[4]) for r in rows[2:]] == [(c.sheet, c.cell, c.new_text) for c in first.changes]
    edit(path, {("项目1", "E4"): 7, ("项目1", "G4"): None})
    second = fill_file(path)
    assert [(c.cell, c.old, c.new) for c in second.changes if c.sheet == "项目1"][0] == ("G4", None, 1)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames.count(LOG_SHEET) == 1
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(LOG_SHEET).to_python()
    assert len(rows) == 2 + len(second.changes)
    formulas = [r[5] for r in rows[2:] if r[5]]
    assert formulas and all(f.startswith("=") for f in formulas)   # formulas shown as text
    assert all(wb[LOG_SHEET].cell(r, 6).data_type == "s" for r in range(3, len(rows) + 1)
               if wb[LOG_SHEET].cell(r, 6).value)


# ------------------------------------------------------------------ pure core
def test_compute_changes_is_pure_and_plain(tmp_path: Path) -> None:
    path = template(tmp_path, project())
    data = path.read_bytes()
    grids = read_grids(path)
    book = parse_grids(grids, file=str(path))
    cells = read_cells(load_for_edit(path), grids)
    result = compute_changes(book, load_profile(), cells, find_unit_cells(grids))
    assert path.read_bytes() == data
    assert {(c.sheet, c.cell) for c in result.changes} >= {("项目1", "G4")}
    json.dumps([asdict(c) for c in result.changes], default=str)   # plain data for other engines
    # without a snapshot the model alone is enough for the budget and the schedule
    model_only = compute_changes(book)
    assert changed(model_only)[("项目1", "G4")] == D("0.5")
    assert cells[("项目1", "B7")] == CellState(0.3, None, "0%", "C7")


# ------------------------------------------------------------------ command line
def test_command_line_errors_exit_2(tmp_path: Path) -> None:
    assert fill(tmp_path / "missing.xlsx").exit_code == 2
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    result = fill(broken)
    assert result.exit_code == 2 and "错误" in result.output
    ods = tmp_path / "book.ods"
    ods.write_bytes(b"x")
    assert "只能填充 .xlsx 或 .xlsm" in fill(ods).output
    path = template(tmp_path, project())
    result = fill(path, "-o", str(tmp_path / "out.xlsm"))
    assert result.exit_code == 2 and "类型须与原工作簿相同" in result.output
    result = fill(path, "-o", str(tmp_path / "nowhere" / "out.xlsx"))
    assert result.exit_code == 2 and "输出文件夹不存在" in result.output


def test_file_names_with_brackets_are_printed_as_is(tmp_path: Path) -> None:
    path = template(tmp_path, project(), name="冀财教[2022]166号.xlsx")
    result = fill(path)
    assert result.exit_code == 0
    assert "已保存：" in result.output and "冀财教[2022]166号.xlsx" in result.output
