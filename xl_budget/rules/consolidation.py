"""Consolidation rules (X): problems that only show across the workbooks of a county.

These rules never see one workbook alone: ``xl-budget consolidate`` reduces every input file to
a ``UnitFile`` (who sent it, when, which project codes where) and calls ``check_units``. The
per-book hooks of ``BaseRule`` yield nothing, so the rules are harmless in the per-file registry.

Order matters: X002 decides which file of a unit counts (``counted_files``); X001 compares the
project codes of counted files only, so a superseded resubmission is not reported twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from xl_budget.findings import Finding, Severity
from xl_budget.profile import Profile
from xl_budget.rules.base import BaseRule


# ------------------------------------------------------------------ Public API: inputs
@dataclass(frozen=True, slots=True)
class ProjectRef:
    """Where one project code sits in a file (the cell of the 项目编码 value)."""

    code: str
    sheet: str | None = None
    cell: str | None = None


@dataclass(frozen=True, slots=True)
class UnitFile:
    """One readable input file, as the cross-workbook rules need it."""

    file: str
    unit_code: str | None = None
    unit_name: str | None = None
    filled_on: dt.date | None = None
    mtime: float = 0.0
    unit_sheet: str | None = None
    unit_cell: str | None = None
    projects: tuple[ProjectRef, ...] = field(default_factory=tuple)

    @property
    def key(self) -> str:
        """The unit's identity: its code, else its name, else the file itself."""
        return unit_key(self.unit_code, self.unit_name) or f"file:{self.file}"

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.unit_code, self.unit_name) if p) or self.file


@dataclass(frozen=True, slots=True)
class ExpectedUnit:
    """One line of the ``--units`` list: a unit that must submit."""

    code: str | None
    name: str | None

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.code, self.name) if p)


def unit_key(code: str | None, name: str | None) -> str | None:
    """How two files are recognised as the same unit: the code, else the name."""
    code = (code or "").strip()
    if code:
        return f"code:{code}"
    name = "".join((name or "").split())
    return f"name:{name}" if name else None


# ------------------------------------------------------------------ Public API: decisions
@dataclass(frozen=True, slots=True)
class Choice:
    """Which file of a unit counts, and why (for 汇总 and the X002 messages)."""

    winner: str
    files: tuple[str, ...]
    why: str


def choose_counted(entries: Sequence[UnitFile]) -> dict[str, Choice]:
    """For each unit that sent more than one file: the file that counts.

    The newer submission counts: the later 填报日期, then the later file time, then the file
    that sorts last. Returns {unit key: Choice}; units with one file are absent.
    """
    by_unit: dict[str, list[UnitFile]] = defaultdict(list)
    for entry in entries:
        by_unit[entry.key].append(entry)
    out: dict[str, Choice] = {}
    for key, files in by_unit.items():
        if len(files) < 2:
            continue
        ranked = sorted(files, key=lambda e: (e.filled_on or dt.date.min, e.mtime, e.file))
        winner, runner_up = ranked[-1], ranked[-2]
        out[key] = Choice(winner.file, tuple(sorted(e.file for e in files)), _why(winner, runner_up))
    return out


def _why(winner: UnitFile, other: UnitFile) -> str:
    if (winner.filled_on or dt.date.min) != (other.filled_on or dt.date.min):
        return f"填报日期较新（{winner.filled_on.isoformat() if winner.filled_on else '未填'}）"
    if winner.mtime != other.mtime:
        stamp = dt.datetime.fromtimestamp(winner.mtime).strftime("%Y-%m-%d %H:%M:%S")
        return f"填报日期相同或未填，文件修改时间较新（{stamp}）"
    return "填报日期与文件修改时间都相同，按文件名排序取最后一个"


def counted_files(entries: Sequence[UnitFile]) -> set[str]:
    """The files whose amounts go into the county totals (one per unit)."""
    choices = choose_counted(entries)
    return {e.file for e in entries if e.key not in choices or choices[e.key].winner == e.file}


# ------------------------------------------------------------------ Rules
class _CrossRule:
    # Mixin: the rule checks many workbooks at once through ``check_units``.
    scope = "county"
    code: str
    severity: Severity
    messages: dict[str, str]

    def check_units(self, entries: Sequence[UnitFile], expected: Sequence[ExpectedUnit] | None,
                    profile: Profile) -> Iterator[Finding]:
        raise NotImplementedError

    def at(self, entry: UnitFile | None, key: str, *, sheet: str | None = None,
           cell: str | None = None, project: str | None = None, **ctx: object) -> Finding:
        return Finding(code=self.code, severity=self.severity, message=self.messages[key].format(**ctx),
                       file=entry.file if entry else None, sheet=sheet, cell=cell, project=project)


