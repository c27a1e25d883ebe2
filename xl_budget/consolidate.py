"""Consolidate a county: many unit workbooks → one county workbook (``xl-budget consolidate``).

Each file is read, parsed and validated once by ``check.check_file`` (the code ``validate``
runs), in worker processes. A worker reduces its book to the plain rows the output needs
(``Submission``) and sends only those back, so the parent never holds thousands of models.
The parent streams 指标 and 问题 rows to disk as they arrive, in input order (sorted by
path), then applies the cross-workbook rules X001–X003 and writes 汇总, 项目 and 进度.

Nothing is lost: every input file gets a row in 汇总, an unreadable one with the reason; a unit
on the ``--units`` list that sent nothing gets a row marked 未提交.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from xl_budget._gc import fewer_collections
from xl_budget.check import check_file
from xl_budget.county import CountyWorkbook, CsvTables, Link
from xl_budget.errors import InputError
from xl_budget.findings import STATUS_LABELS, Finding, Severity
from xl_budget.grids import DEFAULT_MAX_BYTES
from xl_budget.model import CHECKPOINTS, BudgetBook
from xl_budget.profile import Profile, load_profile
from xl_budget.rules.consolidation import (
    ExpectedUnit,
    ProjectRef,
    UnitFile,
    check_units,
    choose_counted,
    missing_units,
)
from xl_budget.text import label_key

log = logging.getLogger(__name__)

CHECKPOINT_LABELS = ("3月底", "6月底", "10月底", "12月底")
STREAM_ABOVE = 400  # input files above which the workbook streams rows to disk (constant_memory)
MISSING_STATUS = "未提交"
OnFile = Callable[[int, int, "Submission"], None]
FindingRow = tuple[str, str, str, str | None, str | None, str | None]  # code, severity, message, sheet, cell, project


# ------------------------------------------------------------------ Public API: data
@dataclass(slots=True)
class ProjectRow:
    """One project of one file: what 项目 and 进度 need."""

    code: str | None
    name: str | None
    sheet: str | None
    code_cell: str | None
    budget: tuple[Decimal | None, Decimal | None, Decimal | None]
    schedule: tuple[Decimal | None, ...]
    plan_ok: bool  # every percentage that is filled is a number within 0–100
    errors: int = 0
    warnings: int = 0


@dataclass(slots=True)
class Submission:
    """One input file reduced to plain, picklable rows (what a worker sends back)."""

    file: str  # as shown to users (the path as found)
    path: str  # absolute, for hyperlinks
    size: int = 0
    mtime: float = 0.0
    sha256: str = ""
    readable: bool = False
    reason: str = ""  # why it could not be read (the F001 message)
    unit_code: str | None = None
    unit_name: str | None = None
    filled_on: dt.date | None = None
    unit_sheet: str | None = None
    unit_cell: str | None = None
    projects: list[ProjectRow] = field(default_factory=list)
    indicators: list[tuple] = field(default_factory=list)
    findings: list[FindingRow] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0

    @property
    def status(self) -> str:
        if not self.readable:
            return STATUS_LABELS["unreadable"]
        return STATUS_LABELS["errors" if self.errors else "warnings" if self.warnings else "ok"]

    def unit_file(self) -> UnitFile:
        refs = tuple(ProjectRef(p.code, p.sheet, p.code_cell) for p in self.projects if p.code)
        return UnitFile(self.file, self.unit_code, self.unit_name, self.filled_on, self.mtime,
                        self.unit_sheet, self.unit_cell, refs)


@dataclass
class Result:
    """What a consolidation wrote and found."""

    out: Path
    files: int
    readable: int
    counted: int
    units: int
    projects: int
    statuses: Counter[str]
    cross_findings: list[Finding]
    missing: list[ExpectedUnit]
    csv_files: list[Path]


# ------------------------------------------------------------------ Public API
def consolidate(inputs: Sequence[str | Path], out: str | Path, *, units: str | Path | None = None,
                jobs: int | None = None, profile: str | Profile | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES, csv_dir: str | Path | None = None,
                progress: OnFile | None = None) -> Result:
    """Read every unit workbook under ``inputs`` and write the county workbook ``out``.

    Args:
        inputs: files and folders (folders are searched recursively).
        out: the county workbook (.xlsx), replaced atomically.
        units: a CSV of expected units (单位编码,单位名称; UTF-8 with or without BOM, or GBK).
        jobs: worker processes (default: every core).
        profile: rules profile (name, TOML path or Profile).
        max_bytes: files larger than this are refused with a message.
        csv_dir: also write the tables as UTF-8-with-BOM CSV files into this folder.
        progress: called as ``progress(done, total, submission)`` after each file.
    Returns:
        A Result with the counts.
    Raises:
        InputError: no input files, a bad unit list or output path.
        FileError: the output cannot be written.
    """
    out = Path(out)
    _check_output(out)
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    skip = [out] + ([Path(csv_dir)] if csv_dir else [])
    files = collect_inputs(inputs, skip=skip)
    if not files:
        raise InputError("没有找到要汇总的文件：请给出单位工作簿所在的文件夹或文件")
    expected = read_unit_list(units) if units else None
    book = CountyWorkbook(out, constant_memory=len(files) > STREAM_ABOVE)
    tables: CsvTables | None = None
    try:
        tables = CsvTables(Path(csv_dir)) if csv_dir else None
        subs = _stream(files, book, tables, prof, jobs, max_bytes, progress)
        result = _finish(subs, expected, prof, book, tables)
        book.close()
        result.csv_files = tables.close() if tables else []
    finally:
        book.discard()
        if tables:
            tables.discard()
    return result


def collect_inputs(inputs: Iterable[str | Path], skip: Sequence[Path] = ()) -> list[tuple[Path, str]]:
    """Every file under ``inputs`` as (absolute path, shown name), sorted by the shown name.

    Folders are searched recursively; hidden files and Office lock files (``~$a.xlsx``) are
    left out, as are ``skip`` paths (the output itself, the CSV folder). A file met twice
    counts once.
    """
    skip_abs = [p.resolve() for p in skip]
    seen: dict[Path, str] = {}
    for item in inputs:
        path = Path(item)
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for p in found:
            rel = p.relative_to(path) if path.is_dir() else Path(p.name)
            if any(part.startswith((".", "~$")) for part in rel.parts):
                continue
            absolute = p.resolve()
            if any(absolute == s or s in absolute.parents for s in skip_abs):
                continue
            seen.setdefault(absolute, str(p))
    return sorted(((a, shown) for a, shown in seen.items()), key=lambda t: (t[1], str(t[0])))


def read_unit_list(path: str | Path) -> list[ExpectedUnit]:
    """The expected units from a CSV (单位编码,单位名称), UTF-8 (BOM optional) or GBK.

    A header row is recognised by its labels (in either order); without one the columns are
    code, name.

    Raises:
        InputError: missing or unreadable file, or no unit in it (Chinese message).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"找不到单位名单文件：{path}")
    text = _decode(path.read_bytes(), path)
    rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    if not rows:
        raise InputError(f"单位名单 {path.name} 是空的：每行应为“单位编码,单位名称”")
    code_col, name_col, body = _unit_columns(rows)
    units = []
    for row in body:
        code = row[code_col] if code_col is not None and code_col < len(row) else ""
        name = row[name_col] if name_col is not None and name_col < len(row) else ""
        if code or name:
            units.append(ExpectedUnit(code or None, name or None))
    if not units:
        raise InputError(f"单位名单 {path.name} 中没有单位：每行应为“单位编码,单位名称”")
    return units


