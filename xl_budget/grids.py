"""A workbook as plain grids: cell values plus merged ranges.

The parser sees grids only, so the command line, the macros and consolidation share one code
path. Three sources: python-calamine (fast, bulk: ``read_grids``), an openpyxl workbook
(``grids_from_openpyxl``) and a live xlwings book (``xl_budget.macros``).
"""

from __future__ import annotations

import datetime as dt
import logging
import posixpath
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, wraps
from pathlib import Path
from typing import Any

from xl_budget.errors import FileError

log = logging.getLogger(__name__)

CellValue = str | float | int | bool | dt.date | dt.datetime | dt.time | None
Range = tuple[int, int, int, int]  # first_row, first_col, last_row, last_col; 0-based, inclusive

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# How far a sheet's used cells may reach. python-calamine builds every sheet as one dense
# rectangle from A1 (32 bytes a cell in Rust, a Python slot more each), so a single stray space
# in XFD1048576 asks for 512 GB and aborts the process where no ``except`` can catch it. A unit
# workbook uses a few hundred rows and a dozen columns; an annexed list may run to thousands of
# rows. At the limits a sheet costs about 5 M cells (~300 MB, a fraction of a second).
MAX_SHEET_ROWS = 50_000
MAX_SHEET_COLS = 100  # CV
_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
_NO_MERGES: dict[int, Range] = {}


