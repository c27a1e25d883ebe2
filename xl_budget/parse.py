"""Grids → model: find the official tables by their printed labels, wherever they sit.

Labels are compared whitespace- and punctuation-insensitively (``text.label_key``), so
inserted rows, moved blocks, merged cells and hand-made sheets in the official format read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from xl_budget import layout as L
from xl_budget.grids import CellValue, Grid, Range, a1, col_letter, read_grids
from xl_budget.model import (
    CHECKPOINTS,
    Budget,
    BudgetBook,
    Department,
    DepartmentTarget,
    Indicator,
    Project,
    Schedule,
    Unit,
    UnitRef,
    located,
    tidy_decimal,
)
from xl_budget.text import clean_label, clean_text, label_key, text_key
from xl_budget.values import IndicatorValue, is_rate_name, parse_value, to_halfwidth

# Sheets this project writes itself; never parsed as input.
OWN_SHEETS = frozenset({"校验结果", "填充记录", "xlwings.conf", "选项", "_xlwings.conf"})

_PROJECT_KEYS = L.all_label_keys()
_PROJECT_LABELS = {lab.key: lab for lab in L.PROJECT_LABELS}
_CODE_KEYS = _PROJECT_LABELS["code"].keys
_BUDGET_LABELS = tuple((field, _PROJECT_LABELS[f"budget.{field}"]) for field in ("total", "fiscal", "other"))
_PLANNED_KEYS = {key: f"planned.{key}" for key in CHECKPOINTS}  # Schedule.cells keys
_UNIT_LINE = re.compile(r"^\s*(\d{6,})\s*[ \u3000]\s*(\S.*?)\s*$")
_GOAL_LABEL = re.compile(r"^\s*目标内容\s*\d+\s*[:：]?\s*$")
_GOAL_ITEM = "目标内容"  # what _GOAL_LABEL and _GOAL_SPLIT look for
_GOAL_SPLIT = re.compile(r"(?:^|\s*)(?:\d+\s*[.．、]\s*)?目标内容\s*\d+\s*[:：]?\s*")
_NOTE_PREFIXES = ("注：", "注:", "说明：", "说明:", "填报说明", "备注")
_YEAR = re.compile(r"^\s*(\d{4})\s*年?\s*(?:度)?\s*$")
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
# Units and remarks typed in a column of their own beside the values: never a value.
_UNIT_WORDS = frozenset({"万元", "元", "千元", "亿元", "万", "%", "累计", "百分比", "比例"})
# Which kinds of text (_text_kind) a field of each Kind may hold
_HOLDS = {"amount": frozenset({"amount"}), "percent": frozenset({"amount", "percent"}),
          "text": frozenset({"amount", "percent", "text"})}

Pos = tuple[int, int]  # 0-based (row, col)
Kind = Literal["amount", "percent", "text"]  # what a label's value may be (_can_hold)
_Cell = tuple[CellValue, Pos | None]  # a value and the cell holding it; None: no such column
_NO_CELL: _Cell = (None, None)
# isinstance with a tuple: a `str | int` union would be rebuilt on every call in hot loops
_NUMBER_TYPES = (int, float)
_TEXT_TYPES = (str, int, float)
_DATE_TYPES = (dt.datetime, dt.date)
_USE_KEY = label_key("资金用途")
# The labels a value is never read from: the project table's and 单位信息's.
_LABEL_KEYS = _PROJECT_KEYS.union(*(lab.keys for lab in (
    *L.UNIT_LABELS, *L.UNIT_TOTAL_LABELS, L.UNIT_PLAN_LABEL)))
# A checkpoint's word typed where its percentage goes (全年 under 12月底) is a value, not a label.
_OTHER_LABEL_KEYS = _LABEL_KEYS - frozenset().union(*(lab.keys for lab in L.CHECKPOINT_LABELS))


# ------------------------------------------------------------------ Public API
def read_book(path: str | Path) -> BudgetBook:
    """Parse a workbook file (.xlsx/.xlsm/.xls/.ods) into the model.

    Raises:
        FileError: when the file cannot be read as a workbook.
    """
    path = Path(path)
    return parse_grids(read_grids(path), file=str(path))


def parse_grids(grids: Iterable[Grid], file: str | None = None) -> BudgetBook:
    """Parse a workbook's grids into the model."""
    book = BudgetBook(file=file)
    for grid in grids:
        if grid.name in OWN_SHEETS or not grid.visible and grid.name.startswith("_"):
            continue
        index = _LabelIndex(grid)
        # once found, the unit and the department are not looked for on further sheets
        if book.unit.cell("code") is None and index.first(L.UNIT_LABELS[0]):
            book.unit = _read_unit(grid, index)
        if book.department.is_empty and any(index.first(lab) for lab in L.DEPARTMENT_LABELS):
            book.department = _read_department(grid, index)
        for project in _read_projects(grid, index):
            if project.is_blank:
                book.blank_tables.append(grid.name)
            else:
                book.projects.append(project)
    _unit_from_projects(book)
    return book


# ------------------------------------------------------------------ Private API: labels
def _layout_key_sets() -> dict[str, list[frozenset[str]]]:
    """Each key of a Label of layout.py (where all printed labels are declared) → the key
    sets (``Label.keys``) of the labels it prints."""
    labels: list[L.Label] = []
    for value in vars(L).values():
        labels += [item for item in (value if isinstance(value, tuple) else (value,))
                   if isinstance(item, L.Label)]
    sets_of: dict[str, list[frozenset[str]]] = {}
    for keys in dict.fromkeys(lab.keys for lab in labels):
        for key in keys:
            sets_of.setdefault(key, []).append(keys)
    return sets_of


