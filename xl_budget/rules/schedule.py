"""Schedule rules (P): the cumulative spending plan 资金支出计划（%） at 3/6/10/12月底.

The plan is cumulative: a blank checkpoint carries the previous value forward (0 before the
first filled one), so "3月底 blank, 6月底 blank, 10月底 100%, 12月底 blank" is a complete plan.
Only the most basic problem of a plan is reported: an entirely blank plan (P005) hides the
others, and a plan with an error (P001–P003) gets no pacing warning (P004).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter

from xl_budget.findings import Finding, Severity
from xl_budget.layout import CHECKPOINT_LABELS
from xl_budget.model import CHECKPOINTS, BudgetBook, Project, Schedule
from xl_budget.profile import Profile, Thresholds
from xl_budget.rules.base import BaseRule, SharedRule

LABELS: dict[str, str] = {c.key: c.text for c in CHECKPOINT_LABELS}
HUNDRED = Decimal(100)


def pct(value: Decimal) -> str:
    """A percentage as staff write it: "30%", "83.3%"."""
    return f"{format(value.normalize(), 'f')}%"


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """A schedule's numbers and text cells with what the P rules decide about them, worked
    out once per distinct plan: the same few plans (30% / 60% / 85% / 100% …) recur in every
    workbook, and ``Plan.of`` interns them. The decisions name checkpoints, never numbers: 0
    and -0 are the same plan but print differently, so messages take their numbers from the
    schedule itself."""

    values: tuple[Decimal | None, ...]  # one per checkpoint, in calendar order
    invalid: frozenset[str]  # fields whose cell held text, not a number
    is_blank: bool  # P005
    out_of_range: frozenset[str]  # checkpoints holding a number outside 0–100
    bad: frozenset[str]  # checkpoints P001 reports: not a number, or outside 0–100
    drops: tuple[tuple[str, str], ...]  # (checkpoint, previous checkpoint) where it decreases
    year_end_wrong: bool  # the effective 12月底 value is decidable and not 100
    has_error: bool  # P001, P002, P003 or P005 fires

    @classmethod
    def of(cls, schedule: Schedule) -> Plan:
        return _plan(_checkpoint_values(schedule), frozenset(schedule.invalid))


_checkpoint_values: Callable[[Schedule], tuple[Decimal | None, ...]] = attrgetter(*CHECKPOINTS)
_PLANS = 4096  # size of each cache of plans


@lru_cache(maxsize=_PLANS)
def _plan(values: tuple[Decimal | None, ...], invalid: frozenset[str]) -> Plan:
    blank = all(v is None for v in values) and not invalid
    ranged = frozenset(k for k, v in zip(CHECKPOINTS, values, strict=True)
                       if v is not None and not 0 <= v <= HUNDRED)
    bad = invalid & set(CHECKPOINTS) | ranged
    points = [(k, v) for k, v in zip(CHECKPOINTS, values, strict=True) if k not in bad and v is not None]
    drops = tuple((k, pk) for (pk, pv), (k, v) in zip(points, points[1:], strict=False) if v < pv)
    year_end = _year_end_wrong(values, invalid, bad, blank)
    return Plan(values, invalid, blank, ranged, bad, drops, year_end,
                blank or bool(bad) or bool(drops) or year_end)


def _year_end_wrong(values: tuple[Decimal | None, ...], invalid: frozenset[str], bad: frozenset[str],
                    blank: bool) -> bool:
    if blank or "dec" in bad:
        return False
    if values[-1] is None:
        filled = [k for k, v in zip(CHECKPOINTS, values, strict=True) if k in invalid or v is not None]
        if not filled or filled[-1] in bad:
            return False
    return cumulative(values)[-1] != HUNDRED


def cumulative(values: Iterable[Decimal | None]) -> list[Decimal]:
    """The plan at each checkpoint with blanks carried forward (0 before the first value)."""
    out, last = [], Decimal(0)
    for value in values:
        last = value if value is not None else last
        out.append(last)
    return out


@dataclass(frozen=True, slots=True, eq=False)
class Pacing:
    """The straight line a plan is held to and the lag it may have (profile thresholds).
    ``Pacing.of`` makes one object per content: ``most_behind``'s cache then hashes it by its
    identity, in C, instead of hashing its numbers for every plan."""

    straight_line: tuple[Decimal, ...]
    tolerance: Decimal

    @classmethod
    def of(cls, thresholds: Thresholds) -> Pacing:
        return _pacing(tuple(thresholds.straight_line), thresholds.pacing_tolerance)


@lru_cache(maxsize=64)
def _pacing(straight_line: tuple[Decimal, ...], tolerance: Decimal) -> Pacing:
    return Pacing(straight_line, tolerance)


@lru_cache(maxsize=_PLANS)
def most_behind(plan: Plan, pacing: Pacing) -> int | None:
    """The checkpoint (its index) where the plan lags the straight line most (the first on
    ties), when by more than the tolerance."""
    lags = [line - value
            for value, line in zip(cumulative(plan.values), pacing.straight_line, strict=False)]
    lag = max(lags)
    return lags.index(lag) if lag > pacing.tolerance else None


PlanOf = tuple[Project, Plan]
"""A project with its schedule's plan."""


