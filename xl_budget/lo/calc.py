"""``UnoBook``: the open Calc document as a ``macros.LiveBook`` (grids, Canvas, cell writes).

Runs inside LibreOffice's own Python (``import uno`` works there only). Formulas cross the
boundary in Excel syntax: ``to_calc``/``from_calc`` translate separators and sheet references
between Excel's ``'项目1'!C4`` with "," and Calc's ``$'项目1'.C4`` with ";".
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xl_budget import annotate, macros
from xl_budget.annotate import Entry, Note
from xl_budget.grids import Grid, make_grid, merge_anchor, parse_a1

MESSAGE_LOG = "XL_BUDGET_MESSAGE_LOG"  # when set: append every message to this file (tests, logs)
_CLEAR_ALL = 1023  # com.sun.star.sheet.CellFlags: every kind of content and formatting
_BOLD = 150.0
_REF_EXCEL = re.compile(r"(?:'((?:[^']|'')+)'|([^\W\d][\w.]*))!(\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)")
_REF_CALC = re.compile(r"\$?(?:'((?:[^']|'')+)'|([^\W\d]\w*))\.(\$?[A-Z]{1,3}\$?\d+)(?::\$?(?:'(?:[^']|'')+'|[^\W\d]\w*)?\.?(\$?[A-Z]{1,3}\$?\d+))?")


# ------------------------------------------------------------------ Public API
def run_action(action: str, doc: Any, ctx: Any = None) -> str:
    """Run "validate", "fill" or "consolidate" on a Calc document; returns the message shown."""
    actions = {"validate": macros.run_validate, "fill": macros.run_fill,
               "consolidate": macros.run_consolidate}
    book = UnoBook(doc, ctx)
    if doc is None or not hasattr(doc, "Sheets"):
        book.alert("请在 LibreOffice Calc 的工作簿中运行本宏（当前文档不是电子表格）。")
        return ""
    return macros.run(actions[action], book)


def to_calc(formula: str) -> str:
    """Excel formula syntax → Calc API syntax (";" separators, ``$'sheet'.A1`` references)."""
    def ref(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        first, _, last = m.group(3).partition(":")
        quoted = f"'{m.group(1)}'" if m.group(1) else name
        return f"${quoted}.{first}" + (f":${quoted}.{last}" if last else "")

    return _outside_strings(formula, lambda part: _REF_EXCEL.sub(ref, part).replace(",", ";"))


def from_calc(formula: str) -> str:
    """Calc API syntax → Excel syntax (the inverse of ``to_calc``)."""
    def ref(m: re.Match[str]) -> str:
        name = f"'{m.group(1)}'" if m.group(1) else m.group(2)
        return f"{name}!{m.group(3)}" + (f":{m.group(4)}" if m.group(4) else "")

    return _outside_strings(formula, lambda part: _REF_CALC.sub(ref, part).replace(";", ","))


def _outside_strings(formula: str, change: Any) -> str:
    parts = re.split(r'("(?:[^"]|"")*")', formula)
    return "".join(p if i % 2 else change(p) for i, p in enumerate(parts))


# ------------------------------------------------------------------ IO methods: UNO
class UnoBook:
    """A ``macros.LiveBook`` over a Calc document model (``XSpreadsheetDocument``).

    Fill tokens are ``RRGGBB`` ("" for none); protection without password is lifted while
    writing and put back by ``finish``.
    """

    def __init__(self, doc: Any, ctx: Any = None) -> None:
        self.doc, self.ctx = doc, ctx
        self._merges: dict[str, list[tuple[int, int, int, int]]] = {}
        self._protected: set[str] = set()

    # -- LiveBook
    def file_name(self) -> str:
        path = self._path()
        return path.name if path else str(getattr(self.doc, "Title", "") or "未保存的工作簿")

    def folder(self) -> Path | None:
        path = self._path()
        return path.parent if path else None

    def grids(self) -> list[Grid]:
        out = []
        for name in self.sheet_names():
            sheet = self._sheet(name)
            rows, height, width = self._values(sheet)
            merges = self._find_merges(sheet, height, width)
            self._merges[name] = merges
            out.append(make_grid(name, rows, merges, bool(sheet.IsVisible)))
        return out

    def cell_info(self, sheet: str, cell: str) -> tuple[str | None, str]:
        c = self._cell(sheet, cell)
        formula = c.getFormula() if c.getType().value == "FORMULA" else None
        return (from_calc(formula) if formula else None), self._format_text(c.NumberFormat)

    def write_cell(self, sheet: str, cell: str, value: Any, formula: str | None,
                   number_format: str | None) -> None:
        c = self._cell(sheet, cell, edit=True)
        if number_format is not None:
            c.NumberFormat = self._format_key(number_format)
        if formula is not None:
            c.setFormula(to_calc(formula))
        else:
            _put(c, value)

    def alert(self, message: str) -> None:
        log = os.environ.get(MESSAGE_LOG)
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(message + "\n\x1e\n")
        if self._window_visible():
            self._box(message)

    def finish(self) -> None:
        for name in self._protected:
            self._sheet(name).protect("")
        self._protected.clear()

    # -- Canvas
    def sheet_names(self) -> list[str]:
        return list(self.doc.Sheets.ElementNames)

    def anchor(self, sheet: str, cell: str) -> str:
        return merge_anchor(self._merges.get(sheet, ()), cell)

    def get_fill(self, sheet: str, cell: str) -> str:
        color = self._cell(sheet, cell).CellBackColor
        return "" if color < 0 else f"{color & 0xFFFFFF:06X}"

    def set_fill(self, sheet: str, cell: str, fill: str) -> None:
        c = self._cell(sheet, cell, edit=True)
        c.CellBackColor = int(fill, 16) if fill else -1

    def get_comment(self, sheet: str, cell: str) -> Note | None:
        found = self._annotation(sheet, cell)
        return Note(found.getString(), str(found.Author or "")) if found is not None else None

    def set_comment(self, sheet: str, cell: str, note: Note | None) -> None:
        ws = self._sheet(sheet, edit=True)
        index = self._annotation_index(ws, cell)
        if index is not None:
            ws.Annotations.removeByIndex(index)
        if note is not None and note.text:
            ws.Annotations.insertNew(self._cell(sheet, cell).CellAddress, note.text)

    def write_table(self, sheet: str, rows: Sequence[Sequence[Entry]], widths: Sequence[float]) -> None:
        ws = self._fresh(sheet)
        for r, row in enumerate(rows):
            for c, entry in enumerate(row):
                self._entry(ws, r, c, entry)
        for c, width in enumerate(widths):
            ws.Columns.getByIndex(c).Width = int(width * 200)

    def set_visible(self, sheet: str, visible: bool) -> None:
        ws = self._sheet(sheet)
        ws.IsVisible = visible
        if visible:
            try:
                self.doc.getCurrentController().setActiveSheet(ws)
            except Exception:  # no view (a document loaded hidden)
                pass

    def read_store(self) -> list[list[str]]:
        if annotate.MARKS_SHEET not in self.sheet_names():
            return []
        rows, _, _ = self._values(self._sheet(annotate.MARKS_SHEET))
        return [["" if v is None else str(v) for v in row] for row in rows]

    def write_store(self, rows: Sequence[Sequence[str]]) -> None:
        ws = self._fresh(annotate.MARKS_SHEET)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value:
                    ws.getCellByPosition(c, r).setString(value)
        ws.IsVisible = False

    # -- private
    def _path(self) -> Path | None:
        url = getattr(self.doc, "URL", "") or ""
        if not url.startswith("file:"):
            return None
        import uno

        return Path(uno.fileUrlToSystemPath(url))

    def _sheet(self, name: str, edit: bool = False) -> Any:
        ws = self.doc.Sheets.getByName(name)
        if edit and name not in self._protected and ws.isProtected():
            try:
                ws.unprotect("")
                self._protected.add(name)
            except Exception:  # protected with a password: writes will fail with a message
                pass
        return ws

    def _cell(self, sheet: str, cell: str, edit: bool = False) -> Any:
        row, col = parse_a1(cell)
        return self._sheet(sheet, edit).getCellByPosition(col, row)

    def _values(self, sheet: Any) -> tuple[list[list[Any]], int, int]:
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        end = cursor.RangeAddress
        height, width = end.EndRow + 1, end.EndColumn + 1
        data = sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow).DataArray
        return [list(row) for row in data], height, width

    def _find_merges(self, sheet: Any, height: int, width: int) -> list[tuple[int, int, int, int]]:
        found: dict[tuple[int, int, int, int], None] = {}
        for r in range(height):
            for c in range(width):
                cell = sheet.getCellByPosition(c, r)
                if cell.getIsMerged():
                    cursor = sheet.createCursorByRange(cell)
                    cursor.collapseToMergedArea()
                    ra = cursor.RangeAddress
                    if (ra.EndRow, ra.EndColumn) != (r, c):
                        found[(ra.StartRow, ra.StartColumn, ra.EndRow, ra.EndColumn)] = None
        return list(found)

    def _annotation_index(self, ws: Any, cell: str) -> int | None:
        row, col = parse_a1(cell)
        notes = ws.Annotations
        for i in range(notes.getCount()):
            pos = notes.getByIndex(i).Position
            if (pos.Row, pos.Column) == (row, col):
                return i
        return None

    def _annotation(self, sheet: str, cell: str) -> Any:
        ws = self._sheet(sheet)
        index = self._annotation_index(ws, cell)
        return ws.Annotations.getByIndex(index) if index is not None else None

    def _fresh(self, name: str) -> Any:
        sheets = self.doc.Sheets
        if not sheets.hasByName(name):
            sheets.insertNewByName(name, sheets.getCount())
        ws = self._sheet(name, edit=True)
        ws.clearContents(_CLEAR_ALL)
        return ws

    def _entry(self, ws: Any, r: int, c: int, entry: Entry) -> None:
        cell = ws.getCellByPosition(c, r)
        if entry.link and isinstance(entry.value, str):
            self._link(cell, entry.value, entry.link)
        else:
            _put(cell, entry.value)
        if entry.fill:
            cell.CellBackColor = int(entry.fill, 16)
        if entry.bold:
            cell.CharWeight = _BOLD

    def _link(self, cell: Any, text: str, link: str) -> None:
        # "#'项目1'!E14" → Calc's own target "#项目1.E14"
        sheet, _, ref = link.removeprefix("#").rpartition("!")
        field = self.doc.createInstance("com.sun.star.text.TextField.URL")
        field.Representation = text
        field.URL = "#" + sheet.strip("'").replace("''", "'") + "." + ref
        cell.setString("")
        cell.getText().insertTextContent(cell.getText().createTextCursor(), field, False)

    def _format_text(self, key: int) -> str:
        try:
            return str(self.doc.NumberFormats.getByKey(key).FormatString) or "General"
        except Exception:
            return "General"

    def _format_key(self, fmt: str) -> int:
        import uno

        locale = uno.createUnoStruct("com.sun.star.lang.Locale")
        locale.Language, locale.Country = "en", "US"
        formats = self.doc.NumberFormats
        key = formats.queryKey(fmt, locale, False)
        return key if key >= 0 else formats.addNew(fmt, locale)

    def _window_visible(self) -> bool:
        try:
            return bool(self.doc.getCurrentController().getFrame().getContainerWindow().isVisible())
        except Exception:
            return False

    def _box(self, message: str) -> None:
        smgr = self.ctx.getServiceManager()
        toolkit = smgr.createInstanceWithContext("com.sun.star.awt.Toolkit", self.ctx)
        window = self.doc.getCurrentController().getFrame().getContainerWindow()
        toolkit.createMessageBox(window, "infobox", 1, macros.TITLE, message).execute()


def _put(cell: Any, value: Any) -> None:
    # Text stays text (setString never makes a formula); numbers are numbers.
    if value is None:
        cell.setString("")
    elif isinstance(value, str):
        cell.setString(value)
    else:
        cell.setValue(float(value))