class _LabelIndex:
    # Where each label of layout.py sits in a grid, by its key set; built once per sheet,
    # because the reader asks for dozens of labels and a sheet scan per label would dominate
    # consolidation time. Only label texts are kept: most cells of a sheet are values.
    KEY_SETS = _layout_key_sets()

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self.at: dict[frozenset[str], list[tuple[int, int]]] = {}  # positions in reading order
        # Each row is told from the values seen before (see _LabelTexts) by set operations,
        # and only rows holding a label are walked: most rows of a sheet hold values only.
        known = _LABEL_TEXTS
        plain, seen, texts = known.plain, known.seen, known.texts  # changed in place only
        for r, line in enumerate(grid.rows):
            if plain.issuperset(line):
                continue
            if not seen.issuperset(line):
                known.learn(line)
            if texts.isdisjoint(line):
                continue
            for c, v in enumerate(line):
                if v in texts:
                    for keys in known.key_sets[v]:
                        self.at.setdefault(keys, []).append((r, c))

    @cached_property
    def edge(self) -> int | None:
        """The sheet's last column as its merged title (first row with a value) shows it; None
        without one. Bounds where a value of 单位信息 or 部门整体绩效目标 is looked for."""
        top = next((r for r, line in enumerate(self.grid.rows) if any(v is not None for v in line)), None)
        return None if top is None else _merged_end(self.grid, top)

    def find_any(self, *key_sets: frozenset[str], rows: range | None = None) -> list[tuple[int, int]]:
        hits = [pos for keys in key_sets for pos in self.at.get(keys, ())]
        if rows is not None:
            hits = [p for p in hits if p[0] in rows]
        return sorted(hits)

    def first(self, lab: L.Label, rows: range | None = None) -> tuple[int, int] | None:
        for pos in self.at.get(lab.keys, ()):
            if rows is None or pos[0] in rows:
                return pos
        return None


class _LabelTexts:
    # Which cell values print a layout label, remembered across sheets: every workbook repeats
    # the template's texts, and telling a row's labels by set operations is cheaper than
    # keying each of its values. Forgets all past LIMIT plain values (labels: few and fixed).
    LIMIT = 100_000

    def __init__(self) -> None:
        self.seen: set[CellValue] = set()  # label texts and plain values
        self.plain: set[CellValue] = set()  # the values seen that print no label
        self.texts: set[str] = set()  # the label texts seen
        self.key_sets: dict[str, list[frozenset[str]]] = {}  # label text → its key sets

    def learn(self, values: Iterable[CellValue]) -> None:
        """Tell the values not seen before into label texts and plain values."""
        new = set(values) - self.seen
        if len(self.seen) > self.LIMIT:
            self.seen.clear()
            self.plain.clear()
        key_sets = _LabelIndex.KEY_SETS
        for v in new:
            if isinstance(v, str) and len(v) <= 40 and (sets := key_sets.get(text_key(v))):
                self.key_sets[v] = sets
                self.texts.add(v)
            else:
                self.plain.add(v)
        self.seen |= new


_LABEL_TEXTS = _LabelTexts()


def _right_of(index: _LabelIndex, pos: tuple[int, int], edge: int | None = None,
              kind: Kind = "text") -> tuple[CellValue, str | None]:
    """The value of a label: the cell right after its merged range (``_right_at``); with its
    address. When another label follows at once (labels across a header row), the value under
    the label. A label is never a value, nor the cell named for one: None when no other cell
    is left."""
    value, cell = _right_at(index, pos, edge, kind)
    return value, a1(*cell) if cell else None


def _right_at(index: _LabelIndex, pos: Pos, edge: int | None = None, kind: Kind = "text",
              below: bool = True) -> tuple[CellValue, Pos | None]:
    """``_right_of`` with the cell as (row, col); ``below=False`` never looks under the label.

    The value is the label's own cell, right after its merged range; a blank own cell is the
    cell named for the field (fill writes there, findings point there). Only when Excel shows
    the label's text across that blank (an unmerged label, an unmerged blank) may the value
    sit one cell further, and only inside the table (``edge``: its last column; None: no
    skipping) and when that cell holds what the field can (``kind``, see ``_can_hold``)."""
    grid = index.grid
    r, c = pos
    line = grid.rows[r]  # a label's row
    label = grid.merge_of(r, c)
    col = label[3] + 1
    merge = grid.merge_of(r, col)
    # only a merge's first cell holds its value
    value = line[col] if merge[0] == r and merge[1] == col and col < len(line) else None
    if value is not None:
        if not _is_label(value):
            return value, (r, col)
        return _under(index, pos) if below else _NO_CELL
    if (edge is not None and col < edge and label == (r, c, r, c) and merge == (r, col, r, col)
            and col + 1 < len(line) and (further := line[col + 1]) is not None
            and grid.merge_of(r, col + 1)[:2] == (r, col + 1)
            and not _is_label(further) and _can_hold(further, kind)):
        return further, (r, col + 1)
    return None, (r, col)


def _can_hold(value: CellValue, kind: Kind) -> bool:
    """Whether a cell passed over to may hold a field of this kind: an amount a number or
    numeric text, a percentage that or "30%", a text anything but a unit word or a note."""
    if isinstance(value, bool):
        return False
    if isinstance(value, _NUMBER_TYPES):
        return True
    if not isinstance(value, str):
        return kind == "text"  # a date
    return _text_kind(value) in _HOLDS[kind]


