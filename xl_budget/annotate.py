"""Mark findings on a workbook: coloured cells, comments, and a ``校验结果`` sheet.

The marking logic (``apply``) talks to a small ``Canvas`` protocol, so the same code marks an
openpyxl workbook (the command line, ``OpenpyxlCanvas`` below), a live Excel book (xlwings
macros) and a LibreOffice document (UNO).

Marking again replaces earlier marks exactly. Each marked cell's ORIGINAL fill and comment,
and the fill and comment we put there, are recorded in a hidden bookkeeping store
(``_xl_budget_marks``). Before marking anew, ``apply`` restores every recorded cell whose look
is still ours, so a cell whose problem is gone gets its own look back, and a staff comment we
appended to gets its original text back. What a user changed after marking is left alone.

The ``校验结果`` sheet is placed LAST (created after the existing sheets) and made the active
sheet: users see it on opening, while the first sheet stays 单位信息 for the scripts that read
"the first sheet" (``pandas.read_excel`` reads sheet 0 by default) and for macros that address
sheets by position.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from xl_budget.errors import InputError
from xl_budget.findings import Finding, Report, Severity
from xl_budget.grids import a1, col_letter, parse_a1

RESULTS_SHEET = "校验结果"
MARKS_SHEET = "_xl_budget_marks"
AUTHOR = "xl_budget"
MARKER = "【xl_budget 校验】"
SEVERITY_FILLS: dict[Severity, str] = {
    Severity.error: "FFC7CE",
    Severity.warning: "FFEB9C",
    Severity.info: "DDEBF7",
}
RESULT_COLUMNS = ("文件", "工作表", "单元格", "项目编码", "代码", "级别", "说明")
RESULT_WIDTHS = (24.0, 12.0, 8.0, 24.0, 7.0, 7.0, 90.0)
STORE_HEADER = ("xl_budget marks v1", "cell", "original fill", "had comment", "original comment",
                "original author", "our fill", "our comment", "our author")
# A comment longer than this is left alone (Excel's own limit on cell text is 32,767).
COMMENT_LIMIT = 30000
_RANK = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}
_HEX6 = re.compile(r"^[0-9A-Fa-f]{6}$")


# ------------------------------------------------------------------ Public API: protocol
@dataclass(frozen=True)
class Note:
    """A cell comment (an Excel "note"): its text and author."""

    text: str
    author: str = ""


@dataclass(frozen=True)
class Entry:
    """One cell of a table written with ``Canvas.write_table``.

    Attributes:
        value: text or a whole number; text is always written as text, never as a formula.
        link: internal hyperlink target such as ``#'项目1'!E14``.
        fill: solid background colour ``RRGGBB``.
        bold: bold font.
    """

    value: str | int | None = None
    link: str | None = None
    fill: str | None = None
    bold: bool = False


class Canvas(Protocol):
    """What ``apply`` needs from a workbook. Sheets are named, cells are A1 strings ("E14").

    Fill tokens are opaque strings: ``get_fill`` returns one that ``set_fill`` puts back
    exactly; ``set_fill`` also accepts ``RRGGBB`` (a solid fill of that colour). A token of a
    solid fill should contain the colour's six hex digits, so that ``apply`` recognises its own
    colours after a spreadsheet program has re-saved the file.

    Marked cells may sit on protected sheets (the template protects its labels): a canvas over
    a live book unprotects and re-protects around its edits; a file canvas needs not.
    """

    def sheet_names(self) -> list[str]:
        """Every sheet name, in workbook order (hidden ones too)."""
        ...

    def anchor(self, sheet: str, cell: str) -> str:
        """The top-left cell of the merged range holding ``cell``, or ``cell`` itself."""
        ...

    def get_fill(self, sheet: str, cell: str) -> str:
        """The cell's fill as a token."""
        ...

    def set_fill(self, sheet: str, cell: str, fill: str) -> None:
        """Give the cell a fill: a token from ``get_fill`` or ``RRGGBB``."""
        ...

    def get_comment(self, sheet: str, cell: str) -> Note | None:
        """The cell's comment, None when it has none."""
        ...

    def set_comment(self, sheet: str, cell: str, note: Note | None) -> None:
        """Replace the cell's comment; None removes it."""
        ...

    def write_table(self, sheet: str, rows: Sequence[Sequence[Entry]],
                    widths: Sequence[float]) -> None:
        """Replace everything on ``sheet`` by ``rows`` (row 1 first, column A first).

        The sheet is created after the existing sheets when missing, and kept at its place
        otherwise. ``widths`` are column widths in characters, from column A.
        """
        ...

    def set_visible(self, sheet: str, visible: bool) -> None:
        """Hide the sheet, or show it and make it the active sheet."""
        ...

    def read_store(self) -> list[list[str]]:
        """The rows of the hidden bookkeeping store (empty when there is none)."""
        ...

    def write_store(self, rows: Sequence[Sequence[str]]) -> None:
        """Replace the hidden bookkeeping store (the openpyxl canvas: a hidden sheet)."""
        ...


