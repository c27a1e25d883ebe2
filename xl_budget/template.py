"""Write the standard workbook: a blank template (``new_workbook``) or a filled one (``write_book``).

Every sheet is laid out from ``xl_budget.layout`` so the reader (``xl_budget.parse``) finds the
same labels. The output is byte-deterministic (fixed document dates, fixed zip timestamps).

Sheets, in order: 单位信息, 部门整体绩效目标, 项目1 … 项目N, and the hidden 选项 sheet that holds
the dropdown lists and the template-version marker.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import sys
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import quote_sheetname

from xl_budget import TEMPLATE_VERSION, layout
from xl_budget.errors import FileError, InputError
from xl_budget.grids import a1, col_letter
from xl_budget.model import CHECKPOINTS, BudgetBook, Department, Project, Unit
from xl_budget.writeback import keep_mode

# ------------------------------------------------------------------ Public API: constants
DEFAULT_LISTS: dict[str, list[str]] = {
    "产出指标": ["数量指标", "质量指标", "时效指标", "成本指标"],
    "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
    "满意度指标": ["服务对象满意度指标"],
}
"""一级 → allowed 二级 of the default (Hebei county) profile: 成本指标 sits under 产出指标."""

TEMPLATE_FILE = "预算绩效目标表.xlsx"
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"

# Fixed so that two runs give the same bytes.
CREATED = dt.datetime(2023, 1, 1)
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False}

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
BODY_SIZE = 10.5
GB2312_CHARSET = 134  # tells Excel/WPS that the font is a Simplified-Chinese one
INPUT_FILL = "#FFF7D6"  # light yellow: "fill me in"
LABEL_FILL = "#F2F2F2"

TARGET_ROWS = 4    # 分项绩效目标 rows in a blank book
MEASURE_ROWS = 5   # 工作保障措施 rows in a blank book
DEPARTMENT_WIDTHS = (6, 18, 44, 44)
UNIT_WIDTHS = (24, 34, 2, 11, 11, 11, 11)  # D–F rows 2–8: room for macro buttons

OPTIONS_SHEET = layout.OPTIONS_SHEET
TEMPLATE_MARKER = layout.TEMPLATE_MARKER
TEMPLATE_VERSION_NAME = layout.TEMPLATE_VERSION_NAME
NAME_L1 = "XLB_L1"
NAME_L2 = "XLB_L2_{n}"
NAME_BASIS = "XLB_BASIS"

_CHECKPOINT_TEXT = {c.key: c.text for c in layout.CHECKPOINT_LABELS}


# ------------------------------------------------------------------ Public API
def write_book(book: BudgetBook, path: str | Path, *,
               profile_lists: Mapping[str, Sequence[str]] | None = None,
               vba_project: bytes | None = None) -> None:
    """Write ``book`` as the standard workbook, atomically.

    Args:
        book: the content; ``sheet`` and cell locations in it are ignored.
        path: the output file, ``.xlsx`` (``.xlsm`` when ``vba_project`` is given).
        profile_lists: 一级 → list of allowed 二级 for the dropdowns (default: ``DEFAULT_LISTS``).
        vba_project: the bytes of a ``vbaProject.bin`` to embed.
    Raises:
        InputError: wrong file extension or missing folder.
        FileError: the file cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if vba_project is not None and suffix != ".xlsm":
        raise InputError(f"带宏的工作簿必须保存为 .xlsm 文件：{path}")
    if vba_project is None and suffix != ".xlsx":
        raise InputError(f"工作簿必须保存为 .xlsx 文件（带宏时为 .xlsm）：{path}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"输出文件夹不存在：{folder}")
    lists = _check_lists(profile_lists if profile_lists is not None else DEFAULT_LISTS)

    fd, tmp_name = tempfile.mkstemp(prefix=".~xlb-", suffix=path.suffix, dir=folder)
    os.close(fd)
    try:
        _render(book, tmp_name, lists, vba_project)
        keep_mode(Path(tmp_name), path)
        os.replace(tmp_name, path)
    except OSError as exc:
        raise FileError(f"无法写入文件 {path}：{exc.strerror or exc}", path=str(path),
                        reason="unwritable") from exc
    except xlsxwriter.exceptions.XlsxWriterException as exc:
        raise FileError(f"无法写入文件 {path}：{exc}", path=str(path), reason="unwritable") from exc
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def new_workbook(out: str | Path, *, unit_code: str | None = None, unit_name: str | None = None,
                 year: int | None = None, projects: int = 3, macros: bool = False,
                 profile_lists: Mapping[str, Sequence[str]] | None = None) -> None:
    """Write a blank standard workbook with ``projects`` empty project sheets.

    Args:
        out: ``.xlsx`` file to write (overwritten if it exists).
        unit_code, unit_name, year: pre-filled on 单位信息 and on every project's unit line.
        projects: how many project sheets (≥ 1).
        macros: a workbook with macro buttons (``.xlsm``); not available yet.
        profile_lists: 一级 → 二级 lists for the dropdowns.
    Raises:
        InputError: bad extension, bad count, or macros requested.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if macros:
        if suffix != ".xlsm":
            raise InputError(f"带宏按钮的工作簿必须保存为 .xlsm 文件：{out}")
        if projects < 1:
            raise InputError(f"项目表个数至少为 1（收到 {projects}）")
        # xlwings' VBA project with our button module, then the buttons and xlwings.conf
        # (xl_budget.excel), written to a temporary file that replaces ``out`` when complete.
        from xl_budget import excel

        vba = excel.vba_project()
        book = BudgetBook(unit=Unit(code=unit_code, name=unit_name, year=year),
                          projects=[Project() for _ in range(projects)])
        folder = out.parent if str(out.parent) else Path(".")
        if not folder.is_dir():
            raise InputError(f"输出文件夹不存在：{folder}")
        fd, tmp_name = tempfile.mkstemp(prefix=".~xlb-", suffix=".xlsm", dir=folder)
        os.close(fd)
        try:
            write_book(book, tmp_name, profile_lists=profile_lists, vba_project=vba)
            win, mac = excel.detected_interpreters()
            excel.add_macro_ui(tmp_name, interpreter_win=win, interpreter_mac=mac)
            keep_mode(Path(tmp_name), out)
            os.replace(tmp_name, out)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
        return
    if suffix == ".xlsm":
        raise InputError(f"不带宏的工作簿请保存为 .xlsx 文件（或加 --macros）：{out}")
    if suffix != ".xlsx":
        raise InputError(f"工作簿必须保存为 .xlsx 文件：{out}")
    if projects < 1:
        raise InputError(f"项目表个数至少为 1（收到 {projects}）")
    book = BudgetBook(unit=Unit(code=unit_code, name=unit_name, year=year),
                      projects=[Project() for _ in range(projects)])
    write_book(book, out, profile_lists=profile_lists)


def regenerate(folder: str | Path = TEMPLATE_DIR) -> list[Path]:
    """(Re)write the committed templates into ``folder``; returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / TEMPLATE_FILE
    new_workbook(target, projects=3)
    return [target]


@dataclass(frozen=True)
class ProjectGeometry:
    """Where things sit on one project sheet (0-based rows/cols; A1 in ``cells``)."""

    cells: dict[str, str]          # input/formula key → A1 of its (top-left) cell
    goal_first_row: int
    goal_rows: int
    header_row: int                # the indicator header (一级指标 | …)
    first_indicator_row: int
    last_row: int                  # last formatted (room) row


def head_cells() -> dict[str, tuple[int, int, int, int]]:
    """Every keyed slot of ``layout.PROJECT_HEAD_ROWS`` → (row, col, last_row, last_col), 0-based."""
    out: dict[str, tuple[int, int, int, int]] = {}
    for r, slots in enumerate(layout.PROJECT_HEAD_ROWS):
        c = 0
        for slot in slots:
            if slot.key and slot.kind in ("input", "formula", "title"):
                out.setdefault(slot.key, (r, c, r + slot.rows - 1, c + slot.span - 1))
            c += slot.span
    return out


def project_geometry(project: Project) -> ProjectGeometry:
    """The geometry ``write_book`` uses for ``project``."""
    cells = {k: a1(r, c) for k, (r, c, _, _) in head_cells().items()}
    goal_first = len(layout.PROJECT_HEAD_ROWS)
    goal_rows = max(len(project.goals), layout.GOAL_ROWS)
    header = goal_first + goal_rows
    first = header + 1
    last = first + len(project.indicators) + layout.ROOM_ROWS - 1
    return ProjectGeometry(cells, goal_first, goal_rows, header, first, last)


# ------------------------------------------------------------------ Private API: styles
class _Styles:
    # One cached Format per distinct property set (XlsxWriter dedups on output anyway, but
    # creating thousands of Format objects is slow).
    BASE: dict[str, Any] = {"font_name": BODY_FONT, "font_size": BODY_SIZE,
                            "font_charset": GB2312_CHARSET, "valign": "vcenter", "text_wrap": True}

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        self._cache: dict[tuple, Any] = {}

    def get(self, **props: Any) -> Any:
        merged = {**self.BASE, **props}
        key = tuple(sorted(merged.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self._cache[key] = self.wb.add_format(merged)
        return fmt

    # Named roles.
    def title(self, size: int = 16) -> Any:
        return self.get(font_name=TITLE_FONT, font_size=size, align="center", locked=True)

    def label(self, align: str = "center", **kw: Any) -> Any:
        return self.get(border=1, align=align, locked=True, **kw)

    def section(self) -> Any:
        return self.get(font_name=TITLE_FONT, font_size=12, align="left", locked=True)

    def input(self, align: str = "left", num_format: str | None = None, border: int = 1,
              valign: str = "vcenter") -> Any:
        props: dict[str, Any] = {"border": border, "align": align, "locked": False,
                                 "bg_color": INPUT_FILL, "valign": valign}
        if num_format:
            props["num_format"] = num_format
        return self.get(**props)

    def formula(self, num_format: str = "0.00", align: str = "right") -> Any:
        return self.get(border=1, align=align, locked=True, num_format=num_format)


# ------------------------------------------------------------------ Private API: writing
@dataclass
class _Ctx:
    wb: xlsxwriter.Workbook
    st: _Styles
    lists: dict[str, list[str]]
    option_names: dict[str, str] = field(default_factory=dict)


def _render(book: BudgetBook, filename: str, lists: dict[str, list[str]],
            vba_project: bytes | None) -> None:
    wb = xlsxwriter.Workbook(filename, {
        **WORKBOOK_OPTIONS,
        "default_format_properties": {"font_name": BODY_FONT, "font_size": BODY_SIZE,
                                      "font_charset": GB2312_CHARSET},
    })
    wb.set_properties({
        "title": "预算绩效目标表",
        "subject": "部门预算绩效目标",
        "author": "xl_budget",
        "company": "",
        "comments": f"xl_budget template {TEMPLATE_VERSION}",
        "created": CREATED,
    })
    if vba_project is not None:
        wb.add_vba_project(io.BytesIO(vba_project), is_stream=True)
    ctx = _Ctx(wb, _Styles(wb), lists)

    unit_ws = wb.add_worksheet(layout.UNIT_SHEET)
    dept_ws = wb.add_worksheet(layout.DEPARTMENT_SHEET)
    project_ws = [wb.add_worksheet(f"{layout.PROJECT_SHEET_PREFIX}{i}")
                  for i in range(1, len(book.projects) + 1)]
    opt_ws = wb.add_worksheet(OPTIONS_SHEET)

    _write_options(ctx, opt_ws)
    geoms = []
    for ws, project in zip(project_ws, book.projects, strict=True):
        geoms.append(_write_project(ctx, ws, project, _unit_line(book, project)))
    _write_unit(ctx, unit_ws, book.unit, book.projects, [ws.name for ws in project_ws], geoms)
    _write_department(ctx, dept_ws, book.department)
    unit_ws.activate()
    wb.close()


def _check_lists(lists: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    out = {str(k).strip(): [str(v).strip() for v in vs if str(v).strip()]
           for k, vs in lists.items() if str(k).strip()}
    if not out:
        raise InputError("指标选项为空：至少需要一个一级指标")
    return out


def _ref(sheet: str, r0: int, c0: int, r1: int | None = None, c1: int | None = None) -> str:
    # Absolute reference with a quoted sheet name: '选项'!$A$4:$A$8.
    ref = f"${col_letter(c0)}${r0 + 1}"
    if r1 is not None and c1 is not None and (r1, c1) != (r0, c0):
        ref += f":${col_letter(c1)}${r1 + 1}"
    return f"{_quote(sheet)}!{ref}"


def _quote(sheet: str) -> str:
    q = quote_sheetname(sheet)
    return q if q.startswith("'") else f"'{sheet}'"


def _write_options(ctx: _Ctx, ws: Any) -> None:
    # Hidden sheet: version marker, then one column per list. Headers are deliberately not
    # label texts of the layout, so no reader mistakes this sheet for a table.
    wb, st = ctx.wb, ctx.st
    plain = st.get()
    ws.write_string(0, 0, TEMPLATE_MARKER, plain)
    ws.write_string(0, 1, TEMPLATE_VERSION, plain)
    wb.define_name(TEMPLATE_VERSION_NAME, "=" + _ref(ws.name, 0, 1))

    head = 2
    columns: list[tuple[str, str, list[str]]] = [("依据选项", NAME_BASIS, list(layout.BASIS_CHOICES)),
                                                 ("一级选项", NAME_L1, list(ctx.lists))]
    for n, (l1, l2s) in enumerate(ctx.lists.items(), start=1):
        columns.append((f"二级选项：{l1}", NAME_L2.format(n=n), l2s or [l1]))
    for c, (title, name, values) in enumerate(columns):
        ws.write_string(head, c, title, plain)
        for i, v in enumerate(values, start=1):
            ws.write_string(head + i, c, v, plain)
        wb.define_name(name, "=" + _ref(ws.name, head + 1, c, head + len(values), c))
        ctx.option_names[title] = name
    ws.set_column(0, len(columns) - 1, 22)
    ws.protect("", PROTECT_OPTIONS)
    ws.hide()


def _unit_line(book: BudgetBook, project: Project) -> str | None:
    ref = project.unit
    code = (ref.code if ref and ref.code else None) or book.unit.code
    name = (ref.name if ref and ref.name else None) or book.unit.name
    text = " ".join(p for p in (code, name) if p)
    return text or None


# ------------------------------------------------------------------ cell writers
def _put(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    # Text as text, numbers as numbers, None as a formatted blank.
    if value is None or (isinstance(value, str) and value == ""):
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
    elif isinstance(value, Decimal | int | float):
        ws.write_number(r, c, float(value), fmt)
    elif isinstance(value, dt.datetime | dt.date):
        ws.write_datetime(r, c, value if isinstance(value, dt.datetime)
                          else dt.datetime(value.year, value.month, value.day), fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def _put_span(ws: Any, r0: int, c0: int, r1: int, c1: int, value: Any, fmt: Any) -> None:
    if (r0, c0) == (r1, c1):
        _put(ws, r0, c0, value, fmt)
        return
    ws.merge_range(r0, c0, r1, c1, "", fmt)
    _put(ws, r0, c0, value, fmt)


def _formula(ws: Any, r0: int, c0: int, r1: int, c1: int, formula: str, value: Any,
             fmt: Any) -> None:
    # A formula WITH its cached result, so readers that do not calculate see the number.
    if (r0, c0) != (r1, c1):
        ws.merge_range(r0, c0, r1, c1, "", fmt)
    cached = "" if value is None else (float(value) if isinstance(value, Decimal) else value)
    ws.write_formula(r0, c0, formula, fmt, cached)


def _text_units(text: str) -> float:
    # Width of text in Excel column units ("0" = 1; a CJK character ≈ 2).
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def _lines(text: str | None, width: float) -> int:
    if not text:
        return 1
    usable = max(width - 1.5, 2.0)
    return sum(max(1, math.ceil(_text_units(line) / usable)) for line in str(text).split("\n"))


def _height(lines: int, minimum: float = 20.0) -> float:
    return min(409.0, max(minimum, lines * 14.5 + 6))


def _break_label(text: str, width: float) -> str:
    # "计划支出金额（万元）" in a 14-wide column would wrap as "…（万元" + ")": break before
    # the bracket instead. The reader compares labels without whitespace, so "\n" is harmless.
    if _text_units(text) > width - 1.5 and "（" in text[1:]:
        i = text.index("（", 1)
        return text[:i] + "\n" + text[i:]
    return text


def _pct_format(pct: Decimal | None) -> str:
    if pct is None or pct == pct.to_integral_value():
        return "0%"
    exp = -pct.normalize().as_tuple().exponent
    return "0.0%" if exp <= 1 else "0.00%"


def _round2(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _print_setup(ws: Any, last_col: int, last_row: int, repeat_row: int | None = None) -> None:
    ws.set_paper(9)  # A4
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_header("", {"margin": 0.3})
    ws.set_footer("&C第 &P 页，共 &N 页", {"margin": 0.3})
    ws.center_horizontally()
    ws.print_area(0, 0, last_row, last_col)
    if repeat_row is not None:
        ws.repeat_rows(repeat_row)


PROTECT_OPTIONS = {"format_cells": True, "format_columns": True, "format_rows": True,
                   "insert_rows": True, "delete_rows": True,
                   "select_locked_cells": True, "select_unlocked_cells": True}


# ------------------------------------------------------------------ project sheets
def _write_project(ctx: _Ctx, ws: Any, project: Project, unit_line: str | None) -> ProjectGeometry:
    st = ctx.st
    geo = project_geometry(project)
    slots = head_cells()
    widths = layout.PROJECT_WIDTHS
    last_col = layout.PROJECT_COLUMNS - 1
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)

    def span_width(c0: int, c1: int) -> float:
        return sum(widths[c0:c1 + 1])

    values: dict[str, Any] = {
        "unit_line": unit_line, "code": project.code, "name": project.name,
        "budget.total": project.budget.total, "budget.fiscal": project.budget.fiscal,
        "budget.other": project.budget.other, "use": project.use,
        **{f"schedule.{k}": getattr(project.schedule, k) for k in CHECKPOINTS},
    }
    row_lines: dict[int, int] = {}
    for r, row in enumerate(layout.PROJECT_HEAD_ROWS):
        c = 0
        for slot in row:
            r1, c1 = r + slot.rows - 1, c + slot.span - 1
            if slot.kind == "title":
                name_cell = slots["name"]
                name_ref = a1(name_cell[0], name_cell[1])
                title = f"{project.name}{layout.TITLE_SUFFIX}" if project.name else \
                    f"项目{layout.TITLE_SUFFIX}"
                _formula(ws, r, c, r1, c1,
                         f'=IF({name_ref}="","项目{layout.TITLE_SUFFIX}",'
                         f'{name_ref}&"{layout.TITLE_SUFFIX}")', title, st.title(16))
                # a 16-point title: characters ≈ 1.5× as wide, lines ≈ 22 points tall
                title_lines = math.ceil(_text_units(title) * 16 / BODY_SIZE / (span_width(c, c1) - 2))
                row_lines[r] = -title_lines
            elif slot.kind == "label":
                align = "right" if slot.key == "money_unit" else "center"
                border = 0 if slot.key == "money_unit" else 1
                fmt = st.get(border=border, align=align, locked=True)
                _put_span(ws, r, c, r1, c1, _break_label(slot.text, span_width(c, c1)), fmt)
                row_lines[r] = max(row_lines.get(r, 1), _lines(slot.text, span_width(c, c1))
                                   if slot.rows == 1 else 1)
            elif slot.kind == "input":
                key = slot.key
                value = values.get(key)
                if key == "unit_line":
                    fmt = st.input(border=0)
                elif key.startswith("budget."):
                    fmt = st.input("right", "0.00")
                elif key.startswith("schedule."):
                    fmt = st.input("center", _pct_format(value))
                    value = None if value is None else value / 100
                else:
                    fmt = st.input()
                _put_span(ws, r, c, r1, c1, value, fmt)
                if isinstance(value, str):
                    row_lines[r] = max(row_lines.get(r, 1), _lines(value, span_width(c, c1)))
            elif slot.kind == "formula":
                key = slot.key.split(".", 1)[1]
                total_cell = slots["budget.total"]
                pct_cell = slots[f"schedule.{key}"]
                tot, pct = a1(total_cell[0], total_cell[1]), a1(pct_cell[0], pct_cell[1])
                total = project.budget.total
                share = getattr(project.schedule, key)
                cached = None if total is None or share is None else _round2(total * share / 100)
                _formula(ws, r, c, r1, c1,
                         f'=IF(OR({tot}="",{pct}=""),"",ROUND({tot}*{pct},2))',
                         cached, st.formula("0.00", "center"))
            elif slot.kind == "blank":
                pass
            c += slot.span
    for r in range(len(layout.PROJECT_HEAD_ROWS)):
        lines = row_lines.get(r, 1)
        ws.set_row(r, 10 - 22 * lines if lines < 0 else _height(lines))

    # 绩效目标: label merged down, then "目标内容N" | goal text (C:G).
    g0, gn = geo.goal_first_row, geo.goal_rows
    _put_span(ws, g0, 0, g0 + gn - 1, 0, layout.GOALS_BLOCK.text, st.label())
    goal_width = span_width(2, last_col)
    for i in range(gn):
        text = project.goals[i] if i < len(project.goals) else None
        r = g0 + i
        _put(ws, r, 1, layout.GOAL_ITEM.format(n=i + 1), st.label())
        _put_span(ws, r, 2, r, last_col, text, st.input())
        ws.set_row(r, _height(_lines(text, goal_width)))

    # Indicator header.
    h = geo.header_row
    c = 0
    for slot in layout.INDICATOR_HEADER:
        _put_span(ws, h, c, h, c + slot.span - 1, slot.text, st.label(bold=True, bg_color=LABEL_FILL))
        c += slot.span
    ws.set_row(h, 24)

    # Indicator rows, then room rows.
    first = geo.first_indicator_row
    inds = project.indicators
    text_fmt = st.input()
    value_fmt = st.input("center", "@")
    basis_fmt = st.input("center")
    for i, ind in enumerate(inds):
        r = first + i
        texts = (ind.name, ind.description)
        lines = max(_lines(ind.level1, widths[0]), _lines(ind.level2, widths[1]),
                    _lines(texts[0], widths[2]), _lines(texts[1], widths[3]),
                    _lines(ind.value.raw if ind.value else None, widths[4]),
                    _lines(ind.basis, widths[5] + widths[6]))
        _put(ws, r, 2, ind.name, text_fmt)
        _put(ws, r, 3, ind.description, text_fmt)
        _put(ws, r, 4, ind.value.raw if ind.value is not None else None, value_fmt)
        _put_span(ws, r, 5, r, 6, ind.basis, basis_fmt)
        ws.set_row(r, _height(lines))
    l1_fmt = st.input("center")
    for (r0, r1), value in _runs([(ind.level1,) for ind in inds]):
        _put_span(ws, first + r0, 0, first + r1, 0, value[0], l1_fmt)
    for (r0, r1), value in _runs([(ind.level1, ind.level2) for ind in inds]):
        _put_span(ws, first + r0, 1, first + r1, 1, value[1], l1_fmt)
    for r in range(first + len(inds), geo.last_row + 1):
        for c in range(5):
            _put(ws, r, c, None, value_fmt if c == 4 else (l1_fmt if c < 2 else text_fmt))
        _put_span(ws, r, 5, r, 6, None, basis_fmt)
        ws.set_row(r, 20)

    _project_validations(ctx, ws, geo)
    _print_setup(ws, last_col, geo.last_row, repeat_row=h)
    ws.protect("", PROTECT_OPTIONS)
    code = slots["code"]
    ws.set_selection(code[0], code[1], code[0], code[1])
    return geo


def _runs(keys: list[tuple]) -> list[tuple[tuple[int, int], tuple]]:
    # Consecutive equal, non-empty keys → merged ranges (as the official table merges 一级/二级).
    out: list[tuple[tuple[int, int], tuple]] = []
    i = 0
    while i < len(keys):
        j = i
        if keys[i][-1] not in (None, ""):
            while j + 1 < len(keys) and keys[j + 1] == keys[i]:
                j += 1
        out.append(((i, j), keys[i]))
        i = j + 1
    return out


def _project_validations(ctx: _Ctx, ws: Any, geo: ProjectGeometry) -> None:
    slots = head_cells()
    first, last = geo.first_indicator_row, geo.last_row
    a_first = f"$A${first + 1}"
    a_here = f"$A{first + 1}"
    ws.data_validation(first, 0, last, 0, {
        "validate": "list", "source": f"={NAME_L1}",
        "input_title": "一级指标", "input_message": "从下拉列表选择；空白表示与上一行相同。",
        "error_title": "一级指标", "error_message": "请从下拉列表中选择一级指标。",
    })
    # 二级 depends on the nearest non-blank 一级 at or above this row (merged or blank =
    # same as above): LOOKUP(2,1/(range<>""),range) returns the last non-blank value.
    l1 = f'LOOKUP(2,1/({a_first}:{a_here}<>""),{a_first}:{a_here})'
    ws.data_validation(first, 1, last, 1, {
        "validate": "list",
        "source": f'=INDIRECT("{NAME_L2.format(n="")}"&MATCH({l1},{NAME_L1},0))',
        "input_title": "二级指标", "input_message": "先选一级指标，再从下拉列表选择二级指标。",
        "error_type": "warning", "error_title": "二级指标",
        "error_message": "该二级指标不在所选一级指标的范围内，确定要保留吗？",
    })
    ws.data_validation(first, 4, last, 4, {
        "validate": "any", "input_title": "指标值",
        "input_message": "写明符号、数值和单位，如 ≥90%、≤0.91万元、=100%；定性指标填 好/较好/一般。",
    })
    ws.data_validation(first, 5, last, 6, {
        "validate": "list", "source": f"={NAME_BASIS}",
        "input_title": "指标值确定依据", "input_message": "从下拉列表选择，也可直接填写（如 年初工作计划）。",
        "error_type": "information", "error_title": "指标值确定依据",
        "error_message": "不是标准选项（计划标准/历史标准/行业标准/预算支出标准/其他），已按填写内容保留。",
    })
    for k in CHECKPOINTS:
        r0, c0, r1, c1 = slots[f"schedule.{k}"]
        ws.data_validation(r0, c0, r1, c1, {
            "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1,
            "input_title": f"资金支出计划（{_CHECKPOINT_TEXT[k]}）",
            "input_message": "填写截至该时点累计支出占预算数的百分比，如 30%；12月底一般为 100%。",
            "error_title": "资金支出计划", "error_message": "请输入 0% 到 100% 之间的百分比，如 30%。",
        })
    for key, title in (("budget.total", "预算数"), ("budget.fiscal", "财政资金"),
                       ("budget.other", "其他资金")):
        r0, c0, r1, c1 = slots[key]
        ws.data_validation(r0, c0, r1, c1, {
            "validate": "decimal", "criteria": ">=", "value": 0,
            "input_title": f"{title}（万元）", "input_message": "只填数字，单位为万元，如 4.86。",
            "error_title": title, "error_message": "请输入不小于 0 的数字（单位：万元），不要带“万元”等文字。",
        })


# ------------------------------------------------------------------ 单位信息
UNIT_TITLE = "单位信息"


def _write_unit(ctx: _Ctx, ws: Any, unit: Unit, projects: list[Project], names: list[str],
                geoms: list[ProjectGeometry]) -> None:
    st = ctx.st
    for c, w in enumerate(UNIT_WIDTHS):
        ws.set_column(c, c, w)
    _put_span(ws, 0, 0, 0, 1, UNIT_TITLE, st.title(16))
    ws.set_row(0, 32)
    for i, lab in enumerate(layout.UNIT_LABELS):
        r = 1 + i
        value = getattr(unit, lab.key)
        _put(ws, r, 0, lab.text, st.label())
        if lab.key == "year":
            fmt = st.input("left", "0")
        elif lab.key == "filled_on":
            fmt = st.input("left", "yyyy-mm-dd")
        else:
            fmt = st.input("left", "@")
        _put(ws, r, 1, value, fmt)
        ws.set_row(r, 22)
    year_row = 1 + [lab.key for lab in layout.UNIT_LABELS].index("year")
    ws.data_validation(year_row, 1, year_row, 1, {
        "validate": "integer", "criteria": "between", "minimum": 2000, "maximum": 2100,
        "input_title": "预算年度", "input_message": "四位数年份，如 2023。",
        "error_title": "预算年度", "error_message": "请输入四位数年份，如 2023。"})
    date_row = 1 + [lab.key for lab in layout.UNIT_LABELS].index("filled_on")
    ws.data_validation(date_row, 1, date_row, 1, {
        "validate": "date", "criteria": ">=", "value": dt.date(2000, 1, 1),
        "input_title": "填报日期", "input_message": "日期，如 2023-01-15。",
        "error_title": "填报日期", "error_message": "请输入日期，如 2023-01-15。"})

    # Totals block: formulas over the project sheets, with cached values.
    t0 = 1 + len(layout.UNIT_LABELS) + 1
    last = len(UNIT_WIDTHS) - 1
    _put_span(ws, t0, 0, t0, last, layout.UNIT_TOTALS_TITLE, st.section())
    ws.set_row(t0, 24)
    heads = head_cells()

    def refs(key: str) -> list[str]:
        r, c = heads[key][:2]
        return [f"{_quote(n)}!{a1(r, c)}" for n in names]

    def dsum(values: list[Decimal | None]) -> Decimal:
        return sum((v for v in values if v is not None), Decimal(0))

    total_row = None
    for i, lab in enumerate(layout.UNIT_TOTAL_LABELS):
        r = t0 + 1 + i
        _put(ws, r, 0, lab.text, st.label())
        if lab.key == "projects":
            code_refs, name_refs = refs("code"), refs("name")
            terms = [f'({cr}&{nr}<>"")' for cr, nr in zip(code_refs, name_refs, strict=True)]
            count = sum(1 for p in projects if p.code or p.name)
            # one term alone is a boolean in Excel; "*1" makes it a count (as fill writes it)
            formula = "=" + "+".join(terms) + ("*1" if len(terms) == 1 else "") if terms else None
            fmt = st.formula("0", "left")
            if formula and len(formula) < 8000:
                _formula(ws, r, 1, r, 1, formula, count, fmt)
            else:
                _put(ws, r, 1, count, fmt)
        else:
            values = [getattr(p.budget, lab.key) for p in projects]
            _sum_formula(ws, r, 1, refs(f"budget.{lab.key}"), dsum(values),
                         st.formula("0.00", "left"))
            if lab.key == "total":
                total_row = r
        ws.set_row(r, 22)

    p0 = t0 + 1 + len(layout.UNIT_TOTAL_LABELS)
    _put_span(ws, p0, 0, p0 + 1, 2, layout.UNIT_PLAN_LABEL.text, st.label())
    total = dsum([p.budget.total for p in projects])
    assert total_row is not None
    tot_ref = a1(total_row, 1)
    first_planned = heads[f"planned.{CHECKPOINTS[0]}"]
    for j, cp in enumerate(layout.CHECKPOINT_LABELS):
        c = 3 + j
        _put(ws, p0, c, cp.text, st.label())
        planned = dsum([_planned_so_far(p, j) for p in projects])
        share = float(planned / total) if total else None
        fmt = st.formula("0.0%", "center")
        if not names:
            _put(ws, p0 + 1, c, None, fmt)
            continue
        # Cumulative plan: a blank checkpoint carries the project's last planned amount
        # forward. LOOKUP(2,1/ISNUMBER(r),r) is the last number in r, ignoring the "" of
        # blanks (LibreOffice's LOOKUP(9E+307,r) gives #N/A when r ends in an empty cell).
        pr = heads[f"planned.{cp.key}"]
        span = f"{a1(first_planned[0], first_planned[1])}:{a1(pr[0], pr[3])}"
        terms = [f"IFERROR(LOOKUP(2,1/ISNUMBER({_quote(n)}!{span}),{_quote(n)}!{span}),0)"
                 for n in names]
        formula = f'=IF(N({tot_ref})=0,"",({"+".join(terms)})/{tot_ref})'
        if len(formula) > 8000:  # Excel's formula limit: plain sum of this checkpoint's cells
            refs = [f"{_quote(n)}!{a1(pr[0], pr[1])}" for n in names]
            formula = f'=IF(N({tot_ref})=0,"",{_sum_expr(refs)}/{tot_ref})'
            planned = dsum([_planned_at(p, cp.key) for p in projects])
            share = float(planned / total) if total else None
        _formula(ws, p0 + 1, c, p0 + 1, c, formula, share, fmt)
    ws.set_row(p0, 22)
    ws.set_row(p0 + 1, 22)
    note_row = p0 + 3
    _put_span(ws, note_row, 0, note_row, last,
              "说明：黄色单元格由填报人填写；汇总数由公式根据各项目表自动计算，无需填写。",
              st.get(align="left", locked=True, font_size=9, font_color="#595959"))
    ws.set_row(note_row, 30)
    _print_setup(ws, last, note_row)
    ws.protect("", PROTECT_OPTIONS)
    ws.set_selection(1, 1, 1, 1)


def _planned_at(project: Project, key: str) -> Decimal:
    # The cached value of one 计划支出金额 cell (0 when blank).
    total, pct = project.budget.total, getattr(project.schedule, key)
    return Decimal(0) if total is None or pct is None else _round2(total * pct / 100)


def _planned_so_far(project: Project, j: int) -> Decimal:
    # The last non-blank 计划支出金额 up to checkpoint j: what the LOOKUP formula returns.
    for key in reversed(CHECKPOINTS[:j + 1]):
        if project.budget.total is not None and getattr(project.schedule, key) is not None:
            return _planned_at(project, key)
    return Decimal(0)


def _sum_expr(refs: list[str]) -> str:
    # SUM takes at most 255 arguments: nest in chunks.
    chunks = [refs[i:i + 200] for i in range(0, len(refs), 200)]
    parts = [f"SUM({','.join(ch)})" for ch in chunks]
    return parts[0] if len(parts) == 1 else f"SUM({','.join(parts)})"


def _sum_formula(ws: Any, r: int, c: int, refs: list[str], value: Decimal, fmt: Any) -> None:
    if refs:
        _formula(ws, r, c, r, c, "=" + _sum_expr(refs), value, fmt)
    else:
        _put(ws, r, c, value, fmt)


# ------------------------------------------------------------------ 部门整体绩效目标
DEPARTMENT_TITLE = "部门整体绩效目标"
OVERALL_HEADING = "一、总体绩效目标"
TARGETS_HEADING = "二、分项绩效目标"
MEASURES_HEADING = "三、工作保障措施"
NUMBER_HEADER = "序号"


def _write_department(ctx: _Ctx, ws: Any, dep: Department) -> None:
    st = ctx.st
    widths = DEPARTMENT_WIDTHS
    last = len(widths) - 1
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    full = sum(widths)
    r = 0
    _put_span(ws, r, 0, r, last, DEPARTMENT_TITLE, st.title(16))
    ws.set_row(r, 32)
    r += 1
    _put_span(ws, r, 0, r, last, OVERALL_HEADING, st.section())
    ws.set_row(r, 24)
    r += 1
    _put_span(ws, r, 0, r, last, dep.overall, st.input("left", valign="top"))
    ws.set_row(r, _height(_lines(dep.overall, full), minimum=90))
    r += 1
    _put_span(ws, r, 0, r, last, TARGETS_HEADING, st.section())
    ws.set_row(r, 24)
    r += 1
    header = (NUMBER_HEADER, *(c.text for c in layout.TARGET_COLUMNS))
    for c, text in enumerate(header):
        _put(ws, r, c, text, st.label(bold=True, bg_color=LABEL_FILL))
    ws.set_row(r, 22)
    r += 1
    for i in range(max(len(dep.targets), TARGET_ROWS)):
        t = dep.targets[i] if i < len(dep.targets) else None
        vals = (t.title, t.goal, t.indicators) if t else (None, None, None)
        _put(ws, r, 0, i + 1, st.label())
        for c, v in enumerate(vals, start=1):
            _put(ws, r, c, v, st.input("left", valign="top"))
        ws.set_row(r, _height(max(_lines(v, widths[c]) for c, v in enumerate(vals, start=1)),
                              minimum=40))
        r += 1
    _put_span(ws, r, 0, r, last, MEASURES_HEADING, st.section())
    ws.set_row(r, 24)
    r += 1
    for i in range(max(len(dep.measures), MEASURE_ROWS)):
        text = dep.measures[i] if i < len(dep.measures) else None
        _put(ws, r, 0, i + 1, st.label())
        _put_span(ws, r, 1, r, last, text, st.input("left", valign="top"))
        ws.set_row(r, _height(_lines(text, full - widths[0]), minimum=24))
        r += 1
    _print_setup(ws, last, r - 1)
    ws.protect("", PROTECT_OPTIONS)
    ws.set_selection(2, 0, 2, 0)


# ------------------------------------------------------------------ IO methods
def main(argv: Sequence[str] | None = None) -> int:
    """``python -m xl_budget.template [FOLDER]``: regenerate the committed templates."""
    argv = list(sys.argv[1:] if argv is None else argv)
    folder = Path(argv[0]) if argv else TEMPLATE_DIR
    for path in regenerate(folder):
        print(f"已生成：{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
