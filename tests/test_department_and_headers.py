"""The 部门整体绩效目标 sheet as clerks lay it out (D001), indicator column headers worded
differently (I003 / I004), a full-width 单位编码 (F003), follow-on I017 errors and the Chinese
CLI messages: each case edits the clean sample workbook the way QA round 3 did."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from xl_budget import check
from xl_budget.check import check_file
from xl_budget.cli import app
from xl_budget.findings import Finding
from xl_budget.parse import read_book

SAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "承德县农业农村局_2023.xlsx"
DEPT = "部门整体绩效目标"
OVERALL = "承德县农业农村局负责全县农业农村经济发展、乡村振兴和农产品质量安全监管。"


def _edited(tmp_path: Path, edit: Callable[[Workbook], None], name: str = "edited.xlsx") -> Path:
    wb = openpyxl.load_workbook(SAMPLE)
    edit(wb)
    path = tmp_path / name
    wb.save(path)
    return path


def _findings(path: Path, code: str | None = None) -> list[Finding]:
    return [f for f in check_file(path)[1].findings if code is None or f.code == code]


def _sample_overall() -> str:
    return read_book(SAMPLE).department.overall or ""


def test_sample_is_clean() -> None:
    assert _findings(SAMPLE) == []
    assert _sample_overall().startswith("承德县农业农村局负责")


# ------------------------------------------------------------------ D001: the overall target is read
def _replace_department(rows: list[tuple[str, ...]]) -> Callable[[Workbook], None]:
    def edit(wb: Workbook) -> None:
        i = wb.sheetnames.index(DEPT)
        del wb[DEPT]
        ws = wb.create_sheet(DEPT, i)
        for row in rows:
            ws.append(list(row))
    return edit


def _set(cell: str, value: str | None) -> Callable[[Workbook], None]:
    return lambda wb: wb[DEPT].__setitem__(cell, value)


def _inline(wb: Workbook) -> None:
    ws = wb[DEPT]
    ws.unmerge_cells("A3:D3")
    ws["A3"] = None
    ws["A2"] = "一、总体绩效目标：" + OVERALL


def _blank_row_under_heading(wb: Workbook) -> None:
    ws = wb[DEPT]
    ws.unmerge_cells("A3:D3")
    ws.insert_rows(3)


@pytest.mark.parametrize(("edit", "overall"), [
    pytest.param(_set("A2", "一、部门总体绩效目标"), None, id="heading_部门总体绩效目标"),
    pytest.param(_set("A2", "一、部门整体绩效目标"), None, id="heading_部门整体绩效目标"),
    pytest.param(_inline, OVERALL, id="label_and_text_in_one_cell"),
    pytest.param(_blank_row_under_heading, None, id="blank_row_between_heading_and_text"),
    pytest.param(_replace_department([(DEPT,), (OVERALL,)]), OVERALL, id="title_then_text"),
    pytest.param(_replace_department([(DEPT,), ("总体目标", OVERALL)]), OVERALL, id="label_总体目标_beside_text"),
])
def test_overall_target_is_read(tmp_path: Path, edit: Callable[[Workbook], None], overall: str | None) -> None:
    path = _edited(tmp_path, edit)
    assert read_book(path).department.overall == (overall or _sample_overall())
    assert _findings(path, "D001") == []


def test_next_heading_is_never_the_overall_target(tmp_path: Path) -> None:
    # QA3 #4: the overall target left empty and the blank row under its heading deleted.
    def edit(wb: Workbook) -> None:
        ws = wb[DEPT]
        ws.unmerge_cells("A3:D3")
        ws.delete_rows(3)

    path = _edited(tmp_path, edit)
    assert read_book(path).department.overall is None
    [finding] = _findings(path, "D001")
    assert (finding.sheet, finding.cell) == (DEPT, "A2")  # the heading: A3 holds the next one
    assert "插入一行" in finding.message and "二、分项绩效目标" not in finding.message


def test_blank_overall_target_points_at_its_cell(tmp_path: Path) -> None:
    [finding] = _findings(_edited(tmp_path, _set("A3", None)), "D001")
    assert (finding.sheet, finding.cell) == (DEPT, "A3")


def test_sheet_without_overall_heading_says_which_heading_is_missing(tmp_path: Path) -> None:
    def edit(wb: Workbook) -> None:
        ws = wb[DEPT]
        ws["A1"] = ws["A2"] = None  # title and heading deleted: the text alone cannot be told apart

    [finding] = _findings(_edited(tmp_path, edit), "D001")
    assert (finding.sheet, finding.cell) == (DEPT, "A4")
    assert "一、总体绩效目标" in finding.message and "添加" not in finding.message


def test_title_without_text_points_under_the_title(tmp_path: Path) -> None:
    [finding] = _findings(_edited(tmp_path, _replace_department([(DEPT,), (None,)])), "D001")
    assert finding.sheet == DEPT and finding.cell is not None


# ------------------------------------------------------------------ I003 / I004: column headers
@pytest.mark.parametrize(("cell", "header"), [
    ("C12", "具体指标"), ("E12", "年度指标值"), ("E12", "指标值（目标值）"), ("E12", "指标值(目标值)"),
])
def test_indicator_header_aliases_are_read(tmp_path: Path, cell: str, header: str) -> None:
    path = _edited(tmp_path, lambda wb: wb["项目1"].__setitem__(cell, header))
    assert _findings(path) == []


@pytest.mark.parametrize(("cell", "header", "code", "column"), [
    ("C12", "绩效指标", "I003", "三级指标"), ("C12", "考核内容", "I003", "三级指标"),
    ("E12", "考核标准", "I004", "指标值"),
])
def test_unrecognised_indicator_header_gets_one_finding(tmp_path: Path, cell: str, header: str,
                                                       code: str, column: str) -> None:
    path = _edited(tmp_path, lambda wb: wb["项目1"].__setitem__(cell, header))
    found = [f for f in _findings(path) if f.code in ("I003", "I004")]
    assert len(found) == 1, [f.line() for f in found]
    assert found[0].code == code and found[0].sheet == "项目1"
    assert f"没有“{column}”列" in found[0].message


# ------------------------------------------------------------------ F003: full-width unit code
@pytest.mark.parametrize("code", ["７１５００１", " 715 001 ", "715　001"])
def test_unit_code_typed_full_width_or_spaced_matches(tmp_path: Path, code: str) -> None:
    path = _edited(tmp_path, lambda wb: wb["单位信息"].__setitem__("B2", code))
    assert _findings(path, "F003") == []
    assert read_book(path).unit.code == "715001"


def test_unit_code_that_differs_is_still_reported(tmp_path: Path) -> None:
    path = _edited(tmp_path, lambda wb: wb["单位信息"].__setitem__("B2", "７１５００２"))
    assert len(_findings(path, "F003")) == 3


# ------------------------------------------------------------------ I017: no follow-on errors
def _no_level2_column(wb: Workbook) -> None:
    wb["项目1"]["B12"] = None


def _blank_level1_first_rows(wb: Workbook) -> None:
    wb["项目1"]["A13"] = None  # merged over A13:A16: the 产出 rows


def _no_timeliness_row(wb: Workbook) -> None:
    ws = wb["项目1"]
    for c in "BCDE":
        ws[f"{c}15"] = None
    ws["F15"] = None


def test_table_without_level2_column_gets_no_category_errors(tmp_path: Path) -> None:
    found = _findings(_edited(tmp_path, _no_level2_column))
    assert [f.code for f in found if f.sheet == "项目1"] == ["I002"]


def test_blank_level1_is_inferred_from_level2(tmp_path: Path) -> None:
    found = _findings(_edited(tmp_path, _blank_level1_first_rows))
    assert {f.code for f in found} == {"I001"}


def test_blank_level1_still_shows_a_missing_category(tmp_path: Path) -> None:
    def edit(wb: Workbook) -> None:
        _blank_level1_first_rows(wb)
        _no_timeliness_row(wb)

    found = _findings(_edited(tmp_path, edit), "I017")
    assert len(found) == 1 and "时效指标" in found[0].message


# ------------------------------------------------------------------ Chinese only
def test_validate_without_files_says_so_in_chinese() -> None:
    result = CliRunner().invoke(app, ["validate"])
    assert result.exit_code == 2
    assert "Missing" not in result.output and "请给出要校验的工作簿" in result.output


def test_internal_error_names_no_exception_class(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: Path) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(check, "read_book", broken)
    [finding] = check_file(SAMPLE)[1].findings
    assert finding.code == "F001" and "KeyError" not in finding.message and "内部错误" in finding.message
