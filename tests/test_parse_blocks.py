"""The reader on label → value blocks of hand-made sheets: labels stacked down the page,
labels across a header row with the values under them, worded labels, headings.

Each case is a real workbook written with openpyxl (as a clerk builds one in Excel, without
the template) or the template with raw cells changed (``rulekit``); it is read back by the
real reader and, where the point is a false alarm, checked by every rule.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

from xl_budget.check import check_file
from xl_budget.findings import Finding
from xl_budget.model import BudgetBook
from xl_budget.parse import read_book
from xl_budget.profile import load_profile

UNIT_CODE, UNIT_NAME = "731001", "河北省承德县科学技术协会本级"
INDICATORS = [
    ("产出指标", "数量指标", "培训次数", "全年举办科普培训的场次", "≥4次", "计划标准"),
    (None, None, "制作展牌数量", "制作科普宣传展牌的块数", "≥50块", "计划标准"),
    (None, "质量指标", "培训合格率", "参训人员考核合格的比例", "≥95%", "行业标准"),
    (None, "时效指标", "项目完成时间", "全部活动完成的时限", "≤12月", "计划标准"),
    (None, "成本指标", "培训成本", "项目总成本控制数", "≤4.86万元", "预算支出标准"),
    ("效益指标", "社会效益指标", "公众科学素质提升", "参训群众科学素质提高程度", "明显提升", "历史标准"),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "参训群众对活动的满意程度", "≥90%", "计划标准"),
]
HEADER = ("一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据")
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