class ScheduleRule(SharedRule[list[PlanOf]], abstract=True):
    """A rule on the spending plans of a workbook, each project's worked out once for all the
    schedule rules (``Plan.of``)."""

    @staticmethod
    def shared(book: BudgetBook, profile: Profile) -> list[PlanOf]:
        return [(project, Plan.of(project.schedule)) for project in book.projects]

    def check_shared(self, shared: list[PlanOf], profile: Profile) -> Iterator[Finding]:
        return self.check_plans(shared, profile)

    def check_plans(self, plans: list[PlanOf], profile: Profile) -> Iterator[Finding]:
        raise NotImplementedError


def _at(rule: BaseRule, project: Project, key: str, message: str = "default", **ctx: object) -> Finding:
    schedule = project.schedule
    return rule.finding(schedule, f"schedule.{key}", message, project=project, cell=schedule.cell(key),
                        checkpoint=LABELS[key], **ctx)


class Rule_P001(ScheduleRule):
    """A schedule percentage is outside 0–100 or not a number.

    **Anti-pattern**: B7 (3月底) = 150%, or B7 = "三成" / "30%左右".
    **Best practice**: a cumulative percentage between 0% and 100%: B7 = 30%.
    """

    name = "schedule.percent_invalid"
    title = "支出进度百分比超出0–100%或不是数字"
    groups = ("all", "schedule")
    severity = Severity.error
    messages = {
        "text": "{checkpoint}的支出计划“{found}”不是百分比数字：请填写 0% 到 100% 之间的累计支出比例，如 30%",
        "range": "{checkpoint}的支出计划 {found} 超出 0%–100%：请填写截至该时点累计支出占预算数的比例，如 30%",
    }

    def check_plans(self, plans: list[PlanOf], profile: Profile) -> Iterator[Finding]:
        for project, plan in plans:
            if not plan.bad:
                continue
            schedule = project.schedule
            for key in CHECKPOINTS:
                if key in schedule.invalid:
                    yield _at(self, project, key, "text", found=schedule.invalid[key])
                elif key in plan.out_of_range:
                    yield _at(self, project, key, "range", found=pct(getattr(schedule, key)))


class Rule_P002(ScheduleRule):
    """The cumulative spending plan decreases.

    **Anti-pattern**: B7 (3月底) = 30%, D7 (6月底) = 20% — the plan counts money spent so far,
    it cannot go down.
    **Best practice**: each checkpoint at least the one before: 30% / 60% / 85% / 100%.
    """

    name = "schedule.decreasing"
    title = "累计支出计划出现下降"
    groups = ("all", "schedule")
    severity = Severity.error
    messages = {"default": "{checkpoint}的累计支出计划 {found} 低于{previous}的 {before}：支出计划是累计数，"
                           "只能增加不能减少，请改为不小于 {before} 的比例"}

    def check_plans(self, plans: list[PlanOf], profile: Profile) -> Iterator[Finding]:
        for project, plan in plans:
            schedule = project.schedule
            for key, prev_key in plan.drops:
                yield _at(self, project, key, found=pct(getattr(schedule, key)), previous=LABELS[prev_key],
                          before=pct(getattr(schedule, prev_key)))