# ------------------------------------------------------------------ Public API: addresses
@lru_cache(maxsize=1024)
def col_letter(col: int) -> str:
    """0-based column index → letters (0 → "A"); cached: tables use the same few columns."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@lru_cache(maxsize=1 << 16)
def a1(row: int, col: int) -> str:
    """0-based (row, col) → "B7" (cached: the reader asks for the same few thousand cells)."""
    return f"{col_letter(col)}{row + 1}"


def parse_a1(ref: str) -> tuple[int, int]:
    """ "B7" → 0-based (6, 1)."""
    m = _A1.match(ref.strip())
    if not m:
        raise ValueError(f"not an A1 address: {ref!r}")
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def merge_anchor(merges: Sequence[Range], cell: str) -> str:
    """The top-left cell of the merged range holding ``cell`` (the cell itself if unmerged)."""
    row, col = parse_a1(cell)
    for r0, c0, r1, c1 in merges:
        if r0 <= row <= r1 and c0 <= col <= c1:
            return a1(r0, c0)
    return cell


def accepts_a1(method):
    """Let ``grid.get("B7")`` and ``grid.get(6, 1)`` both work."""

    @wraps(method)
    def wrapper(self, *args, **kwargs):
        if args and isinstance(args[0], str):
            args = (*parse_a1(args[0]), *args[1:])
        return method(self, *args, **kwargs)

    return wrapper


# ------------------------------------------------------------------ Public API: Grid
@dataclass
class Grid:
    """One sheet: a rectangle of values (None for empty) and its merged ranges."""

    name: str
    rows: list[list[CellValue]]
    merges: list[Range] = field(default_factory=list)
    visible: bool = True
    # row → col → the merged range holding that cell; by row, so a table row looks its
    # merges up once
    _merges_in: dict[int, dict[int, Range]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for rng in self.merges:
            r0, c0, r1, c1 = rng
            for r in range(r0, r1 + 1):
                self._merges_in.setdefault(r, {}).update(dict.fromkeys(range(c0, c1 + 1), rng))

    @property
    def height(self) -> int:
        return len(self.rows)

    @cached_property
    def width(self) -> int:
        # Kept: a grid is read, never reshaped (the merge index above is built once too).
        return max(map(len, self.rows), default=0)

    @accepts_a1
    def get(self, row: int, col: int) -> CellValue:
        """The value shown at (row, col): a merged cell shows its top-left value.

        Args:
            row: 0-based row, or an A1 address in place of row and col.
            col: 0-based column.
        Returns:
            The value, None when empty or outside the grid.
        """
        return self._get(row, col)

    def _get(self, row: int, col: int) -> CellValue:
        # Undecorated twin for hot loops inside the reader.
        rng = self._merges_in.get(row, _NO_MERGES).get(col)
        if rng is not None:
            row, col = rng[0], rng[1]
        return self.raw(row, col)

    def first_shown(self, row: int, first: int, last: int) -> tuple[CellValue, tuple[int, int] | None]:
        """The first value shown in columns first..last of a row and the cell holding it (a
        merge's top-left); (None, (row, first)) when all are empty."""
        return self.first_shown_each(row, [(first, last)])[0]

    def first_shown_each(self, row: int, spans: Sequence[tuple[int, int]]
                         ) -> list[tuple[CellValue, tuple[int, int] | None]]:
        """``first_shown`` for each (first, last) span of columns of a row, in one pass (the
        reader asks for whole table rows); (None, None) for an empty span (last < first)."""
        rows = self.rows
        line = rows[row] if 0 <= row < len(rows) else ()
        width, merges = len(line), self._merges_in.get(row, _NO_MERGES)
        out: list[tuple[CellValue, tuple[int, int] | None]] = []
        for first, last in spans:
            # The common cases first: one plain cell, or a merge showing a value at ``first``.
            rng = merges.get(first) if first <= last else None  # an empty span shows nothing
            if rng is None:
                if first == last:
                    out.append((line[first] if 0 <= first < width else None, (row, first)))
                    continue
            else:
                r0, c0 = rng[0], rng[1]
                top = rows[r0] if r0 < len(rows) else ()
                if c0 < len(top) and (value := top[c0]) is not None:
                    out.append((value, (r0, c0)))
                    continue
            found = None
            col = first
            while col <= last and found is None:
                rng = merges.get(col)
                if rng is None:
                    value = line[col] if 0 <= col < width else None
                    found = None if value is None else (value, (row, col))
                else:
                    value = self.raw(rng[0], rng[1])
                    found = None if value is None else (value, (rng[0], rng[1]))
                col += 1
            out.append(found or (None, (row, first) if first <= last else None))
        return out

    def raw(self, row: int, col: int) -> CellValue:
        """The value stored in exactly this cell (None inside a merge, but its anchor)."""
        if 0 <= row < len(self.rows):
            line = self.rows[row]
            if 0 <= col < len(line):
                return line[col]
        return None

    def merge_of(self, row: int, col: int) -> Range:
        """The merged range holding (row, col), or the cell itself."""
        return self._merges_in.get(row, _NO_MERGES).get(col) or (row, col, row, col)

    def iter_cells(self) -> Iterator[tuple[int, int, CellValue]]:
        """Every non-empty stored cell, row by row."""
        for r, line in enumerate(self.rows):
            for c, v in enumerate(line):
                if v is not None:
                    yield r, c, v


def make_grid(name: str, rows: Sequence[Sequence[Any]], merges: Sequence[Range] = (),
              visible: bool = True) -> Grid:
    """A grid from plain rows, ``''`` and None both meaning empty."""
    return Grid(name, [[None if v == "" else v for v in row] for row in rows], list(merges), visible)


# ------------------------------------------------------------------ IO methods
def check_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse what must not be parsed: missing, empty, too large, encrypted, XML attacks.

    Raises:
        FileError: with a Chinese message and a machine-readable ``reason``.
    """
    if not path.exists():
        raise FileError(f"文件不存在：{path}", path=str(path), reason="missing")
    size = path.stat().st_size
    if size == 0:
        raise FileError("文件是空的（0 字节），请重新保存后再提交", path=str(path), reason="empty")
    if size > max_bytes:
        raise FileError(f"文件过大（{size / 1048576:.1f} MB，上限 {max_bytes / 1048576:.0f} MB），"
                        "请删除无关内容后再提交", path=str(path), reason="too_large")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_ZIP_MAGIC):
        _check_zip(path, max_bytes)
    elif head == _OLE_MAGIC:
        _check_ole(path)
    else:
        # Neither a zip package nor an OLE file: text, a web page saved as .xls, a picture…
        raise FileError("不是真正的 Excel 工作簿（可能是网页、文本或其他文件改了扩展名）："
                        "请用 Excel 打开后“另存为” .xlsx 再提交", path=str(path), reason="not_spreadsheet")


def _check_zip(path: Path, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "EncryptedPackage" in names:
                raise _password(path)
            total = sum(info.file_size for info in zf.infolist())
            if total > max_bytes * 20:
                raise FileError("文件解压后过大，疑似“压缩炸弹”，已拒绝读取", path=str(path), reason="unsafe")
            for name in names:
                if name.endswith((".xml", ".rels", ".vml")):
                    _check_part(path, zf, name)
            if "[Content_Types].xml" not in names and "mimetype" not in names:
                raise FileError("不是 Excel 工作簿（压缩包中没有表格内容），请提交 .xlsx 文件",
                                path=str(path), reason="not_spreadsheet")
    except zipfile.BadZipFile as exc:
        raise FileError("文件已损坏，无法打开（压缩结构错误），请用 Excel 重新保存后再提交",
                        path=str(path), reason="corrupt") from exc


def _check_part(path: Path, zf: zipfile.ZipFile, name: str) -> None:
    # Every part's head for a DOCTYPE; a worksheet (an OpenDocument book's content.xml) whole,
    # for the far cells that would make python-calamine allocate without bound.
    with zf.open(name) as part:
        head = part.read(4096)
        if b"<!DOCTYPE" in head.upper():
            raise FileError("文件含有不安全的 XML 声明（DOCTYPE/实体），已拒绝读取",
                            path=str(path), reason="unsafe")
        if _SHEET_ROOT.search(head):
            far = _far_cells(head + part.read())
            if far:
                raise _too_far(path, _sheet_name(zf, name), _cells_text(far))
        elif name == "content.xml":  # OpenDocument: every sheet of the book is in this part
            far_ods = _far_cells_ods(head + part.read())
            if far_ods:
                raise _too_far(path, far_ods[0], _cells_text(far_ods[1]))


def _check_ole(path: Path) -> None:
    # An encrypted .xlsx is an OLE compound file holding "EncryptedPackage" (UTF-16 name).
    with path.open("rb") as fh:
        blob = fh.read(1 << 20)
    if "EncryptedPackage".encode("utf-16-le") in blob or "EncryptionInfo".encode("utf-16-le") in blob:
        raise _password(path)


def _password(path: Path) -> FileError:
    return FileError("工作簿设置了打开密码，无法读取：请取消密码（文件→信息→保护工作簿）后再提交",
                     path=str(path), reason="password")


# ------------------------------------------------------------------ Private API: sheet reach
_SHEET_ROOT = re.compile(rb"<(?:[\w.-]+:)?(?:worksheet|macrosheet|dialogsheet)[\s>]")
# Excel, WPS, LibreOffice, openpyxl and XlsxWriter start every cell <c r="B7": one C-speed pass
# per pattern finds any other cell (an address past column Z or row 9999, the address not first
# or missing, a namespace prefix), and only a sheet holding one is walked cell by cell.
_ODD_CELL = re.compile(rb'<c(?! r="[A-Za-z][0-9]{1,4}")[\s/>]')
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_XLSX_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*?)(/?)>")
_ATTR_R = re.compile(rb"\sr\s*=\s*[\"']([A-Za-z]*)(\d*)[\"']")
_ODS_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])"
                      rb"([^>]*?)(/?)>")
_ODS_NAME = re.compile(rb"[\s:]name\s*=\s*\"([^\"]*)\"")
_ODS_REPEAT = re.compile(rb"number-(?:rows|columns)-repeated\s*=\s*\"(\d+)\"")


def _beyond(row: int, col: int) -> bool:
    return row >= MAX_SHEET_ROWS or col >= MAX_SHEET_COLS


def _far_cells(xml: bytes) -> list[tuple[int, int]]:
    """The cells with content beyond the limits in a worksheet part, in document order."""
    if not _ODD_CELL.search(xml) and not _PREFIXED_CELL.search(xml):
        return []
    return [cell for cell in _walk_cells(xml) if _beyond(*cell)]


def _walk_cells(xml: bytes) -> Iterator[tuple[int, int]]:
    # Where calamine puts each cell with content (it skips one without, <c r="B7" s="3"/>); a
    # row without an address follows the row before, a cell without one the cell before.
    row = col = -1
    for kind, attrs, closed in _XLSX_TAG.findall(xml):
        ref = _ATTR_R.search(attrs)
        if kind == b"row":
            row = int(ref.group(2)) - 1 if ref and ref.group(2) else row + 1
            col = -1
            continue
        if ref and ref.group(1) and ref.group(2):
            row, col = _ref_cell(ref.group(1), ref.group(2))
        else:
            col += 1
        if not closed:
            yield row, col


def _ref_cell(letters: bytes, digits: bytes) -> tuple[int, int]:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ch - 64
    return int(digits) - 1, col - 1


def _far_cells_ods(xml: bytes) -> tuple[str, list[tuple[int, int]]] | None:
    """The first sheet of an OpenDocument book with content beyond the limits, and those cells
    (the last cell of a repeated block). Repeats count: calamine expands them."""
    sheet, far = "", []
    row = col = 0
    repeat = 1
    for closing, kind, attrs, closed in _ODS_TAG.findall(xml):
        if closing:
            if kind == b"table-row":
                row += repeat
            elif kind == b"table" and far:
                break
            continue
        times = int(m.group(1)) if (m := _ODS_REPEAT.search(attrs)) else 1
        if kind == b"table":
            name = _ODS_NAME.search(attrs)
            sheet, row = (name.group(1).decode("utf-8", "replace") if name else ""), 0
        elif kind == b"table-row":
            repeat, col = times, 0
            row += repeat if closed else 0
        else:
            if (not closed or b"value-type" in attrs) and _beyond(row + repeat - 1, col + times - 1):
                far.append((row + repeat - 1, col + times - 1))
            col += times
    return (sheet, far) if far else None


def sheet_parts(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """Sheet name → its part in an .xlsx package ("xl/worksheets/sheet1.xml"), from the bytes
    of xl/workbook.xml and xl/_rels/workbook.xml.rels (parsed without entities)."""
    from defusedxml import ElementTree

    rels, book = ElementTree.fromstring(rels_xml), ElementTree.fromstring(workbook_xml)
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels if rel.tag.endswith("Relationship")}
    out = {}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet"):
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "")
            part = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            out[sheet.get("name") or part] = part
    return out


def _sheet_name(zf: zipfile.ZipFile, part: str) -> str:
    """The name a user sees for a worksheet part (the part's path if the book does not say)."""
    try:
        names = sheet_parts(zf.read("xl/workbook.xml"), zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ValueError, SyntaxError):
        return part
    return next((name for name, p in names.items() if p == part), part)


def _cells_text(far: list[tuple[int, int]]) -> str:
    more = f"等 {len(far)} 个单元格" if len(far) > 1 else ""
    return f"的单元格 {a1(*far[0])} {more}有内容"


def _too_far(path: Path, sheet: str, what: str) -> FileError:
    return FileError(
        f"工作表“{sheet}”{what}，超出了可读取的范围"
        f"（最多 {MAX_SHEET_ROWS} 行 × {MAX_SHEET_COLS} 列，即 A1:{a1(MAX_SHEET_ROWS - 1, MAX_SHEET_COLS - 1)}），"
        "常见于误输入的空格：请删除表格以外的这些内容（按 Ctrl+End 可找到最后一个有内容的单元格）后重新保存",
        path=str(path), reason="too_large")


def read_grids(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Grid]:
    """Every sheet of a workbook file as grids, read with python-calamine.

    Raises:
        FileError: the file cannot be read as a workbook; the message says why, in Chinese.
    """
    from python_calamine import CalamineWorkbook

    path = Path(path)
    check_file(path, max_bytes)
    try:
        book = CalamineWorkbook.from_path(str(path))
        visible = {m.name: str(m.visible).lower().endswith("visible") for m in book.sheets_metadata}
        grids = []
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            if (end := sheet.end) and _beyond(*end):
                # .xls and .xlsb, which check_file does not scan (an .xls sheet stops at IV65536):
                # calamine's rectangle is built, but not the Python grid (as large again) nor the parse
                raise _too_far(path, name, f"的内容延伸到单元格 {a1(*end)}")
            grids.append(_calamine_grid(name, sheet, visible.get(name, True)))
    except FileError:
        raise
    except Exception as exc:  # calamine raises a variety of its own error types
        raise _calamine_error(path, exc) from exc
    if not grids:
        raise FileError("工作簿中没有任何工作表", path=str(path), reason="empty")
    return grids


def _calamine_grid(name: str, sheet: Any, visible: bool) -> Grid:
    rows = sheet.to_python(skip_empty_area=False)
    merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
    return make_grid(name, rows, merges, visible)


def _calamine_error(path: Path, exc: Exception) -> FileError:
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return _password(path)
    if path.suffix.lower() not in _SUFFIXES:
        return FileError("不是 Excel 工作簿，无法读取，请提交 .xlsx 或 .xlsm 文件",
                         path=str(path), reason="not_spreadsheet")
    log.info("python-calamine could not read %s: %r", path, exc)  # the detail is for developers
    return FileError("文件已损坏或不是有效的 Excel 工作簿，无法读取，请用 Excel 打开并重新保存后再提交",
                     path=str(path), reason="corrupt")


def grids_from_openpyxl(wb: Any) -> list[Grid]:
    """Grids from an openpyxl workbook (loaded without data_only: formulas come back as text,
    so load it with ``data_only=True`` when cached values are wanted)."""
    grids = []
    for ws in wb.worksheets:
        rows = [[c for c in row] for row in ws.iter_rows(values_only=True)]
        merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1)
                  for m in ws.merged_cells.ranges]
        grids.append(make_grid(ws.title, rows, merges, ws.sheet_state == "visible"))
    return grids
