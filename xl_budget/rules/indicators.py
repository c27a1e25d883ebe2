"""Indicator rules (I): the 3-level indicator table of each project (一级/二级/三级, 指标值, 依据).

Every finding points at the cell to fix: the 指标值 cell for value problems, the 一级 / 二级
/ 三级 / 描述 / 依据 cell for those. Name classification lives in ``_indicator_kinds``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter, itemgetter
from typing import Any

from xl_budget.findings import Finding, Severity
from xl_budget.model import BudgetBook, Indicator, Project
from xl_budget.profile import Profile
from xl_budget.rules import _indicator_kinds as K
from xl_budget.rules.base import BaseRule, SharedRule

# ------------------------------------------------------------------ Public API


class IndicatorRule(SharedRule[list[K.Table]], abstract=True):
    """A rule on the indicator tables of a workbook, each read as classified rows (``K.Row``:
    the indicator, what its name denotes, where its 一级 / 二级 sit). A rule sees all tables
    at once: one call per workbook, not per project."""

    @staticmethod
    def shared(book: BudgetBook, profile: Profile) -> list[K.Table]:
        return K.tables(book, K.Scheme.of(profile))

    def check_shared(self, shared: list[K.Table], profile: Profile) -> Iterator[Finding]:
        return self.check_tables(shared, profile)

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        raise NotImplementedError


# ------------------------------------------------------------------ Private API


def _at(rule: BaseRule, row: K.Row, field: str, key: str, project: Project,
        severity: Severity | None = None, **ctx: Any) -> Finding:
    # Findings name the field as in the glossary ("indicator.value") and sit at its cell.
    glossary = _GLOSSARY[field]
    sheet, cells = _PLACE(row.ind.__dict__)
    return rule.located(key, ctx, severity, sheet, cells.get(field) or cells.get(glossary),
                        project.code, glossary)


_GLOSSARY = {field: f"indicator.{field}" for field in Indicator.model_fields}
_PLACE = itemgetter("sheet", "cells")


def _num(number: Decimal | None) -> str:
    """A number as staff write it: 0.91, 100, 9100 (no exponent, no trailing zeros)."""
    if number is None:
        return ""
    text = format(number.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _raw(row: K.Row) -> str:
    return row.value.raw if row.value is not None else ""


def _once_per_cell(flagged: Iterable[K.Row], field: str) -> Iterator[K.Row]:
    """The first of the ``flagged`` rows in each ``field`` cell: a merged 一级/二级 cell gets
    one finding, not one per row under it."""
    seen: set[str | None] = set()
    for row in flagged:
        if (cell := row.ind.cell(field)) not in seen:
            seen.add(cell)
            yield row


def _no_column(row: K.Row, field: str) -> bool:
    """Whether the table of a row read from a sheet lacks the column of ``field`` (the reader
    gives each field of a column the table has a cell; a model built in code has no cells)."""
    cells = row.ind.cells
    return bool(cells) and field not in cells


def _label(row: K.Row) -> str:
    return row.name.text or "（未填写名称）"


# ------------------------------------------------------------------ Structure: I001–I004


class Rule_I001(IndicatorRule):
    """Unknown 一级指标 (not in the profile's indicator framework).

    **Anti-pattern**: 一级指标 A11 = "产出" or "社会效益" (a 二级 written in the 一级 column).
    **Best practice**: A11 = "产出指标", "效益指标" or "满意度指标" (the dropdown of the template).
    """

    name = "indicators.unknown_level1"
    title = "一级指标不在指标体系中"
    groups = ("all", "indicators", "indicators.structure")
    severity = Severity.error
    messages = {
        "default": "一级指标“{found}”不在指标体系中：请改为{allowed}之一",
        "missing": "指标“{name}”没有一级指标：请在此填写{allowed}之一",
    }

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            flagged = [row for row in rows if not row.level.known_level1]
            for row in _once_per_cell(flagged, "level1"):
                ind = row.ind
                allowed = "、".join(f"“{n}”" for n in profile.framework)
                if ind.level1:
                    yield _at(self, row, "level1", "default", project, found=ind.level1, allowed=allowed)
                else:
                    yield _at(self, row, "level1", "missing", project, name=_label(row), allowed=allowed)


class Rule_I002(IndicatorRule):
    """二级指标 not allowed under its 一级指标.

    **Anti-pattern**: 一级 "产出指标" with 二级 B12 = "社会效益指标", or B12 left blank.
    **Best practice**: under 产出指标 write 数量指标 / 质量指标 / 时效指标 / 成本指标 (B12 = "质量指标").
    """

    name = "indicators.bad_level2"
    title = "二级指标不属于所填一级指标"
    groups = ("all", "indicators", "indicators.structure")
    severity = Severity.error
    messages = {
        "default": "二级指标“{found}”不属于一级指标“{level1}”：请改为{allowed}之一",
        "missing": "指标“{name}”没有二级指标：请在此填写{allowed}之一",
        "no_column": "指标表没有“二级指标”列：请在“一级指标”和“三级指标”之间加上“二级指标”列，逐行填写"
                     "所属的二级指标（如“数量指标”“社会效益指标”）",
    }

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            flagged = [row for row in rows if row.level.foreign_level2]
            for row in _once_per_cell(flagged, "level2"):
                ind = row.ind
                parts = {K.key(k): v for k, v in profile.framework.items()}[row.level.key1]
                allowed = "、".join(f"“{p}”" for p in parts)
                if ind.level2:
                    yield _at(self, row, "level2", "default", project, found=ind.level2,
                              level1=ind.level1, allowed=allowed)
                else:
                    key = "no_column" if _no_column(row, "level2") else "missing"
                    yield _at(self, row, "level2", key, project, name=_label(row), allowed=allowed)


class Rule_I003(IndicatorRule):
    """三级指标 name empty.

    **Anti-pattern**: a row with 指标值 E14 = "≥95%" but 三级指标 C14 blank.
    **Best practice**: C14 = "项目验收合格率" — name what the value measures.
    """

    name = "indicators.name_missing"
    title = "三级指标名称未填写"
    groups = ("all", "indicators", "indicators.structure")
    severity = Severity.error
    messages = {
        "default": "三级指标名称为空（该行指标值为“{value}”）：请填写该指标衡量的内容，如“项目验收合格率”",
        "no_column": "指标表没有“三级指标”列：请把写指标名称那一列的表头改为“三级指标”；没有这一列时，"
                     "在“二级指标”列右侧加上“三级指标”列，逐行填写指标名称（如“项目验收合格率”）",
    }

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            for row in rows:
                if not row.name.text:
                    if _no_column(row, "name"):  # a header not recognised: one finding, no cell
                        yield _at(self, row, "name", "no_column", project)
                        break
                    yield _at(self, row, "name", "default", project, value=_raw(row) or "空")


class Rule_I004(IndicatorRule):
    """指标值 empty.

    **Anti-pattern**: 三级指标 "培训次数" with 指标值 E12 blank.
    **Best practice**: E12 = "≥4次" (operator, number, unit) or a grade such as "好".
    """

    name = "indicators.value_missing"
    title = "指标值未填写"
    groups = ("all", "indicators", "indicators.values")
    severity = Severity.error
    messages = {
        "default": "指标“{name}”的指标值为空：请填写目标值，如“≥4次”“≥95%”“≤12月”或“好”",
        "no_column": "指标表没有“指标值”列：请把写目标值那一列的表头改为“指标值”；没有这一列时，"
                     "在“绩效指标描述”列右侧加上“指标值”列，逐行填写目标值（如“≥4次”“≥95%”）",
    }

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            for row in rows:
                if row.value is None:
                    if _no_column(row, "value"):  # a header not recognised: one finding, no cell
                        yield _at(self, row, "value", "no_column", project)
                        break
                    yield _at(self, row, "value", "default", project, name=_label(row))


# ------------------------------------------------------------------ Values: I005–I012


class Rule_I005(IndicatorRule):
    """指标值 cannot be read as an operator + number + unit or as a grade.

    **Anti-pattern**: E12 = "1-2项", "378余个", "100人左右" or "9 0".
    **Best practice**: one target per cell: E12 = "≥2项", "≥378个" or "≥90%".
    """

    name = "indicators.value_unreadable"
    title = "指标值无法识别"
    groups = ("all", "indicators", "indicators.values")
    severity = Severity.error
    messages = {"default": "指标“{name}”的指标值“{value}”无法识别：请写成“符号+数字+单位”（如“≥2项”“≥95%”）"
                           "或等级（如“好”“达标”），不要写范围、约数或多余文字"}

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            for row in rows:
                if row.value is not None and row.number is None and row.grade is None:  # kind "invalid"
                    yield _at(self, row, "value", "default", project, name=_label(row),
                              value=_raw(row))


class Rule_I006(IndicatorRule):
    """Quantitative 指标值 with no unit, neither in the value nor implied by the name.

    **Anti-pattern**: 三级 "购买数量", E11 = "1"; 三级 "培训次数", E31 = "≥4".
    **Best practice**: E11 = "=1台", E31 = "≥4次" (a name such as "合格率" or "满意度（%）" implies %).
    """

    name = "indicators.unit_missing"
    title = "定量指标值缺少计量单位"
    groups = ("all", "indicators", "indicators.values")
    severity = Severity.warning
    messages = {
        "default": "指标“{name}”的指标值“{value}”没有计量单位：请写明单位，如“{example}”",
        "generic": "指标“{name}”的指标值“{value}”没有计量单位：请写明单位，如“≥4次”“≥95%”“=1台”",
        "time": "时效指标“{name}”的指标值“{value}”没有单位：请写明时限，如“≤12月”或“≤30天”",
        "cost": "成本指标“{name}”的指标值“{value}”没有单位（将按万元理解）：请写明，如“{value}万元”",
    }

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            total = project.budget.total
            for row in rows:
                name, level = row.name, row.level
                if row.number is None or row.unit is not None or name.implied_unit is not None:
                    continue
                if name.state or K.row_holds_budget_figure(row, total):
                    continue  # I008 / I011 say what to write instead
                unit = _likely_unit(name.bare)
                key = ("cost" if level.cost else "default" if unit
                       else "time" if level.timeliness else "generic")
                yield _at(self, row, "value", key, project, name=_label(row), value=_raw(row),
                          example=f"{row.operator or ''}{_num(row.number)}{unit}")


# Name endings and the unit they most likely mean, for I006's example only.
_LIKELY_UNITS: tuple[tuple[str, str], ...] = (
    ("人次", "人次"), ("次数", "次"), ("场次", "场次"), ("人数", "人"), ("户数", "户"),
    ("天数", "天"), ("件数", "件"), ("个数", "个"), ("数量", "个"), ("金额", "万元"),
    ("年限", "年"), ("面积", "平方米"), ("长度", "米"),
)


@lru_cache(maxsize=4096)
def _likely_unit(bare_name: str) -> str:
    return next((unit for ending, unit in _LIKELY_UNITS if bare_name.endswith(ending)), "")


class Rule_I007(IndicatorRule):
    """A rate or percentage outside 0–100, "≥100" on a rate, or a rate written as a fraction.

    **Anti-pattern**: 三级 "项目验收合格率", E12 = "≥100" (nothing exceeds 100%) or "120%";
    E12 = "≥0.95" or "=1" (a fraction, or a target of 1%?).
    **Best practice**: E12 = "=100%" (all of them) or "≥95%".
    """

    name = "indicators.rate_range"
    title = "比率超出0–100%或写成“≥100”"
    groups = ("all", "indicators", "indicators.values")
    severity = Severity.error
    messages = {
        "range": "比率指标“{name}”的指标值“{value}”超出 0–100%：请填写 0 到 100 之间的百分比，如“≥95%”",
        "at_least_100": "比率指标“{name}”的指标值“{value}”要求不低于 100%，而比率最高就是 100%：请写成“=100%”",
        "fraction": "比率指标“{name}”的指标值“{value}”像是小数写法（{number} 即 {percent}%）：请写成“{operator}{percent}%”",
        "fraction_one": "比率指标“{name}”的指标值“{value}”没有写%，会按 1% 理解；若是小数写法（1 即 100%），"
                        "请写成“=100%”，确指 1% 请写成“{operator}1%”",
    }

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            for row in rows:
                if row.number is None or row.unit not in (None, "%") or row.name.change_rate \
                        or not K.row_is_rate(row):
                    continue  # no number, or not a share of a whole
                found = self._check(row, row.number)
                if found is not None:
                    key, severity = found
                    yield _at(self, row, "value", key, project, severity=severity,
                              name=_label(row), **self._context(key, row, row.number))

    @staticmethod
    def _check(row: K.Row, number: Decimal) -> tuple[str, Severity] | None:
        op = row.operator
        if number < 0 or number > K.HUNDRED:
            return "range", Severity.error
        if number == K.HUNDRED:
            return (("range", Severity.error) if op == ">"
                    else ("at_least_100", Severity.warning) if op == "≥" else None)
        if row.unit is None and 0 < number < 1 and op in ("≥", ">", "="):
            return "fraction", Severity.warning
        if _one_as_fraction(row):
            return "fraction_one", Severity.warning
        return None

    @staticmethod
    def _context(key: str, row: K.Row, number: Decimal) -> dict[str, str]:
        if key == "fraction_one":
            return {"value": _raw(row), "operator": row.operator or ""}
        if key != "fraction":
            return {"value": _raw(row)}
        return {"value": _raw(row), "number": _num(number), "percent": _num(number * K.HUNDRED),
                "operator": row.operator or ""}


def _one_as_fraction(row: K.Row) -> bool:
    """"=1" / "≥1" with no % on a rate: 100% written as a fraction, or a 1% target? ("≤1" and
    ">1" can only mean 1%.)"""
    return row.unit is None and row.number == 1 and row.operator in ("=", "≥")


class Rule_I008(IndicatorRule):
    """The 指标值's kind does not fit the name: a bare number on a state, a grade or a count on a rate.

    **Anti-pattern**: 三级 "设备性能良好", E14 = "≥100"; 三级 "项目验收合格率", E12 = "好";
    三级 "资金到位率", E13 = "≥8万元" (the budget) or "宣传覆盖率" = "≥378个".
    **Best practice**: E14 = "良好" (or rename it "设备完好率" with "≥95%"); E12 = "≥95%"; a rate
    is a percentage (E13 = "=100%"); count villages or money in a 数量指标 / 成本指标 row of its own.
    """

    name = "indicators.kind_mismatch"
    title = "指标值类型与指标名称不符"
    groups = ("all", "indicators", "indicators.values")
    severity = Severity.warning
    messages = {
        "number_on_state": "指标“{name}”描述的是一种状态，指标值却是没有单位的数字“{value}”：请填写等级"
                           "（如“良好”“达标”“明显提升”），或把名称改为可计量的比率并写“≥95%”",
        "grade_on_rate": "比率指标“{name}”的指标值是文字“{value}”：请填写百分比，如“≥95%”",
        "grade_on_count": "数量类指标“{name}”的指标值是文字“{value}”：请填写数字和单位，如“≥10个”",
        "unit_on_rate": "比率指标“{name}”的指标值“{value}”以“{unit}”计，而比率应是百分比：请填写百分比，如“≥95%”"
                        "（要考核数量或金额，请另设一行数量指标或成本指标）",
    }

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            total = project.budget.total
            for row in rows:
                if row.number is not None:  # kind "quantity"
                    key = (self._number_mismatch(row, total) if row.unit is None or row.name.rate_title
                           else None)
                elif row.grade is not None:  # kind "grade"
                    key = "grade_on_rate" if row.name.rate_title else "grade_on_count" if row.name.count else None
                else:
                    continue  # blank or unreadable: I004 / I005
                if key is not None:
                    yield _at(self, row, "value", key, project, name=_label(row), value=_raw(row),
                              unit=row.unit)

    @staticmethod
    def _number_mismatch(row: K.Row, total: Decimal | None) -> str | None:
        """A number without a unit on a state name, or a count or an amount on a rate, unless
        I011 (a 时效 row holding money) or I010 / I012 (money on a 成本 row) judge it."""
        if row.unit is None:
            if row.name.state and not K.row_holds_budget_figure(row, total):
                return "number_on_state"
            return None
        if not K.row_share_in_other_unit(row) or K.row_holds_budget_figure(row, total):
            return None
        return None if row.level.cost and K.row_is_money(row) else "unit_on_rate"


class Rule_I009(IndicatorRule):
    """满意度 not a percentage, or below the profile's minimum.

    **Anti-pattern**: 三级 "群众满意度", E39 = "≥70%" (below 80) or "≥90分".
    **Best practice**: E39 = "≥90%" (the default profile asks at least 80%, below 60% is an error).
    """

    name = "indicators.satisfaction"
    title = "满意度不是百分比或低于最低要求"
    groups = ("all", "indicators", "indicators.values")
    severity = Severity.warning
    messages = {
        "not_percent": "满意度指标“{name}”的指标值“{value}”不是百分比（单位为“{unit}”）：请写成百分比，如“≥90%”",
        "low": "满意度指标“{name}”的目标值“{value}”低于 {minimum}%：请设定不低于 {minimum}% 的目标，如“≥90%”",
        "too_low": "满意度指标“{name}”的目标值“{value}”低于 {floor}%，不能作为绩效目标：请设定不低于 {minimum}% 的目标，如“≥90%”",
    }

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            for row in rows:
                if row.number is None or not row.name.satisfaction:
                    continue
                unit = K.row_unit(row)
                found = self._check(row, row.number, unit, profile)
                if found is not None:
                    key, severity = found
                    t = profile.thresholds
                    yield _at(self, row, "value", key, project, severity=severity, name=_label(row),
                              value=_raw(row), unit=unit, minimum=_num(t.satisfaction_min),
                              floor=_num(t.satisfaction_error_below))

    @staticmethod
    def _check(row: K.Row, number: Decimal, unit: str | None, profile: Profile
               ) -> tuple[str, Severity] | None:
        if unit not in (None, "%"):
            return "not_percent", Severity.warning
        if row.operator in K.DOWNWARD or number > K.HUNDRED or (row.unit is None and number < 1) \
                or _one_as_fraction(row):
            return None  # I012 / I007 (reversed, out of range, fraction) say what to write
        t = profile.thresholds
        if number < t.satisfaction_error_below:
            return "too_low", Severity.error
        if number < t.satisfaction_min:
            return "low", Severity.warning
        return None


class Rule_I010(IndicatorRule):
    """成本指标 above the project's 预算数 (元 and 亿元 converted to 万元).

    **Anti-pattern**: 预算数 0.91 (万元) with 成本指标 E16 = "≤9100" (a bare number is read as 万元).
    **Best practice**: E16 = "≤0.91万元" or "≤9100元".
    """

    name = "indicators.cost_over_budget"
    title = "成本指标超过项目预算数"
    groups = ("all", "indicators", "indicators.values")
    severity = Severity.error
    messages = {
        "default": "成本指标“{name}”的指标值“{value}”（折合 {wan} 万元）超过项目预算数 {total} 万元：请核对金额和"
                   "单位（未写单位按万元计），如“≤{total}万元”",
    }

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            total = project.budget.total
            if total is None:
                continue
            for row in rows:
                wan = K.row_money_wan(row) if row.level.cost else None
                if wan is not None and wan > total:
                    yield _at(self, row, "value", "default", project, name=_label(row), value=_raw(row),
                              wan=_num(wan), total=_num(total))


class Rule_I011(IndicatorRule):
    """时效指标 holding a money amount or the project's 预算数.

    **Anti-pattern**: 预算数 4.86, 三级 "支付时效", E34 = "≤4.86" (the budget, not a deadline).
    **Best practice**: E34 = "≤12月" (a deadline) or rename it "资金支付及时率" with "≥95%".
    """

    name = "indicators.timeliness_money"
    title = "时效指标填写了金额或预算数"
    groups = ("all", "indicators", "indicators.values")
    severity = Severity.error
    messages = {
        "default": "时效指标的指标值是金额（{value}），应填写完成时限或及时率，如“≤12月”或“≥95%”",
    }

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            total = project.budget.total
            for row in rows:  # the level first: most rows are no 时效指标
                if row.level.timeliness and K.row_holds_budget_figure(row, total):
                    yield _at(self, row, "value", "default", project, value=_raw(row))


class Rule_I012(IndicatorRule):
    """Direction reversed: "≤" on a quantity, a service life or a 满意度, "≥" on a cost.

    **Anti-pattern**: 三级 "设备购置类项目持续使用时间（年）", E18 = "≤10"; 数量指标 "购置设备数量",
    E13 = "≤20台"; 成本指标 E16 = "≥0.91万元".
    **Best practice**: E18 = "≥10年" (it must last at least that long); E13 = "≥20台"; E16 = "≤0.91万元".
    A "≤" under 数量指标 stays where it is a ceiling: fewer is better ("安全事故次数 ≤0次",
    "森林火灾发生次数 ≤1次"), a policy cap ("公务用车保有量 ≤2辆", "会议次数 ≤4次",
    "培训天数 ≤3天"), money ("会议费支出 ≤1万元") or "≤0".
    """

    name = "indicators.direction"
    title = "指标值方向（≥/≤）写反"
    groups = ("all", "indicators", "indicators.values")
    severity = Severity.warning
    messages = {
        "at_most": "指标“{name}”的指标值“{value}”用了“{operator}”（至多），而{what}应设下限：请改为“≥{number}{unit}”",
        "cost_at_least": "成本指标“{name}”的指标值“{value}”用了“{operator}”（至少），而成本应控制在上限以内："
                         "请改为“≤{number}{unit}”",
    }

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            for row in rows:
                operator = row.operator
                if row.number is None or operator is None:
                    continue
                if operator in K.DOWNWARD:
                    key, what = self._at_most(row)
                elif operator in K.UPWARD and row.level.cost:
                    key, what = self._cost_at_least(row)
                else:
                    continue
                if key is not None:
                    unit = K.row_unit(row) or ("万元" if key == "cost_at_least" else "")
                    yield _at(self, row, "value", key, project, name=_label(row), value=_raw(row),
                              operator=operator, what=what, number=_num(row.number), unit=unit)

    @staticmethod
    def _at_most(row: K.Row) -> tuple[str | None, str]:
        """"≤" on what should have a lower bound."""
        name = row.name
        if name.duration:
            return "at_most", "使用年限、持续时间"
        if name.satisfaction:
            return "at_most", "满意度"
        if row.level.quantity and not K.row_is_rate(row) and not _ceiling(row):
            return "at_most", "数量指标"
        return None, ""

    @staticmethod
    def _cost_at_least(row: K.Row) -> tuple[str | None, str]:
        """"≥" on a cost in money."""
        if not K.row_is_rate(row) and K.row_money_wan(row) is not None:
            return "cost_at_least", ""
        return None, ""


def _ceiling(row: K.Row) -> bool:
    """A "≤" that is meant as a ceiling: fewer is better (事故, 火灾), a policy cap (公务用车,
    会议, 三公), money (a spending limit wherever the row sits), or "≤0" (never a floor)."""
    name = row.name
    return name.negative or name.cap or row.number == 0 or K.row_is_money(row)


# ------------------------------------------------------------------ Table: I013–I017


class Rule_I013(IndicatorRule):
    """The same indicator twice in one project.

    **Anti-pattern**: two rows 质量指标 / "服务水平" (C33 and C35) in one table.
    **Best practice**: keep one row per 三级指标; delete or rename the copy (C35).
    """

    name = "indicators.duplicate"
    title = "同一项目中指标重复"
    groups = ("all", "indicators", "indicators.structure")
    severity = Severity.warning
    messages = {"default": "指标“{level2} / {name}”在本项目中重复出现（第一次在 {first}）：请删除重复行或改用不同的指标名称"}

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            keys = [(row.level.key2, row.name.loose_key) for row in rows if row.name.text]
            if len(set(keys)) == len(keys):
                continue  # no indicator twice: most tables
            first: dict[tuple[str, str], Indicator] = {}
            for row in rows:
                if not row.name.text:
                    continue
                k = (row.level.key2, row.name.loose_key)
                if k in first:
                    yield _at(self, row, "name", "default", project, level2=row.ind.level2 or "",
                              name=row.name.text, first=first[k].cell("name") or "")
                else:
                    first[k] = row.ind


class Rule_I014(IndicatorRule):
    """指标值确定依据 empty, struck through or "无".

    **Anti-pattern**: 指标值 "≥3次" with 指标值确定依据 F50 blank, "/", "—" or "无".
    **Best practice**: F50 = "计划标准" (or 历史标准 / 行业标准 / 预算支出标准 / 其他, or "年初工作计划").
    """

    name = "indicators.basis_missing"
    title = "指标值确定依据未填写"
    groups = ("all", "indicators", "indicators.text")
    severity = Severity.warning
    messages = {
        "default": "指标“{name}”的指标值确定依据为空：请填写计划标准、历史标准、行业标准、预算支出标准或其他",
        "placeholder": "指标“{name}”的指标值确定依据只写了“{found}”，等于没有填写：请改为计划标准、历史标准、"
                       "行业标准、预算支出标准或其他",
        "no_column": "指标表没有“指标值确定依据”列：请在“指标值”列右侧加上这一列，逐行填写计划标准、历史标准、"
                     "行业标准、预算支出标准或其他",
    }

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            for row in rows:
                basis = row.basis
                if not basis:
                    if _no_column(row, "basis"):  # an older or hand-made table: one finding
                        yield _at(self, row, "basis", "no_column", project)
                        break
                    yield _at(self, row, "basis", "default", project, name=_label(row))
                elif K.is_blank_basis(basis):
                    yield _at(self, row, "basis", "placeholder", project, name=_label(row), found=basis)


class Rule_I015(IndicatorRule):
    """绩效指标描述 merely repeats the 三级指标 name.

    **Anti-pattern**: 三级 "购买数量", 描述 D11 = "购买数量".
    **Best practice**: D11 = "本年度购置安可办公设备（计算机、打印机）的台数" — say what is counted and how.
    """

    name = "indicators.description_repeats_name"
    title = "绩效指标描述只是重复指标名称"
    groups = ("all", "indicators", "indicators.text")
    severity = Severity.info
    messages = {"default": "绩效指标描述“{description}”只是重复了指标名称：请说明该指标衡量什么、如何计算或统计"}

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        for project, rows in tables:
            for row in rows:
                description = row.description
                if row.name.text and description and K.name_key(description) == row.name.loose_key:
                    yield _at(self, row, "description", "default", project, description=description)


class Rule_I016(IndicatorRule):
    """Placeholder indicator: the 三级 name is a category name, with or without the word 指标.

    **Anti-pattern**: 二级 "经济效益指标", 三级 C19 = "经济效益指标" or "经济效益"; 三级 "质量".
    **Best practice**: C19 = what is measured, e.g. "带动农户增收金额" with "≥5万元". A 满意度 or
    成本 name is measured as it stands ("服务对象满意度 ≥90%", "社会成本 无").
    """

    name = "indicators.placeholder"
    title = "三级指标只写了指标类别名称"
    groups = ("all", "indicators", "indicators.structure")
    severity = Severity.warning
    messages = {"default": "三级指标“{name}”只是指标类别的名称，不是具体指标：请写明衡量的内容，如“带动农户增收金额”"}

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        categories = K.category_names(profile)
        for project, rows in tables:
            for row in rows:
                name, level = row.name, row.level
                k = name.key
                if k and (k == level.key2 or k == level.key1 or k in categories
                          or (not name.satisfaction and _category_without_word(k, level, categories))):
                    yield _at(self, row, "name", "default", project, name=name.text)


_WORD = "指标"


def _category_without_word(k: str, level: K.LevelKind, categories: frozenset[str]) -> bool:
    """"经济效益" for "经济效益指标": the placeholder as staff usually write it. A cost is
    measured as it stands ("经济成本 ≤8万元", "社会成本 无"), like a 满意度."""
    if k.endswith("成本"):
        return False
    full = k + _WORD
    return full == level.key2 or full == level.key1 or full in categories


class Rule_I017(IndicatorRule):
    """A required indicator category is missing (产出 parts, 效益, 满意度).

    **Anti-pattern**: a table with 数量指标, 质量指标 and 效益指标 rows but no 时效指标 / 成本指标 / 满意度指标.
    **Best practice**: at least one row in each: 产出指标 → 数量/质量/时效/成本, 效益指标, 满意度指标.
    """

    name = "indicators.category_missing"
    title = "缺少必备的指标类别"
    groups = ("all", "indicators", "indicators.structure")
    severity = Severity.error
    messages = {
        "output_part": "项目缺少{level1}中的“{category}”：请至少增加一行{category}",
        "level1": "项目缺少“{level1}”：请至少增加一行{level1}",
    }

    def check_tables(self, tables: list[K.Table], profile: Profile) -> Iterator[Finding]:
        required = _Required.of(profile)
        for project, rows in tables:
            # A table's categories are few (a merged 一级/二级 cell spans many rows) and most
            # tables of a county share them: what is missing is worked out once per set.
            # Every row of a table has a 二级 cell when the table has the column (I002 asks for it).
            level2_column = not rows or not _no_column(rows[0], "level2")
            for key, severity, ctx in _missing_categories(frozenset(map(_LEVEL, rows)), required,
                                                          level2_column):
                yield self.finding(project, "indicators", key, severity=severity, project=project,
                                   **dict(ctx))


_LEVEL = attrgetter("level")
Missing = tuple[str, Severity | None, tuple[tuple[str, str], ...]]
"""An I017 finding to make: message key, severity (None: the rule's), message context."""


@dataclass(frozen=True, slots=True, eq=False)
class _Required:
    """The profile's required categories with their keys. ``_Required.of`` makes one object
    per content: ``_missing_categories``'s cache then hashes it by its identity, in C."""

    output: str
    output_key: str
    parts: tuple[tuple[str, str], ...]  # (产出 part, its key)
    level1s: tuple[tuple[str, str, Severity], ...]  # (一级, its key, severity when missing)
    level1_of: dict[str, str]  # a 二级's key → the key of the one 一级 it belongs to

    @classmethod
    def of(cls, profile: Profile) -> _Required:
        req = profile.required
        return _required(req.output, tuple(req.output_parts), req.cost_level1, req.effect,
                         req.satisfaction, tuple((k, tuple(v)) for k, v in profile.framework.items()))


@lru_cache(maxsize=64)
def _required(output: str, output_parts: tuple[str, ...], cost_level1: str, effect: str,
              satisfaction: str, framework: tuple[tuple[str, tuple[str, ...]], ...]) -> _Required:
    output_key = K.key(output)
    cost_apart = K.key(cost_level1) != output_key
    level1s = tuple((level1, K.key(level1), severity) for level1, severity
                    in ((cost_level1 if cost_apart else None, Severity.error),
                        (effect, Severity.error), (satisfaction, Severity.warning)) if level1)
    owners: dict[str, set[str]] = {}
    for level1, parts in framework:
        for part in parts:
            owners.setdefault(K.key(part), set()).add(K.key(level1))
    level1_of = {part: next(iter(keys)) for part, keys in owners.items() if len(keys) == 1}
    return _Required(output, output_key, tuple((part, K.key(part)) for part in output_parts), level1s,
                     level1_of)


@lru_cache(maxsize=4096)
def _missing_categories(levels: frozenset[K.LevelKind], required: _Required,
                        level2_column: bool = True) -> tuple[Missing, ...]:
    """What a table whose rows sit at ``levels`` lacks, in message order. A row whose 一级 is
    blank or unknown (I001) counts under the 一级 of its 二级; a category that a row of unknown
    place may be is not reported: I001 / I002 already ask to fill that row's levels (and block
    the file), and once they are filled this rule looks again."""
    present = set()
    output_known = level2_column  # without the 二级 column (I002) the 产出 parts are unknown
    for level in levels:
        key1, key2 = level.key1, level.key2
        if not level.known_level1:
            key1 = required.level1_of.get(key2, "")
            if not key1:  # neither level tells where the row belongs
                return ()
        elif key1 == required.output_key and not key2:  # a 产出 row without its 二级
            output_known = False
        present.add((key1, key2))
    present_level1s = {key1 for key1, _ in present}
    missing: list[Missing] = [("output_part", None, (("level1", required.output), ("category", part)))
                              for part, part_key in required.parts
                              if output_known and (required.output_key, part_key) not in present]
    missing += [("level1", severity, (("level1", level1),))
                for level1, level1_key, severity in required.level1s if level1_key not in present_level1s]
    return tuple(missing)


def get_rules() -> list[type[BaseRule]]:
    return [Rule_I001, Rule_I002, Rule_I003, Rule_I004, Rule_I005, Rule_I006, Rule_I007, Rule_I008,
            Rule_I009, Rule_I010, Rule_I011, Rule_I012, Rule_I013, Rule_I014, Rule_I015, Rule_I016,
            Rule_I017]
