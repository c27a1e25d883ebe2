"""The reader on sheets built by hand in the official layout, without the template code."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from xl_budget.parse import read_book


def _sheet(wb: openpyxl.Workbook, title: str, rows: list[list], origin: tuple[int, int] = (1, 1),
           merges: tuple[str, ...] = ()) -> None:
    ws = wb.create_sheet(title)
    r0, c0 = origin
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None and value != "":
                ws.cell(r0 + i, c0 + j, value)
    for rng in merges:
        ws.merge_cells(rng)


def _save(wb: openpyxl.Workbook, tmp_path: Path, name: str = "hand.xlsx") -> Path:
    if "Sheet" in wb.sheetnames:
        del wb["Sheet"]
    path = tmp_path / name
    wb.save(path)
    return path


SEED_TABLE_2 = [
    ["科协科普工作经费绩效目标表"],
    ["731001 河北省承德县科学技术协会本级", None, None, None, None, "单位：万元"],
    ["项目编码", "13082123P00019310001H", None, "项目名称", "科协科普工作经费"],
    ["预算规模及 资金用途", "预算数", "4.86", "其中：财政 资金", "4.86", "其他资金", None],
    [None, "举办相关活动和培训的场地材料、办公用品费等"],
    ["资金支出计 划（%）", "3月底", None, "6月底", "10月底", "12月底"],
    [None, "30%", None, "60%", "85%", "100%"],
    ["绩效目标", "1. 目标内容 1 科技周、科普日活动等 2. 目标内容 2 举办中小学、青少年创新大赛等"],
    ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"],
    ["产出指标", "数量指标", "培训次数", "培训次数", "≥4", "年初工作计划"],
    [None, "数量指标", "制作展牌数量", "制作展牌数量", "≥50", "年初工作计划"],
    [None, "质量指标", "服务水平", "服务水平", "≥95", "年初工作计划"],
    [None, "时效指标", "支付时效", "资金按时支出", "≤4.86", "年初工作计划"],
    [None, "成本指标", "项目预算控制数", "项目预算控制数", 4.86, "年初工作计划"],
    ["效益指标", "经济效益指标", "节本增效", "节本增效", "≥80", "年初工作计划"],
    [None, "社会效益指标", "培训合规率", "培训合规率", "≥80", "年初工作计划"],
    ["满意度指标", "服务对象满意度指标", "群众满意度（%）", "群众满意度（%）", "≥90", "年初工作计划"],
]


def test_shifted_block_text_numbers_and_percent_strings(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    _sheet(wb, "科普经费", SEED_TABLE_2, origin=(3, 2), merges=("C4:D4",))  # starts at B3
    book = read_book(_save(wb, tmp_path))

    assert book.unit.code == "731001" and book.unit.name == "河北省承德县科学技术协会本级"
    [p] = book.projects
    assert (p.code, p.name, p.sheet) == ("13082123P00019310001H", "科协科普工作经费", "科普经费")
    assert (p.budget.total, p.budget.fiscal, p.budget.other) == (Decimal("4.86"), Decimal("4.86"), None)
    assert p.budget.cell("total") == "D6" and p.budget.cell("other") == "H6"
    assert p.use == "举办相关活动和培训的场地材料、办公用品费等"
    assert p.schedule.values() == [30, 60, 85, 100]
    assert p.schedule.cell("mar") == "C9" and p.schedule.cell("dec") == "G9"
    assert p.goals == ["科技周、科普日活动等", "举办中小学、青少年创新大赛等"]
    assert len(p.indicators) == 8
    first, cost, last = p.indicators[0], p.indicators[4], p.indicators[-1]
    assert (first.level1, first.level2, first.name, first.value.raw) == ("产出指标", "数量指标", "培训次数", "≥4")
    assert first.cell("value") == "F12"
    assert cost.level1 == "产出指标" and cost.value.number == Decimal("4.86")
    assert (last.level1, last.level2, last.name, last.basis) == (
        "满意度指标", "服务对象满意度指标", "群众满意度（%）", "年初工作计划")


def test_merged_levels_blank_rows_and_fraction_percentages(tmp_path: Path) -> None:
    rows = [
        ["安可设备购置绩效目标表"],
        ["731001 河北省承德县科学技术协会本级"],
        [],  # a blank row staff inserted
        ["项目编码", "13082123P00020010002T", None, "项目名称", "安可设备购置"],
        ["预算规模及资金用途", "预算数", 0.91, "其中：财政资金", 0.91, "其他资金"],
        [None, "安可设备购置"],
        ["资金支出计划(%)", "3月底", "6月底", "10月底", "12月底"],
        [None, 0.3, 0.6, 0.85, 1],
        ["绩效目标", "目标内容1", "安可设备购置"],
        [None, "目标内容2", "设备按期验收"],
        ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"],
        ["产出指标", "数量指标", "购买数量", "购买数量", 1, "计划标准"],
        [None, None, None, None, None, None],
        [None, "质量指标", "项目验收合格 率", "项目验收合格率", "=100%", "计划标准"],
        [None, "时效指标", "完成时间", "完成时间", "≤12月", "计划标准"],
        [None, "成本指标", "设备购置成本", "设备购置成本", "≤0.91万元", "预算支出标准"],
        ["效益指标", "可持续影响指标", "设备使用年限", "设备使用年限", "≥5年", "行业标准"],
        ["满意度指标", "服务对象满意度指标", "资产使用者满意度", "资产使用者满意度", 0.9, "历史标准"],
    ]
    wb = openpyxl.Workbook()
    _sheet(wb, "项目1", rows, merges=("A12:A16", "A5:A6", "A9:A10", "A7:A8"))
    book = read_book(_save(wb, tmp_path))
    [p] = book.projects
    assert p.schedule.values() == [30, 60, 85, 100]
    assert p.goals == ["安可设备购置", "设备按期验收"]
    assert [i.name for i in p.indicators] == [
        "购买数量", "项目验收合格率", "完成时间", "设备购置成本", "设备使用年限", "资产使用者满意度"]
    assert all(i.level1 == "产出指标" for i in p.indicators[:4])
    assert p.indicators[1].cell("level1") == "A12"  # merged: the cell to fix is the anchor
    assert p.indicators[1].cell("value") == "E14"
    assert p.indicators[3].value.unit == "万元"
    sat = p.indicators[-1].value
    assert (sat.number, sat.unit) == (Decimal(90), "%")  # 0.9 in a % cell on a 满意度 name


def test_two_tables_on_one_sheet_and_unit_sheet(tmp_path: Path) -> None:
    second = [list(r) for r in SEED_TABLE_2]
    second[0] = ["老科协科普工作经费绩效目标表"]
    second[2] = ["项目编码", "13082123P00019610001J", None, "项目名称", "老科协科普工作经费"]
    second[3] = ["预算规模及资金用途", "预算数", "３.００", "其中：财政资金", 3, "其他资金", 0]
    wb = openpyxl.Workbook()
    _sheet(wb, "单位信息", [["单位编码", "731001"], ["单位名称", "河北省承德县科学技术协会本级"],
                         ["预算年度", "2023年"]])
    _sheet(wb, "全部项目", SEED_TABLE_2 + [[], [], ["填报说明：以上为两个项目"], []] + second)
    book = read_book(_save(wb, tmp_path))
    assert (book.unit.code, book.unit.year) == ("731001", 2023)
    assert [p.code for p in book.projects] == ["13082123P00019310001H", "13082123P00019610001J"]
    first, other = book.projects
    assert len(first.indicators) == 8  # the note row ends the first table
    assert other.budget.total == Decimal("3") and other.budget.other == 0
    assert other.indicators[0].cell("value") == "E31"


def test_text_in_number_cell_is_kept_as_invalid_not_zero(tmp_path: Path) -> None:
    rows = [list(r) for r in SEED_TABLE_2]
    rows[3] = ["预算规模及资金用途", "预算数", "2000万", "其中：财政资金", "abc", "其他资金", None]
    rows[6] = [None, "30%", None, "六十", 0.85, 1]
    wb = openpyxl.Workbook()
    _sheet(wb, "项目1", rows)
    [p] = read_book(_save(wb, tmp_path)).projects
    assert p.budget.total is None and p.budget.invalid == {"total": "2000万", "fiscal": "abc"}
    assert p.schedule.invalid == {"jun": "六十"}
    assert (p.schedule.mar, p.schedule.oct, p.schedule.dec) == (30, 85, 100)


def test_workbook_without_tables_has_no_projects(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    _sheet(wb, "随便", [["这不是绩效目标表"], [1, 2, 3]])
    assert read_book(_save(wb, tmp_path)).projects == []


@pytest.mark.parametrize("content, reason", [
    (b"", "empty"), (b"hello, world", "not_spreadsheet"), (b"PK\x03\x04broken", "corrupt"),
])
def test_unreadable_files_raise_chinese_file_errors(tmp_path: Path, content: bytes, reason: str) -> None:
    from xl_budget.errors import FileError

    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(FileError) as info:
        read_book(path)
    assert info.value.reason == reason
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value))


def test_a_slip_above_100_percent_among_fractions_reads_as_such(tmp_path: Path) -> None:
    rows = [list(r) for r in SEED_TABLE_2]
    rows[6] = [None, 0.3, None, 0.6, 0.85, 1.5]
    wb = openpyxl.Workbook()
    _sheet(wb, "项目1", rows)
    [p] = read_book(_save(wb, tmp_path)).projects
    assert p.schedule.values() == [30, 60, 85, 150]


def test_spare_blank_project_sheets_are_not_projects(tmp_path: Path) -> None:
    from xl_budget.check import check_book
    from xl_budget.model import BudgetBook, Project, Unit
    from xl_budget.template import new_workbook, write_book

    new_workbook(tmp_path / "blank.xlsx", unit_code="731001", unit_name="某单位", projects=3)
    blank = read_book(tmp_path / "blank.xlsx")
    assert blank.projects == [] and blank.blank_tables == ["项目1", "项目2", "项目3"]
    assert [(f.code, f.sheet, f.cell) for f in check_book(blank) if f.code == "F002"] == [("F002", "项目1", "B3")]

    book = BudgetBook(unit=Unit(code="731001", name="某单位"),
                      projects=[Project(code="13082123P00020010002T", name="甲"), Project()])
    write_book(book, tmp_path / "one.xlsx")
    one = read_book(tmp_path / "one.xlsx")
    assert [p.name for p in one.projects] == ["甲"] and one.blank_tables == ["项目2"]


def test_a_column_the_table_lacks_reads_as_empty_beside_merged_levels(tmp_path: Path) -> None:
    # No 指标值确定依据 column: its field is empty on every row, also on rows where the merged
    # 一级指标 in column A shows a value (it once leaked into the missing column).
    rows = [
        ["办公设备购置绩效目标表"],
        ["项目编码", "13082123P00020010009T", None, "项目名称", "办公设备购置"],
        ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值"],
        ["产出指标", "数量指标", "购买数量", "购买数量", "≥2台"],
        [None, "质量指标", "验收合格率", "验收合格率", "≥95%"],
        ["满意度指标", "服务对象满意度指标", "使用者满意度", "使用者满意度", "≥90%"],
    ]
    wb = openpyxl.Workbook()
    _sheet(wb, "项目1", rows, merges=("A4:A5",))
    [p] = read_book(_save(wb, tmp_path)).projects
    assert [(i.level1, i.name, i.basis) for i in p.indicators] == [
        ("产出指标", "购买数量", None), ("产出指标", "验收合格率", None),
        ("满意度指标", "使用者满意度", None)]
    assert "basis" not in p.indicators[0].cells