# ------------------------------------------------------------------ Public API: marking
@dataclass(frozen=True)
class Mark:
    """One marked cell: its look before and after marking (a row of the store)."""

    sheet: str
    cell: str
    original_fill: str
    original_note: Note | None
    our_fill: str
    our_note: Note | None

    def row(self) -> list[str]:
        orig, ours = self.original_note, self.our_note
        return [self.sheet, self.cell, self.original_fill, "1" if orig else "",
                orig.text if orig else "", orig.author if orig else "", self.our_fill,
                ours.text if ours else "", ours.author if ours else ""]

    @classmethod
    def from_row(cls, row: Sequence[str]) -> Mark | None:
        cells = [*row, *[""] * 9][:9]
        sheet, cell, ofill, had, otext, oauthor, fill, text, author = (str(v or "") for v in cells)
        if not sheet or not cell:
            return None
        return cls(sheet, cell, ofill, Note(otext, oauthor) if had else None, fill,
                   Note(text, author) if text else None)


def apply(canvas: Canvas, findings: Iterable[Finding]) -> int:
    """Mark ``findings`` on ``canvas``, replacing any earlier marks.

    Args:
        canvas: the workbook to mark.
        findings: the findings of this workbook (their ``file`` is not looked at).
    Returns:
        How many cells were marked.
    """
    findings = list(findings)
    restore(canvas)
    groups = _group(canvas, findings)
    originals = {key: (canvas.get_fill(*key), canvas.get_comment(*key)) for key in groups}
    marks = [_mark(canvas, key, group, *originals[key]) for key, group in groups.items()]
    canvas.write_table(RESULTS_SHEET, result_rows(findings, canvas.sheet_names()), RESULT_WIDTHS)
    canvas.write_store([list(STORE_HEADER), *(m.row() for m in marks)])
    canvas.set_visible(RESULTS_SHEET, True)
    return len(marks)


def restore(canvas: Canvas) -> int:
    """Give every cell recorded in the store its original look back; returns how many.

    A cell whose fill or comment a user changed after marking keeps the user's version (our
    paragraph is still cut out of a comment the user edited).
    """
    rows = canvas.read_store()
    if not rows or rows[0][:1] != [STORE_HEADER[0]]:
        return 0
    names = set(canvas.sheet_names())
    marks = [m for m in (Mark.from_row(r) for r in rows[1:]) if m and m.sheet in names]
    for mark in reversed(marks):
        _restore_fill(canvas, mark)
        _restore_comment(canvas, mark)
    return len(marks)


