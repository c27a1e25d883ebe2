"""Project identity rules (C): every project table has a well-formed, unique 项目编码 and a name.

A 项目编码 is 21 characters: the 6-digit GB/T 2260 region code, the 2-digit budget year, one
letter, 11 digits and a check letter or digit, e.g. ``130821 23 P 00020010002 T``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from xl_budget.findings import Finding, Severity
from xl_budget.model import BudgetBook, Project
from xl_budget.profile import Profile
from xl_budget.rules.base import BaseRule
from xl_budget.values import to_halfwidth

CODE_PATTERN = re.compile(r"^(?P<region>\d{6})(?P<year>\d{2})[A-Z]\d{11}[A-Z0-9]$")
CODE_LENGTH = 21
CODE_EXAMPLE = "13082123P00020010002T"
_PARTS = (  # (first position, last position, what belongs there) – 1-based, for messages
    (1, 6, r"\d", "地区码（6 位数字）"),
    (7, 8, r"\d", "年度（2 位数字）"),
    (9, 9, r"[A-Z]", "类别字母（1 位大写字母）"),
    (10, 20, r"\d", "顺序号（11 位数字）"),
    (21, 21, r"[A-Z0-9]", "校验码（1 位大写字母或数字）"),
)


def code_problem(code: str) -> str | None:
    """Why ``code`` is not a well-formed 项目编码 (Chinese), or None when it is."""
    if CODE_PATTERN.match(code):
        return None
    if to_halfwidth(code) != code:
        return "含有全角字符，请改用半角数字和字母"
    if len(code) != CODE_LENGTH:
        return f"共 {len(code)} 位，应为 {CODE_LENGTH} 位"
    if code.upper() != code and CODE_PATTERN.match(code.upper()):
        return "字母应为大写"
    for first, last, pattern, what in _PARTS:
        for pos in range(first, last + 1):
            if not re.fullmatch(pattern, code[pos - 1]):
                return f"第 {pos} 位“{code[pos - 1]}”不符合要求：第 {first}–{last} 位应为{what}"
    return "格式不正确"


def _code_cell(rule: BaseRule, project: Project, key: str, **ctx: object) -> Finding:
    return rule.finding(project, "code", key, project=project, **ctx)


class Rule_C001(BaseRule):
    """项目编码 is missing.

    **Anti-pattern**: the cell right of 项目编码 (B3) is blank.
    **Best practice**: copy the 21-character code from the budget system, e.g. B3 = 13082123P00020010002T.
    """

    name = "identity.code_missing"
    title = "项目编码未填写"
    groups = ("all", "identity")
    severity = Severity.error
    messages = {"default": "项目编码为空：请填写预算系统中的 21 位项目编码（如 {example}）"}

    def check_project(self, project: Project, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        if not project.code:
            yield _code_cell(self, project, "default", example=CODE_EXAMPLE)


class Rule_C002(BaseRule):
    """项目编码 is malformed.

    **Anti-pattern**: B3 = 13082123P0002001 (too short) or 13082123p00020010002t (lower case).
    **Best practice**: 21 characters: 6-digit region + 2-digit year + letter + 11 digits + check
    letter/digit, e.g. B3 = 13082123P00020010002T.
    """

    name = "identity.code_malformed"
    title = "项目编码格式错误"
    groups = ("all", "identity")
    severity = Severity.error
    messages = {"default": "项目编码“{found}”格式不正确：{problem}。项目编码应为 21 位：6 位地区码 + 2 位年度"
                           " + 1 位字母 + 11 位数字 + 1 位校验码，如 {example}，请从预算系统中复制"}

    def check_project(self, project: Project, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        if project.code and (problem := code_problem(project.code)):
            yield _code_cell(self, project, "default", found=project.code, problem=problem,
                             example=CODE_EXAMPLE)


class Rule_C003(BaseRule):
    """The region or year inside 项目编码 differs from the unit's county or budget year.

    **Anti-pattern**: a 承德县 unit budgeting 2023 with B3 = 13082222P00020010002T
    (region 130822 = 兴隆县, year 22).
    **Best practice**: the code starts with the county's region code and the year's last two
    digits: B3 = 13082123P00020010002T (130821 = 承德县, 23 = 2023).
    """

    name = "identity.code_region_year"
    title = "项目编码中的地区或年度与单位不符"
    groups = ("all", "identity")
    severity = Severity.warning
    messages = {
        "region": "项目编码“{found}”的地区码 {region} 与单位所属县区{county}的地区码 {expected} 不一致："
                  "请核对项目编码是否抄错，或单位信息中的所属县区是否正确",
        "year": "项目编码“{found}”中的年度 {year} 与预算年度 {budget_year} 不一致（应为 {expected}）："
                "请核对是否误用了往年的项目编码",
    }

    def check_project(self, project: Project, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        m = CODE_PATTERN.match(project.code or "")
        if m is None:
            return
        expected = profile.region_for(book.unit.county)
        if expected and m.group("region") != expected:
            county = f"（{book.unit.county}）" if book.unit.county else ""
            yield _code_cell(self, project, "region", found=project.code, region=m.group("region"),
                             county=county, expected=expected)
        year = book.unit.year
        if year is not None and int(m.group("year")) != year % 100:
            yield _code_cell(self, project, "year", found=project.code, year=m.group("year"),
                             budget_year=year, expected=f"{year % 100:02d}")


class Rule_C004(BaseRule):
    """项目名称 is missing.

    **Anti-pattern**: the cell right of 项目名称 (E3) is blank.
    **Best practice**: the project's name as in the budget system, e.g. E3 = 安可设备购置.
    """

    name = "identity.name_missing"
    title = "项目名称未填写"
    groups = ("all", "identity")
    severity = Severity.error
    messages = {"default": "项目名称为空：请填写与预算系统一致的项目名称（如“安可设备购置”）"}

    def check_project(self, project: Project, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        if not project.name:
            yield self.finding(project, "name", project=project)


class Rule_C005(BaseRule):
    """The same 项目编码 appears twice in one workbook.

    **Anti-pattern**: 项目1!B3 and 项目3!B3 both hold 13082123P00020010002T (a sheet copied
    and not changed).
    **Best practice**: one table per project, each with its own code; merge or delete the copy.
    """

    name = "identity.code_duplicate"
    title = "同一工作簿中项目编码重复"
    groups = ("all", "identity")
    severity = Severity.error
    messages = {"default": "项目编码“{found}”与{first}的项目编码重复：每个项目只能填一张表，"
                           "请改为本项目的编码，或删除重复的项目表"}

    def check_book(self, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        seen: dict[str, Project] = {}
        for project in book.projects:
            if not project.code:
                continue
            first = seen.setdefault(project.code, project)
            if first is not project:
                where = f"工作表“{first.sheet}”{first.cell('code') or ''}" if first.sheet else "前面项目表"
                yield _code_cell(self, project, "default", found=project.code, first=where)


def get_rules() -> list[type[BaseRule]]:
    return [Rule_C001, Rule_C002, Rule_C003, Rule_C004, Rule_C005]