@lru_cache(maxsize=4096)
def _text_kind(text: str) -> str | None:
    """"amount" (numeric text), "percent" ("30%"), "text", or None for a unit word, a
    parenthesised note or a note (注：…), which are never a value. Cached per text."""
    plain = to_halfwidth(text).strip().replace(" ", "")
    if _NUMBER.match(plain):
        return "amount"
    if plain.endswith("%") and _NUMBER.match(plain[:-1]):
        return "percent"
    if (not plain or plain in _UNIT_WORDS or plain.startswith(("(", "（"))
            or plain.startswith(_NOTE_PREFIXES)):
        return None
    return "text"


def _under(index: _LabelIndex, pos: Pos) -> tuple[CellValue, Pos | None]:
    """The value under a label (``_below_at``); nothing when that cell holds a label too."""
    value, cell = _below_at(index.grid, pos)
    return (None, None) if _is_label(value) else (value, cell)


def _is_label(value: CellValue) -> bool:
    """Whether a cell prints a label of the project table or of 单位信息."""
    return isinstance(value, str) and text_key(value) in _LABEL_KEYS


def _adjoins_label(index: _LabelIndex, pos: Pos) -> bool:
    """Whether the cell right after a label's merged range holds another label."""
    r0, _, _, c1 = index.grid.merge_of(*pos)
    return _is_label(index.grid._get(r0, c1 + 1))


def _value_of(index: _LabelIndex, pos: Pos, labels: list[Pos], edge: int | None = None,
              kind: Kind = "text") -> tuple[CellValue, str | None]:
    """``_right_of`` of the label at ``pos``, one of ``labels``. In a header row, where one of
    them is followed at once by another label, all have their values under them: also the
    last, which has none beside it."""
    value, cell = _right_at(index, pos, edge, kind)
    if value is None and cell is not None and cell[0] == pos[0] and any(
            p[0] == pos[0] and _adjoins_label(index, p) for p in labels):
        value, cell = _under(index, pos)
    return value, a1(*cell) if cell else None


def _below(grid: Grid, pos: tuple[int, int]) -> tuple[CellValue, str]:
    """The value under a label (first non-empty cell across the label's column span)."""
    value, cell = _below_at(grid, pos)
    return value, a1(*cell)


def _below_at(grid: Grid, pos: Pos) -> tuple[CellValue, Pos | None]:
    """``_below`` with the cell as (row, col)."""
    _, c0, r1, c1 = grid.merge_of(*pos)
    return grid.first_shown(r1 + 1, c0, c1)


# ------------------------------------------------------------------ Private API: numbers
_tidy = tidy_decimal
_LIMIT = Decimal("1e15")  # no 万元 amount or percentage comes near this: it is a typing slip


def to_decimal(value: CellValue) -> Decimal | None:
    """A number cell as Decimal; None when blank; raises ValueError for text that is no number."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(str(value))
    if isinstance(value, _NUMBER_TYPES):
        number = _float_decimal(repr(float(value)))
        if number is None:
            raise ValueError(str(value))
        return number
    text = to_halfwidth(str(value)).strip().replace(" ", "")
    if not text:
        return None
    if not _NUMBER.match(text):
        raise ValueError(text)
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if abs(number) >= _LIMIT:
        raise ValueError(text)
    return _tidy(number)


@lru_cache(maxsize=4096)
def _float_decimal(text: str) -> Decimal | None:
    """The tidy Decimal of a float's repr; None when not finite or absurdly large. Cached:
    percentages and round amounts recur in every workbook."""
    number = Decimal(text)
    if not number.is_finite() or abs(number) >= _LIMIT:
        return None
    return _tidy(number)


def _raw_text(value: CellValue) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _DATE_TYPES):
        return value.isoformat()[:10]
    return clean_text(value)


def _text(value: CellValue) -> str | None:
    """``clean_text(_raw_text(value))``; a str is cleaned once (cleaning its own output again
    changes nothing) as text cells are the most frequent."""
    return clean_text(value) if isinstance(value, str) else clean_text(_raw_text(value))


def _label(value: CellValue) -> str | None:
    """``clean_label(_raw_text(value))``; for a str, clean_label alone removes all that
    clean_text would (control characters and whitespace)."""
    return clean_label(value) if isinstance(value, str) else clean_label(_raw_text(value))


# ------------------------------------------------------------------ Private API: unit
def _read_unit(grid: Grid, index: _LabelIndex) -> Unit:
    fields: dict[str, object] = {}
    cells: dict[str, str] = {}
    invalid: dict[str, str] = {}
    for lab in L.UNIT_LABELS:
        if (pos := index.first(lab)) is None:
            continue
        value, cell = unit_value(index, pos)
        if cell is not None:
            cells[lab.key] = cell
        if value is not None:
            fields[lab.key] = _unit_field(lab.key, value, invalid)
    total = next(lab for lab in L.UNIT_TOTAL_LABELS if lab.key == "total")
    pos = index.first(total)
    if pos is not None:
        value, cell = unit_value(index, pos, "amount")  # where fill writes the 合计 formula
        if cell is not None:
            cells["stated_total"] = cell
        try:
            fields["stated_total"] = to_decimal(value)
        except ValueError:
            fields["stated_total"], invalid["stated_total"] = None, str(value)
    return located(Unit, {"sheet": grid.name, **fields}, cells, invalid)


def unit_value(index: _LabelIndex, pos: Pos, kind: Kind = "text") -> tuple[CellValue, str | None]:
    """The value of a 单位信息 label and its cell (fill writes the totals there): beside the
    label, or under it when the sheet's labels run across a header row."""
    labels = [p for lab in (*L.UNIT_LABELS, *L.UNIT_TOTAL_LABELS) if (p := index.first(lab)) is not None]
    return _value_of(index, pos, labels, index.edge, kind)


