"""The reader on label → value blocks of hand-made sheets: labels stacked down the page,
labels across a header row with the values under them, worded labels, headings.

Each case is a real workbook written with openpyxl (as a clerk builds one in Excel, without
the template) or the template with raw cells changed (``rulekit``); it is read back by the
real reader and, where the point is a false alarm, checked by every rule.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from handmade import HEADER, INDICATORS, UNIT_CODE, UNIT_NAME
from rulekit import match_findings, run_case

from xl_budget.check import check_file
from xl_budget.findings import Finding
from xl_budget.grids import make_grid
from xl_budget.model import BudgetBook
from xl_budget.parse import _LabelIndex, _right_of, read_book
from xl_budget.profile import load_profile

TITLE = ["科协科普工作经费绩效目标表"]
UNIT_LINE = [f"{UNIT_CODE} {UNIT_NAME}", None, None, None, None, "单位：万元"]
CODE_ROW = ["项目编码", "13082123P00019310001H", None, "项目名称", "科协科普工作经费"]
BUDGET_ROW = ["预算规模及资金用途", "预算数", 4.86, "其中：财政资金", 4.86, "其他资金", None]
USE_ROW = [None, "举办科普活动和培训的场地、材料费"]
PLAN_ROWS = [["资金支出计划（%）", "3月底", None, "6月底", "10月底", "12月底"],
             [None, "30%", None, "60%", "85%", "100%"]]
GOAL_ROWS = [["绩效目标", "目标内容1", "举办科技周、科普日活动"]]


def _indicator_rows(indicators: list[tuple] | None = None) -> list[list]:
    return [list(HEADER), *(list(row) for row in indicators or INDICATORS)]


def _book(tmp_path: Path, rows: list[list], merges: tuple[str, ...] = (),
          unit_rows: list[list] | None = None, name: str = "hand.xlsx") -> Path:
    """A workbook with a 单位信息 sheet and one project sheet 项目1 holding ``rows`` from A1."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    unit = wb.create_sheet("单位信息")
    for row in unit_rows or [["单位编码", UNIT_CODE], ["单位名称", UNIT_NAME], ["所属县区", "承德县"],
                             ["预算年度", 2023]]:
        unit.append(row)
    ws = wb.create_sheet("项目1")
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            if value is not None:
                ws.cell(r, c, value)
    for rng in merges:
        ws.merge_cells(rng)
    path = tmp_path / name
    wb.save(path)
    return path


def _findings(path: Path) -> list[Finding]:
    """Every finding but D001 (these books have no 部门整体绩效目标 sheet)."""
    return [f for f in check_file(path, load_profile())[1].findings if f.code != "D001"]


def _lines(findings: list[Finding]) -> list[str]:
    return [f"{f.code} {f.sheet}!{f.cell}: {f.message}" for f in findings]


def _read(path: Path) -> BudgetBook:
    return read_book(path)


# ------------------------------------------------------------------ 资金支出计划
def test_plan_typed_down_the_page_reads_the_value_beside_each_label(tmp_path: Path) -> None:
    plan = [["资金支出计划（%）", "3月底", "30%"], [None, "6月底", "60%"], [None, "10月底", "85%"],
            [None, "12月底", "100%"]]
    path = _book(tmp_path, [TITLE, UNIT_LINE, CODE_ROW, BUDGET_ROW, USE_ROW, *plan, *GOAL_ROWS,
                            *_indicator_rows()])
    [p] = _read(path).projects
    assert p.schedule.values() == [30, 60, 85, 100]
    assert [p.schedule.cell(k) for k in ("mar", "jun", "oct", "dec")] == ["C6", "C7", "C8", "C9"]
    assert _lines(_findings(path)) == []