# ------------------------------------------------------------------ Private API: inputs
def _check_output(out: Path) -> None:
    if out.suffix.lower() != ".xlsx":
        raise InputError(f"汇总工作簿必须是 .xlsx 文件：{out}")
    if not out.parent.is_dir():
        raise InputError(f"输出文件夹不存在：{out.parent}")
    if out.exists() and not _is_county_workbook(out):
        raise InputError(f"{out} 已存在且不是汇总工作簿：为避免覆盖他人的文件，请换一个输出文件名或先删除它")


def _is_county_workbook(path: Path) -> bool:
    # An earlier output of this command may be replaced; any other file may not.
    from python_calamine import CalamineWorkbook

    try:
        names = CalamineWorkbook.from_path(str(path)).sheet_names
    except Exception:  # unreadable: certainly not ours
        return path.stat().st_size == 0
    return names[:4] == ["汇总", "项目", "指标", "问题"]


def _decode(data: bytes, path: Path) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise InputError(f"无法识别单位名单 {path.name} 的编码：请另存为 UTF-8 或 GBK 编码的 CSV") from exc


def _unit_columns(rows: list[list[str]]) -> tuple[int | None, int | None, list[list[str]]]:
    head = [label_key(c) for c in rows[0]]
    codes = [i for i, h in enumerate(head) if h in {"单位编码", "预算单位编码", "编码", "代码", "单位代码"}]
    names = [i for i, h in enumerate(head) if h in {"单位名称", "预算单位名称", "名称", "预算单位", "单位"}]
    if codes or names:
        return (codes[0] if codes else None), (names[0] if names else None), rows[1:]
    return 0, 1, rows