def _unit_field(key: str, value: CellValue, invalid: dict[str, str]) -> object:
    """The Unit field ``key`` of a non-empty cell; its text goes to ``invalid`` when unreadable."""
    if key == "year":
        parsed: object = _year(value)
    elif key == "filled_on":
        parsed = _date(value)
    elif key == "code":  # "７１５００１" and "715 001" are the unit line's 715001
        return _unit_code(_raw_text(value))
    else:
        return _raw_text(value)
    if parsed is None:
        invalid[key] = str(value)
    return parsed


def _unit_code(text: str | None) -> str | None:
    """A typed 单位编码 in half-width characters without whitespace, as unit lines are read."""
    return None if text is None else clean_label(to_halfwidth(text))


def _year(value: CellValue) -> int | None:
    if isinstance(value, _NUMBER_TYPES) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    m = _YEAR.match(to_halfwidth(str(value)))
    return int(m.group(1)) if m else None


def _date(value: CellValue) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = to_halfwidth(str(value)).strip()
    m = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$", text)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return None


def _unit_from_projects(book: BudgetBook) -> None:
    # A hand-made workbook may have no 单位信息 sheet: its project tables' unit line names it.
    if book.unit.code or book.unit.name:
        return
    for project in book.projects:
        if project.unit and (project.unit.code or project.unit.name):
            book.unit.code, book.unit.name = project.unit.code, project.unit.name
            book.unit.sheet = project.sheet
            book.unit.cells.update(project.unit.cells)
            return


# ------------------------------------------------------------------ Private API: department
def _read_department(grid: Grid, index: _LabelIndex) -> Department:
    dep = Department.from_typed(sheet=grid.name)
    overall, targets, measures = L.DEPARTMENT_LABELS
    sections = index.find_any(targets.keys, measures.keys)
    heading = _overall_heading(index, overall, sections)
    if heading is not None:
        _read_overall(grid, index, dep, heading, sections)
    elif found := _inline_overall(grid, range(sections[0][0] if sections else grid.height)):
        dep.overall, dep.cells["overall"] = found
    elif sections:  # the heading is missing: it belongs above the first section
        dep.cells["department"] = a1(*sections[0])
    starts = sorted({*sections, *([heading] if heading else [])})
    bounds = {p: (starts[i + 1][0] if i + 1 < len(starts) else grid.height) for i, p in enumerate(starts)}
    if (pos := index.first(targets)) is not None:
        dep.targets = _read_targets(grid, index, range(pos[0] + 1, bounds[pos]))
    if (pos := index.first(measures)) is not None:
        dep.cells["measures"] = a1(pos[0] + 1, 1)
        dep.measures = _read_measures(grid, range(pos[0] + 1, bounds[pos]))
    return dep


# The overall target's heading with its text in one cell ("一、总体绩效目标：承德县…"), or a bare
# label such as "总体目标" before the text: what follows it is the text.
_OVERALL_HEAD = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|\d+\s*[、.．])?\s*"
    r"(?:部门\s*[总整]体\s*绩效\s*目标\s*)?(?:部门\s*)?[总整]\s*体\s*(?:绩\s*效\s*)?目\s*标\s*(?:[:：]\s*|$)")


def _overall_heading(index: _LabelIndex, overall: L.Label, sections: list[Pos]) -> Pos | None:
    """The heading of the overall target: of those above the first section, the last (the
    sheet's title 部门整体绩效目标 comes before the heading 一、总体绩效目标)."""
    hits = index.find_any(overall.keys)
    above = [p for p in hits if not sections or p[0] < sections[0][0]]
    return above[-1] if above else hits[0] if hits else None


def _read_overall(grid: Grid, index: _LabelIndex, dep: Department, heading: Pos,
                  sections: list[Pos]) -> None:
    """The overall target: beside its heading, else the first text under it before the next
    section (a blank row may come first; the next heading is never the text). When there is
    none, the cell to write it in, or the heading when the next section follows at once."""
    _, c0, r1, _ = grid.merge_of(*heading)
    value, cell = _right_of(index, heading, index.edge)
    if text := _overall_text(value):
        dep.overall, dep.cells["overall"] = text, cell
        return
    below = [r for r, _ in sections if r > r1]
    stop = below[0] if below else grid.height
    header = index.find_any(*(lab.keys for lab in L.TARGET_COLUMNS), rows=range(r1 + 1, stop))
    if header:  # the 分项 table's header with its own heading deleted
        stop = header[0][0]
    for r in range(r1 + 1, stop):
        for c, value in enumerate(grid.rows[r]):
            if text := _overall_text(value):
                dep.overall, dep.cells["overall"] = text, a1(r, c)
                return
    if r1 + 1 == stop < grid.height:  # no row to write in: one has to be inserted
        dep.cells["overall_heading"] = a1(*heading)
    else:
        dep.cells["overall"] = a1(r1 + 1, c0)


def _overall_text(value: CellValue) -> str | None:
    """The overall target in a cell: its text without a heading before it; None for a cell
    holding no text, only a number (a 序号) or only a heading."""
    if not isinstance(value, str):
        return None
    m = _OVERALL_HEAD.match(value)
    text = clean_text(value[m.end():] if m else value)
    if text is None or text.isdigit() or text_key(text) in _DEPARTMENT_KEYS:
        return None
    return text


def _inline_overall(grid: Grid, rows: range) -> tuple[str, str] | None:
    """(text, cell) of a cell in ``rows`` holding the overall target's heading and its text."""
    for r in rows:
        for c, value in enumerate(grid.rows[r]):
            if isinstance(value, str) and (m := _OVERALL_HEAD.match(value)) and (
                    text := _overall_text(value[m.end():])):
                return text, a1(r, c)
    return None