def test_plan_down_the_page_with_a_blank_names_the_empty_cell_beside_its_label(tmp_path: Path) -> None:
    plan = [["资金支出计划（%）", "3月底", "30%"], [None, "6月底", None], [None, "10月底", "85%"],
            [None, "12月底", "100%"]]
    path = _book(tmp_path, [TITLE, UNIT_LINE, CODE_ROW, BUDGET_ROW, USE_ROW, *plan, *GOAL_ROWS,
                            *_indicator_rows()])
    [p] = _read(path).projects
    assert (p.schedule.jun, p.schedule.cell("jun")) == (None, "C7")


def test_a_plan_label_is_never_read_as_a_checkpoint_value(tmp_path: Path) -> None:
    # checkpoints in a 2 × 2 grid: the cell under 3月底 is the label 10月底
    plan = [["资金支出计划（%）", "3月底", "30%", "6月底", "60%"], [None, "10月底", "85%", "12月底", "100%"]]
    path = _book(tmp_path, [TITLE, UNIT_LINE, CODE_ROW, BUDGET_ROW, USE_ROW, *plan, *GOAL_ROWS,
                            *_indicator_rows()])
    [p] = _read(path).projects
    assert p.schedule.values() == [30, 60, 85, 100]
    assert [p.schedule.cell(k) for k in ("mar", "jun", "oct", "dec")] == ["C6", "E6", "C7", "E7"]


def test_plan_labels_without_a_values_row_never_point_at_the_goals(tmp_path: Path) -> None:
    path = _book(tmp_path, [TITLE, UNIT_LINE, CODE_ROW, BUDGET_ROW, USE_ROW, PLAN_ROWS[0], *GOAL_ROWS,
                            *_indicator_rows()])
    [p] = _read(path).projects
    assert p.schedule.values() == [None] * 4 and not p.schedule.invalid
    assert "C7" not in p.schedule.cells.values() and "B7" not in p.schedule.cells.values()


def test_a_deadline_value_is_never_read_as_the_plan_when_the_block_is_missing(tmp_path: Path) -> None:
    # a 时效指标 valued "12月底" (a common deadline) and no 资金支出计划 block
    indicators = [(*row[:4], "12月底" if row[2] == "项目完成时间" else row[4], row[5]) for row in INDICATORS]
    path = _book(tmp_path, [TITLE, UNIT_LINE, CODE_ROW, BUDGET_ROW, USE_ROW, *GOAL_ROWS,
                            *_indicator_rows(indicators)])
    [p] = _read(path).projects
    assert p.schedule.values() == [None] * 4 and not p.schedule.cells
    found = _findings(path)
    assert [(f.code, f.cell) for f in found if f.code.startswith("P")] == [("P005", None)]
    assert "没有“资金支出计划（%）”" in next(f.message for f in found if f.code == "P005")


def test_a_deadline_value_is_never_read_as_a_checkpoint_the_block_lacks(tmp_path: Path) -> None:
    plan = [["资金支出计划（%）", "3月底", None, "6月底", "10月底"], [None, "30%", None, "60%", "100%"]]
    indicators = [(*row[:4], "年底" if row[2] == "项目完成时间" else row[4], row[5]) for row in INDICATORS]
    path = _book(tmp_path, [TITLE, UNIT_LINE, CODE_ROW, BUDGET_ROW, USE_ROW, *plan, *GOAL_ROWS,
                            *_indicator_rows(indicators)])
    [p] = _read(path).projects
    assert p.schedule.values() == [30, 60, 100, None] and "dec" not in p.schedule.cells
    assert _lines(_findings(path)) == []


def test_checkpoints_worded_yue_mo_read_as_the_plan(tmp_path: Path) -> None:
    plan = [["资金支出计划（%）", "3月末", None, "6月末", "10月末", "12月末"], PLAN_ROWS[1]]
    indicators = [(*row[:4], "年底" if row[2] == "项目完成时间" else row[4], row[5]) for row in INDICATORS]
    path = _book(tmp_path, [TITLE, UNIT_LINE, CODE_ROW, BUDGET_ROW, USE_ROW, *plan, *GOAL_ROWS,
                            *_indicator_rows(indicators)])
    [p] = _read(path).projects
    assert p.schedule.values() == [30, 60, 85, 100]
    assert p.schedule.cell("dec") == "F7"
    assert _lines(_findings(path)) == []


