"""Budget rules (B): 预算数 is a number, equals 财政资金 + 其他资金, nothing is negative, and the
资金用途 is stated. Amounts are Decimal 万元; a blank 财政资金/其他资金 counts as 0."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from xl_budget.findings import Finding, Severity
from xl_budget.model import Budget, BudgetBook, Project
from xl_budget.profile import Profile
from xl_budget.rules.base import BaseRule

AMOUNTS: dict[str, str] = {"total": "预算数", "fiscal": "财政资金", "other": "其他资金"}
MONEY_TOLERANCE = Decimal("0.00005")
"""Half a yuan in 万元: smaller differences are binary float noise of formula results."""


def money(value: Decimal) -> str:
    """An amount in 万元 as staff write it: at least two decimals ("8.00", "0.9125")."""
    if value == value.quantize(Decimal("0.01")):
        return f"{value:.2f}"
    return format(value.normalize(), "f")


def same_money(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) < MONEY_TOLERANCE


def has_budget_error(budget: Budget) -> bool:
    """Whether B001 fires on this budget (预算数 missing or any amount not a number)."""
    return budget.total is None or not _AMOUNT_FIELDS.isdisjoint(budget.invalid)


_AMOUNT_FIELDS = frozenset(AMOUNTS)


def _at(rule: BaseRule, project: Project, field: str, key: str, **ctx: object) -> Finding:
    budget = project.budget
    return rule.finding(budget, f"budget.{field}", key, project=project, cell=budget.cell(field),
                        label=AMOUNTS[field], **ctx)


class Rule_B001(BaseRule):
    """预算数 is missing, or an amount is not a number.

    **Anti-pattern**: C4 (预算数) blank, or C4 = "2000万" (text: never read as 0 or guessed).
    **Best practice**: a plain number in 万元: C4 = 2000 (the column is already in 万元).
    """

    name = "budget.total_missing"
    title = "预算数未填写或金额不是数字"
    groups = ("all", "budget")
    severity = Severity.error
    messages = {
        "missing": "预算数为空：请填写项目预算数（单位：万元，只填数字，如 4.86），或填写财政资金和"
                   "其他资金后运行“填充”自动计算",
        "text": "{label}填写的“{found}”不是数字：请只填写数字，单位为万元（如 4.86），"
                "不要带“万元”等文字或多个数字",
        "no_label": "项目表中找不到“预算数”：请在“预算规模及资金用途”中写明“预算数”，在其右侧填写项目预算数"
                    "（单位：万元，只填数字，如 4.86）",
    }

    def check_project(self, project: Project, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        budget = project.budget
        for field in AMOUNTS:
            if field in budget.invalid:
                yield _at(self, project, field, "text", found=budget.invalid[field])
        if budget.total is None and "total" not in budget.invalid:
            yield _at(self, project, "total", "missing" if budget.cell("total") else "no_label")


def _unit_hint(total: Decimal, parts: Decimal) -> str:
    # 预算数 typed in 元 (or the parts in 元) is a common slip: say so.
    if parts and (same_money(total, parts * 10000) or same_money(total * 10000, parts)):
        return "（其中有金额像是按“元”填写的，本表金额单位为万元）"
    return ""


class Rule_B002(BaseRule):
    """预算数 differs from 财政资金 + 其他资金.

    **Anti-pattern**: C4 (预算数) = 8.00 while E4 (财政资金) = 7.50 and G4 (其他资金) is blank.
    **Best practice**: 预算数 = 财政资金 + 其他资金 (C4 = 8.00, E4 = 7.50, G4 = 0.50), or fill
    two of them and run `xl-budget fill`.
    """

    name = "budget.total_mismatch"
    title = "预算数不等于财政资金与其他资金之和"
    groups = ("all", "budget")
    severity = Severity.error
    messages = {"default": "预算数 {total} 万元 不等于 财政资金 {fiscal} + 其他资金 {other} = {sum} 万元："
                           "请核对金额，或只填其中两项后运行“填充”{hint}"}

    def check_project(self, project: Project, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        b = project.budget
        if has_budget_error(b) or (b.fiscal is None and b.other is None):
            return
        fiscal, other = b.fiscal or Decimal(0), b.other or Decimal(0)
        assert b.total is not None
        if not same_money(b.total, fiscal + other):
            yield _at(self, project, "total", "default", total=money(b.total), fiscal=money(fiscal),
                      other=money(other), sum=money(fiscal + other), hint=_unit_hint(b.total, fiscal + other))


class Rule_B003(BaseRule):
    """An amount is negative.

    **Anti-pattern**: G4 (其他资金) = -0.50, used to make 预算数 add up.
    **Best practice**: amounts are never negative; correct 预算数 or 财政资金 instead (G4 = 0 or blank).
    """

    name = "budget.negative"
    title = "金额为负数"
    groups = ("all", "budget")
    severity = Severity.error
    messages = {"default": "{label} {found} 万元 是负数：金额不能为负，请填写实际安排的金额（没有则留空或填 0）"}

    def check_project(self, project: Project, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        budget = project.budget
        for field in AMOUNTS:
            value = getattr(budget, field)
            if value is not None and value < 0:
                yield _at(self, project, field, "default", found=money(value))


class Rule_B004(BaseRule):
    """资金用途 is empty.

    **Anti-pattern**: the 资金用途 row (B5) under 预算数 left blank.
    **Best practice**: say what the money buys, e.g. B5 = 举办科普活动和培训的场地、材料及办公用品费.
    """

    name = "budget.use_missing"
    title = "资金用途未填写"
    groups = ("all", "budget")
    severity = Severity.warning
    messages = {"default": "资金用途为空：请简要写明资金的具体用途（如“举办科普活动和培训的场地、材料费”）"}

    def check_project(self, project: Project, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        if not project.use:
            yield self.finding(project, "use", project=project)


def get_rules() -> list[type[BaseRule]]:
    return [Rule_B001, Rule_B002, Rule_B003, Rule_B004]