_DEPARTMENT_KEYS = frozenset().union(*(lab.keys for lab in L.DEPARTMENT_LABELS))


def _read_targets(grid: Grid, index: _LabelIndex, rows: range) -> list[DepartmentTarget]:
    header = index.find_any(*(lab.keys for lab in L.TARGET_COLUMNS), rows=rows)
    if not header:
        return []
    head_row = header[0][0]
    columns = {lab.key: pos[1] for lab in L.TARGET_COLUMNS
               if (pos := index.first(lab, rows=range(head_row, head_row + 1)))}
    out = []
    for r in range(head_row + 1, rows.stop):
        values = {k: clean_text(grid._get(r, c)) for k, c in columns.items()}
        if any(values.values()):
            out.append(DepartmentTarget.from_typed(sheet=grid.name, **values,
                                                   cells={k: a1(r, c) for k, c in columns.items()}))
    return out


def _read_measures(grid: Grid, rows: range) -> list[str]:
    out = []
    for r in rows:
        for value in grid.rows[r]:
            if isinstance(value, str) and not value.strip().isdigit() and (text := clean_text(value)):
                out.append(text)
                break
    return out


# ------------------------------------------------------------------ Private API: projects
def _read_projects(grid: Grid, index: _LabelIndex) -> list[Project]:
    starts = index.find_any(_CODE_KEYS)
    if not starts:
        return []
    tops = [_table_top(grid, row, starts[i - 1][0] + 1 if i else 0) for i, (row, _) in enumerate(starts)]
    bottoms = [*tops[1:], grid.height]  # a table ends where the next one's title starts
    return [_read_project(grid, index, range(top, bottom), start)
            for top, bottom, start in zip(tops, bottoms, starts, strict=True)]


def _table_top(grid: Grid, code_row: int, floor: int) -> int:
    """The first row of the table whose 项目编码 label is in ``code_row``; ``floor`` is the
    row after the previous table's 项目编码 label (0 for a sheet's first table)."""
    # The title row "<项目名称>绩效目标表（2023年度）" sits a few rows above the 项目编码 row.
    lowest = max(floor, code_row - 7)
    for r in range(code_row - 1, lowest - 1, -1):
        for v in grid.rows[r]:
            # `is not None` first: most cells of these rows are empty
            if v is not None and _is_title(v):
                return r
    top = _head_top(grid, code_row, lowest)
    # Above a sheet's first table there is no table to cut rows off.
    return min(top, max(floor, code_row - 2)) if floor == 0 else top


_HEAD_KEYS = _CODE_KEYS | _PROJECT_LABELS["name"].keys
_WIDE = 3  # columns a caption's merged cell spans at least


def _head_top(grid: Grid, code_row: int, lowest: int) -> int:
    # Without a title, a table starts at the head rows right above its 项目编码 row: a caption
    # (one text in a wide merged cell), the unit line, "单位：万元", a 项目名称 row; blank rows
    # are passed over. Any other row (the previous table's indicators, notes) ends the search.
    top = code_row
    for r in range(code_row - 1, lowest - 1, -1):
        kind = _head_row(grid, r)
        if kind == "caption":
            return r
        if kind == "head":
            top = r
        elif kind != "blank":
            break
    return top


def _head_row(grid: Grid, r: int) -> str | None:
    """"blank", "caption", "head" (see _head_top) or None for a row that is none of them."""
    filled = [(c, v) for c, v in enumerate(grid.rows[r]) if v is not None]
    if not filled:
        return "blank"
    if len(filled) == 1 and isinstance(filled[0][1], str):
        _, c0, _, c1 = grid.merge_of(r, filled[0][0])
        if c1 - c0 + 1 >= _WIDE:
            return "caption"
    for _, v in filled:
        if isinstance(v, str) and (_unit_line(v) or _MONEY_UNIT_TAIL.fullmatch(to_halfwidth(v))
                                   or text_key(v) in _HEAD_KEYS):
            return "head"
    return None


def _read_project(grid: Grid, index: _LabelIndex, rows: range, code_pos: tuple[int, int]) -> Project:
    cells: dict[str, str] = {}
    header = index.first(L.INDICATOR_COLUMNS[0], rows)
    edge = _table_edge(index, rows.start, header)
    value, cell = _right_of(index, code_pos, edge)
    fields: dict[str, object] = {"sheet": grid.name, "code": _label(value)}
    if cell:
        cells["code"] = cell
    if (pos := index.first(_PROJECT_LABELS["name"], rows)) is not None:
        value, cell = _right_of(index, pos, edge)
        fields["name"] = _text(value)
        if cell:
            cells["name"] = cell
    fields["unit"] = _read_unit_line(grid, rows.start, code_pos[0])
    # The rows above the indicator header hold the blocks of labels and values; their labels
    # are looked for there only, as an indicator may be named 预算数 or valued 12月底.
    head = range(rows.start, header[0]) if header else rows
    fields["budget"] = _read_budget(grid, index, head, edge)
    fields["use"] = _read_use(grid, index, head, cells, edge)
    fields["schedule"] = _read_schedule(grid, index, head, edge)
    fields["goals"] = _read_goals(grid, index, head, cells)
    if header is not None:
        fields["indicators"] = _read_indicators(grid, index, header, rows.stop)
    # the table's first 一级指标 cell (not column A: a 序号 column may come first)
    cells["indicators"] = a1(grid.merge_of(*header)[2] + 1, header[1]) if header else a1(head.stop, 0)
    return located(Project, fields, cells, {})


_INDICATOR_KEY_SETS = tuple(lab.keys for lab in L.INDICATOR_COLUMNS)