def test_template_plan_worded_yue_mo_passes_and_keeps_its_planned_cells(tmp_path: Path) -> None:
    case: dict[str, Any] = {"cells": {"项目1!B6": "3月末", "项目1!D6": "6月末", "项目1!E6": "10月末",
                                      "项目1!F6": "12月末"}}
    problem = match_findings([], [f for f in run_case(case, tmp_path) if f.code.startswith("P")])
    assert problem is None, problem


# ------------------------------------------------------------------ 单位信息
def test_unit_labels_across_one_row_read_the_values_under_them(tmp_path: Path) -> None:
    unit_rows = [["单位编码", "单位名称", "所属县区", "预算年度"], [UNIT_CODE, UNIT_NAME, "承德县", 2023]]
    path = _book(tmp_path, [TITLE, UNIT_LINE, CODE_ROW, BUDGET_ROW, USE_ROW, *PLAN_ROWS, *GOAL_ROWS,
                            *_indicator_rows()], unit_rows=unit_rows)
    unit = _read(path).unit
    assert (unit.code, unit.name, unit.county, unit.year) == (UNIT_CODE, UNIT_NAME, "承德县", 2023)
    assert [unit.cell(k) for k in ("code", "name", "county", "year")] == ["A2", "B2", "C2", "D2"]
    assert _lines(_findings(path)) == []


def test_a_unit_label_is_never_read_as_the_value_of_its_neighbour(tmp_path: Path) -> None:
    # labels across a row with nothing under them: no value, and no label named as the place to type
    unit_rows = [["单位编码", "单位名称", "所属县区", "预算年度"], [], ["备注", "无"]]
    path = _book(tmp_path, [TITLE, CODE_ROW, BUDGET_ROW, USE_ROW, *PLAN_ROWS, *GOAL_ROWS,
                            *_indicator_rows()], unit_rows=unit_rows)
    unit = _read(path).unit
    assert (unit.code, unit.name, unit.county, unit.year) == (None, None, None, None)
    assert [unit.cell(k) for k in ("code", "name")] == ["A2", "B2"]


# ------------------------------------------------------------------ 预算数
def test_budget_worded_yu_suan_jin_e_wan_yuan_is_read(tmp_path: Path) -> None:
    # and an indicator named 预算数 in the table below is never taken for the budget
    indicators = [(*row[:2], "预算数", "预算数", *row[4:]) if row[2] == "培训成本" else row for row in INDICATORS]
    rows = [TITLE, UNIT_LINE, CODE_ROW, BUDGET_ROW, USE_ROW, *PLAN_ROWS, *GOAL_ROWS, *_indicator_rows(indicators)]
    rows[3] = [*BUDGET_ROW[:1], "预算金额（万元）", *BUDGET_ROW[2:]]
    path = _book(tmp_path, rows)
    [p] = _read(path).projects
    assert (p.budget.total, p.budget.cell("total")) == (Decimal("4.86"), "C4")
    assert [f.code for f in _findings(path)] == ["I015"]  # the description repeats the name


def test_budget_worded_otherwise_in_the_template_is_read(tmp_path: Path) -> None:
    for i, label in enumerate(("预算金额", "预算资金（万元）", "项目预算", "项目预算（万元）")):
        book = _read_case({"cells": {"项目1!B4": label}}, tmp_path, f"label{i}.xlsx")
        assert book.projects[0].budget.total == Decimal(8), label


def test_an_indicator_named_like_the_budget_is_never_read_as_the_budget(tmp_path: Path) -> None:
    # the 预算数 label is unknown: the budget is missing, never read from the indicator table
    case = {"cells": {"项目1!B4": "资金规模"},
            "project": {"改指标": {"设备购置成本": {"三级": "预算数", "描述": "预算数"}}}}
    found = [f for f in run_case(case, tmp_path) if f.code == "B001"]
    assert [(f.code, f.cell) for f in found] == [("B001", None)]