class Rule_P003(ScheduleRule):
    """The year-end (12月底) plan is not 100%.

    **Anti-pattern**: 30% / 60% / 85% with 12月底 (F7) blank or 90% — the budget is not planned
    to be spent within the year.
    **Best practice**: F7 = 100% (a blank 12月底 after an earlier 100% is fine: it carries forward).
    """

    name = "schedule.year_end"
    title = "12月底支出进度不是100%"
    groups = ("all", "schedule")
    severity = Severity.error
    messages = {
        "blank": "12月底支出计划为空，截至{last}累计只有 {found}：年底应支出全部预算，请在 12月底 填写 100%",
        "default": "12月底累计支出计划为 {found}，不是 100%：年底应支出全部预算，请改为 100%",
    }

    def check_plans(self, plans: list[PlanOf], profile: Profile) -> Iterator[Finding]:
        for project, plan in plans:
            if plan.year_end_wrong and not any(k == "dec" for k, _ in plan.drops):
                yield self._year_end(project)  # unless fine, undecidable, or P002 points at 12月底

    def _year_end(self, project: Project) -> Finding:
        schedule = project.schedule
        value = cumulative(schedule.values())[-1]
        if schedule.dec is not None:
            return _at(self, project, "dec", found=pct(value))
        last = next(k for k in reversed(CHECKPOINTS) if getattr(schedule, k) is not None)
        return _at(self, project, "dec", "blank", found=pct(value), last=LABELS[last])


class Rule_P004(ScheduleRule):
    """The spending plan lags straight-line pacing by more than the profile's tolerance.

    **Anti-pattern**: 3月底 0% / 6月底 10% / 10月底 40% / 12月底 100% — most money is left to
    December (straight line: 25% / 50% / 83.3% / 100%, tolerance 20 points).
    **Best practice**: plan spending through the year, e.g. 30% / 60% / 85% / 100%.
    """

    name = "schedule.slow_pacing"
    title = "支出进度明显落后于均衡进度"
    groups = ("all", "schedule")
    severity = Severity.warning
    messages = {"default": "支出进度偏慢：{checkpoint}累计计划 {found}，比均衡进度 {line} 低 {lag} 个百分点"
                           "（允许 {tolerance} 个百分点）：请按实际执行安排提前支出，如 3月底 30%、6月底 60%、"
                           "10月底 85%、12月底 100%"}

    def check_plans(self, plans: list[PlanOf], profile: Profile) -> Iterator[Finding]:
        pacing = Pacing.of(profile.thresholds)
        for project, plan in plans:
            if not plan.has_error and (behind := most_behind(plan, pacing)) is not None:
                yield self._behind(project, behind, profile)

    def _behind(self, project: Project, behind: int, profile: Profile) -> Finding:
        schedule = project.schedule
        thresholds = profile.thresholds
        key, line = CHECKPOINTS[behind], thresholds.straight_line[behind]
        value = cumulative(schedule.values())[behind]
        lag = line - value
        found = pct(value) if getattr(schedule, key) is not None else f"未填（按累计计为 {pct(value)}）"
        return _at(self, project, key, found=found, line=pct(line),
                   lag=format(lag.normalize(), "f"), tolerance=format(thresholds.pacing_tolerance, "f"))


class Rule_P005(ScheduleRule):
    """The spending plan is entirely blank.

    **Anti-pattern**: B7:G7 under 3月底 … 12月底 all empty.
    **Best practice**: the cumulative percentages, e.g. 30% / 60% / 85% / 100%, or run `xl-budget
    fill` to put in the profile's default plan.
    """

    name = "schedule.blank"
    title = "支出计划全部空白"
    groups = ("all", "schedule")
    severity = Severity.error
    messages = {
        "default": "资金支出计划（%）全部为空：请填写 3月底、6月底、10月底、12月底 的累计支出比例"
                   "（如 30%、60%、85%、100%），或运行“填充”使用默认进度",
        "no_block": "项目表中没有“资金支出计划（%）”：请在预算规模下方加上“资金支出计划（%）”及 3月底、6月底、"
                    "10月底、12月底 四栏，填写累计支出比例（如 30%、60%、85%、100%）",
        "no_checkpoints": "“资金支出计划（%）”中找不到 3月底、6月底、10月底、12月底 四栏：请按模板写明这四个时点，"
                          "并在其下方填写累计支出比例（如 30%、60%、85%、100%）",
    }

    def check_plans(self, plans: list[PlanOf], profile: Profile) -> Iterator[Finding]:
        for project, plan in plans:
            if plan.is_blank:
                yield self._blank(project)

    def _blank(self, project: Project) -> Finding:
        cells = project.schedule.cells
        if any(key in cells for key in CHECKPOINTS):
            return _at(self, project, "mar")
        if "block" in cells:  # the block's label, but no checkpoint label under it
            return self.finding(project.schedule, "schedule.mar", "no_checkpoints", project=project,
                                cell=cells["block"])
        return _at(self, project, "mar", "no_block")


def get_rules() -> list[type[BaseRule]]:
    return [Rule_P001, Rule_P002, Rule_P003, Rule_P004, Rule_P005]
