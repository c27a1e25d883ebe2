"""The buttons' entry points: ``validate()``, ``fill()``, ``consolidate()`` on the calling book.

Each button of the macro workbook runs ``RunPython "import xl_budget.macros as m; m.validate()"``
(see ``xl_budget.excel``). The work is the command line's own: the live book becomes grids
(``grids.make_grid`` from used-range values and merged areas), then ``parse.parse_grids``,
``check.check_book`` and ``annotate.apply`` (validate), ``fill.compute_changes`` (fill) and
``consolidate.consolidate`` (汇总). No rule logic lives here: only adapters.

The actions (``run_validate``, ``run_fill``, ``run_consolidate``) work on any ``LiveBook``: the
xlwings adapter below, or LibreOffice's (``xl_budget.lo.calc``). A user's mistake ends as a
short Chinese message box, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from xl_budget import annotate
from xl_budget.annotate import Canvas, Entry, Note
from xl_budget.errors import XlBudgetError
from xl_budget.grids import Grid, a1, col_letter, make_grid, merge_anchor, parse_a1

log = logging.getLogger(__name__)

TITLE = "预算绩效目标"
CONSOLIDATED = "汇总结果.xlsx"
LOG_WIDTHS = (6.0, 16.0, 8.0, 24.0, 24.0, 40.0, 48.0)


# ------------------------------------------------------------------ Public API: protocol
class LiveBook(Canvas, Protocol):
    """An open workbook the macros act on (an Excel book through xlwings, a Calc document)."""

    def file_name(self) -> str:
        """The workbook's file name as findings show it ("a.xlsm"; a title when unsaved)."""
        ...

    def folder(self) -> Path | None:
        """The folder the workbook is saved in; None when it was never saved."""
        ...

    def grids(self) -> list[Grid]:
        """Every sheet's values (formula results) and merged ranges."""
        ...

    def cell_info(self, sheet: str, cell: str) -> tuple[str | None, str]:
        """(formula or None, number format) of one cell."""
        ...

    def write_cell(self, sheet: str, cell: str, value: Any, formula: str | None,
                   number_format: str | None) -> None:
        """Write a constant (``formula`` None) or a formula, and the number format if given."""
        ...

    def alert(self, message: str) -> None:
        """Show a message box."""
        ...

    def finish(self) -> None:
        """Called once at the end (put sheet protection back, …)."""
        ...


# ------------------------------------------------------------------ Public API: entry points
def validate() -> None:
    """校验: mark every problem of the calling workbook on its cells and list it on 校验结果."""
    _with_caller(run_validate)


def fill() -> None:
    """填充: fill totals and schedule percentages in the calling workbook (see ``xl_budget.fill``)."""
    _with_caller(run_fill)


def consolidate() -> None:
    """汇总: consolidate every workbook in the calling workbook's folder into 汇总结果.xlsx."""
    _with_caller(run_consolidate)


def run(action: Callable[[LiveBook], str], doc: LiveBook) -> str:
    """Run one action and show its outcome, or the user's mistake, in a message box.

    Returns:
        The message shown.
    """
    try:
        message = action(doc)
    except XlBudgetError as exc:
        message = str(exc)
    except Exception:  # a macro must never end in a traceback dialog
        log.exception("macro action failed")
        message = ("操作未完成：程序遇到意外问题。"
                   "请保存工作簿后在命令行运行 xl-budget validate 查看详情。")
    finally:
        try:
            doc.finish()
        except Exception:  # finishing touches must not hide the message
            pass
    doc.alert(message)
    return message