def _table_edge(index: _LabelIndex, top: int, header: Pos | None) -> int | None:
    """A table's last column: where its merged title (or unit line) in its first row or its
    indicator header ends; None when neither tells (a value is then never looked for past a
    label's own cell)."""
    ends = [title] if (title := _merged_end(index.grid, top)) is not None else []
    if header is not None:
        row = range(header[0], header[0] + 1)
        ends += [index.grid.merge_of(*p)[3] for p in index.find_any(*_INDICATOR_KEY_SETS, rows=row)]
    return max(ends, default=None)


def _merged_end(grid: Grid, row: int) -> int | None:
    """The last column of the widest-reaching merged cell holding a value in ``row``."""
    ends = [c1 for c, v in enumerate(grid.rows[row]) if v is not None
            for _, c0, _, c1 in (grid.merge_of(row, c),) if c1 > c0]
    return max(ends, default=None)


def _read_unit_line(grid: Grid, top: int, code_row: int) -> UnitRef | None:
    for r in range(top, code_row):
        for c, v in enumerate(grid.rows[r]):
            if v is not None and isinstance(v, str) and (line := _unit_line(v)):
                cell = a1(r, c)
                return UnitRef.from_typed(sheet=grid.name, code=line[0], name=line[1],
                                          cells={"code": cell, "name": cell})
    return None


# "单位：万元" typed into the unit line's cell, as the published text prints the line
_MONEY_UNIT_TAIL = re.compile(r"\s*\(?\s*(?:金额)?单位\s*:\s*(?:万元|元)\s*\)?\s*$")


@lru_cache(maxsize=4096)
def _unit_line(text: str) -> tuple[str, str | None] | None:
    """(code, name) of a unit line such as "731001 河北省承德县科学技术协会本级" (a trailing
    "单位：万元" is not part of the name); None for other text. Cached: every project table of a
    workbook repeats the line."""
    m = _UNIT_LINE.match(to_halfwidth(text))
    return (m.group(1), clean_text(_MONEY_UNIT_TAIL.sub("", m.group(2)))) if m else None


def _read_budget(grid: Grid, index: _LabelIndex, head: range, edge: int | None) -> Budget:
    # Amounts are tidied by to_decimal: the part is built without validating them again.
    fields: dict[str, object] = {"sheet": grid.name}
    cells: dict[str, str] = {}
    invalid: dict[str, str] = {}
    found = [(field, pos) for field, lab in _BUDGET_LABELS if (pos := index.first(lab, head)) is not None]
    for field, pos in found:
        value, cell = _value_of(index, pos, [p for _, p in found], edge, "amount")
        if cell is not None:
            cells[field] = cell
        try:
            fields[field] = to_decimal(value)
        except ValueError:
            fields[field], invalid[field] = None, str(value)
    return located(Budget, fields, cells, invalid)


def _read_use(grid: Grid, index: _LabelIndex, head: range, cells: dict[str, str],
              edge: int | None) -> str | None:
    blocks = index.find_any(L.BUDGET_BLOCK.keys, rows=head)
    total = index.first(_PROJECT_LABELS["budget.total"], head)
    own = next((pos for pos in blocks if _is_use_label(grid, pos)), None)
    if own is not None:  # a hand-made "资金用途 | text" row, or 资金用途 in the amounts' header row
        value, cell = _value_of(index, own, [own] if total is None else [own, total], edge)
        if cell is not None:
            cells["use"] = cell
        return clean_text(value)
    anchor = blocks[0] if blocks else total
    if anchor is None:
        return None
    r0, c0, r1, _ = grid.merge_of(*anchor)
    # the row after the 预算数 row, or after the amounts under a header row of labels
    after = (total or anchor)[0] + (2 if total is not None and _adjoins_label(index, total) else 1)
    first = max(r1, after) if r1 > r0 else after
    if not _is_label(grid._get(first, c0 + 1)):
        cells["use"] = a1(first, c0 + 1)
    for r in range(first, min(max(r1, first) + 1, head.stop)):
        line = grid.rows[r]
        for c in range(c0 + 1, len(line) if edge is None else min(len(line), edge + 1)):
            value = line[c]
            if value is not None:
                if _is_label(value):
                    return None
                cells["use"] = a1(r, c)
                return clean_text(value)
    return None


def _is_use_label(grid: Grid, pos: Pos) -> bool:
    # 资金用途 alone on its row (not the block label merged over the 预算数 row and the text row)
    r0, _, r1, _ = grid.merge_of(*pos)
    return r0 == r1 and label_key(grid._get(*pos)) == _USE_KEY


def _read_schedule(grid: Grid, index: _LabelIndex, head: range, edge: int | None) -> Schedule:
    search = _plan_rows(index, head)
    keys: list[str] = []
    spans: list[Range] = []  # the labels' merged ranges
    for lab in L.CHECKPOINT_LABELS:
        pos = index.first(lab, search)
        if pos is not None:
            keys.append(lab.key)
            spans.append(grid.merge_of(*pos))
    if not keys:  # the block's label, when it is there, is where to add the checkpoints
        block = index.first(L.SCHEDULE_BLOCK, search)
        return located(Schedule, {"sheet": grid.name}, {"block": a1(*block)} if block else {}, {})
    found, in_row = _checkpoint_values(index, spans, search, edge)
    as_fraction = _fractions([v for v, _ in found])
    fields: dict[str, object] = {"sheet": grid.name}
    cells: dict[str, str] = {}
    invalid: dict[str, str] = {}
    for key, (value, pos) in zip(keys, found, strict=True):
        if pos is not None:
            cells[key] = a1(*pos)
        try:
            fields[key] = _percent(value, as_fraction)
        except ValueError:
            fields[key], invalid[key] = None, str(value)
    planned = index.first(L.PLANNED_LABEL, search)
    if planned is not None and in_row:  # the amounts' row: under the values, column by column
        for key, (_, pos) in zip(keys, found, strict=True):
            if pos is not None:
                cells[_PLANNED_KEYS[key]] = a1(planned[0], pos[1])
    return located(Schedule, fields, cells, invalid)


