"""Goal rules (G): every project states its 绩效目标 (目标内容 1..n)."""

from __future__ import annotations

from collections.abc import Iterator

from xl_budget.findings import Finding, Severity
from xl_budget.model import BudgetBook, Project
from xl_budget.profile import Profile
from xl_budget.rules.base import BaseRule


class Rule_G001(BaseRule):
    """No 绩效目标 text.

    **Anti-pattern**: the 目标内容1 … 目标内容3 cells (C9:G11) all left blank.
    **Best practice**: one sentence per goal saying what the money achieves, e.g. C9 = 举办科技周、科普日活动.
    """

    name = "goals.missing"
    title = "绩效目标未填写"
    groups = ("all", "goals")
    severity = Severity.error
    messages = {
        "default": "绩效目标为空：请在此填写项目年度绩效目标，写明用这笔资金要完成的"
                   "任务和达到的效果（如“举办科技周、科普日活动”）",
        "no_block": "项目表中没有“绩效目标”：请在指标表上方加一行“绩效目标”，在其右侧写明用这笔资金要完成的"
                    "任务和达到的效果（如“1. 目标内容1：举办科技周、科普日活动”）",
    }

    def check_project(self, project: Project, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        if not any(map(str.strip, project.goals)):
            key = "default" if project.cell("goals") else "no_block"
            yield self.finding(project, "goals", key, project=project)


def get_rules() -> list[type[BaseRule]]:
    return [Rule_G001]