# ------------------------------------------------------------------ Public API: actions
def run_validate(doc: LiveBook, profile: Any = None) -> str:
    """Validate the live book and mark the findings; returns the summary message."""
    from xl_budget.check import check_book
    from xl_budget.parse import parse_grids

    book = parse_grids(doc.grids(), file=doc.file_name())
    findings = check_book(book, profile)
    marked = annotate.apply(doc, findings)
    errors = sum(f.severity.value == "error" for f in findings)
    warnings = sum(f.severity.value == "warning" for f in findings)
    if not findings:
        return "校验通过：没有发现问题。"
    if not book.projects:  # the wrong workbook, or not the official format: say so first
        first = next((f for f in findings if f.code == "F002"), findings[0])
        return f"{first.message}\n（{first.code}，其他问题见“{annotate.RESULTS_SHEET}”工作表）"
    head = "校验完成：" if errors else "校验完成，没有错误："
    return (f"{head}错误 {errors} 项，警告 {warnings} 项，其他 {len(findings) - errors - warnings} 项。"
            f"已在 {marked} 个单元格标色并加批注，详见“{annotate.RESULTS_SHEET}”工作表。")


def run_fill(doc: LiveBook, profile: Any = None, now: dt.datetime | None = None) -> str:
    """Fill the live book (the changes of ``fill.compute_changes``) and list them on 填充记录."""
    from xl_budget.fill import LOG_HEADER, LOG_SHEET, compute_changes, find_unit_cells, log_rows
    from xl_budget.parse import parse_grids

    grids = doc.grids()
    book = parse_grids(grids, file=doc.file_name())
    result = compute_changes(book, profile, LiveCells(doc, grids), find_unit_cells(grids))
    for ch in result.changes:
        doc.write_cell(ch.sheet, doc.anchor(ch.sheet, ch.cell), _plain(ch.new), ch.formula,
                       ch.number_format)
    if result.changes:
        stamp = f"xl-budget 填充记录：{(now or dt.datetime.now()):%Y-%m-%d %H:%M}，共 {len(result.changes)} 处修改"
        rows = [[Entry(stamp)], [Entry(h, bold=True) for h in LOG_HEADER],
                *[[Entry(v) for v in row] for row in log_rows(result.changes)]]
        doc.write_table(LOG_SHEET, rows, LOG_WIDTHS)
    problems = [f.message for f in result.findings] + list(result.notes)
    text = (f"填充完成：修改了 {len(result.changes)} 个单元格，详见“{LOG_SHEET}”工作表。"
            if result.changes else "无需填充：所有合计和进度都已填好。")
    if problems:
        text += "\n以下内容未能填充：\n" + "\n".join(f"· {p}" for p in problems[:8])
        if len(problems) > 8:
            text += f"\n……共 {len(problems)} 条"
    return text


def run_consolidate(doc: LiveBook, jobs: int = 1) -> str:
    """Consolidate every workbook in the live book's folder (the live book itself left out)."""
    from xl_budget.consolidate import collect_inputs
    from xl_budget.consolidate import consolidate as consolidate_files

    folder = doc.folder()
    if folder is None:
        return "请先把本工作簿保存到存放各单位工作簿的文件夹中，再点“汇总”。"
    out = folder / CONSOLIDATED
    own = folder / doc.file_name()
    files = [p for p, _ in collect_inputs([folder], skip=[out, own])
             if p.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".ods"}]
    if not files:
        return f"文件夹 {folder} 中没有其他单位的工作簿：请把各单位报送的 .xlsx 文件放到这个文件夹后再点“汇总”。"
    result = consolidate_files(files, out, jobs=jobs)
    return (f"汇总完成：{result.files} 个文件，{result.units} 个单位，{result.projects} 个项目。"
            f"\n结果已保存为 {out}")


# ------------------------------------------------------------------ Public API: cells for fill
class LiveCells(Mapping[tuple[str, str], Any]):
    """``fill.CellState`` of the live book's cells, looked up on demand (formulas, formats)."""

    def __init__(self, doc: LiveBook, grids: list[Grid]) -> None:
        self.doc = doc
        self.grids = {g.name: g for g in grids}

    def __getitem__(self, key: tuple[str, str]) -> Any:
        from xl_budget.fill import CellState

        sheet, cell = key
        grid = self.grids.get(sheet)
        if grid is None:
            raise KeyError(key)
        row, col = parse_a1(cell)
        r0, c0, r1, c1 = grid.merge_of(row, col)
        merge_end = a1(r1, c1) if (r0, c0) == (row, col) and (r1, c1) != (row, col) else None
        formula, fmt = self.doc.cell_info(sheet, cell)
        value = grid.raw(row, col)
        if value is None and formula is None and fmt == "General" and merge_end is None:
            raise KeyError(key)
        return CellState(value, formula, fmt or "General", merge_end)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for name, grid in self.grids.items():
            for r, c, _ in grid.iter_cells():
                yield name, a1(r, c)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