def result_rows(findings: Sequence[Finding], sheets: Iterable[str] = ()) -> list[list[Entry]]:
    """The content of the ``校验结果`` sheet: counts per severity, then one row a finding.

    Args:
        findings: what to list, in order.
        sheets: sheets that exist in the workbook; only those get hyperlinks.
    """
    sheets = set(sheets)
    counts = {sev: sum(f.severity == sev for f in findings) for sev in Severity}
    rows: list[list[Entry]] = [[Entry("校验结果", bold=True), Entry(_status(counts))]]
    rows += [[Entry(sev.label, fill=SEVERITY_FILLS[sev], bold=True), Entry(counts[sev])]
             for sev in Severity]
    rows += [[], [Entry(title, bold=True) for title in RESULT_COLUMNS]]
    rows += [_finding_row(f, sheets) for f in findings] or [[Entry("未发现问题。")]]
    return rows


def internal_link(sheet: str, cell: str = "A1") -> str:
    """The hyperlink target of a cell inside the workbook: ``#'项目1'!E14``."""
    return "#'" + sheet.replace("'", "''") + "'!" + cell


def annotate_file(src: str | Path, dest: str | Path,
                  report_or_findings: Report | Iterable[Finding] | None = None,
                  *, profile: Any = None) -> int:
    """Mark the findings on a copy of ``src`` saved as ``dest`` (``dest == src``: in place).

    Args:
        src: an .xlsx or .xlsm workbook; it is only read unless ``dest`` is the same file.
        dest: where to save; same extension as ``src`` (macros stay in an .xlsm).
        report_or_findings: a Report (the findings of its task for ``src``), the findings to
            mark (all of them), or None to validate ``src`` now with ``profile``.
        profile: the rules profile used when validating here.
    Returns:
        How many cells were marked.
    Raises:
        InputError: unsupported file type or mismatched extension.
        FileError: ``src`` cannot be opened or ``dest`` cannot be written.
    """
    from xl_budget.writeback import load_for_edit, save_workbook

    src, dest = Path(src), Path(dest)
    check_target(src, dest)
    findings = _findings_for(src, report_or_findings, profile)
    wb = load_for_edit(src)
    marked = apply(OpenpyxlCanvas(wb), findings)
    save_workbook(wb, dest, source=src)
    return marked


# ------------------------------------------------------------------ Private API: marking
def _group(canvas: Canvas, findings: Sequence[Finding]) -> dict[tuple[str, str], list[Finding]]:
    # Findings by the anchor cell they mark; findings on unknown sheets or without a cell
    # are only listed on the results sheet.
    names = set(canvas.sheet_names()) - {RESULTS_SHEET}
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        cell = _normal_cell(f.cell)
        if f.sheet in names and cell:
            groups.setdefault((f.sheet, canvas.anchor(f.sheet, cell)), []).append(f)
    return groups


def _normal_cell(cell: str | None) -> str | None:
    if not cell:
        return None
    try:
        row, col = parse_a1(cell)
    except ValueError:
        return None
    return a1(row, col) if row < 1_048_576 and col < 16_384 else None


def _message_block(group: Sequence[Finding]) -> str:
    ordered = sorted(group, key=lambda f: (_RANK[f.severity], f.code))
    lines = [f"[{f.severity.label}] {f.code} {f.message}" for f in ordered]
    return MARKER + "\n" + "\n".join(dict.fromkeys(lines))


def _new_note(original: Note | None, block: str) -> Note | None:
    if original is None:
        return Note(block, AUTHOR)
    if len(original.text) + len(block) > COMMENT_LIMIT:
        return original
    text = original.text.rstrip("\n")
    return Note(f"{text}\n\n{block}" if text else block, original.author)


def _mark(canvas: Canvas, key: tuple[str, str], group: Sequence[Finding],
          original_fill: str, original_note: Note | None) -> Mark:
    worst = min((f.severity for f in group), key=_RANK.__getitem__)
    canvas.set_fill(*key, SEVERITY_FILLS[worst])
    note = _new_note(original_note, _message_block(group))
    if note != original_note:
        canvas.set_comment(*key, note)
    return Mark(key[0], key[1], original_fill, original_note, canvas.get_fill(*key),
                canvas.get_comment(*key))


def _looks_ours(token: str, mark: Mark) -> bool:
    upper = token.upper()
    return token == mark.our_fill or any(hex_ in upper for hex_ in SEVERITY_FILLS.values())


