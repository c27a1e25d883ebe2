"""The county workbook (CONTRACT.md "The consolidated workbook") and its CSV twin.

Sheets, in order: 汇总, 项目, 指标, 问题, 进度. The writer takes 指标 and 问题 rows as each
unit's workbook is read, and 汇总, 项目 and 进度 at the end, once the cross-workbook rules
(X001–X003) have decided what counts. Rows go in order, so the same code runs in XlsxWriter's
``constant_memory`` mode (rows stream to one temp file per sheet: flat memory at thousands of
workbooks) or in its normal mode (shared strings: about a third faster, memory grows with
the rows); ``consolidate`` picks the mode by the number of input files.

Every user-typed text goes through ``write_string`` (the workbook is also opened with
``strings_to_formulas=False``), so "=cmd|' /C calc'!A0" stays text. Formulas carry their
computed value, so pandas and python-calamine read numbers, not blanks.
"""

from __future__ import annotations

import copy
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import xlsxwriter
from xlsxwriter.url import Url
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from xl_budget.errors import FileError

Kind = Literal["text", "money", "pct", "int", "number"]
MAX_ROWS = 1_048_576  # Excel's row limit; a longer table continues on "<name>（续1）"
MAX_LINKS = 65_530  # Excel's hyperlink limit per worksheet
MAX_FORMULA_LINK = 255  # HYPERLINK()'s limit on the link text
_WIDTH_SAMPLE = 400  # rows per sheet that set the column widths
_MAX_WIDTH = 60.0

SHEETS = ("汇总", "项目", "指标", "问题", "进度")
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


# ------------------------------------------------------------------ Public API: tables
@dataclass(frozen=True, slots=True)
class Column:
    """One column of an output table: its header, the kind of its values and a minimum width."""

    header: str
    kind: Kind = "text"
    width: float = 8.0


def _cols(*specs: tuple[str, Kind, float]) -> tuple[Column, ...]:
    return tuple(Column(h, k, w) for h, k, w in specs)


SUMMARY = _cols(
    ("单位编码", "text", 10), ("单位名称", "text", 24), ("文件", "text", 24), ("项目数", "int", 7),
    ("预算数（万元）", "money", 13), ("财政资金（万元）", "money", 13), ("其他资金（万元）", "money", 13),
    ("错误数", "int", 7), ("警告数", "int", 7), ("状态", "text", 9), ("SHA-256", "text", 20),
    ("计入合计", "text", 9), ("填报日期", "text", 11), ("说明", "text", 40),
)
PROJECTS = _cols(
    ("单位编码", "text", 10), ("单位名称", "text", 20), ("项目编码", "text", 23), ("项目名称", "text", 24),
    ("预算数（万元）", "money", 13), ("财政资金（万元）", "money", 13), ("其他资金（万元）", "money", 13),
    ("3月底（%）", "pct", 9), ("6月底（%）", "pct", 9), ("10月底（%）", "pct", 9), ("12月底（%）", "pct", 9),
    ("错误数", "int", 7), ("警告数", "int", 7), ("文件", "text", 20), ("工作表", "text", 9),
    ("计入合计", "text", 9),
)
INDICATORS = _cols(
    ("单位编码", "text", 10), ("项目编码", "text", 23), ("一级指标", "text", 11), ("二级指标", "text", 14),
    ("三级指标", "text", 20), ("绩效指标描述", "text", 24), ("指标值", "text", 12), ("运算符", "text", 7),
    ("数值", "number", 9), ("计量单位", "text", 9), ("等级", "text", 9), ("指标值确定依据", "text", 14),
    ("单元格", "text", 11), ("文件", "text", 20),
)
ISSUES = _cols(
    ("文件", "text", 20), ("单位编码", "text", 10), ("单位名称", "text", 20), ("项目编码", "text", 23),
    ("工作表", "text", 9), ("单元格", "text", 8), ("代码", "text", 6), ("级别", "text", 6),
    ("问题说明", "text", 60),
)
PROGRESS = _cols(
    ("时点", "text", 8), ("计划支出（万元）", "money", 16), ("计划支出进度（%）", "pct", 17),
    ("序时进度（%）", "pct", 14),
)
TABLES: dict[str, tuple[Column, ...]] = {
    "汇总": SUMMARY, "项目": PROJECTS, "指标": INDICATORS, "问题": ISSUES, "进度": PROGRESS,
}


