"""Department rules (D): the 部门整体绩效目标 sheet, and the unit's stated totals."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from xl_budget.findings import Finding, Severity
from xl_budget.layout import DEPARTMENT_SHEET
from xl_budget.model import BudgetBook
from xl_budget.profile import Profile
from xl_budget.rules.base import BaseRule
from xl_budget.rules.budget import has_budget_error, money, same_money


class Rule_D001(BaseRule):
    """The department's overall performance targets are missing.

    **Anti-pattern**: the 部门整体绩效目标 sheet has no 总体绩效目标 text (A3 blank, or the row under
    "一、总体绩效目标" deleted so that "二、分项绩效目标" follows at once), the heading is missing,
    or the workbook has no such sheet.
    **Best practice**: A3 = the unit's duties and the year's overall targets, under the heading
    一、总体绩效目标 (also read: "一、部门整体绩效目标", "一、总体绩效目标：<text>" in one cell, a
    blank row before the text, the sheet's title followed by the text) as in the published 绩效文本.
    """

    name = "department.overall_missing"
    title = "部门整体绩效目标未填写"
    groups = ("all", "department")
    severity = Severity.warning
    messages = {
        "blank": "部门总体绩效目标为空：请在“总体绩效目标”下填写本单位的主要职责和本年度总体绩效目标",
        "no_row": "部门总体绩效目标为空：此标题的下一行已是下一部分，请在此标题下插入一行，"
                  "填写本单位的主要职责和本年度总体绩效目标",
        "no_heading": "“{sheet_name}”表中找不到“一、总体绩效目标”标题：请在此行之上插入“一、总体绩效目标”一行，"
                      "并在其下一行填写本单位的主要职责和本年度总体绩效目标",
        "no_sheet": "工作簿中没有部门整体绩效目标：请添加“{sheet_name}”工作表（可用 xl-budget new 生成的模板），"
                    "填写总体绩效目标、分项绩效目标和工作保障措施",
    }

    def check_book(self, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        dep = book.department
        if dep.overall and dep.overall.strip():
            return
        if dep.sheet is None:
            yield self.finding(None, "department.overall", "no_sheet", sheet=None, sheet_name=DEPARTMENT_SHEET)
        elif cell := dep.cell("overall_heading"):  # the reader's cells: see parse._read_overall
            yield self.finding(dep, "department.overall", "no_row", cell=cell)
        elif cell := dep.cell("department"):
            yield self.finding(dep, "department.overall", "no_heading", cell=cell, sheet_name=dep.sheet)
        else:
            yield self.finding(dep, "department.overall", "blank", cell=dep.cell("overall"))


class Rule_D002(BaseRule):
    """A stated department total differs from the sum of its project budgets, or is not a number.

    **Anti-pattern**: 单位信息 预算数合计（万元） B12 = 20.00 while the project tables' 预算数 add
    up to 13.86 (a project added or changed after the total was typed); or B12 = "20万元" (text,
    never read as a number).
    **Best practice**: B12 = the sum of every project's 预算数, a plain number in 万元; keep the
    template's formula or run `xl-budget fill`.
    """

    name = "department.total_mismatch"
    title = "单位预算数合计不是数字或不等于各项目预算数之和"
    groups = ("all", "department")
    severity = Severity.error
    messages = {
        "default": "单位预算数合计 {stated} 万元 与各项目预算数之和 {sum} 万元（{count} 个项目）不一致："
                   "请核对是否漏填或多填了项目，或运行“填充”重新计算合计",
        "text": "单位预算数合计填写的“{found}”不是数字：请填写各项目预算数之和 {sum}（只填数字，单位为万元，"
                "不要带“万元”等文字），或运行“填充”自动计算合计",
        "text_no_sum": "单位预算数合计填写的“{found}”不是数字：请只填写数字，单位为万元（如 4.86），"
                       "不要带“万元”等文字，或运行“填充”自动计算合计",
    }

    def check_book(self, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        unit = book.unit
        projects = book.projects
        summable = bool(projects) and not any(has_budget_error(p.budget) for p in projects)
        total = sum((p.budget.total for p in projects if p.budget.total is not None), Decimal(0))
        if (found := unit.invalid.get("stated_total")) is not None:
            key = "text" if summable else "text_no_sum"
            yield self.finding(unit, "unit.stated_total", key, cell=unit.cell("stated_total"),
                               found=found, sum=money(total))
            return
        stated = unit.stated_total
        if stated is None or not summable:
            return
        if not same_money(stated, total):
            yield self.finding(unit, "unit.stated_total", cell=unit.cell("stated_total"),
                               stated=money(stated), sum=money(total), count=len(projects))


def get_rules() -> list[type[BaseRule]]:
    return [Rule_D001, Rule_D002]