def _restore_fill(canvas: Canvas, mark: Mark) -> None:
    current = canvas.get_fill(mark.sheet, mark.cell)
    if current != mark.original_fill and _looks_ours(current, mark):
        canvas.set_fill(mark.sheet, mark.cell, mark.original_fill)


def _restore_comment(canvas: Canvas, mark: Mark) -> None:
    if mark.our_note == mark.original_note:
        return
    current = canvas.get_comment(mark.sheet, mark.cell)
    if current is None:
        return  # the user deleted it: keep it deleted
    if current.text == (mark.our_note.text if mark.our_note else None):
        canvas.set_comment(mark.sheet, mark.cell, mark.original_note)
    elif MARKER in current.text:
        kept = current.text[:current.text.index(MARKER)].rstrip("\n")
        canvas.set_comment(mark.sheet, mark.cell, Note(kept, current.author) if kept else None)


def _status(counts: Mapping[Severity, int]) -> str:
    if counts[Severity.error]:
        return "有错误：请按下表逐项修改后重新校验"
    if counts[Severity.warning]:
        return "无错误，有警告：请核对下表各项"
    return "通过"


def _finding_row(f: Finding, sheets: set[str]) -> list[Entry]:
    cell = _normal_cell(f.cell)
    linked = f.sheet in sheets and f.sheet != RESULTS_SHEET
    return [
        Entry(f.file),
        Entry(f.sheet, link=internal_link(f.sheet) if linked and not cell else None),
        Entry(cell or f.cell, link=internal_link(f.sheet, cell) if linked and cell else None),
        Entry(f.project),
        Entry(f.code),
        Entry(f.severity.label, fill=SEVERITY_FILLS[f.severity]),
        Entry(f.message),
    ]


# ------------------------------------------------------------------ Private API: files
_EDITABLE = {".xlsx", ".xlsm"}


def check_target(src: Path, dest: Path) -> None:
    """Refuse an annotation target that would break the file (Chinese InputError)."""
    if src.suffix.lower() not in _EDITABLE:
        raise InputError(f"只能在 .xlsx / .xlsm 工作簿上标注问题：{src.name} 是 {src.suffix or '无扩展名'} 文件，"
                         "请先用 Excel 另存为 .xlsx")
    if dest.suffix.lower() != src.suffix.lower():
        raise InputError(f"标注结果 {dest.name} 的扩展名应与原文件相同（{src.suffix}），"
                         "否则宏或文件格式会损坏")
    if not dest.parent.is_dir():
        raise InputError(f"输出文件夹不存在：{dest.parent}")