class Rule_X001(_CrossRule, BaseRule):
    """The same 项目编码 appears in the workbooks of two units.

    **Anti-pattern**: 农业农村局 and 科协 both list 13082123P00020010002T on their 项目1!B3.
    **Best practice**: each project belongs to exactly one unit; the unit that does not own it
    removes the table or corrects the code copied from another workbook.
    """

    name = "consolidation.duplicate_project_code"
    title = "同一项目编码出现在两个单位"
    groups = ("all", "consolidation")
    severity = Severity.error
    messages = {"default": "项目编码 {code} 同时出现在其他单位的工作簿中（{others}）：同一项目只能由一个单位填报，"
                           "请核对项目编码，删除或更正不属于本单位的项目"}

    def check_units(self, entries: Sequence[UnitFile], expected: Sequence[ExpectedUnit] | None,
                    profile: Profile) -> Iterator[Finding]:
        counted = counted_files(entries)
        owners: dict[str, list[tuple[UnitFile, ProjectRef]]] = defaultdict(list)
        for entry in entries:
            if entry.file in counted:
                for ref in entry.projects:
                    owners[ref.code.strip().upper()].append((entry, ref))
        for code in sorted(owners):
            places = owners[code]
            if len({e.key for e, _ in places}) < 2:
                continue
            for entry, ref in places:
                others = "；".join(f"{e.label}：{e.file}" for e, _ in places if e.key != entry.key)
                yield self.at(entry, "default", sheet=ref.sheet, cell=ref.cell, project=ref.code,
                              code=ref.code, others=others)


class Rule_X002(_CrossRule, BaseRule):
    """One unit submitted more than one workbook.

    **Anti-pattern**: 731001_科协.xlsx and 731001_科协_修改版.xlsx both in the folder, both with
    单位编码 731001 on 单位信息!B2.
    **Best practice**: send one workbook per unit; when resubmitting, fill a later 填报日期 so the
    newer file is recognised (all files are kept and shown, only the newer one counts).
    """

    name = "consolidation.duplicate_submission"
    title = "同一单位报送了多个文件"
    groups = ("all", "consolidation")
    severity = Severity.warning
    messages = {
        "winner": "单位 {unit} 提交了 {count} 个文件（{files}）：以本文件为准（{why}），其余文件不计入合计",
        "superseded": "单位 {unit} 提交了 {count} 个文件：本文件已被较新的 {winner} 取代（{why}），"
                      "不计入合计；如本文件才是正确版本，请更新其填报日期后重新报送",
    }

    def check_units(self, entries: Sequence[UnitFile], expected: Sequence[ExpectedUnit] | None,
                    profile: Profile) -> Iterator[Finding]:
        choices = choose_counted(entries)
        for entry in entries:
            choice = choices.get(entry.key)
            if choice is None:
                continue
            key = "winner" if entry.file == choice.winner else "superseded"
            yield self.at(entry, key, sheet=entry.unit_sheet, cell=entry.unit_cell, unit=entry.label,
                          count=len(choice.files), files="、".join(choice.files), winner=choice.winner,
                          why=choice.why)


class Rule_X003(_CrossRule, BaseRule):
    """A unit on the expected list (``--units``) sent no workbook.

    **Anti-pattern**: the list names 731005 承德县卫生健康局, but no file in the folder has
    单位编码 731005 on 单位信息!B2.
    **Best practice**: every unit on the list submits its workbook; the finance bureau follows up
    on the units marked 未提交 in 汇总.
    """

    name = "consolidation.missing_unit"
    title = "应报送单位没有报送文件"
    groups = ("all", "consolidation")
    severity = Severity.warning
    messages = {"default": "名单中的单位 {unit} 没有提交工作簿：请联系该单位报送"}

    def check_units(self, entries: Sequence[UnitFile], expected: Sequence[ExpectedUnit] | None,
                    profile: Profile) -> Iterator[Finding]:
        for unit in missing_units(entries, expected or ()):
            yield self.at(None, "default", unit=unit.label)


def missing_units(entries: Sequence[UnitFile], expected: Sequence[ExpectedUnit]) -> list[ExpectedUnit]:
    """The expected units no file came from (matched by code, or by name when the list has none)."""
    codes = {(e.unit_code or "").strip() for e in entries} - {""}
    names = {"".join((e.unit_name or "").split()) for e in entries} - {""}
    out = []
    for unit in expected:
        if unit.code:
            if unit.code.strip() not in codes:
                out.append(unit)
        elif "".join((unit.name or "").split()) not in names:
            out.append(unit)
    return out


def check_units(entries: Sequence[UnitFile], expected: Sequence[ExpectedUnit] | None = None,
                profile: Profile | None = None) -> list[Finding]:
    """Every cross-workbook finding (X002, X001, X003), honouring the profile's ``disable``."""
    from xl_budget.profile import load_profile

    profile = profile or load_profile()
    found: list[Finding] = []
    for rule in (Rule_X002, Rule_X001, Rule_X003):
        tags = {rule.code, rule.family(), *rule.groups}
        if not any(d in tags for d in profile.disable):
            found.extend(rule().check_units(entries, expected, profile))
    return found


def get_rules() -> list[type[BaseRule]]:
    return [Rule_X001, Rule_X002, Rule_X003]
