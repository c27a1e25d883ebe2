"""Annotating a workbook: coloured cells, comments, the 校验结果 sheet, exact replacement of
earlier marks, and everything else kept (styles, comments, validation, names, merges, macros)."""

from __future__ import annotations

import hashlib
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from xl_budget.annotate import (
    AUTHOR,
    MARKER,
    MARKS_SHEET,
    RESULTS_SHEET,
    SEVERITY_FILLS,
    Entry,
    Note,
    annotate_file,
    apply,
    internal_link,
    restore,
)
from xl_budget.errors import InputError
from xl_budget.findings import Finding, Report, ReportTask, Severity
from xl_budget.grids import read_grids
from xl_budget.model import Budget, BudgetBook, Indicator, Project, Schedule, Unit
from xl_budget.parse import read_book
from xl_budget.template import write_book
from xl_budget.values import parse_value

D = Decimal
STAFF = Note("请核对此值\n=不是公式", "张三")
GREEN = "FFC6EFCE"


# ------------------------------------------------------------------ fixtures
def _book() -> BudgetBook:
    indicators = [
        Indicator(level1="产出指标", level2="数量指标", name="培训次数", description="培训次数",
                  value=parse_value("≥4"), basis="年初工作计划"),
        Indicator(level1="产出指标", level2="质量指标", name="项目验收合格率", description="合格率",
                  value=parse_value("≥100"), basis=None),
        Indicator(level1="满意度指标", level2="服务对象满意度指标", name="群众满意度",
                  description="群众满意度", value=parse_value("≥90%"), basis="计划标准"),
    ]
    project = Project(code="13082123P00019310001H", name="科协科普工作经费",
                      budget=Budget(total=D("4.86"), fiscal=D("4.86")), use="举办培训",
                      schedule=Schedule(mar=D(30), jun=D(60), oct=D(85)),
                      goals=["科技周、科普日活动"], indicators=indicators)
    return BudgetBook(unit=Unit(code="731001", name="河北省承德县科学技术协会本级", year=2023),
                      projects=[project])


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The standard workbook with a staff comment on 指标值 of row 2 and a staff fill on its 依据."""
    folder = tmp_path_factory.mktemp("annotate")
    plain = folder / "plain.xlsx"
    write_book(_book(), plain)
    project = read_book(plain).projects[0]
    wb = openpyxl.load_workbook(plain)
    ws = wb[project.sheet]
    ws[project.indicators[1].cell("value")].comment = Comment(STAFF.text, STAFF.author)
    ws[project.indicators[1].cell("basis")].fill = PatternFill("solid", fgColor=GREEN)
    path = folder / "单位.xlsx"
    wb.save(path)
    return path


@pytest.fixture()
def src(base: Path, tmp_path: Path) -> Path:
    path = tmp_path / base.name
    path.write_bytes(base.read_bytes())
    return path


def _project(path: Path) -> Project:
    return read_book(path).projects[0]


def _findings(path: Path) -> list[Finding]:
    """Findings of every severity; two on one cell, one on a merged cell, one without a cell."""
    p = _project(path)
    rate, count = p.indicators[1], p.indicators[0]
    name = path.name

    def at(code: str, sev: Severity, part: Any, field: str, msg: str) -> Finding:
        return Finding(code=code, severity=sev, message=msg, file=name, sheet=p.sheet,
                       cell=part.cell(field), project=p.code)

    return [
        at("P003", Severity.error, p.schedule, "dec", "12月底支出计划为空：请填写 100%"),
        at("I007", Severity.warning, rate, "value", "比率指标写成“=100%”"),
        at("I011", Severity.error, rate, "value", "=SUM(A1) 不是公式，只是消息"),
        at("I014", Severity.warning, rate, "basis", "指标值确定依据为空"),
        at("I015", Severity.info, count, "description", "绩效指标描述只是重复了指标名称"),
        Finding(code="F003", severity=Severity.error, message="单位不一致", file=name,
                sheet=p.sheet, cell="C2", project=p.code),  # inside the merged unit line
        Finding(code="D001", severity=Severity.warning, message="缺少部门整体绩效目标", file=name),
    ]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fill(cell: Any) -> str:
    return cell.fill.fgColor.rgb if cell.fill.patternType == "solid" else ""


def _comment(cell: Any) -> tuple[str, str] | None:
    return (cell.comment.text, cell.comment.author) if cell.comment else None


def dump(path: Path, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Everything a user sees, cell by cell: values, formulas, formats, fills, fonts, comments,
    links; per sheet: state, merges, validations, protection; the workbook's names."""
    from openpyxl.xml.functions import tostring

    wb = openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm")
    sheets = {}
    for ws in wb.worksheets:
        if ws.title in skip:
            continue
        cells = {c.coordinate: (c.value, c.number_format, tostring(c.fill.to_tree()),
                                c.font.b, _comment(c), c.hyperlink.location if c.hyperlink else None,
                                c.protection.locked)
                 for row in ws.iter_rows() for c in row
                 if c.value is not None or c.has_style or c.comment}
        sheets[ws.title] = {
            "state": ws.sheet_state, "cells": cells,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": sorted((str(v.sqref), v.formula1) for v in ws.data_validations.dataValidation),
            "protected": ws.protection.sheet,
        }
    names = {k: v.attr_text for k, v in wb.defined_names.items()}
    return {"order": [ws.title for ws in wb.worksheets if ws.title not in skip],
            "sheets": sheets, "names": names}