@dataclass(frozen=True, slots=True)
class Link:
    """A hyperlink from a 问题 row to the source cell: ``file:///abs/path.xlsx#'项目1'!E14``."""

    path: str  # absolute path of the source workbook
    sheet: str | None
    cell: str | None

    @property
    def anchor(self) -> str:
        if not (self.sheet and self.cell):
            return ""
        return "'" + self.sheet.replace("'", "''") + "'!" + self.cell

    @property
    def target(self) -> str:
        """The file URL as Excel writes it: spaces and a few marks %-escaped, CJK kept."""
        return file_url(self.path)


def file_url(path: str) -> str:
    """``file:///C:\\dir\\a b.xlsx`` → ``file:///C:\\dir\\a%20b.xlsx``; POSIX ``/x/a.xlsx`` → ``file:///x/a.xlsx``."""
    escaped = path
    for ch, code in (("%", "%25"), (" ", "%20"), ('"', "%22"), ("<", "%3c"), (">", "%3e"), ("#", "%23"),
                     ("[", "%5b"), ("]", "%5d"), ("^", "%5e"), ("`", "%60"), ("{", "%7b"), ("}", "%7d")):
        escaped = escaped.replace(ch, code)
    return "file://" + escaped if escaped.startswith("/") else "file:///" + escaped


class _FileUrl(Url):
    # XlsxWriter's Url reads "file:///tmp/a.xlsx" as the relative Windows path "tmp\a.xlsx"
    # and splits at the first "#" even inside a folder name. Parse a harmless placeholder
    # (so every attribute exists), then set the target we built ourselves. One per source
    # file; each link is a shallow copy with its own anchor and text (parsing is the slow part).
    def __init__(self, target: str) -> None:
        super().__init__("file:///placeholder.xlsx")
        self._original_url = self._link = self._relationship_link = target
        self._tip = "打开源文件中的此单元格"

    def at(self, anchor: str, text: str) -> _FileUrl:
        url = copy.copy(self)
        url._anchor, url._text = anchor, text
        return url


# ------------------------------------------------------------------ Public API: writers
class CountyWorkbook:
    """Streams the county workbook to a temp file beside ``out``; ``close`` moves it into place.

    Args:
        out: the .xlsx to write (replaced atomically on ``close``).
        constant_memory: stream rows to disk (flat memory, slower) instead of holding them.
    Raises:
        FileError: the folder of ``out`` cannot be written.
    """

    def __init__(self, out: Path, constant_memory: bool = True) -> None:
        self.out = out
        try:
            fd, tmp = tempfile.mkstemp(prefix=".~xlb-", suffix=".xlsx", dir=out.parent)
        except OSError as exc:
            raise FileError(f"无法在 {out.parent} 中写入汇总工作簿：{exc.strerror or exc}",
                            path=str(out), reason="unwritable") from exc
        os.close(fd)
        self.tmp = Path(tmp)
        self.wb = xlsxwriter.Workbook(str(self.tmp), {**WORKBOOK_OPTIONS, "constant_memory": constant_memory,
                                                      "default_format_properties": _BASE_FORMAT})
        self.formats = _formats(self.wb)
        self.urls: dict[str, _FileUrl] = {}
        self.sheets = {name: _Sheet(self, name, TABLES[name]) for name in SHEETS[:4]}

    def append(self, table: str, rows: Iterable[Sequence[Any]], links: Sequence[Link | None] = ()) -> None:
        """Append rows to 指标/问题 (streamed) or 汇总/项目 (at the end); ``links`` per row for 问题."""
        sheet = self.sheets[table]
        for i, row in enumerate(rows):
            sheet.append(row, links[i] if i < len(links) else None)

    def totals(self, label: str, sums: dict[str, tuple[Decimal | int, bool]], where: tuple[str, str],
               note: str) -> None:
        """The totals row of 汇总: {header: (value, counted rows only)}; ``where`` = (column, value)
        marks the counted rows (SUMIFS); formulas carry their values."""
        self.sheets["汇总"].totals(label, sums, where, note)

    def progress(self, rows: Sequence[Sequence[Any]], notes: Sequence[str]) -> None:
        """The 进度 sheet: the plan per checkpoint and a line chart against straight-line pacing."""
        sheet = _Sheet(self, "进度", PROGRESS)
        for row in rows:
            sheet.append(row)
        sheet.finish()
        ws = sheet.ws
        for i, note in enumerate(notes):
            ws.write_string(len(rows) + 2 + i, 0, note, self.formats["note"])
        _chart(self.wb, ws, len(rows))

    def close(self) -> None:
        """Finish every sheet, save, and replace ``out`` atomically."""
        try:
            for sheet in self.sheets.values():
                sheet.finish()
            self.wb.close()
            os.replace(self.tmp, self.out)
        except (OSError, xlsxwriter.exceptions.XlsxWriterException) as exc:
            raise FileError(f"无法写入汇总工作簿 {self.out}：{_reason(exc)}",
                            path=str(self.out), reason="unwritable") from exc
        finally:
            self.discard()

    def discard(self) -> None:
        """Drop the temp file (after a failure, or after ``close`` moved it)."""
        if not self.wb.fileclosed:
            try:
                self.wb.close()
            except Exception:  # the workbook is being thrown away; a second error must not mask the first
                pass
        self.tmp.unlink(missing_ok=True)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, PermissionError):
        return "没有写入权限，或文件正在 Excel 中打开，请关闭后重试"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