def _same_file(a: str | Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == b.resolve()
    except OSError:
        return False


def _findings_for(src: Path, given: Report | Iterable[Finding] | None, profile: Any) -> list[Finding]:
    if given is None:
        from xl_budget.check import validate

        given = validate([src], profile)
    if not isinstance(given, Report):
        return list(given)
    tasks = [t for t in given.tasks if _same_file(t.file, src)]
    tasks = tasks or [t for t in given.tasks if Path(t.file).name == src.name]
    return [f for t in tasks for f in t.findings] + [f for f in given.extra if f.file == src.name]


# ------------------------------------------------------------------ IO methods: openpyxl
class OpenpyxlCanvas:
    """The ``Canvas`` of an openpyxl workbook (loaded with ``writeback.load_for_edit``).

    Fill tokens are the ``<fill>`` XML of the cell's fill; the store is the hidden sheet
    ``_xl_budget_marks``, one row a marked cell.
    """

    def __init__(self, wb: Any) -> None:
        self.wb = wb

    def sheet_names(self) -> list[str]:
        return list(self.wb.sheetnames)

    def anchor(self, sheet: str, cell: str) -> str:
        for rng in self.wb[sheet].merged_cells.ranges:
            if cell in rng:
                return rng.start_cell.coordinate
        return cell

    def get_fill(self, sheet: str, cell: str) -> str:
        from openpyxl.xml.functions import tostring

        return tostring(self.wb[sheet][cell].fill.to_tree()).decode("utf-8")

    def set_fill(self, sheet: str, cell: str, fill: str) -> None:
        target = self.wb[sheet][cell]
        parsed = _fill_from_token(fill)
        if parsed is not None:
            target.fill = parsed

    def get_comment(self, sheet: str, cell: str) -> Note | None:
        comment = self.wb[sheet][cell].comment
        return Note(comment.text or "", comment.author or "") if comment is not None else None

    def set_comment(self, sheet: str, cell: str, note: Note | None) -> None:
        from openpyxl.comments import Comment

        target = self.wb[sheet][cell]
        if note is None:
            target.comment = None
            return
        lines = note.text.count("\n") + 1 + len(note.text) // 40
        target.comment = Comment(_legal(note.text), note.author,
                                 height=min(400, 24 + 16 * lines), width=320)

    def write_table(self, sheet: str, rows: Sequence[Sequence[Entry]],
                    widths: Sequence[float]) -> None:
        ws = self._fresh_sheet(sheet)
        for r, row in enumerate(rows, start=1):
            for c, entry in enumerate(row, start=1):
                _write_entry(ws.cell(row=r, column=c), entry)
        for c, width in enumerate(widths):
            ws.column_dimensions[col_letter(c)].width = width

    def set_visible(self, sheet: str, visible: bool) -> None:
        ws = self.wb[sheet]
        ws.sheet_state = "visible" if visible else "hidden"
        if visible:
            self._activate(ws)
        elif self.wb.active is ws:
            shown = next((s for s in self.wb.worksheets if s.sheet_state == "visible"), None)
            if shown is not None:
                self._activate(shown)

    def read_store(self) -> list[list[str]]:
        if MARKS_SHEET not in self.wb.sheetnames:
            return []
        ws = self.wb[MARKS_SHEET]
        return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]

    def write_store(self, rows: Sequence[Sequence[str]]) -> None:
        ws = self._fresh_sheet(MARKS_SHEET)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value:
                    _write_text(ws.cell(row=r, column=c), value)
        self.set_visible(MARKS_SHEET, False)

    # Private: an empty sheet named ``name`` at the place of the old one (else at the end).
    def _fresh_sheet(self, name: str) -> Any:
        index = None
        if name in self.wb.sheetnames:
            old = self.wb[name]
            index = self.wb.sheetnames.index(name)
            self.wb.remove(old)
        return self.wb.create_sheet(name, index)

    def _activate(self, ws: Any) -> None:
        # openpyxl leaves the old tab selected too, and Excel then opens the sheets grouped.
        for other in self.wb.worksheets:
            other.sheet_view.tabSelected = other is ws
        self.wb.active = ws


def _fill_from_token(token: str) -> Any:
    from defusedxml import ElementTree as SafeET
    from openpyxl.styles import PatternFill
    from openpyxl.styles.fills import Fill

    if _HEX6.match(token):
        return PatternFill("solid", fgColor="FF" + token.upper(), bgColor="FF" + token.upper())
    if not token:
        return PatternFill()
    try:
        return Fill.from_tree(SafeET.fromstring(token)) or PatternFill()
    except Exception:  # a store edited by hand: leave the cell as it is
        return None


def _legal(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _write_text(cell: Any, value: str) -> None:
    # Text stays text: a value starting with "=" must not become a formula.
    cell.value = _legal(value)
    cell.data_type = "s"


def _write_entry(cell: Any, entry: Entry) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    if isinstance(entry.value, str):
        _write_text(cell, entry.value)
    elif entry.value is not None:
        cell.value = entry.value
    if entry.link:
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=entry.link.removeprefix("#"),
                                   display=str(entry.value or ""))
        cell.font = Font(color="FF0563C1", underline="single", bold=entry.bold)
    elif entry.bold:
        cell.font = Font(bold=True)
    if entry.fill:
        cell.fill = PatternFill("solid", fgColor="FF" + entry.fill, bgColor="FF" + entry.fill)