def _plan_rows(index: _LabelIndex, head: range) -> range:
    """The rows of the 资金支出计划 block, among the ``head`` rows above the indicator header:
    from its label to the 绩效目标 block; without the label, the rows above that block."""
    block = index.first(L.SCHEDULE_BLOCK, head)
    start = block[0] if block else head.start
    goals = index.first(L.GOALS_BLOCK, range(start + 1, head.stop))
    return range(start, goals[0] if goals else head.stop)


def _checkpoint_values(index: _LabelIndex, spans: list[Range], search: range, edge: int | None
                       ) -> tuple[list[tuple[CellValue, Pos | None]], bool]:
    """The value of each checkpoint label and its cell (None: no cell), and whether they are
    the usual row of values under a row of labels. Labels stacked down the page (one a row)
    have their values beside them, as has a label whose cell below is another label or lies
    past the block; a label is never read as a value."""
    if len(spans) > 1 and len({r0 for r0, *_ in spans}) == len(spans):
        return [_right_at(index, span[:2], edge, "percent", below=False) for span in spans], False
    found = _below_each(index.grid, spans)
    labels = {span[:2] for span in spans}
    in_row = True
    for i, ((value, pos), span) in enumerate(zip(found, spans, strict=True)):
        if (span[2] + 1 not in search or pos in labels
                or isinstance(value, str) and text_key(value) in _OTHER_LABEL_KEYS):
            found[i] = _right_at(index, span[:2], edge, "percent", below=False)
            in_row = False
    return found, in_row


def _below_each(grid: Grid, spans: list[Range]) -> list[tuple[CellValue, Pos | None]]:
    """``_below_at`` of labels with these merged ranges; labels side by side (the usual row
    of checkpoints) are read in one pass over the row under them."""
    below = spans[0][2] + 1
    columns = [(c0, c1) for _, c0, r1, c1 in spans if r1 + 1 == below]
    if len(columns) == len(spans):
        return grid.first_shown_each(below, columns)
    return [grid.first_shown(r1 + 1, c0, c1) for _, c0, r1, c1 in spans]


def _fractions(values: list[CellValue]) -> bool:
    # python-calamine gives no number formats: 30% typed in Excel comes back as 0.3. A row
    # whose numbers are mostly within 0..1 (and none far above) is read as fractions, so a
    # slip like 150% next to 30% / 60% / 85% still reads as 150 and is reported; a row such
    # as 30, 60, 85, 100 was typed as plain percentages.
    numbers = [float(v) for v in values if isinstance(v, _NUMBER_TYPES) and not isinstance(v, bool)]
    small = sum(0 <= n <= 1 for n in numbers)
    return bool(numbers) and small >= len(numbers) - small and max(numbers) <= 10


def _percent(value: CellValue, as_fraction: bool) -> Decimal | None:
    """A checkpoint's percentage; raises ValueError for a cell that holds no number."""
    if isinstance(value, str):
        return _percent_text(value)
    if as_fraction and isinstance(value, float):  # to_decimal and _hundredfold in one look-up
        number = _float_percent(repr(float(value)))
        if number is None:
            raise ValueError(str(value))
        return number
    number = to_decimal(value)
    if number is not None and as_fraction:
        number = _hundredfold(number)
    return number


@lru_cache(maxsize=4096)
def _percent_text(value: str) -> Decimal | None:
    # Cached, as _hundredfold: the same few percentages recur in every plan.
    text = to_halfwidth(value).strip().replace(" ", "")
    if text.endswith("%"):
        text = text[:-1]
    number = to_decimal(text)
    return None if number is None else _tidy(number)


@lru_cache(maxsize=4096)
def _float_percent(text: str) -> Decimal | None:
    """``_hundredfold`` of ``_float_decimal(text)``; cached as both are."""
    number = _float_decimal(text)
    return None if number is None else _hundredfold(number)


@lru_cache(maxsize=4096)
def _hundredfold(number: Decimal) -> Decimal:
    # Equal numbers share a cache entry whatever their exponent: the result is tidy either way.
    return _tidy(number * 100)


def _read_goals(grid: Grid, index: _LabelIndex, rows: range, cells: dict[str, str]) -> list[str]:
    block = index.first(L.GOALS_BLOCK, rows)
    if block is None:
        return []
    r0, c0, r1, c1 = grid.merge_of(*block)
    stop = rows.stop if r1 == r0 else min(rows.stop, r1 + 1)
    # A heading (nothing beside it) has its goals in the rows under it, from its first column.
    heading = r1 + 1 < stop and all(v is None for v in grid.rows[r0][c1 + 1:])
    goals: list[str] = []
    first_cell = None
    for r in range(r0, stop):
        line = grid.rows[r]
        if r > r1 and any(_is_label(v) for v in line if v is not None):
            break
        for c in range(c0 if heading and r > r1 else c0 + 1, len(line)):
            value = line[c]
            if value is None or not isinstance(value, _TEXT_TYPES) or isinstance(value, bool):
                continue
            text = str(value)
            if _GOAL_ITEM not in text:  # a goal alone in its cell: the usual case
                if goal := clean_text(text):
                    goals.append(goal)
            elif _GOAL_LABEL.match(text):
                if first_cell is None:
                    first_cell = a1(r, grid.merge_of(r, c)[3] + 1)
                continue
            else:
                goals.extend(g for part in _GOAL_SPLIT.split(text) if (g := clean_text(part)))
            first_cell = first_cell or a1(r, c)
    cells["goals"] = first_cell or (a1(r1 + 1, c0) if heading else a1(r0, c0 + 1))
    return goals