def _values(path: Path, skip: tuple[str, ...] = ()) -> dict[str, list]:
    """Cell values as a non-calculating reader (python-calamine) sees them."""
    return {g.name: g.rows for g in read_grids(path) if g.name not in skip}


OURS = (RESULTS_SHEET, MARKS_SHEET)


# ------------------------------------------------------------------ marking
def test_cells_are_coloured_by_worst_severity_and_commented(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    findings = _findings(src)
    marked = annotate_file(src, out, findings)
    p = _project(src)
    ws = openpyxl.load_workbook(out)[p.sheet]
    rate, count = p.indicators[1], p.indicators[0]
    assert marked == 5
    assert _fill(ws[rate.cell("value")]) == "FF" + SEVERITY_FILLS[Severity.error]  # error beats warning
    assert _fill(ws[rate.cell("basis")]) == "FF" + SEVERITY_FILLS[Severity.warning]
    assert _fill(ws[count.cell("description")]) == "FF" + SEVERITY_FILLS[Severity.info]
    fresh = ws[p.schedule.cell("dec")].comment
    assert fresh.author == AUTHOR
    assert fresh.text == f"{MARKER}\n[错误] P003 12月底支出计划为空：请填写 100%"
    # Our messages are appended to the staff comment, errors first; the staff author stays.
    staff = ws[rate.cell("value")].comment
    assert staff.author == STAFF.author
    assert staff.text == (f"{STAFF.text}\n\n{MARKER}\n[错误] I011 =SUM(A1) 不是公式，只是消息\n"
                          "[警告] I007 比率指标写成“=100%”")


def test_merged_cell_finding_marks_the_anchor(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    annotate_file(src, out, _findings(src))
    p = _project(src)
    ws = openpyxl.load_workbook(out)[p.sheet]
    anchor = next(r for r in ws.merged_cells.ranges if "C2" in r).start_cell.coordinate
    assert anchor != "C2"
    assert _fill(ws[anchor]) == "FF" + SEVERITY_FILLS[Severity.error]
    assert "F003" in ws[anchor].comment.text


def test_results_sheet_is_last_active_with_counts_and_links(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    findings = _findings(src)
    annotate_file(src, out, findings)
    wb = openpyxl.load_workbook(out)
    original = openpyxl.load_workbook(src).sheetnames
    assert wb.sheetnames == [*original, RESULTS_SHEET, MARKS_SHEET]
    assert wb.active.title == RESULTS_SHEET
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == [RESULTS_SHEET]
    assert wb[MARKS_SHEET].sheet_state == "hidden"
    rows = [list(r) for r in wb[RESULTS_SHEET].iter_rows(values_only=True)]
    assert rows[1][:2] == ["错误", 3] and rows[2][:2] == ["警告", 3] and rows[3][:2] == ["提示", 1]
    assert rows[5] == ["文件", "工作表", "单元格", "项目编码", "代码", "级别", "说明"]
    body = rows[6:]
    assert [r[4] for r in body] == [f.code for f in findings]
    assert body[2][6] == "=SUM(A1) 不是公式，只是消息"  # text, never a formula
    ws = wb[RESULTS_SHEET]
    p = _project(src)
    first = ws.cell(row=7, column=3)
    assert first.value == p.schedule.cell("dec")
    assert first.hyperlink.location == f"'{p.sheet}'!{p.schedule.cell('dec')}"
    assert ws.cell(row=13, column=3).hyperlink is None  # D001 has no cell
    assert ws.cell(row=13, column=6).value == "警告"


def test_source_is_untouched_and_everything_else_kept(src: Path, tmp_path: Path) -> None:
    before = _sha(src)
    out = tmp_path / "out.xlsx"
    annotate_file(src, out, _findings(src))
    assert _sha(src) == before
    a, b = dump(src), dump(out, skip=OURS)
    assert a["order"] == b["order"] and a["names"] == b["names"]
    for name, sheet in a["sheets"].items():
        other = b["sheets"][name]
        for key in ("state", "merged", "validations", "protected"):
            assert sheet[key] == other[key], (name, key)
    # Formula cells keep their values for readers that do not calculate.
    assert _values(src) == _values(out, skip=OURS)


def test_annotating_twice_equals_annotating_once(src: Path, tmp_path: Path) -> None:
    # Same file name in two folders: the 文件 column of 校验结果 names the validated file.
    (tmp_path / "1").mkdir()
    (tmp_path / "2").mkdir()
    once, twice = tmp_path / "1" / src.name, tmp_path / "2" / src.name
    annotate_file(src, once, None)
    annotate_file(once, twice, None)
    assert dump(once) == dump(twice)
    assert _values(once) == _values(twice)


def test_in_place_annotation_is_stable(src: Path) -> None:
    annotate_file(src, src, _findings(src))
    first = dump(src)
    annotate_file(src, src, _findings(src))
    assert dump(src) == first


def test_marks_are_replaced_exactly(src: Path, tmp_path: Path) -> None:
    p = _project(src)
    rate = p.indicators[1]
    marked, fixed, clean = (tmp_path / n for n in ("m.xlsx", "f.xlsx", "c.xlsx"))
    annotate_file(src, marked, _findings(src))
    still = [f for f in _findings(src) if f.code == "P003"]
    annotate_file(marked, fixed, still)
    ws = openpyxl.load_workbook(fixed)[p.sheet]
    assert _comment(ws[rate.cell("value")]) == (STAFF.text, STAFF.author)
    assert _fill(ws[rate.cell("basis")]) == GREEN
    assert _fill(ws[p.schedule.cell("dec")]) == "FF" + SEVERITY_FILLS[Severity.error]
    annotate_file(fixed, clean, [])
    assert dump(clean, skip=OURS) == dump(src)
    rows = list(openpyxl.load_workbook(clean)[RESULTS_SHEET].iter_rows(values_only=True))
    assert rows[0][:2] == ("校验结果", "通过") and rows[6][0] == "未发现问题。"


def test_user_changes_after_marking_survive(src: Path, tmp_path: Path) -> None:
    p = _project(src)
    rate, count = p.indicators[1], p.indicators[0]
    marked, edited, again = (tmp_path / n for n in ("m.xlsx", "e.xlsx", "a.xlsx"))
    annotate_file(src, marked, _findings(src))
    wb = openpyxl.load_workbook(marked)
    ws = wb[p.sheet]
    note = ws[rate.cell("value")].comment
    ws[rate.cell("value")].comment = Comment("已改为 =100%\n" + note.text, note.author)
    ws[count.cell("description")].fill = PatternFill("solid", fgColor="FF00B050")
    ws[p.schedule.cell("dec")].comment = None
    wb.save(edited)
    annotate_file(edited, again, [])
    ws = openpyxl.load_workbook(again)[p.sheet]
    assert _comment(ws[rate.cell("value")]) == ("已改为 =100%\n" + STAFF.text, STAFF.author)
    assert _fill(ws[count.cell("description")]) == "FF00B050"
    assert ws[p.schedule.cell("dec")].comment is None
    assert _fill(ws[p.schedule.cell("dec")]) == _fill(openpyxl.load_workbook(src)[p.sheet][p.schedule.cell("dec")])


def test_report_selects_the_findings_of_its_file(src: Path, tmp_path: Path) -> None:
    mine = _findings(src)
    other = Finding(code="B002", severity=Severity.error, message="别的文件", file="别人.xlsx",
                    sheet=mine[0].sheet, cell="C4")
    report = Report(tasks=[ReportTask(file=str(src), findings=mine),
                           ReportTask(file=str(tmp_path / "别人.xlsx"), findings=[other])])
    out = tmp_path / "out.xlsx"
    assert annotate_file(src, out, report) == 5
    codes = [r[4] for r in openpyxl.load_workbook(out)[RESULTS_SHEET].iter_rows(min_row=7, values_only=True)]
    assert "B002" not in codes


def test_bad_targets_are_refused(src: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="扩展名"):
        annotate_file(src, tmp_path / "out.xlsm", [])
    ods = tmp_path / "a.ods"
    ods.write_bytes(b"")
    with pytest.raises(InputError, match=r"\.xlsx"):
        annotate_file(ods, tmp_path / "out.ods", [])
    with pytest.raises(InputError, match="文件夹不存在"):
        annotate_file(src, tmp_path / "nope" / "out.xlsx", [])


# ------------------------------------------------------------------ macros
def _vba_project() -> bytes:
    xlwings = pytest.importorskip("xlwings")
    quickstart = Path(xlwings.__file__).parent / "quickstart.xlsm"
    if not quickstart.exists():
        pytest.skip("xlwings' quickstart.xlsm is not installed")
    with zipfile.ZipFile(quickstart) as zf:
        return zf.read("xl/vbaProject.bin")


def test_macros_survive_byte_identical(tmp_path: Path) -> None:
    vba = _vba_project()
    book = tmp_path / "宏.xlsm"
    write_book(_book(), book, vba_project=vba)
    annotate_file(book, book, None)
    annotate_file(book, book, None)
    with zipfile.ZipFile(book) as zf:
        assert zf.read("xl/vbaProject.bin") == vba
        assert b"macroEnabled" in zf.read("[Content_Types].xml")
    assert RESULTS_SHEET in openpyxl.load_workbook(book, keep_vba=True).sheetnames


# ------------------------------------------------------------------ the protocol
class MemoryCanvas:
    """A Canvas over plain dicts: the protocol needs no spreadsheet library."""

    def __init__(self, sheets: list[str], merged: dict[str, str] | None = None) -> None:
        self.sheets = list(sheets)
        self.merged = merged or {}
        self.fills: dict[tuple[str, str], str] = {}
        self.notes: dict[tuple[str, str], Note] = {}
        self.tables: dict[str, list[list[Entry]]] = {}
        self.visible: dict[str, bool] = {}
        self.active = sheets[0]
        self.store: list[list[str]] = []

    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    def anchor(self, sheet: str, cell: str) -> str:
        return self.merged.get(cell, cell)

    def get_fill(self, sheet: str, cell: str) -> str:
        return self.fills.get((sheet, cell), "")

    def set_fill(self, sheet: str, cell: str, fill: str) -> None:
        self.fills[(sheet, cell)] = fill

    def get_comment(self, sheet: str, cell: str) -> Note | None:
        return self.notes.get((sheet, cell))

    def set_comment(self, sheet: str, cell: str, note: Note | None) -> None:
        if note is None:
            self.notes.pop((sheet, cell), None)
        else:
            self.notes[(sheet, cell)] = note

    def write_table(self, sheet: str, rows: Any, widths: Any) -> None:
        if sheet not in self.sheets:
            self.sheets.append(sheet)
        self.tables[sheet] = [list(r) for r in rows]

    def set_visible(self, sheet: str, visible: bool) -> None:
        self.visible[sheet] = visible
        if visible:
            self.active = sheet

    def read_store(self) -> list[list[str]]:
        return [list(r) for r in self.store]

    def write_store(self, rows: Any) -> None:
        self.store = [list(r) for r in rows]


def _state(canvas: MemoryCanvas) -> tuple:
    return dict(canvas.fills), dict(canvas.notes), canvas.tables, canvas.active


def test_apply_and_restore_over_the_protocol() -> None:
    canvas = MemoryCanvas(["项目1"], merged={"C3": "B3"})
    canvas.fills[("项目1", "E14")] = "theme:4"
    canvas.notes[("项目1", "E14")] = STAFF
    findings = [
        Finding(code="I007", severity=Severity.warning, message="m1", sheet="项目1", cell="$E$14"),
        Finding(code="C002", severity=Severity.error, message="m2", sheet="项目1", cell="C3"),
        Finding(code="X001", severity=Severity.error, message="m3", sheet="不存在", cell="A1"),
        Finding(code="F002", severity=Severity.error, message="m4"),
    ]
    assert apply(canvas, findings) == 2
    assert canvas.fills[("项目1", "E14")] == SEVERITY_FILLS[Severity.warning]
    assert canvas.fills[("项目1", "B3")] == SEVERITY_FILLS[Severity.error]
    assert canvas.notes[("项目1", "B3")] == Note(f"{MARKER}\n[错误] C002 m2", AUTHOR)
    assert canvas.active == RESULTS_SHEET and canvas.sheets == ["项目1", RESULTS_SHEET]
    links = [e.link for row in canvas.tables[RESULTS_SHEET] for e in row if e.link]
    assert links == [internal_link("项目1", "E14"), internal_link("项目1", "C3")]
    first = _state(canvas)
    assert apply(canvas, findings) == 2
    assert _state(canvas) == first
    assert restore(canvas) == 2
    assert canvas.fills == {("项目1", "E14"): "theme:4", ("项目1", "B3"): ""}
    assert canvas.notes == {("项目1", "E14"): STAFF}


def test_internal_link_quotes_sheet_names() -> None:
    assert internal_link("项目1", "E14") == "#'项目1'!E14"
    assert internal_link("O'Brien") == "#'O''Brien'!A1"


# ------------------------------------------------------------------ a spreadsheet program re-saves
def _soffice_convert(files: list[Path], outdir: Path, profile: Path) -> None:
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to", "xlsx", "--outdir", str(outdir), *map(str, files)],
                   check=True, capture_output=True, timeout=120)


def test_marks_are_removed_after_libreoffice_resaved_the_file(src: Path, tmp_path: Path) -> None:
    """LibreOffice rewrites fills and comments in its own way; our marks still come off."""
    marked = tmp_path / "marked.xlsx"
    annotate_file(src, marked, _findings(src))
    outdir = tmp_path / "lo"
    _soffice_convert([src, marked], outdir, tmp_path / "profile")
    p = _project(src)
    resaved = openpyxl.load_workbook(outdir / "marked.xlsx")[p.sheet][p.schedule.cell("dec")]
    assert _fill(resaved).endswith(SEVERITY_FILLS[Severity.error]) and MARKER in resaved.comment.text
    clean = tmp_path / "clean.xlsx"
    annotate_file(outdir / "marked.xlsx", clean, [])
    before = openpyxl.load_workbook(outdir / src.name)[p.sheet]
    after = openpyxl.load_workbook(clean)[p.sheet]
    for row in before.iter_rows():
        for cell in row:
            other = after[cell.coordinate]
            assert (_fill(other), _comment(other) and other.comment.text) == \
                (_fill(cell), _comment(cell) and cell.comment.text), cell.coordinate