def test_budget_header_row_reads_the_amounts_under_the_labels(tmp_path: Path) -> None:
    rows = [TITLE, UNIT_LINE, CODE_ROW,
            ["预算规模及资金用途", "预算数", "其中：财政资金", "其他资金"], [None, 4.86, 4.86],
            USE_ROW, *PLAN_ROWS, *GOAL_ROWS, *_indicator_rows()]
    path = _book(tmp_path, rows)
    [p] = _read(path).projects
    assert (p.budget.total, p.budget.fiscal, p.budget.other) == (Decimal("4.86"), Decimal("4.86"), None)
    assert [p.budget.cell(k) for k in ("total", "fiscal", "other")] == ["B5", "C5", "D5"]
    assert (p.use, p.cell("use")) == ("举办科普活动和培训的场地、材料费", "B6")
    assert _lines(_findings(path)) == []


def test_a_label_cell_is_never_named_as_the_place_of_a_missing_value() -> None:
    grid = make_grid("项目1", [["预算数", "其中：财政资金", None, "其他资金", None],
                             ["资金支出计划（%）", "3月底"]])
    index = _LabelIndex(grid)
    assert _right_of(index, (0, 0)) == (None, None)  # right: a label; below: a label
    assert _right_of(index, (0, 1)) == (None, "C1")  # the empty cell before the next label
    grid = make_grid("项目1", [["预算数", "其中：财政资金"], [None, None]])
    assert _right_of(_LabelIndex(grid), (0, 0)) == (None, "A2")  # labels across: the cell under


# ------------------------------------------------------------------ 资金用途 and 绩效目标
def test_use_typed_beside_its_own_label_row(tmp_path: Path) -> None:
    rows = [TITLE, UNIT_LINE, CODE_ROW, BUDGET_ROW, [None, "资金用途", "举办科普活动和培训的场地、材料费"],
            *PLAN_ROWS, *GOAL_ROWS, *_indicator_rows()]
    path = _book(tmp_path, rows)
    [p] = _read(path).projects
    assert (p.use, p.cell("use")) == ("举办科普活动和培训的场地、材料费", "C5")
    assert _lines(_findings(path)) == []


def test_use_label_with_nothing_beside_it_names_the_empty_cell(tmp_path: Path) -> None:
    rows = [TITLE, UNIT_LINE, CODE_ROW, BUDGET_ROW, [None, "资金用途"], *PLAN_ROWS, *GOAL_ROWS,
            *_indicator_rows()]
    path = _book(tmp_path, rows)
    assert [(f.code, f.cell) for f in _findings(path)] == [("B004", "C5")]


def test_goal_text_under_a_merged_goals_heading(tmp_path: Path) -> None:
    rows = [TITLE, UNIT_LINE, CODE_ROW, BUDGET_ROW, USE_ROW, *PLAN_ROWS, ["绩效目标"],
            ["举办科技周、科普日活动，开展科普培训4次"], ["提高群众科学素质"], *_indicator_rows()]
    path = _book(tmp_path, rows, merges=("A8:G8", "A9:G9", "A10:G10"))
    [p] = _read(path).projects
    assert p.goals == ["举办科技周、科普日活动，开展科普培训4次", "提高群众科学素质"]
    assert p.cell("goals") == "A9"
    assert _lines(_findings(path)) == []


def test_an_empty_goals_heading_names_the_row_under_it(tmp_path: Path) -> None:
    rows = [TITLE, UNIT_LINE, CODE_ROW, BUDGET_ROW, USE_ROW, *PLAN_ROWS, ["绩效目标"], [], *_indicator_rows()]
    path = _book(tmp_path, rows, merges=("A8:G8",))
    assert [(f.code, f.cell) for f in _findings(path)] == [("G001", "A9")]


def _read_case(case: dict[str, Any], tmp_path: Path, name: str) -> BudgetBook:
    from rulekit import read_case

    return read_case(case, tmp_path, name)