# ------------------------------------------------------------------ Private API: workers
def read_submission(path: str, shown: str, profile: Profile, max_bytes: int = DEFAULT_MAX_BYTES) -> Submission:
    """Read, parse and check one file and reduce it to rows; never raises for a bad file."""
    sub = Submission(file=shown, path=path)
    try:
        stat = os.stat(path)
        sub.size, sub.mtime = stat.st_size, stat.st_mtime
        sub.sha256 = _sha256(path)
        book, task = check_file(path, profile, max_bytes)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a reader bug (or a Rust panic) must not stop the county
        log.exception("reading %s failed", path)
        sub.reason = "读取此文件时程序出错，请把文件发给维护人员"
        sub.findings = [("F001", Severity.error.value, f"无法打开工作簿：{sub.reason}", None, None, None)]
        sub.errors = 1
        return sub
    sub.findings = [(f.code, f.severity.value, f.message, f.sheet, f.cell, f.project) for f in task.findings]
    sub.errors, sub.warnings = task.errors, task.warnings
    if book is None:
        sub.reason = task.findings[0].message if task.findings else "无法读取"
        return sub
    _reduce(sub, book)
    return sub


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _reduce(sub: Submission, book: BudgetBook) -> None:
    unit = book.unit
    sub.readable = True
    sub.unit_code, sub.unit_name, sub.filled_on = unit.code, unit.name, unit.filled_on
    sub.unit_sheet, sub.unit_cell = unit.sheet, unit.cell("code")
    per_project = Counter((f[3], f[5], f[1]) for f in sub.findings if f[5])
    for p in book.projects:
        s = p.schedule
        values = tuple(getattr(s, k) for k in CHECKPOINTS)
        ok = not s.invalid and all(v is None or 0 <= v <= 100 for v in values)
        sub.projects.append(ProjectRow(
            p.code, p.name, p.sheet, p.cell("code"), (p.budget.total, p.budget.fiscal, p.budget.other),
            values, ok, per_project[(p.sheet, p.code, "error")], per_project[(p.sheet, p.code, "warning")]))
        for ind in p.indicators:
            v = ind.value
            sub.indicators.append((
                unit.code, p.code, ind.level1, ind.level2, ind.name, ind.description,
                v.raw if v else None, v.operator if v else None, v.number if v else None,
                v.unit if v else None, v.grade if v else None, ind.basis,
                f"{ind.sheet}!{ind.cell('value')}" if ind.cell("value") else None, sub.file))


def _read_chunk(chunk: Sequence[tuple[str, str]], profile: Profile, max_bytes: int) -> list[Submission]:
    with fewer_collections():
        return [read_submission(path, shown, profile, max_bytes) for path, shown in chunk]


