"""Where a label's value lives: the cell right after the label's merged range.

A blank value cell is the cell named for the field (findings point there, fill writes there);
what lies further along the row (a side note past the table, a unit column "万元", a remark
"（自动计算，勿填）") is never read as the value. One blank cell is passed over only after an
unmerged label whose text Excel shows across it, inside the table's columns, and only to a
value the field can hold. Each case is a real workbook written with openpyxl, read back by the
real reader and filled by the real ``fill``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xl_budget.check import check_file
from xl_budget.fill import fill_file, find_unit_cells
from xl_budget.findings import Finding
from xl_budget.grids import make_grid, read_grids
from xl_budget.parse import _LabelIndex, _right_of, read_book
from xl_budget.profile import load_profile

UNIT_CODE, UNIT_NAME = "731001", "河北省承德县科学技术协会本级"
CODE = "13082123P00019310001H"
HEADER = ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"]
INDICATORS = [
    ["产出指标", "数量指标", "培训人数", "参加培训的人数", "≥200人", "计划标准"],
    [None, "质量指标", "培训合格率", "考核合格的比例", "≥90%", "计划标准"],
    [None, "时效指标", "完成时间", "全部培训完成的时限", "12月底前", "计划标准"],
    [None, "成本指标", "培训成本", "项目总成本控制数", None, "计划标准"],
    ["效益指标", "社会效益指标", "群众科学素质提升", "参训群众科学素质提高程度", "明显提升", "计划标准"],
    ["满意度指标", "服务对象满意度指标", "参训人员满意度", "参训人员对培训的满意程度", "≥90%", "计划标准"],
]


def _official(ws: Any, total: Any = None, fiscal: Any = 4.86, other: Any = None) -> None:
    """The official table at A1 (title merged A1:G1), as a clerk builds it by hand: 预算数 C4,
    财政资金 E4, 其他资金 G4 (the table's last column), the plan in row 7, indicators from row 10."""
    rows = [["科普培训绩效目标表"],
            [f"{UNIT_CODE} {UNIT_NAME}", None, None, None, None, "单位：万元"],
            ["项目编码", CODE, None, "项目名称", "科普培训"],
            ["预算规模及资金用途", "预算数", total, "其中：财政资金", fiscal, "其他资金", other],
            [None, "开展科普培训"],
            ["资金支出计划（%）", "3月底", None, "6月底", "10月底", "12月底"],
            [None, 0.3, None, 0.6, 0.85, 1],
            ["绩效目标", "目标内容1：完成科普培训200人次"],
            HEADER, *INDICATORS]
    _put(ws, rows)
    for rng in ("A1:G1", "A4:A5", "B5:G5", "A6:A7", "B6:C6", "B7:C7"):
        ws.merge_cells(rng)


def _put(ws: Any, rows: list[list], top: int = 1) -> None:
    for r, row in enumerate(rows, top):
        for c, value in enumerate(row, 1):
            if value is not None:
                ws.cell(r, c, value)


def _save(wb: Any, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    wb.save(path)
    return path


def _findings(path: Path) -> list[Finding]:
    return [f for f in check_file(path, load_profile())[1].findings if f.code != "D001"]


def _filled(path: Path, tmp_path: Path) -> tuple[dict[tuple[str, str], Any], Any]:
    """fill into a copy: the changes by (sheet, cell) and the written workbook."""
    out = tmp_path / f"filled_{path.name}"
    result = fill_file(path, out)
    return {(c.sheet, c.cell): c.new for c in result.changes}, openpyxl.load_workbook(out)


# ------------------------------------------------------------------ QA4 item 1
@pytest.mark.parametrize("note", [48600, "备注：无其他资金"])
def test_a_note_past_a_blank_other_funds_cell_is_never_other_funds(tmp_path: Path, note: Any) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "科普培训"
    _official(ws)
    ws["I4"] = note                          # the clerk's side note, two columns past G4
    ws["J4"] = "元（财政资金折合）"
    path = _save(wb, tmp_path, "side_note.xlsx")
    [p] = read_book(path).projects
    assert (p.budget.total, p.budget.fiscal, p.budget.other) == (None, Decimal("4.86"), None)
    assert [p.budget.cell(k) for k in ("total", "fiscal", "other")] == ["C4", "E4", "G4"]
    assert not p.budget.invalid


def test_fill_computes_the_budget_from_the_tables_own_cells(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "科普培训"
    _official(ws)
    ws["I4"], ws["J4"] = 48600, "元（财政资金折合）"
    path = _save(wb, tmp_path, "side_note.xlsx")
    changes, after = _filled(path, tmp_path)
    assert changes[("科普培训", "C4")] == Decimal("4.86")
    assert changes[("科普培训", "E13")] == "≤4.86万元"
    assert not [cell for sheet, cell in changes if cell[0] in "HIJ"]
    assert (after["科普培训"]["I4"].value, after["科普培训"]["J4"].value) == (48600, "元（财政资金折合）")


def test_a_note_past_the_tables_edge_is_never_the_use(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "科普培训"
    _official(ws, total=4.86, other=0)
    ws["B5"], ws["I5"] = None, "资金用途见附件"      # the use row blank; a note past column G
    path = _save(wb, tmp_path, "use_note.xlsx")
    [p] = read_book(path).projects
    assert (p.use, p.cell("use")) == (None, "B5")
    assert [(f.code, f.cell) for f in _findings(path) if f.code == "B004"] == [("B004", "B5")]


# ------------------------------------------------------------------ QA4 item 5
UNIT_WITH_NOTES = [["单位编码", UNIT_CODE], ["单位名称", UNIT_NAME], ["预算年度", 2023], [],
                   ["项目个数", None, "（自动计算，勿填）"],
                   ["预算数合计（万元）", None, "（自动计算，勿填）"],
                   ["财政资金合计（万元）", None, "（自动计算，勿填）"],
                   ["其他资金合计（万元）", None, "（自动计算，勿填）"]]


def _unit_with_notes(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    unit = wb.active
    unit.title = "单位信息"
    _put(unit, UNIT_WITH_NOTES)
    _official(wb.create_sheet("项目1"), total=4.86, other=0)
    return _save(wb, tmp_path, "unit_notes.xlsx")


def test_unit_totals_are_the_blank_cells_beside_their_labels(tmp_path: Path) -> None:
    path = _unit_with_notes(tmp_path)
    unit = find_unit_cells(read_grids(path))
    assert unit is not None
    assert {k: v for k, v in unit.cells.items() if not k.startswith("plan")} == {
        "projects": "B5", "total": "B6", "fiscal": "B7", "other": "B8"}
    book = read_book(path)  # the reader names the same cell as fill
    assert (book.unit.stated_total, book.unit.cell("stated_total")) == (None, "B6")
    assert "stated_total" not in book.unit.invalid


def test_fill_writes_unit_totals_beside_their_labels_and_keeps_the_notes(tmp_path: Path) -> None:
    path = _unit_with_notes(tmp_path)
    changes, after = _filled(path, tmp_path)
    assert {cell for sheet, cell in changes if sheet == "单位信息"} == {"B5", "B6", "B7", "B8"}
    ws = after["单位信息"]
    assert [ws[f"C{r}"].value for r in range(5, 9)] == ["（自动计算，勿填）"] * 4
    assert ws["B6"].value == "=SUM('项目1'!C4)"


def test_a_unit_total_last_in_a_header_row_is_read_and_filled_under_its_label(tmp_path: Path) -> None:
    # 单位信息 across one row: the 合计, last in the row, has nothing beside it; its value is
    # under it (E2), where the reader checks it (D002) and fill writes the formula (not F1).
    wb = openpyxl.Workbook()
    unit = wb.active
    unit.title = "单位信息"
    _put(unit, [["单位编码", "单位名称", "所属县区", "预算年度", "预算数合计（万元）"],
                [UNIT_CODE, UNIT_NAME, "承德县", 2023, 300]])
    _official(wb.create_sheet("项目1"), total=4.86, other=0)
    path = _save(wb, tmp_path, "unit_row.xlsx")
    book = read_book(path)
    assert (book.unit.stated_total, book.unit.cell("stated_total")) == (Decimal(300), "E2")
    assert [(f.code, f.cell) for f in _findings(path) if f.code[0] in "DF"] == [("D002", "E2")]
    changes, after = _filled(path, tmp_path)
    assert ("单位信息", "E2") in changes and after["单位信息"]["F1"].value is None
    assert after["单位信息"]["E2"].value == "=SUM('项目1'!C4)"


# ------------------------------------------------------------------ QA4 item 6
DOWN_THE_PAGE = [["科普培训绩效目标表"],
                 [f"{UNIT_CODE} {UNIT_NAME}"],
                 ["项目编码", CODE],
                 ["项目名称", "科普培训"],
                 ["预算数", None, "万元"],
                 ["其中：财政资金", 4.86, "万元"],
                 ["其他资金", 1.2, "万元"],
                 ["资金用途", "开展科普培训"],
                 ["资金支出计划（%）"],
                 ["3月底", 0.3, "累计"],
                 ["6月底", 0.6, "累计"],
                 ["10月底", 0.85, "累计"],
                 ["12月底", None, "累计"],
                 ["绩效目标", "目标内容1：完成科普培训200人次"],
                 HEADER, *INDICATORS]


def _down_the_page(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目表"
    _put(ws, DOWN_THE_PAGE)
    ws["E19"] = "≤6.06万元"
    return _save(wb, tmp_path, "down.xlsx")


def test_a_unit_column_beside_a_blank_value_is_never_the_value(tmp_path: Path) -> None:
    path = _down_the_page(tmp_path)
    [p] = read_book(path).projects
    assert (p.budget.total, p.budget.cell("total")) == (None, "B5")
    assert (p.budget.fiscal, p.budget.other) == (Decimal("4.86"), Decimal("1.2"))
    assert p.schedule.values() == [30, 60, 85, None]
    assert p.schedule.cell("dec") == "B13"
    assert not p.budget.invalid and not p.schedule.invalid
    found = _findings(path)
    assert not [f for f in found if f.cell and f.cell[0] == "C" and f.code[0] in "BP"]
    assert not [f for f in found if "“万元”" in f.message or "“累计”" in f.message]


def test_fill_writes_a_blank_value_beside_its_label_not_into_the_unit_column(tmp_path: Path) -> None:
    path = _down_the_page(tmp_path)
    changes, after = _filled(path, tmp_path)
    assert changes[("项目表", "B5")] == Decimal("6.06")
    assert changes[("项目表", "B13")] == 1
    ws = after["项目表"]
    assert (ws["C5"].value, ws["C13"].value) == ("万元", "累计")


# ------------------------------------------------------------------ the one blank passed over
def _spill(tmp_path: Path, value: Any, at: str = "C5", merge: str | None = None) -> Path:
    """The table typed down the page with 预算数's value one column further than its label's
    own cell (the label's text shows over the blank B5)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目表"
    _put(ws, DOWN_THE_PAGE)
    ws["C5"] = None
    ws[at] = value
    if merge:
        ws.merge_cells(merge)
    return _save(wb, tmp_path, "spill.xlsx")


def test_an_amount_one_blank_past_an_unmerged_label_inside_the_table_is_read(tmp_path: Path) -> None:
    [p] = read_book(_spill(tmp_path, 6.06)).projects
    assert (p.budget.total, p.budget.cell("total")) == (Decimal("6.06"), "C5")
    changes, _ = _filled(_spill(tmp_path, "6.06"), tmp_path)
    assert ("项目表", "B5") not in changes


@pytest.mark.parametrize(("value", "at", "merge"), [
    ("6.06万元", "C5", None),             # the field holds a number; this is no number
    ("（自动计算）", "C5", None),          # a parenthesised note
    (6.06, "G5", None),                   # past the table's right edge (the header ends at F)
    (6.06, "D5", None),                   # two blanks: never passed over
    (6.06, "C5", "A5:B5"),                # a merged label: its own cell is C5, no blank to pass
])
def test_a_blank_is_passed_over_only_in_the_narrow_case(tmp_path: Path, value: Any, at: str,
                                                        merge: str | None) -> None:
    [p] = read_book(_spill(tmp_path, value, at, merge)).projects
    own = "C5" if merge else "B5"
    if merge and at == own:
        assert (p.budget.total, p.budget.cell("total")) == (Decimal("6.06"), "C5")
    else:
        assert (p.budget.total, p.budget.cell("total")) == (None, own)
        assert not p.budget.invalid


def test_a_percentage_one_blank_past_its_checkpoint_is_read_but_a_word_is_not(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目表"
    _put(ws, DOWN_THE_PAGE)
    ws["C10"], ws["B10"] = "30%", None
    ws["C13"] = "已完成"
    [p] = read_book(_save(wb, tmp_path, "plan.xlsx")).projects
    assert (p.schedule.mar, p.schedule.cell("mar")) == (Decimal(30), "C10")
    assert (p.schedule.dec, p.schedule.cell("dec")) == (None, "B13")


# ------------------------------------------------------------------ the grammar itself
def test_right_of_reads_the_own_cell_and_passes_one_blank_only_within_the_edge() -> None:
    grid = make_grid("项目1", [["预算数", None, 4.86, None, 7],
                             ["其他资金", None, None, 5],
                             ["预算数", None, "万元"]])
    index = _LabelIndex(grid)
    assert _right_of(index, (0, 0)) == (None, "B1")                       # no edge: no skipping
    assert _right_of(index, (0, 0), edge=2, kind="amount") == (4.86, "C1")
    assert _right_of(index, (0, 0), edge=1, kind="amount") == (None, "B1")
    assert _right_of(index, (1, 0), edge=4, kind="amount") == (None, "B2")  # two blanks
    assert _right_of(index, (2, 0), edge=4, kind="text") == (None, "B3")    # a unit word