class CsvTables:
    """The same tables as UTF-8 CSV with BOM (Excel opens them right), one file per sheet.

    Rows are buffered and written by pandas in batches; files appear atomically on ``close``.
    """

    BATCH = 20_000

    def __init__(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FileError(f"无法创建 CSV 文件夹 {folder}：{exc.strerror or exc}",
                            path=str(folder), reason="unwritable") from exc
        self.folder = folder
        self.buffers: dict[str, list[Sequence[Any]]] = {name: [] for name in SHEETS}
        self.started: set[str] = set()
        self.tmp = {name: folder / f".~xlb-{name}.csv" for name in SHEETS}

    def append(self, table: str, rows: Iterable[Sequence[Any]]) -> None:
        buf = self.buffers[table]
        buf.extend(rows)
        if len(buf) >= self.BATCH:
            self._flush(table)

    def _flush(self, table: str) -> None:
        import pandas as pd

        first = table not in self.started
        frame = pd.DataFrame(self.buffers[table], columns=[c.header for c in TABLES[table]], dtype=object)
        with self.tmp[table].open("w" if first else "a", encoding="utf-8-sig", newline="") as fh:
            frame.to_csv(fh, index=False, header=first)
        self.started.add(table)
        self.buffers[table] = []

    def close(self) -> list[Path]:
        """Write what is buffered and move every table into place; returns the files."""
        out = []
        try:
            for table in SHEETS:
                self._flush(table)
                dest = self.folder / f"{table}.csv"
                os.replace(self.tmp[table], dest)
                out.append(dest)
        except OSError as exc:
            raise FileError(f"无法写入 CSV 文件夹 {self.folder}：{_reason(exc)}",
                            path=str(self.folder), reason="unwritable") from exc
        finally:
            self.discard()
        return out

    def discard(self) -> None:
        for tmp in self.tmp.values():
            tmp.unlink(missing_ok=True)


# ------------------------------------------------------------------ Private API: sheets
_BASE_FORMAT = {"font_name": "宋体", "font_size": 10}


def _formats(wb: Any) -> dict[str, Any]:
    # Text cells use the workbook default (no per-cell format: the fastest path).
    base = dict(_BASE_FORMAT)
    return {
        "header": wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1,
                                 "text_wrap": True, "align": "center"}),
        "money": wb.add_format({**base, "num_format": "0.00"}),
        "pct": wb.add_format({**base, "num_format": "0.0"}),
        "int": wb.add_format({**base, "num_format": "0"}),
        "number": wb.add_format({**base, "num_format": "General"}),
        "link": wb.add_format({**base, "font_color": "blue", "underline": 1}),
        "total_text": wb.add_format({**base, "bold": True, "top": 1}),
        "total_money": wb.add_format({**base, "bold": True, "top": 1, "num_format": "0.00"}),
        "total_int": wb.add_format({**base, "bold": True, "top": 1, "num_format": "0"}),
        "note": wb.add_format({**base, "italic": True, "font_color": "#595959"}),
    }


def text_width(text: str) -> float:
    """Display width of ``text`` in Excel column units: a CJK character is about two."""
    return (len(text) + len(text.encode("utf-8"))) / 2 + 1


