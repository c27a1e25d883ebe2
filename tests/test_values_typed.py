"""Values clerks type, end to end: each set is appended to the correct base project, written to
a real workbook, read back and checked by every rule. None may give any finding (the QA report
of the indicator rules, items 1, 2, 5, 6 (dates) and 7)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from rulekit import run_case, write_case

from xl_budget.check import check_book
from xl_budget.grids import grids_from_openpyxl
from xl_budget.parse import parse_grids
from xl_budget.profile import load_profile

P, Q, Z, T, C = "产出指标", "数量指标", "质量指标", "时效指标", "成本指标"
E, S = "效益指标", "社会效益指标"

TYPED: dict[str, list[list[str]]] = {
    "compound_units": [
        [P, Q, "科普讲座场次", "全年举办科普讲座的场次", "≥10场次", "计划标准"],
        [P, Q, "治安巡逻班次", "全年开展治安巡逻的班次", "≥365班次", "计划标准"],
        [P, Q, "食品抽检批次", "全年完成食品安全抽检的批次", "≥200批次", "计划标准"],
        [P, Q, "设备维修台次", "全年维修保养设备的台次", "≥20台次", "计划标准"],
        [P, Q, "宣传报道篇次", "在县级以上媒体宣传报道的篇次", "≥20篇次", "计划标准"],
        [P, Q, "执法检查家次", "检查经营主体的家次", "≥300家次", "计划标准"],
        [P, Q, "应急救援出动架次", "全年出动救援直升机的架次", "≥12架次", "计划标准"],
        [P, Q, "志愿服务量", "志愿者提供服务的人天", "≥100人天", "计划标准"],
    ],
    "deadlines": [
        [P, T, "资金拨付时间", "补助资金拨付到位的时间", "≤12月底", "计划标准"],
        [P, T, "补贴发放时间", "补贴资金兑付到户的时间", "≤6月底", "计划标准"],
        [P, T, "工程完工时间", "工程竣工验收的时间", "≤2023年12月", "计划标准"],
        [P, T, "采购完成时间", "完成政府采购的时间", "≤12月31日", "计划标准"],
        [P, T, "培训完成时间", "完成全部培训的时间", "≤12月份", "计划标准"],
        [P, T, "项目完成时间", "项目全部完成的时间", "≤年底", "计划标准"],
        [P, T, "资金支付时间", "资金支付完毕的时间", "2023/12/31", "计划标准"],
        [P, T, "验收完成时间", "项目验收完毕的时间", "2023-12-31", "计划标准"],
        [P, T, "结算完成时间", "工程结算完毕的时间", "2023.12.31", "计划标准"],
    ],
    "rates_per_head": [
        [P, C, "小学生生活补助标准", "每名家庭经济困难小学生每年补助", "=1000元/生·年", "预算支出标准"],
        [P, C, "初中生生活补助标准", "每名家庭经济困难初中生每年补助", "1250元/生/年", "预算支出标准"],
        [P, C, "培训综合定额标准", "每人每天培训费（含住宿、伙食、场地）", "≤400元/人·天", "预算支出标准"],
        [P, C, "特困人员护理补贴标准", "每人每月护理补贴", "=500元/人·月", "预算支出标准"],
    ],
    "pasted_from_word": [
        [P, Z, "工程验收合格率", "竣工验收合格的工程比例", "≥90%；", "行业标准"],
        [P, Z, "培训考核合格率", "参训人员考核合格的比例", "≥95%。", "历史标准"],
        [P, Q, "督导检查次数", "全年开展督导检查的次数", "≥3次，", "计划标准"],
        [E, S, "政策知晓率", "群众知晓惠民政策的比例", "≥95%（含）", "计划标准"],
        [E, S, "公众科普知识知晓率", "公众掌握科普知识的比例", "90%（含）以上", "计划标准"],
    ],
}  # fmt: skip

# The base project's cost row, moved to the central guideline's own 成本 一级.
_CENTRAL_COST = {"设备购置成本": {"一级": "成本指标", "二级": "经济成本指标"}}


def _case(rows: list[list[str]], profile: str | None) -> dict[str, Any]:
    if profile is None:
        return {"project": {"追加指标": rows}}
    rows = [[C, "经济成本指标", *row[2:]] if row[1] == C else row for row in rows]
    return {"project": {"追加指标": rows, "改指标": _CENTRAL_COST}, "profile": profile}


@pytest.mark.parametrize("profile", [None, "central2021"])
@pytest.mark.parametrize("kind", list(TYPED))
def test_typed_values_give_no_finding(kind: str, profile: str | None, tmp_path: Path) -> None:
    found = run_case(_case(TYPED[kind], profile), tmp_path)
    assert [f.line() for f in found] == []


def test_date_cells_give_no_finding(tmp_path: Path) -> None:
    # Excel turns "2023/12/31" and "2023年12月" typed into a general cell into dates.
    rows = [
        [P, T, "资金拨付时间", "补助资金拨付到位的时间", "x", "计划标准"],
        [P, T, "工程完工时间", "工程竣工验收的时间", "x", "计划标准"],
    ]
    cells = {"项目1!E20": dt.datetime(2023, 12, 31), "项目1!E21": dt.date(2023, 12, 1)}
    found = run_case({"project": {"追加指标": rows}, "cells": cells}, tmp_path)
    assert [f.line() for f in found] == []


def test_date_cells_read_through_openpyxl(tmp_path: Path) -> None:
    # grids_from_openpyxl gives a date cell as a datetime, calamine (read_grids) as a date
    rows = [[P, T, "资金拨付时间", "补助资金拨付到位的时间", "x", "计划标准"]]
    path = write_case(
        {"project": {"追加指标": rows}, "cells": {"项目1!E20": dt.datetime(2023, 12, 31)}},
        tmp_path / "case.xlsx",
    )
    book = parse_grids(grids_from_openpyxl(openpyxl.load_workbook(path, data_only=True)), str(path))
    value = book.projects[0].indicators[-1].value
    assert value is not None and (value.kind, value.raw) == ("grade", "2023-12-31")
    assert [f.line() for f in check_book(book, load_profile())] == []
