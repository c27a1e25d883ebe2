"""``xl-budget fill``: fill totals and schedule percentages without breaking the workbook.

Data flows one way:

1. ``read_cells`` + ``find_unit_cells`` take a snapshot of the cells fill looks at (value or
   cached formula result, formula text, number format) next to the parsed ``BudgetBook``.
2. ``compute_changes(book, profile, cells)`` is pure: it returns a ``FillResult`` holding a list
   of plain ``Change`` records and the findings for cells it could not fill.
3. ``apply_changes`` writes them into the file: ``apply_to_openpyxl`` (the only openpyxl part)
   sets the cells and the 填充记录 sheet, ``writeback.save_workbook`` saves atomically with a
   cached value in every formula cell.
   The same ``Change`` list can be applied to a live Excel book (xlwings) or to LibreOffice.

Decisions (see the report of issue 4):

* Budget: a blank 其他资金 counts as 0, so 财政资金 alone gives 预算数 = 财政资金 and 其他资金 = 0;
  预算数 alone is never split (reported as B002); 其他资金 alone is reported (B001). The third
  amount is written even when it is 0, so that the table is complete. When all three are
  present and disagree nothing is changed (B002). Text in an amount cell stops every budget
  fill of that project (B001); a number typed as text ("8") becomes a number.
* Schedule: every percentage becomes an Excel fraction in a percent-formatted cell (an existing
  percent format is kept). A plan row is read as the reader reads it (``parse._fractions``
  decides whether the row's numbers are fractions, ``parse._percent`` reads each cell), so fill
  never rewrites a row into percentages validate did not see. The one thing fill knows beyond
  the reader is the number format: a number in a percent-formatted cell is the percentage it
  shows, unless the reader reads the row as points and all such numbers are 0 or at least 1
  with one above 1 (30 typed into a 0% cell means 30%). A value outside 0–100% or text is
  reported (P001) and kept; a number outside 0–100% keeps its whole row as typed, since
  rewriting the rest would change how the reader reads them. Leading and middle blanks are left
  alone (not guessed); the only blank fill must fill is 12月底, and it reports P003 when it cannot.
* Unit level: the template's formulas (SUM over the projects' cells; the plan per checkpoint is
  each project's last planned amount up to it, over 预算数合计). A table without the
  计划支出金额 row contributes N(预算数) × its last percentage instead.
* A formula cell fill computes (计划支出金额, the unit totals) keeps its formula when it is the one
  fill would write; only its cached value is refreshed. Any other content there is replaced by
  the live formula. A formula typed by staff into an input cell is never overwritten.
* A project table with nothing in it (an unused template sheet) is left alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from xl_budget import layout as L
from xl_budget.findings import Finding, Severity
from xl_budget.grids import CellValue, Grid, a1, parse_a1, read_grids
from xl_budget.model import CHECKPOINTS, BudgetBook, Indicator, Project
from xl_budget.parse import (
    OWN_SHEETS,
    _below,
    _fractions,
    _LabelIndex,
    _percent,
    parse_grids,
    unit_value,
)
from xl_budget.profile import Profile, load_profile

CellKey = tuple[str, str]  # (sheet, "B7")
LOG_SHEET = "填充记录"
LOG_HEADER = ("序号", "工作表", "单元格", "原值", "新值", "公式", "说明")
MONEY_FORMAT = "0.00"
COUNT_FORMAT = "0"
SHARE_FORMAT = "0.0%"
FORMULA_LIMIT = 8000  # Excel allows 8192 characters in a formula
EDITABLE_SUFFIXES = (".xlsx", ".xlsm")

_FIELD_TEXT = {"total": "预算数", "fiscal": "财政资金", "other": "其他资金"}
_CHECKPOINT_TEXT = {lab.key: lab.text for lab in L.CHECKPOINT_LABELS}
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_FIXED_PLACES = re.compile(r"^[#,0]*0(?:\.(0+))?%?$")


# ------------------------------------------------------------------ Public API: data
@dataclass(frozen=True)
class CellState:
    """What a cell holds now: its value (a formula's cached result), formula and number format."""

    value: CellValue = None
    formula: str | None = None
    number_format: str = "General"
    merge_end: str | None = None  # bottom-right cell when this cell anchors a merged range


@dataclass(frozen=True)
class Change:
    """One cell to write. ``new`` is the value (for a formula: its computed result).

    ``formula`` is the formula to put in the cell (``None``: write ``new`` as a constant);
    ``number_format`` is the format to set (``None``: keep the cell's). ``old``/``old_formula``
    say what the cell held; ``old_text``/``new_text`` are how a user sees both.
    """

    sheet: str
    cell: str
    old: Any
    new: Any
    formula: str | None = None
    reason: str = ""
    number_format: str | None = None
    old_formula: str | None = None
    field: str = ""
    old_text: str = ""
    new_text: str = ""

    def line(self) -> str:
        """One Chinese line for stdout: ``项目1!G4：（空） → 0.5（其他资金 = …）``."""
        return f"{self.sheet}!{self.cell}：{self.old_text} → {self.new_text}（{self.reason}）"


@dataclass
class FillResult:
    """The changes to make and the findings for cells that could not be filled."""

    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every cell fill looked at could be filled (no error finding)."""
        return not any(f.severity == Severity.error for f in self.findings)


@dataclass(frozen=True)
class UnitCells:
    """Where the totals block of 单位信息 sits: keys projects/total/fiscal/other/plan.<checkpoint>."""

    sheet: str
    cells: dict[str, str]


# ------------------------------------------------------------------ Public API: snapshots
def read_cells(wb: Any, grids: Sequence[Grid]) -> dict[CellKey, CellState]:
    """Snapshot an openpyxl workbook (formulas, formats) with the cached values from ``grids``.

    Args:
        wb: the workbook as ``writeback.load_for_edit`` opened it (formulas as text).
        grids: the same file read by ``grids.read_grids`` (cached formula results).
    Returns:
        Every cell holding a value or a number format other than General.
    """
    cached = {(g.name, a1(r, c)): v for g in grids for r, c, v in g.iter_cells()}
    out: dict[CellKey, CellState] = {}
    for ws in wb.worksheets:
        if not hasattr(ws, "iter_rows"):
            continue  # a chartsheet
        ends = {rng.start_cell.coordinate: f"{rng.coord.split(':')[-1]}" for rng in ws.merged_cells.ranges}
        for row in ws.iter_rows():
            for cell in row:
                state = _cell_state(cell, cached.get((ws.title, cell.coordinate)),
                                    ends.get(cell.coordinate))
                if state is not None:
                    out[(ws.title, cell.coordinate)] = state
    return out


def cells_from_book(book: BudgetBook) -> dict[CellKey, CellState]:
    """A snapshot made from the model alone (amounts as numbers, percentages as fractions in
    percent-formatted cells); for callers that have no workbook at hand."""
    out: dict[CellKey, CellState] = {}
    for p in book.projects:
        for name in ("total", "fiscal", "other"):
            value = p.budget.invalid.get(name, getattr(p.budget, name))
            if (cell := p.budget.cell(name)) and p.sheet:
                out[(p.sheet, cell)] = CellState(value, None, MONEY_FORMAT)
        for k in CHECKPOINTS:
            pct = getattr(p.schedule, k)
            value = p.schedule.invalid.get(k, None if pct is None else pct / _HUNDRED)
            if (cell := p.schedule.cell(k)) and p.sheet:
                out[(p.sheet, cell)] = CellState(value, None, "0%")
        for ind in p.indicators:
            if (cell := ind.cell("value")) and p.sheet and ind.value is not None:
                out[(p.sheet, cell)] = CellState(ind.value.raw, None, "@")
    return out


def find_unit_cells(grids: Iterable[Grid]) -> UnitCells | None:
    """The totals block of 单位信息, found by its printed labels; None when no sheet has one."""
    for grid in grids:
        if grid.name in OWN_SHEETS:
            continue
        index = _LabelIndex(grid)
        cells: dict[str, str] = {}
        for lab in L.UNIT_TOTAL_LABELS:
            # no cell when labels fill the cells beside and below (a grid of labels, no values);
            # the cell the reader reads 预算数合计 from (parse._read_unit), never a note past it
            if (pos := index.first(lab)) is not None and (cell := unit_value(index, pos, "amount")[1]):
                cells[lab.key] = cell
        if cells:
            cells.update(_plan_cells(grid, index))
            return UnitCells(grid.name, cells)
    return None


# ------------------------------------------------------------------ Public API: compute
def compute_changes(book: BudgetBook, profile: Profile | None = None,
                    cells: Mapping[CellKey, CellState] | None = None,
                    unit: UnitCells | None = None) -> FillResult:
    """Everything ``fill`` would write, without touching any file.

    Args:
        book: the parsed workbook.
        profile: thresholds (default pacing) and where 成本指标 sits; the default profile if None.
        cells: the snapshot of ``read_cells``; ``cells_from_book(book)`` if None.
        unit: the 单位信息 totals block (``find_unit_cells``); no unit totals when None.
    Returns:
        The changes in a stable order, and findings for the cells that could not be filled.
    """
    profile = profile or load_profile()
    ctx = _Ctx(book, profile, cells if cells is not None else cells_from_book(book))
    for project in book.projects:  # spare blank template sheets are not projects (parse)
        if project.sheet:
            _fill_project(ctx, project)
    if unit is not None and book.projects:
        _fill_unit(ctx, unit)
    elif book.projects:
        ctx.result.notes.append("工作簿中没有“单位信息”汇总区（项目个数、预算数合计等），未填写单位汇总。")
    if not book.projects and not book.blank_tables:
        ctx.report("F002", None, None, None, "工作簿中没有找到项目绩效目标表（缺少“项目编码”等表头），"
                   "没有可填充的内容：请使用标准模板（xl-budget new）填报")
    return ctx.result


# ------------------------------------------------------------------ Public API: apply
def apply_to_openpyxl(wb: Any, changes: Sequence[Change], now: dt.datetime | None = None
                      ) -> dict[CellKey, Any]:
    """Write ``changes`` and the 填充记录 sheet into an openpyxl workbook.

    Returns:
        The computed value of every formula written, by (sheet, cell), for
        ``writeback.save_workbook(values=...)``.
    """
    values: dict[CellKey, Any] = {}
    for ch in changes:
        cell = _anchor(wb[ch.sheet], ch.cell)
        if ch.formula is not None:
            cell.value = ch.formula
            values[(ch.sheet, cell.coordinate)] = "" if ch.new is None else ch.new
        else:
            cell.value = _plain(ch.new)
        if ch.number_format is not None:
            cell.number_format = ch.number_format
    _write_log_sheet(wb, log_rows(changes), now or dt.datetime.now())
    return values


def log_rows(changes: Sequence[Change]) -> list[list[str | int]]:
    """The rows of the 填充记录 sheet (after its header), one per change."""
    def old(ch: Change) -> str:
        replaced = ch.old_formula is not None and ch.old_formula != ch.formula
        return ch.old_formula if replaced else ch.old_text

    return [[i, ch.sheet, ch.cell, old(ch), ch.new_text, ch.formula or "", ch.reason]
            for i, ch in enumerate(changes, start=1)]


def log_title(count: int, now: dt.datetime) -> str:
    """The first line of the 填充记录 sheet."""
    return f"xl-budget 填充记录：{now:%Y-%m-%d %H:%M}，共 {count} 处修改"


def fill_file(path: str | Path, out: str | Path | None = None, profile: Profile | None = None,
              now: dt.datetime | None = None) -> FillResult:
    """Fill a workbook file: in place, or into ``out``. Nothing is written when nothing changes
    (``out`` then receives an unchanged copy).

    Raises:
        InputError: not an .xlsx/.xlsm file, or ``out`` of another type.
        FileError: the file cannot be read or written (Chinese message).
    """
    from xl_budget.writeback import load_for_edit

    path = Path(path)
    _check_paths(path, Path(out) if out is not None else path)
    grids = read_grids(path)
    book = parse_grids(grids, file=str(path))
    wb = load_for_edit(path)
    result = compute_changes(book, profile, read_cells(wb, grids), find_unit_cells(grids))
    result.findings = [f.model_copy(update={"file": path.name}) for f in result.findings]
    apply_changes(path, result.changes, out, now=now, wb=wb)
    return result


def apply_changes(path: str | Path, changes: Sequence[Change], out: str | Path | None = None, *,
                  now: dt.datetime | None = None, wb: Any = None) -> None:
    """Write ``changes`` (and the 填充记录 sheet) into a workbook file, atomically, with a cached
    value in every formula cell. Without changes the file is left alone (``out`` gets a copy).

    Args:
        path: the workbook the changes were computed from.
        changes: from ``compute_changes``.
        out: where to save; ``path`` itself when None.
        now: the time stamped on 填充记录.
        wb: ``path`` already opened with ``writeback.load_for_edit`` (saves opening it twice).
    """
    from xl_budget.writeback import copy_if_needed, load_for_edit, save_workbook

    path = Path(path)
    dest = Path(out) if out is not None else path
    if not changes:
        copy_if_needed(path, dest)
        return
    if path.suffix.lower() == ".xlsm":
        from xl_budget import excel  # noqa: F401 - registers the hook that restores buttons
    wb = wb if wb is not None else load_for_edit(path)
    values = apply_to_openpyxl(wb, changes, now)
    save_workbook(wb, dest, source=path, values=values)


# ------------------------------------------------------------------ Private API: context
@dataclass
class _Ctx:
    # What the private fill steps share: the inputs and the result being built.
    book: BudgetBook
    profile: Profile
    cells: Mapping[CellKey, CellState]
    result: FillResult = field(default_factory=FillResult)
    # Final amounts and percentages per project (by id) and checkpoint, for the unit totals.
    budgets: dict[int, dict[str, Decimal | None]] = field(default_factory=dict)
    pcts: dict[tuple[int, str], Decimal | None] = field(default_factory=dict)

    def state(self, sheet: str | None, cell: str | None) -> CellState:
        return self.cells.get((sheet or "", cell or ""), CellState())

    def add(self, change: Change | None) -> None:
        if change is not None:
            self.result.changes.append(change)

    def report(self, code: str, project: Project | None, sheet: str | None, cell: str | None,
               message: str, severity: Severity = Severity.error) -> None:
        self.result.findings.append(Finding(
            code=code, severity=severity, message=message, sheet=sheet, cell=cell,
            project=project.code if project is not None else None))


def _fill_project(ctx: _Ctx, project: Project) -> None:
    amounts, ok = _fill_budget(ctx, project)
    ctx.budgets[id(project)] = amounts
    pcts = _fill_schedule(ctx, project)
    ctx.pcts.update({(id(project), k): v for k, v in pcts.items()})
    _fill_planned(ctx, project, amounts["total"], pcts)
    if ok:
        _fill_costs(ctx, project, amounts["total"])


# ------------------------------------------------------------------ Private API: cell writes
def _set_value(ctx: _Ctx, sheet: str, cell: str, new: Any, reason: str, field_name: str,
               fmt: str | None = None) -> None:
    # A constant into an input cell; never over a formula typed by staff.
    state = ctx.state(sheet, cell)
    if state.formula is not None:
        return
    final_fmt = fmt or state.number_format
    same_type = isinstance(state.value, str) == isinstance(new, str)
    if same_type and _same(state.value, new) and final_fmt == state.number_format:
        return
    ctx.add(Change(sheet, cell, state.value, new, None, reason,
                   fmt if fmt != state.number_format else None, None, field_name,
                   _show(state.value, state.number_format), _show(new, final_fmt)))


def _set_formula(ctx: _Ctx, sheet: str, cell: str, formula: str, value: Any, reason: str,
                 field_name: str, fmt: str | None) -> None:
    # A live formula with its computed value. A cell already holding this formula keeps its
    # own spelling of it; only a stale cached value (or a wrong format) makes a change.
    state = ctx.state(sheet, cell)
    if len(formula) > FORMULA_LIMIT:
        _set_value(ctx, sheet, cell, value, reason + "（公式过长，写入数值）", field_name, fmt)
        return
    final_fmt = fmt or state.number_format
    keep = state.formula is not None and _formula_key(state.formula) == _formula_key(formula)
    if keep and _same(state.value, value) and final_fmt == state.number_format:
        return
    ctx.add(Change(sheet, cell, state.value, value, state.formula if keep else formula,
                   f"{reason.removesuffix('（公式）')}：公式不变，更新计算结果" if keep else reason,
                   fmt if fmt != state.number_format else None, state.formula, field_name,
                   _show(state.value, state.number_format), _show(value, final_fmt)))


def _money_format(state: CellState) -> str:
    # Keep a number format the cell already has; General or text (@) becomes 0.00.
    return MONEY_FORMAT if state.number_format in ("General", "@", "") else state.number_format


# ------------------------------------------------------------------ Private API: budget
def _fill_budget(ctx: _Ctx, project: Project) -> tuple[dict[str, Decimal | None], bool]:
    """Fill the missing one of 预算数/财政资金/其他资金; returns the final amounts and whether
    they add up."""
    b = project.budget
    amounts: dict[str, Decimal | None] = {f: getattr(b, f) for f in _FIELD_TEXT}
    if b.invalid:
        for name, raw in b.invalid.items():
            if name in _FIELD_TEXT:
                ctx.report("B001", project, b.sheet, b.cell(name),
                           f"{_FIELD_TEXT[name]}应为数字（万元），现为文字“{raw}”，无法计算：请只填写数字，如 4.86")
        return amounts, False
    _numbers_as_numbers(ctx, project, amounts)
    negative = [f for f, v in amounts.items() if v is not None and v < 0]
    if negative:
        _report_negative(ctx, project, negative, amounts)
        return amounts, False
    filled = _solve_budget(ctx, project, amounts)
    if filled is None:
        return amounts, False
    for name, (value, reason) in filled.items():
        cell = b.cell(name)
        if cell:
            _set_value(ctx, b.sheet or "", cell, value, reason, f"budget.{name}",
                       _money_format(ctx.state(b.sheet, cell)))
        amounts[name] = value
    return amounts, True


def _numbers_as_numbers(ctx: _Ctx, project: Project, amounts: dict[str, Decimal | None]) -> None:
    # "8" typed as text reads as 8 but SUM ignores it: make it a number.
    b = project.budget
    for name, value in amounts.items():
        cell = b.cell(name)
        state = ctx.state(b.sheet, cell)
        if value is not None and cell and isinstance(state.value, str):
            _set_value(ctx, b.sheet or "", cell, value, "文本型数字改为数值", f"budget.{name}",
                       _money_format(state))


def _report_negative(ctx: _Ctx, project: Project, negative: list[str], amounts: dict) -> None:
    if all(v is not None for v in amounts.values()):
        return  # nothing to fill; validation reports B003
    for name in negative:
        ctx.report("B003", project, project.budget.sheet, project.budget.cell(name),
                   f"{_FIELD_TEXT[name]}为负数（{_num_text(amounts[name])}），无法推算其余金额：金额不能为负，请改正")


def _solve_budget(ctx: _Ctx, project: Project, amounts: dict[str, Decimal | None]
                  ) -> dict[str, tuple[Decimal, str]] | None:
    """The amounts to write with their reasons; None (and a finding) when they cannot be found."""
    t, f, o = amounts["total"], amounts["fiscal"], amounts["other"]
    b = project.budget
    where = (project, b.sheet)
    if t is not None and f is not None and o is not None:
        if t != f + o:
            ctx.report("B002", *where, b.cell("total"),
                       f"预算数 {_num_text(t)} ≠ 财政资金 {_num_text(f)} + 其他资金 {_num_text(o)}"
                       f"（合计 {_num_text(f + o)}）：三项都已填写，未作修改，请核对后改正其中一项")
            return None
        return {}
    if t is not None and f is not None:
        if f > t:
            ctx.report("B002", *where, b.cell("fiscal"),
                       f"财政资金 {_num_text(f)} 大于预算数 {_num_text(t)}，无法推算其他资金：请核对预算数与财政资金")
            return None
        return _only_if_cell(ctx, project, "other", t - f,
                             f"其他资金 = 预算数 {_num_text(t)} − 财政资金 {_num_text(f)}")
    if t is not None and o is not None:
        if o > t:
            ctx.report("B002", *where, b.cell("other"),
                       f"其他资金 {_num_text(o)} 大于预算数 {_num_text(t)}，无法推算财政资金：请核对预算数与其他资金")
            return None
        return {"fiscal": (t - o, f"财政资金 = 预算数 {_num_text(t)} − 其他资金 {_num_text(o)}")}
    if f is not None:
        out = {"total": (f + (o or 0), f"预算数 = 财政资金 {_num_text(f)} + 其他资金 {_num_text(o or 0)}")}
        if o is None and b.cell("other"):
            out["other"] = (Decimal(0), "其他资金为空，按 0 填写")
        return out
    if t is not None:
        ctx.report("B002", *where, b.cell("fiscal") or b.cell("total"),
                   f"预算数 {_num_text(t)} 已填，但财政资金和其他资金都为空，无法拆分：请填写财政资金"
                   f"（全部为财政资金时填 {_num_text(t)}，其他资金可留空）")
        return None
    ctx.report("B001", *where, b.cell("total"),
               "预算数为空，且无法由财政资金推算：请填写预算数和财政资金（万元，只填数字）")
    return None


def _only_if_cell(ctx: _Ctx, project: Project, name: str, value: Decimal, reason: str
                  ) -> dict[str, tuple[Decimal, str]] | None:
    # A hand-made table may lack the 其他资金 cell: fine when the difference is 0.
    b = project.budget
    if b.cell(name):
        return {name: (value, reason)}
    if value == 0:
        return {}
    ctx.report("B002", project, b.sheet, b.cell("total"),
               f"{reason} = {_num_text(value)}，但表中没有“{_FIELD_TEXT[name]}”一栏可填写：请补上该栏或改正金额")
    return None


# ------------------------------------------------------------------ Private API: schedule
def _fill_schedule(ctx: _Ctx, project: Project) -> dict[str, Decimal | None]:
    """Normalise and complete the plan; returns by checkpoint the percentage (0–100) the formulas
    over the plan cells compute with after fill."""
    s = project.schedule
    keys = [k for k in CHECKPOINTS if s.cell(k)]
    if not keys:
        return {}
    states = {k: ctx.state(s.sheet, s.cell(k)) for k in keys}
    pcts, bad = _read_percents(ctx, project, states)
    if any(pcts.get(k) is not None for k in bad):
        # A number outside 0–100%: the row is left as typed, as rewriting the others (30 → 0.3
        # beside a kept 150) would change how the reader reads them.
        return {k: _as_formulas_see(states[k]) for k in keys}
    reasons: dict[str, str] = {}
    if len(keys) == len(CHECKPOINTS) and not bad:
        _complete_plan(ctx, project, pcts, reasons)
    for k in keys:
        if pcts.get(k) is not None and k not in bad:
            _write_percent(ctx, project, k, states[k], pcts[k], reasons.get(k))
    return {k: (None if k in bad else pcts.get(k)) for k in keys}


def _read_percents(ctx: _Ctx, project: Project, states: dict[str, CellState]
                   ) -> tuple[dict[str, Decimal | None], set[str]]:
    as_fraction = _fractions([st.value for st in states.values()])  # the reader's decision
    points = _points_in_percent_cells(list(states.values()), as_fraction)
    pcts: dict[str, Decimal | None] = {}
    bad: set[str] = set()
    s = project.schedule
    for k, state in states.items():
        try:
            pct = _percent_of(state, as_fraction, points)
        except ValueError:
            bad.add(k)
            ctx.report("P001", project, s.sheet, s.cell(k),
                       f"{_CHECKPOINT_TEXT[k]}的支出进度应为百分比，现为“{state.value}”：请填写如 30% 的累计百分比")
            continue
        if pct is not None and not 0 <= pct <= _HUNDRED:
            bad.add(k)
            ctx.report("P001", project, s.sheet, s.cell(k),
                       f"{_CHECKPOINT_TEXT[k]}的支出进度 {_num_text(pct)}% 超出 0–100%：请改为 0% 到 100% 之间的累计百分比")
        pcts[k] = pct
    return pcts, bad


def _as_formulas_see(state: CellState) -> Decimal | None:
    # The percentage the formulas over this cell (计划支出金额, the unit's plan) compute with:
    # its number as a fraction, whatever it was meant to be; text counts as blank.
    return _tidy(Decimal(str(state.value)) * _HUNDRED) if _is_number(state.value) else None


def _complete_plan(ctx: _Ctx, project: Project, pcts: dict[str, Decimal | None],
                   reasons: dict[str, str]) -> None:
    # Default pacing for a blank plan; 100 carried forward; the year-end of a complete plan.
    if all(v is None for v in pcts.values()):
        default = ctx.profile.thresholds.default_pacing
        text = "/".join(f"{_num_text(v)}%" for v in default)
        for k, v in zip(CHECKPOINTS, default, strict=True):
            pcts[k], reasons[k] = Decimal(v), f"支出计划全部为空，按默认进度 {text} 填写"
        return
    for prev, k in zip(CHECKPOINTS, CHECKPOINTS[1:], strict=False):
        if pcts[k] is None and pcts[prev] == _HUNDRED:
            pcts[k], reasons[k] = _HUNDRED, f"{_CHECKPOINT_TEXT[prev]}已达 100%，之后累计进度保持 100%"
    if pcts["dec"] is None:
        why = _year_end_blocker(pcts)
        if why is None:
            pcts["dec"], reasons["dec"] = _HUNDRED, "前三个时点已填且不下降，12月底累计支出应为 100%"
        else:
            s = project.schedule
            ctx.report("P003", project, s.sheet, s.cell("dec"),
                       f"12月底为空，无法自动补为 100%：{why}，请补全全年支出计划（12月底一般为 100%）")


def _year_end_blocker(pcts: dict[str, Decimal | None]) -> str | None:
    earlier = CHECKPOINTS[:-1]
    missing = [_CHECKPOINT_TEXT[k] for k in earlier if pcts[k] is None]
    if missing:
        return "、".join(missing) + "尚未填写"
    for a, b in zip(earlier, earlier[1:], strict=False):
        if pcts[b] < pcts[a]:
            return (f"累计进度下降（{_CHECKPOINT_TEXT[a]} {_num_text(pcts[a])}% → "
                    f"{_CHECKPOINT_TEXT[b]} {_num_text(pcts[b])}%）")
    return None


def _write_percent(ctx: _Ctx, project: Project, k: str, state: CellState, pct: Decimal,
                   reason: str | None) -> None:
    fmt = state.number_format if _is_percent_format(state.number_format) else _pct_format(pct)
    if reason is None:
        reason = "统一为百分比格式的数值"
    _set_value(ctx, project.sheet or "", project.schedule.cell(k) or "", _tidy(pct / _HUNDRED),
               reason, f"schedule.{k}", fmt)


# ------------------------------------------------------------------ Private API: 计划支出金额
def _planned_formula(total: str, pct: str) -> str:
    # The template's own formula (xl_budget.template), so a template sheet keeps its formula.
    return f'=IF(OR({total}="",{pct}=""),"",ROUND({total}*{pct},2))'


def _fill_planned(ctx: _Ctx, project: Project, total: Decimal | None,
                  pcts: dict[str, Decimal | None]) -> None:
    s, b = project.schedule, project.budget
    total_cell = b.cell("total")
    for k in CHECKPOINTS:
        cell, pct_cell = s.cell(f"planned.{k}"), s.cell(k)
        if k not in pcts or not total_cell or not pct_cell:
            continue
        value = _planned_value(total, pcts[k])
        if cell is None or b.invalid or k in s.invalid:
            continue
        state = ctx.state(s.sheet, cell)
        _set_formula(ctx, s.sheet or "", cell, _planned_formula(total_cell, pct_cell),
                     "" if value is None else value,
                     f"计划支出金额 = 预算数 × {_CHECKPOINT_TEXT[k]}累计进度（公式）",
                     f"planned.{k}", _money_format(state))


def _planned_value(total: Decimal | None, pct: Decimal | None) -> Decimal | None:
    if total is None or pct is None:
        return None
    return (total * pct / _HUNDRED).quantize(_CENT, rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------ Private API: 成本指标
def _is_cost(ind: Indicator, profile: Profile) -> bool:
    level2 = {profile.required.cost_level2, "成本指标", "经济成本指标"}
    return ind.level2 in level2 or (ind.level1 == "成本指标" and ind.level2 in (None, "经济成本指标"))


def _fill_costs(ctx: _Ctx, project: Project, total: Decimal | None) -> None:
    for ind in project.indicators:
        cell = ind.cell("value")
        if not _is_cost(ind, ctx.profile) or ind.value is not None or not cell:
            continue
        state = ctx.state(project.sheet, cell)
        if state.value not in (None, "") or state.formula is not None:
            continue
        if total is None:
            ctx.report("I004", project, project.sheet, cell,
                       "成本指标的指标值为空，且预算数未知，无法自动填写：请先填写预算数，或直接填写如 ≤4.86万元")
            continue
        _set_value(ctx, project.sheet or "", cell, f"≤{_num_text(total)}万元",
                   "成本指标为空，按预算数填写成本上限", "indicator.value")


# ------------------------------------------------------------------ Private API: 单位信息
def _plan_cells(grid: Grid, index: _LabelIndex) -> dict[str, str]:
    # 计划支出进度（%）: checkpoint labels beside the label (its merged rows), values below them.
    pos = index.first(L.UNIT_PLAN_LABEL)
    if pos is None:
        return {}
    r0, c0, r1, c1 = grid.merge_of(*pos)
    out = {}
    for lab in L.CHECKPOINT_LABELS:
        hits = [p for p in index.find_any(lab.keys, rows=range(r0, r1 + 1)) if p[1] > c1]
        if hits:
            out[f"plan.{lab.key}"] = _below(grid, hits[0])[1]
    return out


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _sum_expr(refs: list[str]) -> str:
    # SUM takes at most 255 arguments: nest in chunks (as the template does).
    chunks = [refs[i:i + 200] for i in range(0, len(refs), 200)]
    parts = [f"SUM({','.join(ch)})" for ch in chunks]
    return parts[0] if len(parts) == 1 else f"SUM({','.join(parts)})"


def _fill_unit(ctx: _Ctx, unit: UnitCells) -> None:
    projects = [p for p in ctx.book.projects if p.sheet]
    if "projects" in unit.cells:
        _unit_count(ctx, unit, projects)
    for name in _FIELD_TEXT:
        if name in unit.cells:
            _unit_sum(ctx, unit, projects, name)
    total_cell = unit.cells.get("total")
    for k in CHECKPOINTS:
        if total_cell and f"plan.{k}" in unit.cells:
            _unit_plan(ctx, unit, projects, k, total_cell)


def _unit_count(ctx: _Ctx, unit: UnitCells, projects: list[Project]) -> None:
    terms = []
    for p in projects:
        refs = [f"{_quote(p.sheet or '')}!{c}" for c in (p.cell("code"), p.cell("name")) if c]
        if refs:
            terms.append(f'({"&".join(refs)}<>"")')
    if not terms:
        return
    formula = "=" + "+".join(terms) + ("*1" if len(terms) == 1 else "")
    count = sum(1 for p in projects if p.code or p.name)
    cell = unit.cells["projects"]
    state = ctx.state(unit.sheet, cell)
    fmt = COUNT_FORMAT if state.number_format in ("General", "@", "") else None
    _set_formula(ctx, unit.sheet, cell, formula, count, "单位汇总：项目个数（公式）", "unit.projects", fmt)


def _unit_sum(ctx: _Ctx, unit: UnitCells, projects: list[Project], name: str) -> None:
    refs, total = [], Decimal(0)
    for p in projects:
        if (cell := p.budget.cell(name)) is None:
            continue
        refs.append(f"{_quote(p.sheet or '')}!{cell}")
        value = ctx.budgets.get(id(p), {}).get(name, getattr(p.budget, name))
        if value is not None and name not in p.budget.invalid:
            total += value
    if not refs:
        return
    cell = unit.cells[name]
    _set_formula(ctx, unit.sheet, cell, "=" + _sum_expr(refs), total,
                 f"单位汇总：{_FIELD_TEXT[name]}合计（公式）", f"unit.{name}",
                 _money_format(ctx.state(unit.sheet, cell)))


def _unit_plan(ctx: _Ctx, unit: UnitCells, projects: list[Project], k: str, total_cell: str
               ) -> None:
    # The template's formula: per project the last planned amount up to this checkpoint (a
    # blank checkpoint carries the plan forward), over the unit's 预算数合计. Past Excel's
    # formula length limit, the plain sum of this checkpoint's amounts (as the template does).
    carry_refs, plain_refs = [], []
    carry = plain = total = Decimal(0)
    for p in projects:
        amount = ctx.budgets.get(id(p), {}).get("total", p.budget.total)
        amount = None if "total" in p.budget.invalid else amount
        total += amount or 0
        terms = _plan_terms(ctx, p, k, amount)
        if terms is not None:
            carry_refs.append(terms[0])
            plain_refs.append(terms[2])
            carry, plain = carry + terms[1], plain + terms[3]
    if not carry_refs:
        return
    formula = f'=IF(N({total_cell})=0,"",({"+".join(carry_refs)})/{total_cell})'
    if len(formula) > FORMULA_LIMIT:
        formula, carry = f'=IF(N({total_cell})=0,"",{_sum_expr(plain_refs)}/{total_cell})', plain
    cell = unit.cells[f"plan.{k}"]
    state = ctx.state(unit.sheet, cell)
    fmt = None if _is_percent_format(state.number_format) else SHARE_FORMAT
    _set_formula(ctx, unit.sheet, cell, formula, float(carry / total) if total else "",
                 f"单位汇总：{_CHECKPOINT_TEXT[k]}按预算加权的累计支出进度（公式）", f"unit.plan.{k}", fmt)


def _plan_terms(ctx: _Ctx, p: Project, k: str, amount: Decimal | None
                ) -> tuple[str, Decimal, str, Decimal] | None:
    """One project's (carry-forward term, its value, plain term, its value) at checkpoint k.

    The terms read the 计划支出金额 cells (rounded amounts); a table without that row gives
    budget × percentage instead. None when the table has neither.
    """
    q, s, b = _quote(p.sheet or ""), p.schedule, p.budget
    upto = CHECKPOINTS[:CHECKPOINTS.index(k) + 1]
    pcts = [ctx.pcts.get((id(p), c)) for c in upto]
    if s.cell(f"planned.{k}") and s.cell(f"planned.{upto[0]}"):
        amounts = [_planned_value(amount, pct) for pct in pcts]
        span = _span(ctx, p.sheet, s.cell(f"planned.{upto[0]}"), s.cell(f"planned.{k}"))
        head = f"{q}!{span}"
        carry = next((a for a in reversed(amounts) if a is not None), Decimal(0))
        return (f"IFERROR(LOOKUP(2,1/ISNUMBER({head}),{head}),0)", carry,
                f"{q}!{s.cell(f'planned.{k}')}", amounts[-1] or Decimal(0))
    if not (s.cell(k) and b.cell("total") and s.cell(upto[0])):
        return None
    tot = f"N({q}!{b.cell('total')})"
    head = f"{q}!{_span(ctx, p.sheet, s.cell(upto[0]), s.cell(k))}"
    last = next((pct for pct in reversed(pcts) if pct is not None), None)
    carry = (amount or 0) * (last or 0) / _HUNDRED
    plain = (amount or 0) * (pcts[-1] or 0) / _HUNDRED
    return (f"{tot}*IFERROR(LOOKUP(2,1/ISNUMBER({head}),{head}),0)", carry,
            f"{tot}*N({q}!{s.cell(k)})", plain)


def _span(ctx: _Ctx, sheet: str | None, first: str | None, last: str | None) -> str:
    # first:last, extended over last's merged range (the template's spelling: B8:G8).
    end = ctx.state(sheet, last).merge_end or last
    return f"{first}:{end}"


# ------------------------------------------------------------------ Private API: values
def _tidy(d: Decimal) -> Decimal:
    d = d.normalize()
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d


def _num_text(d: Decimal | int | float) -> str:
    return format(_tidy(Decimal(str(d))), "f")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | Decimal) and not isinstance(v, bool)


def _same(old: Any, new: Any) -> bool:
    if old in (None, "") and new in (None, ""):
        return True
    if _is_number(old) and _is_number(new):
        a, b = Decimal(str(old)), Decimal(str(new))
        return abs(a - b) <= abs(b) * Decimal("1e-12")
    return type(old) is type(new) and old == new


def _is_percent_format(fmt: str | None) -> bool:
    text, quoted, i = fmt or "", False, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "\\":
            i += 1
        elif ch == "%" and not quoted:
            return True
        i += 1
    return False


def _pct_format(pct: Decimal) -> str:
    if pct == pct.to_integral_value():
        return "0%"
    return "0.0%" if -_tidy(pct).as_tuple().exponent <= 1 else "0.00%"


def _points_in_percent_cells(states: list[CellState], as_fraction: bool) -> bool:
    """Whether the numbers in percent-formatted cells are points (30 typed into a 0% cell, which
    shows 3000%): only when the reader too reads the row as points, and every such number is 0
    or at least 1 with one above 1."""
    if as_fraction:
        return False
    pct = [Decimal(str(st.value)) for st in states
           if _is_number(st.value) and _is_percent_format(st.number_format)]
    return any(n > 1 for n in pct) and all(n >= 1 or n == 0 for n in pct)


def _percent_of(state: CellState, as_fraction: bool, points: bool) -> Decimal | None:
    """Percentage points (30 for 30%) a schedule cell means, read by the reader's own function;
    ValueError for text that is no number.

    The reader gets no number formats: a number in a percent-formatted cell is read as the
    percentage it shows (a fraction), unless the row's are points (``_points_in_percent_cells``).
    """
    v = state.value
    if _is_number(v) and _is_percent_format(state.number_format):
        return _percent(v, not points)
    return _percent(v, as_fraction)


def _show(value: Any, fmt: str | None) -> str:
    # How a user sees the value: "（空）", "0.50", "30%", "53.2%".
    if value is None or value == "":
        return "（空）"
    if not _is_number(value):
        return f"“{value}”"
    d = Decimal(str(value))
    places = _FIXED_PLACES.search(fmt or "")
    if _is_percent_format(fmt):
        d *= _HUNDRED
    text = f"{d:.{len(places.group(1) or '')}f}" if places else _num_text(d)
    return f"{text}%" if _is_percent_format(fmt) else text


def _plain(value: Any) -> Any:
    # openpyxl writes Decimal as text of arbitrary form: give it int or float.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _formula_key(formula: str) -> str:
    # Spelling-insensitive comparison: no "=", "$", quotes or spaces, upper case.
    text = formula.lstrip("=")
    for ch in "$' ":
        text = text.replace(ch, "")
    return text.upper()


# ------------------------------------------------------------------ IO methods
def _cell_state(cell: Any, cached: CellValue, merge_end: str | None) -> CellState | None:
    from openpyxl.cell.rich_text import CellRichText

    value, fmt = cell.value, cell.number_format or "General"
    if isinstance(value, CellRichText):
        value = str(value)
    if value is None and fmt == "General" and merge_end is None:
        return None
    if cell.data_type == "f":
        text = value if isinstance(value, str) else getattr(value, "text", str(value))
        formula = text if text.startswith("=") else f"={text}"
        return CellState(cached, formula, fmt, merge_end)
    return CellState(value, None, fmt, merge_end)


def _anchor(ws: Any, ref: str) -> Any:
    # A change addresses a merged range by its top-left cell; be safe if it does not.
    row, col = parse_a1(ref)
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row + 1 <= rng.max_row and rng.min_col <= col + 1 <= rng.max_col:
            return ws.cell(rng.min_row, rng.min_col)
    return ws.cell(row + 1, col + 1)


def _write_log_sheet(wb: Any, rows: list[list[str | int]], now: dt.datetime) -> None:
    # 填充记录 is replaced on every run that changes something.
    from openpyxl.styles import Font

    index = len(wb.sheetnames)
    if LOG_SHEET in wb.sheetnames:
        index = wb.sheetnames.index(LOG_SHEET)
        wb.remove(wb[LOG_SHEET])
    ws = wb.create_sheet(LOG_SHEET, index)
    ws.append([log_title(len(rows), now)])
    ws.append(list(LOG_HEADER))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text such as "=ROUND(…)" stays text, never a formula
    for letter, width in zip("ABCDEFG", (6, 16, 8, 24, 24, 40, 48), strict=True):
        ws.column_dimensions[letter].width = width


def _check_paths(path: Path, dest: Path) -> None:
    from xl_budget.errors import InputError

    if not path.exists():
        raise InputError(f"找不到文件：{path}")
    if path.suffix.lower() not in EDITABLE_SUFFIXES:
        raise InputError(f"只能填充 .xlsx 或 .xlsm 工作簿，收到 {path.name}：请在 Excel 中另存为 .xlsx 后再填充")
    if dest.suffix.lower() != path.suffix.lower():
        raise InputError(f"输出文件 {dest.name} 的类型须与原工作簿相同（{path.suffix}），否则会丢失宏或无法打开")
    if not dest.parent.is_dir():
        raise InputError(f"输出文件夹不存在：{dest.parent}")


__all__ = [
    "Change", "CellState", "FillResult", "UnitCells", "apply_changes", "apply_to_openpyxl",
    "cells_from_book",
    "compute_changes", "fill_file", "find_unit_cells", "log_rows", "log_title", "read_cells",
]