# ------------------------------------------------------------------ IO methods: xlwings
def _with_caller(action: Callable[[LiveBook], str]) -> None:
    import xlwings as xw

    run(action, XlwingsBook(xw.Book.caller()))


def _hex(color: Any) -> str:
    if not color:
        return ""
    if isinstance(color, str):
        return color.lstrip("#").upper()
    r, g, b = color
    return f"{r:02X}{g:02X}{b:02X}"


class XlwingsBook:
    """A ``LiveBook`` over an ``xlwings.Book``.

    Fill tokens are ``RRGGBB`` ("" for no fill); sheet protection without a password is lifted
    while marking and put back by ``finish``; text is written with a leading apostrophe so that
    Excel keeps it as text ("=…" never becomes a formula, "731001" never a number).
    """

    def __init__(self, book: Any) -> None:
        self.book = book
        self._protected: dict[str, dict[str, bool]] = {}
        self._merges: dict[str, list[tuple[int, int, int, int]]] = {}

    # -- LiveBook
    def file_name(self) -> str:
        return str(self.book.name)

    def folder(self) -> Path | None:
        full = Path(str(self.book.fullname))
        return full.parent if full.is_absolute() and full.parent.is_dir() else None

    def grids(self) -> list[Grid]:
        out = []
        for sheet in self.book.sheets:
            rows = self._values(sheet)
            merges = self._find_merges(sheet, len(rows), max((len(r) for r in rows), default=0))
            self._merges[sheet.name] = merges
            out.append(make_grid(sheet.name, rows, merges, _sheet_visible(sheet)))
        return out

    def cell_info(self, sheet: str, cell: str) -> tuple[str | None, str]:
        rng = self.book.sheets[sheet].range(cell)
        formula = rng.formula
        formula = formula if isinstance(formula, str) and formula.startswith("=") else None
        return formula, str(rng.number_format or "General")

    def write_cell(self, sheet: str, cell: str, value: Any, formula: str | None,
                   number_format: str | None) -> None:
        rng = self._editable(sheet).range(cell)
        if number_format is not None:
            rng.number_format = number_format
        if formula is not None:
            rng.formula = formula
        else:
            rng.value = _as_excel(value)

    def alert(self, message: str) -> None:
        self.book.app.alert(message, title=TITLE)

    def finish(self) -> None:
        for name, allow in self._protected.items():
            _protect(self.book.sheets[name], allow)
        self._protected.clear()

    # -- Canvas
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def anchor(self, sheet: str, cell: str) -> str:
        return merge_anchor(self._merges.get(sheet, ()), cell)

    def get_fill(self, sheet: str, cell: str) -> str:
        return _hex(self.book.sheets[sheet].range(cell).color)

    def set_fill(self, sheet: str, cell: str, fill: str) -> None:
        self._editable(sheet).range(cell).color = f"#{fill}" if fill else None

    def get_comment(self, sheet: str, cell: str) -> Note | None:
        note = self.book.sheets[sheet].range(cell).note
        if note is None:
            return None
        return Note(str(note.text or ""), str(getattr(note.api, "Author", "") or ""))

    def set_comment(self, sheet: str, cell: str, note: Note | None) -> None:
        rng = self._editable(sheet).range(cell)
        if rng.note is not None:
            rng.note.delete()
        if note is not None:
            rng.api.AddComment(note.text)

    def write_table(self, sheet: str, rows: list[list[Entry]], widths: list[float]) -> None:
        ws = self._fresh(sheet)
        values = [[_as_excel(e.value) for e in row] for row in rows]
        width = max((len(r) for r in values), default=0)
        if width:
            ws.range("A1").value = [r + [None] * (width - len(r)) for r in values]
        for r, row in enumerate(rows):
            for c, entry in enumerate(row):
                self._style(ws, a1(r, c), entry)
        for c, w in enumerate(widths):
            ws.range(f"{col_letter(c)}:{col_letter(c)}").column_width = w

    def set_visible(self, sheet: str, visible: bool) -> None:
        ws = self.book.sheets[sheet]
        if visible:
            ws.visible = True
            ws.activate()
        else:
            ws.visible = False

    def read_store(self) -> list[list[str]]:
        if annotate.MARKS_SHEET not in self.sheet_names():
            return []
        rows = self._values(self.book.sheets[annotate.MARKS_SHEET])
        return [["" if v is None else str(v) for v in row] for row in rows]

    def write_store(self, rows: list[list[str]]) -> None:
        ws = self._fresh(annotate.MARKS_SHEET)
        width = max((len(r) for r in rows), default=0)
        if width:
            ws.range("A1").value = [[_as_excel(v or None) for v in r] + [None] * (width - len(r))
                                    for r in rows]
        ws.visible = False

    # -- private
    def _values(self, sheet: Any) -> list[list[Any]]:
        used = sheet.used_range
        block = used.options(ndim=2).value or []
        top, left = used.row - 1, used.column - 1
        width = left + max((len(r) for r in block), default=0)
        return [[None] * width for _ in range(top)] + [[None] * left + list(r) for r in block]

    def _find_merges(self, sheet: Any, height: int, width: int) -> list[tuple[int, int, int, int]]:
        # One call per row; cell by cell only in rows holding a merge.
        found: dict[tuple[int, int, int, int], None] = {}
        if not width:
            return []
        for r in range(height):
            if sheet.range(f"A{r + 1}:{col_letter(width - 1)}{r + 1}").merge_cells is False:
                continue
            for c in range(width):
                rng = sheet.range(a1(r, c))
                if rng.merge_cells:
                    area = rng.merge_area
                    r0, c0 = area.row - 1, area.column - 1
                    r1, c1 = r0 + area.shape[0] - 1, c0 + area.shape[1] - 1
                    found[(r0, c0, r1, c1)] = None
        return list(found)

    def _editable(self, name: str) -> Any:
        ws = self.book.sheets[name]
        if name not in self._protected:
            allow = _unprotect(ws)
            if allow is not None:
                self._protected[name] = allow
        return ws

    def _fresh(self, name: str) -> Any:
        names = self.sheet_names()
        if name in names:
            ws = self._editable(name)
            ws.clear()
            return ws
        return self.book.sheets.add(name, after=self.book.sheets[len(names) - 1])

    def _style(self, ws: Any, cell: str, entry: Entry) -> None:
        if not (entry.link or entry.fill or entry.bold):
            return
        rng = ws.range(cell)
        if entry.link:
            rng.add_hyperlink(entry.link, str(entry.value or ""))
        if entry.fill:
            rng.color = f"#{entry.fill}"
        if entry.bold:
            rng.font.bold = True


_PROTECTION_FLAGS = ("AllowFormattingCells", "AllowFormattingColumns", "AllowFormattingRows",
                     "AllowInsertingColumns", "AllowInsertingRows", "AllowInsertingHyperlinks",
                     "AllowDeletingColumns", "AllowDeletingRows", "AllowSorting", "AllowFiltering",
                     "AllowUsingPivotTables")


def _unprotect(ws: Any) -> dict[str, bool] | None:
    # Lift a protection without password; returns its options, None when not protected.
    try:
        api = ws.api
        if not api.ProtectContents:
            return None
        allow = {flag: bool(getattr(api.Protection, flag)) for flag in _PROTECTION_FLAGS}
        api.Unprotect("")
        return allow
    except Exception:  # a password, or a platform whose api differs: write what we can
        return None


def _protect(ws: Any, allow: Mapping[str, bool]) -> None:
    try:
        ws.api.Protect(Password="", DrawingObjects=True, Contents=True, Scenarios=True, **allow)
    except Exception:
        pass


def _sheet_visible(sheet: Any) -> bool:
    try:
        return bool(sheet.visible)
    except Exception:
        return True


def _as_excel(value: Any) -> Any:
    if isinstance(value, str):
        return "'" + value if value else None
    return _plain(value)