_INDICATOR_KEYS = ("level1", "level2", "name", "description", "value", "basis")
_NO_COLUMN = (0, -1)  # the span of a column the table lacks: no cell
assert _INDICATOR_KEYS == tuple(lab.key for lab in L.INDICATOR_COLUMNS)


def _read_indicators(grid: Grid, index: _LabelIndex, header: Pos, stop: int) -> list[Indicator]:
    """The indicator rows under the header whose 一级指标 label sits at ``header``."""
    head = range(header[0], header[0] + 1)
    columns: dict[str, tuple[int, int]] = {}
    for lab in L.INDICATOR_COLUMNS:
        pos = index.first(lab, head)
        if pos is not None:
            _, c0, _, c1 = grid.merge_of(*pos)
            columns[lab.key] = (c0, c1)
    spans = [columns.get(key, _NO_COLUMN) for key in _INDICATOR_KEYS]
    letters = tuple((key, col_letter(c0)) for key, (c0, _) in columns.items())
    out: list[Indicator] = []
    level1: _Cell = _NO_CELL  # (text, cell) carried down from above
    level2: _Cell = _NO_CELL
    first_row = grid.merge_of(*header)[2] + 1
    for r in range(first_row, stop):
        row = grid.first_shown_each(r, spans)
        new1, new2, name, description, value, basis = row
        if name[0] is None and value[0] is None and _is_footer(row):
            break
        # A merged level cell shows the same text on each of its rows: cleaned once.
        if new1[0] is not None and new1[1] != level1[1]:
            if _is_note(new1[0]):
                break
            text1 = clean_label(new1[0])
            if level1[0] is not None and text1 != level1[0] and new2[0] is None:
                level2 = (None, new2[1])
            level1 = (text1, new1[1])
        if new2[0] is not None and new2[1] != level2[1]:
            level2 = (clean_label(new2[0]), new2[1])
        # Blank levels on the first rows: the first blank cell is the one to fill for all of them.
        if level1[1] is None:
            level1 = (None, new1[1])
        if level2[1] is None:
            level2 = (None, new2[1])
        has_content = (name[0] is not None or description[0] is not None
                       or value[0] is not None or basis[0] is not None)
        if has_content:
            out.append(_indicator(grid.name, r, letters, row, level1, level2))
    return out


def _is_note(first: CellValue) -> bool:
    """A 注：/说明： note, or the next table's title: the indicator table ends there."""
    return isinstance(first, str) and (first.strip().startswith(_NOTE_PREFIXES) or _is_title(first))


def _is_title(value: CellValue) -> bool:
    """Whether a cell holds a table's title "<项目名称>绩效目标表（2023年度）"."""
    return isinstance(value, str) and L.TITLE_SUFFIX in (clean_label(value) or "")


# The signature row printed forms end with: "填表人：张三", "联系电话：…", "填报日期：…"
# (a bare label, its value in the next cell, only for the unmistakable ones)
_FOOTER = re.compile(r"^(?:(?:填表人|填报人|填写人|制表人|经办人|联系人|联系电话|填报日期|填表日期|审核人|复核人"
                     r"|单位负责人|财务负责人|分管领导|填报单位)(?:[(（](?:盖章|签字|签章)[)）])?(?:[:：]|$)"
                     r"|(?:电话|日期|负责人|单位)[:：])")


def _is_footer(row: list[_Cell]) -> bool:
    """Whether a row (one without 三级 name and 指标值) holds a footer "label：value"."""
    for v, _ in row:
        if v is not None and isinstance(v, str) and _FOOTER.match(clean_label(v) or ""):
            return True
    return False


def _indicator(sheet: str, r: int, letters: tuple[tuple[str, str], ...], row: list[_Cell],
               level1: _Cell, level2: _Cell) -> Indicator:
    """One Indicator from its row's cells (in _INDICATOR_KEYS order) and the levels above."""
    new1, new2, name_cell, description, value, basis = row
    name = _label(name_cell[0])
    cells = _row_cells(letters, r).copy()
    # a level's cell is the one showing it (merged or above); none when the table lacks the column
    if level1[1]:
        cells["level1"] = a1(*level1[1])
    if level2[1]:
        cells["level2"] = a1(*level2[1])
    return Indicator.from_row(
        sheet=sheet,
        level1=level1[0], level2=level2[0], name=name,
        description=_text(description[0]),
        value=_value(value[0], name),
        basis=_text(basis[0]),
        cells=cells,
        inherited=(new1[0] is None, new2[0] is None),
    )


@lru_cache(maxsize=4096)
def _row_cells(letters: tuple[tuple[str, str], ...], r: int) -> dict[str, str]:
    """Field → cell of row ``r`` of a table whose columns have ``letters``; cached (the caller
    copies it): the tables of one template share their columns and row numbers."""
    number = str(r + 1)
    return {key: letter + number for key, letter in letters}


def _value(raw: CellValue, name: str | None) -> IndicatorValue | None:
    # 0.9 typed into a %-formatted cell arrives as the float 0.9 (no formats from calamine):
    # on a rate it means 90%.
    if isinstance(raw, float) and 0 < raw <= 1 and is_rate_name(name):
        return parse_value(f"{_tidy(Decimal(repr(raw)) * 100)}%")
    return parse_value(raw)