def read_all(files: Sequence[tuple[Path, str]], profile: Profile, jobs: int | None = None,
             max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Submission]:
    """Submissions in the order of ``files``, read by ``jobs`` processes in chunks.

    A worker that dies (a crash inside a native reader) takes only its own file down: its
    chunk is re-read file by file in fresh processes, and a file that kills a process again
    becomes an unreadable row.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    items = [(str(p), shown) for p, shown in files]
    if jobs == 1 or len(items) <= 2:
        for path, shown in items:
            yield from _read_chunk([(path, shown)], profile, max_bytes)
        return
    size = max(1, min(8, len(items) // (jobs * 6)))
    chunks = deque(items[i:i + size] for i in range(0, len(items), size))
    task = partial(_read_chunk, profile=profile, max_bytes=max_bytes)
    yield from _pooled(chunks, task, jobs)


def _pooled(chunks: deque, task: Callable, jobs: int) -> Iterator[Submission]:
    pool = ProcessPoolExecutor(max_workers=jobs)
    window: deque[tuple[list, Future]] = deque()
    try:
        while chunks or window:
            while chunks and len(window) < jobs * 3:
                chunk = chunks.popleft()
                window.append((chunk, pool.submit(task, chunk)))
            chunk, future = window.popleft()
            try:
                results = future.result()
            except BrokenProcessPool:
                pool.shutdown(wait=False, cancel_futures=True)
                results = [_isolated(task, item) for item in chunk]
                pool = ProcessPoolExecutor(max_workers=jobs)
                window = deque((c, pool.submit(task, c)) for c, _ in window)
            yield from results
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _isolated(task: Callable, item: tuple[str, str]) -> Submission:
    # One file in a process of its own, after a worker died on its chunk.
    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(task, [item]).result()[0]
        except BrokenProcessPool:
            sub = Submission(file=item[1], path=item[0])
            sub.reason = "读取此文件时程序异常退出（文件可能已损坏），请用 Excel 重新保存后再提交"
            sub.findings = [("F001", Severity.error.value, f"无法打开工作簿：{sub.reason}", None, None, None)]
            sub.errors = 1
            return sub


# ------------------------------------------------------------------ Private API: assembly
def _stream(files: Sequence[tuple[Path, str]], book: CountyWorkbook, tables: CsvTables | None,
            profile: Profile, jobs: int | None, max_bytes: int, progress: OnFile | None) -> list[Submission]:
    subs = []
    for i, sub in enumerate(read_all(files, profile, jobs, max_bytes), 1):
        issues = [_issue_row(sub, f) for f in sub.findings]
        links = [Link(sub.path, f[3], f[4]) if sub.readable and f[4] else None for f in sub.findings]
        book.append("指标", sub.indicators)
        book.append("问题", issues, links)
        if tables:
            tables.append("指标", sub.indicators)
            tables.append("问题", issues)
        sub.indicators, sub.findings = [], []  # written: free them
        subs.append(sub)
        if progress:
            progress(i, len(files), sub)
    return subs


def _issue_row(sub: Submission, f: FindingRow) -> tuple:
    code, severity, message, sheet, cell, project = f
    return (sub.file, sub.unit_code, sub.unit_name, project, sheet, cell, code,
            Severity(severity).label, message)


def _finish(subs: list[Submission], expected: list[ExpectedUnit] | None, profile: Profile,
            book: CountyWorkbook, tables: CsvTables | None) -> Result:
    entries = [s.unit_file() for s in subs if s.readable]
    cross = check_units(entries, expected, profile)
    choices = choose_counted(entries)
    by_file = {s.file: s for s in subs}
    _apply_cross(cross, by_file)
    counted = {e.file for e in entries if e.key not in choices or choices[e.key].winner == e.file}
    missing = missing_units(entries, expected or ()) if expected else []
    known = _expected_keys(expected)
    unlisted = iter(missing)  # X003 findings come in the order of missing_units
    issues = [_cross_issue(f, by_file, next(unlisted) if f.code == "X003" else None) for f in cross]
    links = [Link(by_file[f.file].path, f.sheet, f.cell) if f.file in by_file and f.cell else None
             for f in cross]
    summary = [_summary_row(s, s.file in counted, _note(s, choices, counted, known)) for s in subs]
    summary += [(u.code, u.name, None, None, None, None, None, None, None, MISSING_STATUS, None, "否",
                 None, "名单中的单位没有提交工作簿") for u in missing]
    projects = [_project_row(s, p, s.file in counted) for s in subs for p in s.projects]
    plan, notes = county_plan([p for s in subs if s.file in counted for p in s.projects],
                              profile.thresholds.straight_line)
    for table, rows in (("问题", issues), ("汇总", summary), ("项目", projects)):
        book.append(table, rows, links if table == "问题" else ())
        if tables:
            tables.append(table, rows)
    _totals(book, tables, subs, counted)
    book.progress(plan, notes)
    if tables:
        tables.append("进度", plan)
    statuses = Counter(s.status for s in subs)
    statuses[MISSING_STATUS] = len(missing)
    return Result(out=book.out, files=len(subs), readable=len(entries), counted=len(counted),
                  units=len({e.key for e in entries}), projects=len(projects), statuses=statuses,
                  cross_findings=cross, missing=missing, csv_files=[])


def _apply_cross(cross: list[Finding], by_file: dict[str, Submission]) -> None:
    # X findings count on their file (汇总) and on their project (项目).
    for f in cross:
        sub = by_file.get(f.file or "")
        if sub is None:
            continue
        is_error = f.severity == Severity.error
        sub.errors += is_error
        sub.warnings += f.severity == Severity.warning
        for p in sub.projects:
            if f.project and p.code == f.project and p.sheet == f.sheet:
                p.errors += is_error
                p.warnings += f.severity == Severity.warning


def _cross_issue(f: Finding, by_file: dict[str, Submission], unit: ExpectedUnit | None) -> tuple:
    sub = by_file.get(f.file or "")
    code, name = (sub.unit_code, sub.unit_name) if sub else (unit.code, unit.name) if unit else (None, None)
    return (f.file, code, name, f.project, f.sheet, f.cell, f.code, f.severity.label, f.message)


def _expected_keys(expected: list[ExpectedUnit] | None) -> tuple[set[str], set[str]] | None:
    if expected is None:
        return None
    return ({u.code for u in expected if u.code}, {"".join((u.name or "").split()) for u in expected} - {""})


def _note(sub: Submission, choices: dict, counted: set[str], known: tuple[set[str], set[str]] | None) -> str:
    parts = []
    if not sub.readable:
        parts.append(sub.reason)
    entry = sub.unit_file() if sub.readable else None
    choice = choices.get(entry.key) if entry else None
    if choice is not None:
        if choice.winner == sub.file:
            parts.append(f"同一单位提交了 {len(choice.files)} 个文件，以本文件为准（{choice.why}）")
        else:
            parts.append(f"已被较新的 {choice.winner} 取代（{choice.why}），金额不计入合计")
    if known is not None and sub.readable and not _on_list(sub, known):
        parts.append("不在单位名单中")
    return "；".join(parts)


def _on_list(sub: Submission, known: tuple[set[str], set[str]]) -> bool:
    codes, names = known
    return (sub.unit_code or "").strip() in codes or "".join((sub.unit_name or "").split()) in names


def _amounts(sub: Submission) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    if not sub.readable:
        return None, None, None
    sums = []
    for i in range(3):
        values = [p.budget[i] for p in sub.projects if p.budget[i] is not None]
        sums.append(sum(values, Decimal(0)) if values else None)
    return sums[0], sums[1], sums[2]


def _summary_row(sub: Submission, counted: bool, note: str) -> tuple:
    total, fiscal, other = _amounts(sub)
    return (sub.unit_code, sub.unit_name, sub.file, len(sub.projects) if sub.readable else None,
            total, fiscal, other, sub.errors, sub.warnings, sub.status, sub.sha256 or None,
            "是" if counted else "否", sub.filled_on.isoformat() if sub.filled_on else None, note or None)


def _project_row(sub: Submission, p: ProjectRow, counted: bool) -> tuple:
    return (sub.unit_code, sub.unit_name, p.code, p.name, *p.budget, *p.schedule, p.errors, p.warnings,
            sub.file, p.sheet, "是" if counted else "否")


def _totals(book: CountyWorkbook, tables: CsvTables | None, subs: list[Submission], counted: set[str]) -> None:
    sums: dict[str, tuple[Any, bool]] = {"项目数": (sum(len(s.projects) for s in subs if s.file in counted), True)}
    for i, header in enumerate(("预算数（万元）", "财政资金（万元）", "其他资金（万元）")):
        sums[header] = (sum((_amounts(s)[i] or Decimal(0) for s in subs if s.file in counted), Decimal(0)), True)
    sums["错误数"] = (sum(s.errors for s in subs), False)
    sums["警告数"] = (sum(s.warnings for s in subs), False)
    label = f"合计（计入 {len(counted)} 个文件）"
    note = "项目数与金额只计入“计入合计”为“是”的文件；错误数、警告数为全部文件之和"
    book.totals(label, sums, ("计入合计", "是"), note)
    if tables:
        row: list[Any] = [label] + [None] * 13
        for header, col in (("项目数", 3), ("预算数（万元）", 4), ("财政资金（万元）", 5), ("其他资金（万元）", 6),
                            ("错误数", 7), ("警告数", 8)):
            row[col] = sums[header][0]
        row[13] = note
        tables.append("汇总", [row])


def county_plan(projects: Iterable[ProjectRow], straight_line: Sequence[Decimal]) -> tuple[list[tuple], list[str]]:
    """The county's cumulative plan per checkpoint: (时点, 万元, %, straight-line %) rows and notes.

    Each project's plan weighs by its 预算数; a blank checkpoint after a filled one carries it
    forward, a blank before is 0. Projects with no plan, a bad percentage or no 预算数 are left
    out (and counted in the notes).
    """
    planned = [Decimal(0)] * 4
    base = Decimal(0)
    used = skipped = 0
    for p in projects:
        total = p.budget[0]
        if total is None or total <= 0 or not p.plan_ok or all(v is None for v in p.schedule):
            skipped += 1
            continue
        used += 1
        base += total
        level = Decimal(0)
        for i, v in enumerate(p.schedule):
            level = v if v is not None else level
            planned[i] += total * level / 100
    rows = []
    for i, label in enumerate(CHECKPOINT_LABELS):
        pct = (planned[i] / base * 100).quantize(Decimal("0.0001")) if base else None
        line = straight_line[i] if i < len(straight_line) else None
        rows.append((label, planned[i].quantize(Decimal("0.01")), pct, line))
    notes = [f"计入 {used} 个项目，预算数合计 {base.quantize(Decimal('0.01'))} 万元（只计入“计入合计”为“是”的文件）",
             f"未计入 {skipped} 个项目：支出计划空白、百分比有误或预算数缺失"]
    return rows, notes


# ------------------------------------------------------------------ Public API: progress display
def progress_reporter(console: Any) -> tuple[OnFile, Callable[[], None]]:
    """(progress callback, stop) for a rich Console: a bar on a terminal, plain lines otherwise."""
    if not console.is_terminal:
        def line(done: int, total: int, sub: Submission) -> None:
            console.print(f"[{done}/{total}] {sub.file}：{sub.status}", highlight=False, markup=False,
                          soft_wrap=True)

        return line, lambda: None
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    bar = Bar(TextColumn("读取工作簿"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
              TextColumn("{task.description}", markup=False), console=console, transient=True)
    task = bar.add_task("", total=None)
    bar.start()

    def update(done: int, total: int, sub: Submission) -> None:
        text = sub.file[-40:] if done < total else "正在写出汇总工作簿…"
        bar.update(task, completed=done, total=total, description=text)

    return update, bar.stop
