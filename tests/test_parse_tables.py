"""Table extents and indicator rows of hand-made sheets "in the official format": where a
table ends (notes, signature footers, the next table's head) and which cells a row's levels
sit in. Each case writes a real workbook with openpyxl, then reads and checks it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
from handmade import HEADER, INDICATORS, UNIT_CODE, UNIT_NAME
from openpyxl.worksheet.worksheet import Worksheet

from xl_budget.check import check_file
from xl_budget.findings import Finding
from xl_budget.model import BudgetBook
from xl_budget.parse import _unit_line


def _workbook() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet("单位信息")
    for row in (("单位信息",), ("单位编码", UNIT_CODE), ("单位名称", UNIT_NAME), ("预算年度", 2023)):
        ws.append(list(row))
    wb.create_sheet("部门整体绩效目标").append(["总体绩效目标", "普及科学知识，提高全县人民科学文化素质。"])
    return wb


def _table(ws: Worksheet, top: int = 1, *, code: str = "13082123P00019310001H",
           name: str = "科协科普工作经费", title: str | None = "", unit_line: str | None = "",
           header: Sequence[str] = HEADER, indicators: Sequence[Sequence[Any]] = INDICATORS) -> int:
    """One table as the seed lays it out (title, unit line, head, plan, goals, indicators) from
    row ``top``; ``title`` / ``unit_line`` "" for the usual text, None for no such row. Returns
    the row after the last indicator row."""
    r = top
    if title is not None:
        ws.cell(r, 1, title or f"{name}绩效目标表")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=7)
        r += 1
    if unit_line is not None:
        ws.cell(r, 1, unit_line or f"{UNIT_CODE} {UNIT_NAME}")
        if not unit_line:
            ws.cell(r, 6, "单位：万元")
        r += 1
    for c, v in ((1, "项目编码"), (2, code), (4, "项目名称"), (5, name)):
        ws.cell(r, c, v)
    for c, v in ((1, "预算规模及资金用途"), (2, "预算数"), (3, 4.86), (4, "其中：财政资金"), (5, 4.86),
                 (6, "其他资金")):
        ws.cell(r + 1, c, v)
    ws.cell(r + 2, 2, "举办科普活动和培训的场地、材料费")
    ws.merge_cells(start_row=r + 1, start_column=1, end_row=r + 2, end_column=1)
    ws.cell(r + 3, 1, "资金支出计划（%）")
    for c, label, value in zip((2, 4, 5, 6), ("3月底", "6月底", "10月底", "12月底"), ("30%", "60%", "85%", "100%"),
                               strict=True):
        ws.cell(r + 3, c, label)
        ws.cell(r + 4, c, value)
    ws.merge_cells(start_row=r + 3, start_column=1, end_row=r + 4, end_column=1)
    ws.cell(r + 5, 1, "绩效目标")
    ws.cell(r + 5, 2, "目标内容1")
    ws.cell(r + 5, 3, "举办科技周、科普日活动")
    r += 6
    for c, label in enumerate(header, 1):
        ws.cell(r, c, label)
    for i, row in enumerate(indicators, 1):
        for c, v in enumerate(row, 1):
            if v is not None:
                ws.cell(r + i, c, v)
    return r + len(indicators) + 1


def _save(wb: openpyxl.Workbook, tmp_path: Path, name: str = "hand.xlsx") -> Path:
    path = tmp_path / name
    wb.save(path)
    return path


def _check(path: Path) -> tuple[BudgetBook, list[Finding]]:
    book, task = check_file(path)
    assert book is not None
    return book, task.findings


def _lines(findings: list[Finding]) -> list[str]:
    return [f"{f.sheet}!{f.cell}: {f.code} {f.message}" for f in findings]


def test_the_builder_writes_a_clean_table(tmp_path: Path) -> None:
    wb = _workbook()
    _table(wb.create_sheet("项目1"))
    book, findings = _check(_save(wb, tmp_path))
    assert findings == [], _lines(findings)
    [project] = book.projects
    assert [i.name for i in project.indicators] == [row[2] for row in INDICATORS]


# ------------------------------------------------------------------ the unit line
def test_unit_line_grammar_leaves_out_a_trailing_money_unit() -> None:
    name = UNIT_NAME
    assert _unit_line(f"{UNIT_CODE} {name}") == (UNIT_CODE, name)
    assert _unit_line(f"{UNIT_CODE} {name}          单位：万元") == (UNIT_CODE, name)
    assert _unit_line(f"{UNIT_CODE}\u3000{name}（单位：万元）") == (UNIT_CODE, name)
    assert _unit_line(f"{UNIT_CODE} {name} 金额单位:元") == (UNIT_CODE, name)
    assert _unit_line(f"{UNIT_CODE} 承德县某某事业单位") == (UNIT_CODE, "承德县某某事业单位")
    assert _unit_line("单位：万元") is None


def test_unit_line_and_money_unit_in_one_cell_match_the_unit_sheet(tmp_path: Path) -> None:
    wb = _workbook()
    _table(wb.create_sheet("项目1"), unit_line=f"{UNIT_CODE} {UNIT_NAME}          单位：万元")
    book, findings = _check(_save(wb, tmp_path))
    assert book.projects[0].unit is not None and book.projects[0].unit.name == UNIT_NAME
    assert findings == [], _lines(findings)


# ------------------------------------------------------------------ the level cells
def test_a_missing_level1_is_told_in_the_tables_own_level1_column(tmp_path: Path) -> None:
    # A 序号 column in A puts 一级 in B; the first rows' 一级 left blank ("same as above").
    wb = _workbook()
    ws = wb.create_sheet("项目1")
    rows = [(n, *row) for n, row in enumerate(INDICATORS, 1)]
    rows[0] = (1, None, *INDICATORS[0][1:])
    _table(ws, header=("序号", *HEADER), indicators=rows)
    book, findings = _check(_save(wb, tmp_path))
    first = book.projects[0].indicators[:5]
    assert [i.cell("level1") for i in first] == ["B10"] * 5  # blank below B10: same as above
    assert [i.cell("level2") for i in first[:2]] == ["C10", "C10"]
    assert [(f.cell, f.field) for f in findings if f.code == "I001"] == [("B10", "indicator.level1")]
    assert not [f for f in findings if f.cell == "A10"], _lines(findings)  # the 序号 cell: I017 too
    assert book.projects[0].cell("indicators") == "B10"


def test_a_table_without_the_level2_column_names_no_level2_cell(tmp_path: Path) -> None:
    # 一级 | 三级 | 描述 | 指标值 | 依据: column B holds the 三级 names, never a 二级.
    wb = _workbook()
    _table(wb.create_sheet("项目1"), header=HEADER[:1] + HEADER[2:],
           indicators=[row[:1] + row[2:] for row in INDICATORS])
    book, findings = _check(_save(wb, tmp_path))
    indicators = book.projects[0].indicators
    assert [i.cell("level2") for i in indicators] == [None] * 7
    assert [i.cell("level1") for i in indicators] == ["A10"] * 5 + ["A15", "A16"]
    assert [i.cell("name") for i in indicators][:2] == ["B10", "B11"]
    [level2] = [f for f in findings if f.code == "I002"]  # one for the table, saying to add the column
    assert level2.cell is None and level2.message.startswith("指标表没有“二级指标”列"), _lines(findings)


# ------------------------------------------------------------------ where a table ends
def test_a_signature_footer_ends_the_indicator_table(tmp_path: Path) -> None:
    wb = _workbook()
    ws = wb.create_sheet("项目1")
    r = _table(ws) + 1  # one blank row, then the footer
    ws.cell(r, 1, "填表人：张三")
    ws.cell(r, 4, "联系电话：0314-1234567")
    ws.cell(r, 6, "填报日期：2023年1月5日")
    ws.cell(r + 1, 1, "审核人：")  # a label whose value is left blank, and a spaced one
    ws.cell(r + 1, 4, "单位负责人 ：李四")
    book, findings = _check(_save(wb, tmp_path))
    assert len(book.projects[0].indicators) == 7
    assert findings == [], _lines(findings)


def test_a_footer_label_with_its_value_in_the_next_cell_ends_the_table(tmp_path: Path) -> None:
    wb = _workbook()
    ws = wb.create_sheet("项目1")
    r = _table(ws)
    ws.cell(r, 1, "填报人")
    ws.cell(r, 2, "张三")
    ws.cell(r, 4, "联系电话")
    ws.cell(r, 6, "0314-1234567")
    book, findings = _check(_save(wb, tmp_path))
    assert len(book.projects[0].indicators) == 7
    assert findings == [], _lines(findings)


def test_a_row_with_a_name_or_value_is_an_indicator_whatever_its_first_cell(tmp_path: Path) -> None:
    # "联系人：" in the 一级 cell of a row with a 三级 name stays an indicator row (I001 is real).
    wb = _workbook()
    ws = wb.create_sheet("项目1")
    r = _table(ws)
    for c, v in enumerate(("联系人：", "服务对象满意度指标", "联系群众满意度", "群众满意程度", "≥90%", "计划标准"), 1):
        ws.cell(r, c, v)
    book, findings = _check(_save(wb, tmp_path))
    assert len(book.projects[0].indicators) == 8
    assert [(f.code, f.cell) for f in findings if f.code == "I001"] == [("I001", f"A{r}")]


# ------------------------------------------------------------------ stacked tables
SECOND = {"code": "13082123P00019610001J", "name": "老科协科普工作经费"}


def test_a_second_title_with_a_year_after_it_is_no_indicator_row(tmp_path: Path) -> None:
    wb = _workbook()
    ws = wb.create_sheet("项目表")
    r = _table(ws) + 1
    ws.cell(r, 1, "老科协科普工作经费绩效目标表（2023年度）")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=7)
    _table(ws, r + 2, title=None, **SECOND)
    book, findings = _check(_save(wb, tmp_path))
    assert [len(p.indicators) for p in book.projects] == [7, 7]
    assert findings == [], _lines(findings)


def test_an_untitled_second_table_leaves_the_first_its_last_row(tmp_path: Path) -> None:
    # The first table's last row (满意度 ≥50%, below the 60% floor) stays in it: I009, no I017.
    wb = _workbook()
    ws = wb.create_sheet("项目表")
    rows = [*INDICATORS[:-1], (*INDICATORS[-1][:4], "≥50%", "计划标准")]
    r = _table(ws, indicators=rows)
    _table(ws, r + 1, title=None, unit_line=None, **SECOND)
    book, findings = _check(_save(wb, tmp_path))
    assert [len(p.indicators) for p in book.projects] == [7, 7]
    assert [(f.code, f.severity.value, f.cell) for f in findings] == [("I009", "error", "E16")], _lines(findings)


def test_an_untitled_second_table_right_under_the_first_keeps_its_unit_line(tmp_path: Path) -> None:
    wb = _workbook()
    ws = wb.create_sheet("项目表")
    r = _table(ws)
    _table(ws, r, title=None, **SECOND)  # unit line in the row after the last indicator
    book, findings = _check(_save(wb, tmp_path))
    assert [len(p.indicators) for p in book.projects] == [7, 7]
    assert book.projects[1].unit is not None and book.projects[1].unit.code == UNIT_CODE
    assert findings == [], _lines(findings)


def test_a_caption_in_a_wide_merged_row_heads_the_next_table(tmp_path: Path) -> None:
    wb = _workbook()
    ws = wb.create_sheet("项目表")
    r = _table(ws)
    _table(ws, r, title="二、老科协科普工作经费", **SECOND)  # merged A:G, no 绩效目标表 in it
    book, findings = _check(_save(wb, tmp_path))
    assert [len(p.indicators) for p in book.projects] == [7, 7]
    assert findings == [], _lines(findings)


def test_a_title_too_far_above_its_table_still_ends_the_table_before_it(tmp_path: Path) -> None:
    # Title, then 8 rows of notes about the project before its 项目编码 row.
    wb = _workbook()
    ws = wb.create_sheet("项目表")
    r = _table(ws) + 1
    ws.cell(r, 1, "老科协科普工作经费绩效目标表")
    for i in range(1, 9):
        ws.cell(r + i, 3, f"项目说明第{i}条")
    _table(ws, r + 9, title=None, **SECOND)
    book, _ = _check(_save(wb, tmp_path))
    assert [len(p.indicators) for p in book.projects] == [7, 7]