class _Sheet:
    # One output sheet: header, frozen panes, streamed rows, widths from the first rows,
    # autofilter over the data, continuation sheets past Excel's row limit.
    def __init__(self, book: CountyWorkbook, name: str, columns: tuple[Column, ...], part: int = 0) -> None:
        self.book, self.name, self.columns, self.part = book, name, columns, part
        title = name if part == 0 else f"{name}（续{part}）"
        self.ws = book.wb.add_worksheet(title)
        self.widths = [max(c.width, text_width(c.header)) for c in columns]
        self.row = 1
        self.links = 0
        self.formats = [None if col.kind == "text" else book.formats[col.kind] for col in columns]
        heads = [c.header for c in columns]
        self.link_col = heads.index("单元格") if name == "问题" else -1
        self.totals_row: int | None = None
        self._done = False
        self.next: _Sheet | None = None
        fmt = book.formats["header"]
        for c, col in enumerate(columns):
            self.ws.write_string(0, c, col.header, fmt)
        self.ws.freeze_panes(1, 0)

    def append(self, values: Sequence[Any], link: Link | None = None) -> None:
        if self.next is not None:
            self.next.append(values, link)
            return
        if self.row >= MAX_ROWS:
            self.finish()
            self.next = _Sheet(self.book, self.name, self.columns, self.part + 1)
            self.next.append(values, link)
            return
        row = self.row
        if row <= _WIDTH_SAMPLE:
            self._measure(values)
        write_string, write_number, formats = self.ws.write_string, self.ws.write_number, self.formats
        for c, value in enumerate(values):
            if value is None:
                continue
            fmt = formats[c]
            if fmt is not None:
                number = float(value)
                if math.isfinite(number):
                    write_number(row, c, number, fmt)
                else:  # a 400-digit "amount": Excel cannot hold it as a number, keep the text
                    write_string(row, c, str(value))
            elif c == self.link_col and link is not None:
                self._link(c, str(value), link)
            else:
                write_string(row, c, value if type(value) is str else str(value))
        self.row += 1

    def _measure(self, values: Sequence[Any]) -> None:
        for c, value in enumerate(values):
            if value is not None and self.formats[c] is None:
                self.widths[c] = max(self.widths[c], min(text_width(str(value)), _MAX_WIDTH))

    def _link(self, c: int, text: str, link: Link) -> None:
        # write_url up to Excel's per-sheet limit, then a HYPERLINK formula (with its value),
        # then plain text when even that is too long.
        fmt = self.book.formats["link"]
        if self.links < MAX_LINKS:
            self.links += 1
            proto = self.book.urls.get(link.path)
            if proto is None:
                proto = self.book.urls[link.path] = _FileUrl(link.target)
            self.ws.write_url(self.row, c, proto.at(link.anchor, text), fmt)
            return
        url = link.target + ("#" + link.anchor if link.anchor else "")
        if len(url) <= MAX_FORMULA_LINK:
            formula = '=HYPERLINK("{}","{}")'.format(url.replace('"', '""'), text.replace('"', '""'))
            self.ws.write_formula(self.row, c, formula, fmt, text)
        else:
            self.ws.write_string(self.row, c, text)

    def totals(self, label: str, sums: dict[str, tuple[Decimal | int, bool]], where: tuple[str, str],
               note: str) -> None:
        # SUMIFS(column, where-column, value) for sums over counted rows, SUM for the rest.
        first, last = 2, self.row  # 1-based data rows
        heads = [c.header for c in self.columns]
        wcol = xl_col_to_name(heads.index(where[0]))
        fmts = self.book.formats
        self.ws.write_string(self.row, 0, label, fmts["total_text"])
        for header, (value, only_counted) in sums.items():
            c = heads.index(header)
            rng = f"{xl_col_to_name(c)}{first}:{xl_col_to_name(c)}{last}"
            formula = (f'=SUMIFS({rng},{wcol}{first}:{wcol}{last},"{where[1]}")' if only_counted
                       else f"=SUM({rng})")
            kind = "total_money" if self.columns[c].kind == "money" else "total_int"
            self.ws.write_formula(self.row, c, formula, fmts[kind], float(value))
        self.ws.write_string(self.row, heads.index("说明"), note, fmts["note"])
        self.totals_row = self.row
        self.row += 1

    def finish(self) -> None:
        if self._done:
            return
        self._done = True
        for c, width in enumerate(self.widths):
            self.ws.set_column(c, c, width)
        last = (self.totals_row if self.totals_row is not None else self.row) - 1
        self.ws.autofilter(0, 0, max(last, 0), len(self.columns) - 1)
        if self.next is not None:
            self.next.finish()


def _chart(wb: Any, ws: Any, n: int) -> None:
    chart = wb.add_chart({"type": "line"})
    cats = ["进度", 1, 0, n, 0]
    chart.add_series({"name": "全县计划支出进度（%）", "categories": cats, "values": ["进度", 1, 2, n, 2],
                      "marker": {"type": "circle"}})
    chart.add_series({"name": "序时进度（%）", "categories": cats, "values": ["进度", 1, 3, n, 3],
                      "line": {"dash_type": "dash"}})
    chart.set_title({"name": "全县资金支出计划与序时进度"})
    chart.set_y_axis({"min": 0, "max": 100, "name": "累计支出进度（%）"})
    chart.set_x_axis({"name": "时点"})
    chart.set_legend({"position": "bottom"})
    ws.insert_chart(xl_rowcol_to_cell(1, len(PROGRESS) + 1), chart, {"x_scale": 1.3, "y_scale": 1.2})

