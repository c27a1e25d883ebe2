"""A published 部门预算绩效文本 (text extracted from the PDF) → the model.

The layout is the seed's (``/work/shared/domain/000_*.txt``):

* a cover and a table of contents (lines with ``.....`` leaders: ignored);
* 第一部分 部门整体绩效目标: ``一、总体绩效目标`` (an intro and numbered paragraphs),
  ``二、分项绩效目标`` (``（一）title`` each with ``绩效目标：…`` and ``绩效指标：…``) and
  ``三、工作保障措施`` (a numbered list);
* 第二部分: one ``N. <项目名称>绩效目标表`` per project, a unit line ``731001 <单位名称>``
  and tab-separated table rows.

PDF extraction breaks labels with stray spaces ("项目验收合格 率", "其中：财政 资金",
"3 月底"), mixes "(%)" and "（%）", splits paragraphs over page breaks and leaves empty
trailing columns; labels are therefore compared with ``text.label_key`` and paragraphs that
do not end a sentence are joined with the next one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from xl_budget import layout as L
from xl_budget.model import (
    Budget,
    BudgetBook,
    Department,
    DepartmentTarget,
    Indicator,
    Project,
    Schedule,
    Unit,
    UnitRef,
)
from xl_budget.text import clean_label, clean_text, label_key
from xl_budget.values import parse_value, to_halfwidth

__all__ = ["import_string", "import_text"]


# ------------------------------------------------------------------ Public API
def import_text(path: str | Path) -> BudgetBook:
    """Import a 绩效文本 file (UTF-8, UTF-8 with BOM, or GB18030).

    Args:
        path: the text file extracted from the published PDF.

    Returns:
        The book, with ``file`` set to ``path``; cell addresses are left empty.
    """
    path = Path(path)
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        text = data.decode("utf-8", errors="replace")
    return import_string(text, source=str(path))


def import_string(text: str, source: str = "") -> BudgetBook:
    """Import the text of a 绩效文本.

    Args:
        text: the whole document, tab-separated table rows.
        source: recorded as ``book.file`` (None when empty).

    Returns:
        The unit, the department targets and one Project per ``…绩效目标表``.
    """
    return _Importer(text).run(source or None)


# ------------------------------------------------------------------ Private API: patterns
_LEADER = re.compile(r"(?:\.{3,}|…{2,}|·{3,}|．{3,})\s*\d+\s*$")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,3}\s*(?:页)?[-—–\s]*$")
_TITLE_YEAR = re.compile(r"(\d{4})\s*年\s*(?:度\s*)?部门预算")
_PART = re.compile(r"^第[一二三四五六七八九十]+部分")
_HEAD_PREFIX = r"(?:[一二三四五六七八九十]+[、.．]?)?"
_OVERALL = re.compile(rf"^{_HEAD_PREFIX}(?:部门)?总体绩效目标$")
_TARGETS = re.compile(rf"^{_HEAD_PREFIX}分项绩效目标$")
_MEASURES = re.compile(rf"^{_HEAD_PREFIX}(?:工作)?保障措施$")
_TARGET_TITLE = re.compile(r"^[（(]\s*[一二三四五六七八九十]+\s*[)）]\s*(.+)$")
_TARGET_GOAL = re.compile(r"^绩效目标\s*[:：]\s*(.*)$", re.S)
_TARGET_INDICATORS = re.compile(r"^绩效指标\s*[:：]\s*(.*)$", re.S)
_PROJECT_TITLE = re.compile(r"^\s*(?:\d+\s*[.．、]?\s*)?(.+?)\s*绩效目标表\s*$")
_UNIT_LINE = re.compile(r"^\s*(\d{3,})[ \u3000]+(\S.*?)\s*$")
_MONEY_UNIT = re.compile(r"^单位[:：]")
# The start of a new paragraph, list item or heading: never a continuation of the line above.
_NEW_BLOCK = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+\s*[、.．](?!\d)"
    r"|第[一二三四五六七八九十]+部分|绩效目标\s*[:：]|绩效指标\s*[:：])"
)
_SENTENCE_END = "。！？!?；;：:…”’」』）)】"
_NUMBERED = re.compile(r"^\s*(\d+)\s*[、.．](?!\d)\s*")
_COUNTY = re.compile(r"(?:省|自治区)(?:[^省市县]{1,8}?市)?([^省市县区]{1,8}?[县旗])")
_PERCENT = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*[%％]?$")

_LEVEL1 = frozenset({"产出指标", "效益指标", "满意度指标", "成本指标"})
_LEVEL2 = frozenset({
    "数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标",
    "生态效益指标", "可持续影响指标", "服务对象满意度指标", "经济成本指标", "社会成本指标",
    "生态环境成本指标",
})  # fmt: skip

_LABELS = {lab.key: lab.keys for lab in L.PROJECT_LABELS}
_CHECKPOINTS = {lab.key: lab.keys for lab in L.CHECKPOINT_LABELS}
_COLUMNS = {lab.key: lab.keys for lab in L.INDICATOR_COLUMNS}
_ALL_LABEL_KEYS = L.all_label_keys()
_GOALS_KEYS = L.GOALS_BLOCK.keys
_USE_KEYS = frozenset({label_key("资金用途")})
_SCHEDULE_KEYS = L.SCHEDULE_BLOCK.keys


# ------------------------------------------------------------------ Private API: text
def _ends_sentence(text: str) -> bool:
    return not text or text[-1] in _SENTENCE_END


def _join(head: str, tail: str) -> str:
    # A paragraph split by a page break: no space between CJK, one between Latin words.
    if head and tail and head[-1].isascii() and head[-1].isalnum() and tail[0].isascii() and tail[0].isalnum():
        return f"{head} {tail}"
    return head + tail


def _merge_paragraphs(paragraphs: list[str]) -> list[str]:
    """Join a paragraph to the one before when that one stops mid-sentence (a page break)."""
    out: list[str] = []
    for para in paragraphs:
        if out and not _ends_sentence(out[-1]) and not _NEW_BLOCK.match(para):
            out[-1] = _join(out[-1], para)
        else:
            out.append(para)
    return out


def _split_inline_items(paragraphs: list[str]) -> list[str]:
    """Split "…工作。7、组织…" where the next item of a numbered list lost its line break."""
    out: list[str] = []
    last = 0
    for para in paragraphs:
        match = _NUMBERED.match(para)
        if match:
            last = int(match[1])
        while last:
            nxt = re.search(rf"(?<=[。；;!！?？])\s*{last + 1}\s*[、．](?!\d)", para)
            if nxt is None:
                break
            out.append(para[: nxt.start()].rstrip())
            para = para[nxt.start() :].lstrip()
            last += 1
        out.append(para)
    return out


def _decimal(raw: str | None) -> tuple[Decimal | None, str | None]:
    """(number, None), (None, None) for blank, (None, raw) for text that is no number."""
    text = clean_label(raw)
    if text is None:
        return None, None
    plain = to_halfwidth(text).replace(",", "").replace("，", "")
    try:
        number = Decimal(plain)
    except InvalidOperation:
        return None, raw.strip() if raw else None
    if not number.is_finite():
        return None, raw.strip() if raw else None
    return number, None


def _percent(raw: str | None) -> tuple[Decimal | None, str | None]:
    text = clean_label(raw)
    if text is None:
        return None, None
    match = _PERCENT.match(to_halfwidth(text))
    if match is None:
        return None, raw.strip() if raw else None
    return Decimal(match[1]), None


def _trim(cells: list[str]) -> list[str]:
    cells = list(cells)
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def _keys(cells: list[str]) -> list[str]:
    return [label_key(c) for c in cells]


def _value_after(cells: list[str], keys: list[str], wanted: frozenset[str]) -> str | None:
    """The first non-empty cell right of a label in ``wanted``, before the next label."""
    for i, key in enumerate(keys):
        if key in wanted:
            for j in range(i + 1, len(cells)):
                if keys[j] in _ALL_LABEL_KEYS:
                    return None
                if cells[j].strip():
                    return cells[j]
            return None
    return None


def _split_goals(text: str) -> list[str]:
    """"1. 目标内容 1 A 2. 目标内容 2 B" → ["A", "B"]; the k-th marker must carry k, so a
    goal text that starts with a digit ("目标内容 1 2023年…") is not misread."""
    pieces: list[str] = []
    pos, k, start = 0, 1, None
    while True:
        marker = re.compile(rf"(?:{k}\s*[.．、]\s*)?目标内容\s*{k}\s*[:：]?\s*")
        match = marker.search(text, pos)
        if match is None:
            break
        if start is not None:
            pieces.append(text[start : match.start()])
        start, pos, k = match.end(), match.end(), k + 1
    if start is None:
        pieces = [text]
    else:
        pieces.append(text[start:])
    return [t for t in (clean_text(p) for p in pieces) if t]


# ------------------------------------------------------------------ Private API: projects
@dataclass
class _ProjectBlock:
    # One "…绩效目标表" while its lines are read; ``phase`` follows the table top to bottom.
    title: str
    project: Project = field(default_factory=Project)
    phase: str = "head"
    rows: int = 0
    use: list[str] = field(default_factory=list)
    goals: list[str] = field(default_factory=list)
    checkpoints: dict[int, str] = field(default_factory=dict)
    header: dict[str, int] = field(default_factory=dict)
    level1: str | None = None
    level2: str | None = None

    def line(self, line: str) -> None:
        cells = line.split("\t")
        filled = [c for c in cells if c.strip()]
        if self.phase == "head" and all(self._unit_line(c) or _MONEY_UNIT.match(label_key(c)) for c in filled):
            return  # "731001 河北省…本级" and "单位：万元", on one line or two
        if "\t" in line:
            self.row(cells)

    def _unit_line(self, text: str) -> bool:
        match = _UNIT_LINE.match(text.strip())
        if match is None or label_key(match[2]) in _ALL_LABEL_KEYS:
            return False
        if self.project.unit is None:
            self.project.unit = UnitRef(code=match[1], name=clean_text(match[2]))
        return True

    def row(self, cells: list[str]) -> None:
        cells = _trim([c.strip("\r\n") for c in cells])
        if not any(c.strip() for c in cells):
            return
        self.rows += 1
        keys = _keys(cells)
        header = self._header(keys)
        if header:
            self.header, self.phase = header, "indicators"
            return
        if self.phase == "indicators":
            self._indicator(cells)
            return
        first = next((k for k in keys if k), "")
        if _LABELS["code"] & set(keys) or _LABELS["name"] & set(keys):
            self._identity(cells, keys)
        elif _LABELS["budget.total"] & set(keys) and self.phase in ("head", "budget"):
            self._budget(cells, keys)
            self.phase = "use"
        elif any(k in keys for ks in _CHECKPOINTS.values() for k in ks):
            self._schedule_labels(cells, keys)
        elif self.phase == "schedule":
            self._schedule_values(cells)
            self.phase = "after_schedule"
        elif first in _GOALS_KEYS:
            self.goals.append(" ".join(c.strip() for c in cells[keys.index(first) + 1 :] if c.strip()))
            self.phase = "goals"
        elif self.phase == "use" and (not keys[0] or keys[0] in _USE_KEYS):
            skip = 1 if keys[0] else 0
            self.use.extend(c for c in cells[skip:] if c.strip())
        elif self.phase == "goals" and not keys[0]:
            self.goals.append(" ".join(c.strip() for c in cells if c.strip()))

    # -- rows
    def _identity(self, cells: list[str], keys: list[str]) -> None:
        code = _value_after(cells, keys, _LABELS["code"])
        name = _value_after(cells, keys, _LABELS["name"])
        if code is not None:
            self.project.code = clean_label(code)
        if name is not None:
            self.project.name = clean_text(name)
        self.phase = "budget"

    def _budget(self, cells: list[str], keys: list[str]) -> None:
        budget = Budget()
        for key, attr in (("budget.total", "total"), ("budget.fiscal", "fiscal"), ("budget.other", "other")):
            number, bad = _decimal(_value_after(cells, keys, _LABELS[key]))
            setattr(budget, attr, number)
            if bad is not None:
                budget.invalid[attr] = bad
        self.project.budget = budget

    def _schedule_labels(self, cells: list[str], keys: list[str]) -> None:
        self.checkpoints = {}
        inline: dict[str, str] = {}
        for i, key in enumerate(keys):
            for name, names in _CHECKPOINTS.items():
                if key in names and name not in self.checkpoints.values():
                    self.checkpoints[i] = name
                    if i + 1 < len(cells) and keys[i + 1] not in _ALL_LABEL_KEYS and cells[i + 1].strip():
                        inline[name] = cells[i + 1]
        if inline:
            # "3月底⟩30%⟩6月底⟩60%": the values sit beside their labels.
            self._set_schedule(inline)
            self.phase = "after_schedule"
        else:
            self.phase = "schedule"

    def _schedule_values(self, cells: list[str]) -> None:
        filled = {i: c for i, c in enumerate(cells) if c.strip() and label_key(c) not in _SCHEDULE_KEYS}
        if set(filled) <= set(self.checkpoints):
            values = {self.checkpoints[i]: c for i, c in filled.items()}
        elif len(filled) <= len(self.checkpoints):
            # Misaligned columns (a stray tab): keep the order, left to right.
            names = [self.checkpoints[i] for i in sorted(self.checkpoints)]
            values = dict(zip(names, (filled[i] for i in sorted(filled)), strict=False))
        else:
            values = {}
        self._set_schedule(values)

    def _set_schedule(self, values: dict[str, str]) -> None:
        schedule = Schedule()
        for name, raw in values.items():
            number, bad = _percent(raw)
            setattr(schedule, name, number)
            if bad is not None:
                schedule.invalid[name] = bad
        self.project.schedule = schedule

    @staticmethod
    def _header(keys: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for i, key in enumerate(keys):
            for name, names in _COLUMNS.items():
                if key in names and name not in found:
                    found[name] = i
        if len(found) >= 3 and "value" in found and ("name" in found or "level1" in found):
            return found
        return {}

    def _indicator(self, cells: list[str]) -> None:
        pos = self.header
        width = max(pos.values()) + 1
        cells = list(cells)
        while len(cells) > width and not cells[0].strip():
            cells.pop(0)  # a stray leading tab
        first = next((i for i, c in enumerate(cells) if c.strip()), None)
        if first is not None:
            # A level name pushed right by stray tabs goes back to the nearest column where
            # it belongs ("成本指标" is both a local 二级 and a central 一级: left in place).
            label = clean_label(cells[first])
            p1, p2 = pos.get("level1"), pos.get("level2")
            fits = (first == p1 and label in _LEVEL1) or (first == p2 and label in _LEVEL2)
            targets = [p for p, ok in ((p1, label in _LEVEL1), (p2, label in _LEVEL2))
                       if ok and p is not None and p < first]
            if not fits and targets:
                del cells[max(targets) : first]

        def get(name: str) -> str | None:
            i = pos.get(name)
            return cells[i] if i is not None and i < len(cells) and cells[i].strip() else None

        level1, level2 = clean_label(get("level1")), clean_label(get("level2"))
        inherited = (level1 is None and self.level1 is not None, level2 is None and self.level2 is not None)
        if level1 is not None:
            self.level1 = level1
        if level2 is not None:
            self.level2 = level2
        value = get("value")
        self.project.indicators.append(
            Indicator(
                level1=self.level1,
                level2=self.level2,
                name=clean_label(get("name")),
                description=clean_text(get("description")),
                value=parse_value(value.strip()) if value is not None else None,
                basis=clean_text(get("basis")),
                inherited=inherited,
            )
        )

    def finish(self) -> Project | None:
        if not self.rows:
            return None  # a title without a table: a table of contents without leaders
        project = self.project
        if project.name is None:
            project.name = clean_text(self.title)
        project.use = clean_text("".join(self.use)) if self.use else None
        project.goals = _split_goals(" ".join(self.goals)) if self.goals else []
        return project


# ------------------------------------------------------------------ Private API: document
class _Importer:
    # A line-driven state machine: headings switch ``state``; paragraphs go to the field
    # the state names; project titles open a _ProjectBlock.

    def __init__(self, text: str) -> None:
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
        self.state = "none"
        self.year: int | None = None
        self.title_line: str | None = None
        self.overall: list[str] = []
        self.targets: list[dict[str, list[str]]] = []
        self.target_field = "title"
        self.measures: list[str] = []
        self.block: _ProjectBlock | None = None
        self.projects: list[Project] = []

    def run(self, source: str | None) -> BudgetBook:
        for line in self.lines:
            self._line(line)
        self._close_block()
        book = BudgetBook(file=source)
        book.department = self._department()
        book.projects = self.projects
        book.unit = self._unit()
        return book

    def _line(self, line: str) -> None:
        if not line.strip():
            return
        if _LEADER.search(line):
            return  # table of contents
        cells = [c for c in line.split("\t") if c.strip()]
        text = clean_text(" ".join(cells)) or ""
        if len(cells) == 1:
            # One cell: a heading, a title or a paragraph, even with stray tabs around it.
            key = clean_label(text) or ""
            if self.year is None and (m := _TITLE_YEAR.search(text)):
                self.year, self.title_line = int(m[1]), text
            title = _PROJECT_TITLE.match(text)
            if title:
                self._close_block()
                self.block = _ProjectBlock(title=title[1])
                self.state = "project"
                return
            if self._heading(key):
                return
            if self.state != "project" and _PAGE_NUMBER.match(text):
                return
        if self.state == "project" and self.block is not None:
            self.block.line(line)
        elif self.state == "overall":
            self.overall.append(text)
        elif self.state == "targets":
            self._target_line(text)
        elif self.state == "measures":
            self.measures.append(text)

    def _heading(self, key: str) -> bool:
        for pattern, state in ((_OVERALL, "overall"), (_TARGETS, "targets"), (_MEASURES, "measures")):
            if pattern.match(key):
                self._close_block()
                self.state = state
                return True
        if _PART.match(key):
            self._close_block()
            self.state = "none"
            return True
        return False

    def _target_line(self, text: str) -> None:
        if m := _TARGET_TITLE.match(text):
            self.targets.append({"title": [m[1]], "goal": [], "indicators": []})
            self.target_field = "title"
            return
        if not self.targets:
            self.targets.append({"title": [], "goal": [], "indicators": []})
        if m := _TARGET_GOAL.match(text):
            self.target_field = "goal"
            text = m[1]
        elif m := _TARGET_INDICATORS.match(text):
            self.target_field = "indicators"
            text = m[1]
        if text:
            self.targets[-1][self.target_field].append(text)

    def _close_block(self) -> None:
        if self.block is not None:
            project = self.block.finish()
            if project is not None:
                self.projects.append(project)
            self.block = None

    # -- results
    def _department(self) -> Department:
        targets = []
        for t in self.targets:
            parts = {k: "\n".join(_merge_paragraphs(v)) or None for k, v in t.items()}
            targets.append(DepartmentTarget(title=clean_text(parts["title"]), goal=parts["goal"],
                                            indicators=parts["indicators"]))
        measures = _split_inline_items(_merge_paragraphs(self.measures))
        return Department(
            overall="\n".join(_split_inline_items(_merge_paragraphs(self.overall))) or None,
            targets=targets,
            measures=[_NUMBERED.sub("", m, count=1) for m in measures],
        )

    def _unit(self) -> Unit:
        ref = next((p.unit for p in self.projects if p.unit is not None), None)
        unit = Unit(code=ref.code if ref else None, name=ref.name if ref else None, year=self.year)
        if unit.year is None:
            years = {p.code[6:8] for p in self.projects if p.code and len(p.code) >= 8 and p.code[6:8].isdigit()}
            if len(years) == 1:
                unit.year = 2000 + int(years.pop())
        for text in (unit.name, self.title_line):
            if text and (m := _COUNTY.search(clean_label(text) or "")):
                unit.county = m[1]
                break
        return unit
