"""File rules (F): the workbook can be opened and holds the official tables."""

from __future__ import annotations

from collections.abc import Iterator

from xl_budget.findings import Finding, Severity
from xl_budget.model import BudgetBook
from xl_budget.profile import Profile
from xl_budget.rules.base import BaseRule


class Rule_F001(BaseRule):
    """The file cannot be opened as a workbook.

    **Anti-pattern**: a corrupt download, a .docx renamed to .xlsx, a workbook with an open password.
    **Best practice**: save the workbook from Excel as .xlsx/.xlsm without a password and submit it.
    """

    name = "file.unreadable"
    title = "文件无法作为工作簿打开"
    groups = ("all", "file")
    severity = Severity.error
    messages = {"default": "无法打开工作簿：{reason}"}

    def for_error(self, reason: str) -> Finding:
        return self.finding(None, None, reason=reason)

    def check_book(self, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        return iter(())  # a parsed workbook was opened: check_file reports those that were not


class Rule_F002(BaseRule):
    """No project table (项目绩效目标表) found in the workbook.

    **Anti-pattern**: a workbook whose sheets lack the 项目编码 label of the official table.
    **Best practice**: fill the project sheets of the standard template (`xl-budget new`), keeping
    the printed labels 项目编码 / 项目名称 / 预算数 / 一级指标 … in place.
    """

    name = "file.no_project_table"
    title = "未找到项目绩效目标表"
    groups = ("all", "file")
    severity = Severity.error
    messages = {
        "default": "工作簿中没有找到项目绩效目标表（缺少“项目编码”等表头）：请使用标准模板填报，不要删除或改写表头文字",
        "all_blank": "项目绩效目标表都是空白的：请至少填写一个项目（项目编码、项目名称、预算数、绩效目标和指标）",
    }

    def check_book(self, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        if not book.projects and book.blank_tables:
            yield self.finding(None, None, "all_blank", sheet=book.blank_tables[0], cell="B3")
        elif not book.projects:
            yield self.finding(None, None)


class Rule_F003(BaseRule):
    """Unit code or name missing, or different between sheets.

    **Anti-pattern**: 单位信息 says 731001 while a project table's unit line says 731002.
    **Best practice**: fill 单位编码 and 单位名称 once on 单位信息 and use the same on every project table.
    """

    name = "file.unit_mismatch"
    title = "单位编码或名称缺失或各表不一致"
    groups = ("all", "file")
    severity = Severity.error
    messages = {
        "missing_code": "缺少单位编码：请在此处填写 6 位单位编码（如 731001）",
        "missing_name": "缺少单位名称：请在此处填写单位全称",
        "no_code_label": "“{where}”表中找不到“单位编码”：请加一行“单位编码”，在其右侧填写 6 位单位编码（如 731001）",
        "no_name_label": "“{where}”表中找不到“单位名称”：请加一行“单位名称”，在其右侧填写单位全称",
        "no_unit": "工作簿中找不到单位编码和单位名称：请添加“单位信息”工作表（可用 xl-budget new 生成的模板）"
                   "填写单位编码和单位名称，或在每张项目表标题下一行写明单位，如“731001 河北省承德县科学技术协会本级”",
        "differs": "项目表上的单位“{found}”与单位信息中的“{expected}”不一致：请改为“{expected}”",
    }

    def check_book(self, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        unit = book.unit
        if not (unit.code or unit.name or unit.cells):  # no 单位信息 sheet, no unit line: no cell
            yield self.finding(None, None, "no_unit")
            return
        for field in ("code", "name"):
            if not getattr(unit, field):
                # The label's cell when the sheet has it; a sheet without the label has none.
                key = f"missing_{field}" if unit.cell(field) else f"no_{field}_label"
                yield self.finding(unit, field, key, sheet=unit.sheet, where=unit.sheet or "单位信息")
        for project in book.projects:
            ref = project.unit
            if ref is None or not unit.code:
                continue
            if (ref.code and ref.code != unit.code) or (ref.name and unit.name and ref.name != unit.name):
                yield self.finding(ref, "code", "differs", project=project,
                                   found=f"{ref.code} {ref.name or ''}".strip(),
                                   expected=f"{unit.code} {unit.name or ''}".strip())


def get_rules() -> list[type[BaseRule]]:
    return [Rule_F001, Rule_F002, Rule_F003]
