"""xl-budget consolidate: a folder of unit workbooks (good, broken, duplicated) → the county workbook.

The workbooks are real .xlsx files written by the template writer (and a few crafted bad
files); the output is read back with python-calamine, openpyxl and the raw XML.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from xl_budget import consolidate as C
from xl_budget import county
from xl_budget.check import check_file
from xl_budget.cli import app
from xl_budget.consolidate import consolidate, county_plan, read_unit_list
from xl_budget.errors import InputError
from xl_budget.model import Budget, BudgetBook, Indicator, Project, Schedule, Unit
from xl_budget.profile import load_profile
from xl_budget.rules.consolidation import (
    ExpectedUnit,
    ProjectRef,
    UnitFile,
    check_units,
    choose_counted,
)
from xl_budget.template import write_book
from xl_budget.values import parse_value

D = Decimal
EVIL = "=cmd|' /C calc'!A0"
SHEETS = ["汇总", "项目", "指标", "问题", "进度"]


# ------------------------------------------------------------------ building the inputs
def _indicators(total: Decimal) -> list[Indicator]:
    rows = [
        ("产出指标", "数量指标", "培训次数", "全年举办培训的次数", "≥4次", "计划标准"),
        ("产出指标", "质量指标", "培训合格率", "参训人员考核合格的比例", "≥95%", "历史标准"),
        ("产出指标", "时效指标", "按时完成率", "按计划时间完成的比例", "=100%", "计划标准"),
        ("产出指标", "成本指标", "项目成本", "项目全年支出", f"≤{total}万元", "预算支出标准"),
        ("效益指标", "社会效益指标", "群众科学素质", "参训群众科学素质的变化", "明显提升", "计划标准"),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "群众对培训的满意程度", "≥90%", "历史标准"),
    ]
    return [Indicator(level1=a, level2=b, name=c, description=d, value=parse_value(v), basis=e)
            for a, b, c, d, v, e in rows]


def project(code: str, name: str, total: str, fiscal: str, other: str | None = None,
            plan: tuple = (30, 60, 85, 100)) -> Project:
    t = D(total)
    return Project(code=code, name=name, use="举办科普培训",
                   budget=Budget(total=t, fiscal=D(fiscal), other=D(other) if other else None),
                   schedule=Schedule(**{k: (D(v) if v is not None else None)
                                        for k, v in zip(("mar", "jun", "oct", "dec"), plan, strict=True)}),
                   goals=["举办科普培训"], indicators=_indicators(t))


def book(code: str, name: str, projects: list[Project], filled_on: dt.date | None = None) -> BudgetBook:
    return BudgetBook(unit=Unit(code=code, name=name, county="承德县", year=2023, filled_on=filled_on),
                      projects=projects)


P_A1 = "13082123P00020010002T"
P_A2 = "13082123P00019310001H"
P_B1 = "13082123P00031510003K"
P_C1 = "13082123P00042010004M"


def write_folder(folder: Path) -> dict[str, Path]:
    """Good units A and C (C repeats A's first project code), unit B twice, and bad files."""
    folder.mkdir()
    sub = folder / "第二批 报送"
    sub.mkdir()
    files = {
        "a": folder / "731001_科协.xlsx",
        "b_old": folder / "731002_农业局.xlsx",
        "b_new": sub / "731002_农业局 修改版.xlsx",
        "c": folder / "731003_卫健局.xlsx",
    }
    write_book(book("731001", "承德县科学技术协会", [
        project(P_A1, "安可设备购置", "8.00", "7.50", "0.50"),
        project(P_A2, EVIL, "4.86", "4.86", plan=(None, 50, None, 100)),
    ]), files["a"])
    write_book(book("731002", "承德县农业农村局", [project(P_B1, "农技推广", "100.00", "100.00")],
                    filled_on=dt.date(2022, 12, 1)), files["b_old"])
    write_book(book("731002", "承德县农业农村局", [project(P_B1, "农技推广", "120.00", "100.00", "20.00")],
                    filled_on=dt.date(2022, 12, 20)), files["b_new"])
    os.utime(files["b_new"], (1_600_000_000, 1_600_000_000))  # older file time: the date still wins
    write_book(book("731003", "承德县卫生健康局", [
        project(P_A1, "安可设备购置", "5.00", "5.00"),
        project(P_C1, "村卫生室设备", "12.00", "12.00"),
    ]), files["c"])
    files["corrupt"] = folder / "损坏.xlsx"
    files["corrupt"].write_bytes(b"PK\x03\x04" + b"\x00broken" * 50)
    files["text"] = folder / "说明.xlsx"
    files["text"].write_text("这不是工作簿，是改了扩展名的文本", encoding="utf-8")
    files["empty"] = folder / "空文件.xlsx"
    files["empty"].write_bytes(b"")
    files["password"] = folder / "加密.xlsx"
    files["password"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
                                  + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512)
    files["lock"] = folder / "~$731001_科协.xlsx"  # an Office lock file: not a submission
    files["lock"].write_bytes(b"lock")
    return files


def units_csv(path: Path, encoding: str) -> Path:
    text = "单位编码,单位名称\n731001,承德县科学技术协会\n731002,承德县农业农村局\n731003,承德县卫生健康局\n731009,承德县民政局\n"
    path.write_bytes(text.encode(encoding))
    return path


def table(path: Path, sheet: str) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def records(path: Path, sheet: str) -> list[dict[str, Any]]:
    head, *rows = table(path, sheet)
    return [dict(zip(head, row, strict=True)) for row in rows]


@pytest.fixture(scope="module")
def county_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path], C.Result]:
    root = tmp_path_factory.mktemp("county")
    files = write_folder(root / "报送 材料")
    out = root / "全县 汇总.xlsx"
    result = consolidate([root / "报送 材料"], out, units=units_csv(root / "units.csv", "gbk"),
                         jobs=2, csv_dir=root / "csv")
    return out, files, result


def row_of(rows: list[dict[str, Any]], file: Path) -> dict[str, Any]:
    return next(r for r in rows if r["文件"] == str(file))


# ------------------------------------------------------------------ 汇总
def test_sheets_in_contract_order(county_run: tuple) -> None:
    out, _, _ = county_run
    assert CalamineWorkbook.from_path(str(out)).sheet_names == SHEETS
    assert table(out, "汇总")[0][:11] == ["单位编码", "单位名称", "文件", "项目数", "预算数（万元）",
                                         "财政资金（万元）", "其他资金（万元）", "错误数", "警告数", "状态", "SHA-256"]


def test_every_input_file_has_a_row_with_its_reason(county_run: tuple) -> None:
    out, files, result = county_run
    rows = records(out, "汇总")
    shown = {r["文件"] for r in rows if r["文件"]}
    assert shown == {str(p) for k, p in files.items() if k != "lock"}
    reasons = {k: row_of(rows, files[k]) for k in ("corrupt", "text", "empty", "password")}
    assert all(r["状态"] == "无法读取" and r["计入合计"] == "否" for r in reasons.values())
    assert "损坏" in reasons["corrupt"]["说明"]
    assert "不是" in reasons["text"]["说明"]
    assert "空" in reasons["empty"]["说明"]
    assert "密码" in reasons["password"]["说明"]
    assert result.files == 8 and result.readable == 4


def test_sha256_identifies_the_submitted_version(county_run: tuple) -> None:
    import hashlib

    out, files, _ = county_run
    row = row_of(records(out, "汇总"), files["a"])
    assert row["SHA-256"] == hashlib.sha256(files["a"].read_bytes()).hexdigest()


def test_counts_match_validate(county_run: tuple) -> None:
    out, files, _ = county_run
    rows = records(out, "汇总")
    profile = load_profile()
    _, task = check_file(files["b_new"], profile)
    row = row_of(rows, files["b_new"])
    assert (row["错误数"], row["警告数"]) == (task.errors, task.warnings + 1)  # + X002


def test_double_submission_newer_by_filled_date_counts(county_run: tuple) -> None:
    out, files, _ = county_run
    rows = records(out, "汇总")
    old, new = row_of(rows, files["b_old"]), row_of(rows, files["b_new"])
    assert (old["计入合计"], new["计入合计"]) == ("否", "是")
    assert "取代" in old["说明"] and str(files["b_new"]) in old["说明"]
    assert "以本文件为准" in new["说明"] and "填报日期" in new["说明"]
    assert old["预算数（万元）"] == 100.0  # shown, but not in the totals


def test_missing_unit_from_list_is_a_row(county_run: tuple) -> None:
    out, _, result = county_run
    rows = records(out, "汇总")
    missing = [r for r in rows if r["状态"] == "未提交"]
    assert [(m["单位编码"], m["单位名称"]) for m in missing] == [("731009", "承德县民政局")]
    assert [u.code for u in result.missing] == ["731009"]


def test_totals_row_reads_back_with_values(county_run: tuple) -> None:
    out, _, _ = county_run
    rows = records(out, "汇总")
    total = rows[-1]
    assert total["单位编码"].startswith("合计")
    counted = [r for r in rows[:-1] if r["计入合计"] == "是"]
    assert total["预算数（万元）"] == pytest.approx(8 + 4.86 + 120 + 5 + 12)
    assert total["预算数（万元）"] == pytest.approx(sum(r["预算数（万元）"] for r in counted))
    assert total["其他资金（万元）"] == pytest.approx(20.5)
    assert total["项目数"] == 5
    assert total["错误数"] == sum(r["错误数"] or 0 for r in rows[:-1])
    ws = openpyxl.load_workbook(out)["汇总"]
    cell = ws.cell(row=len(rows) + 1, column=5)
    assert cell.value.startswith("=SUMIFS(E2:E") and '"是"' in cell.value


# ------------------------------------------------------------------ 项目, 指标, 问题
def test_project_rows(county_run: tuple) -> None:
    out, files, _ = county_run
    rows = records(out, "项目")
    assert len(rows) == 6
    first = rows[0]
    assert first["项目编码"] == P_A1 and first["单位编码"] == "731001"
    assert (first["预算数（万元）"], first["财政资金（万元）"], first["其他资金（万元）"]) == (8.0, 7.5, 0.5)
    assert [first[k] for k in ("3月底（%）", "6月底（%）", "10月底（%）", "12月底（%）")] == [30, 60, 85, 100]
    x001 = [r for r in rows if r["项目编码"] == P_A1]
    assert len(x001) == 2 and all(r["错误数"] >= 1 for r in x001)


def test_user_text_starting_with_equals_stays_text(county_run: tuple) -> None:
    out, _, _ = county_run
    names = [r["项目名称"] for r in records(out, "项目")]
    assert EVIL in names
    with zipfile.ZipFile(out) as zf:
        projects_xml = zf.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in projects_xml
    ws = openpyxl.load_workbook(out)["项目"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == EVIL)
    assert cell.data_type == "s"


def test_indicator_rows(county_run: tuple) -> None:
    out, _, _ = county_run
    rows = records(out, "指标")
    assert len(rows) == 6 * 6
    cost = next(r for r in rows if r["三级指标"] == "项目成本" and r["项目编码"] == P_A1 and r["单位编码"] == "731001")
    assert (cost["指标值"], cost["运算符"], cost["数值"], cost["计量单位"]) == ("≤8.00万元", "≤", 8.0, "万元")
    assert cost["单元格"].startswith("项目1!E")


def test_cross_unit_findings(county_run: tuple) -> None:
    out, files, _ = county_run
    issues = records(out, "问题")
    x001 = [r for r in issues if r["代码"] == "X001"]
    assert {r["文件"] for r in x001} == {str(files["a"]), str(files["c"])}
    assert all(r["级别"] == "错误" and r["工作表"] == "项目1" and r["单元格"] == "B3" for r in x001)
    assert {r["文件"] for r in issues if r["代码"] == "X002"} == {str(files["b_old"]), str(files["b_new"])}
    x003 = [r for r in issues if r["代码"] == "X003"]
    assert len(x003) == 1 and x003[0]["单位编码"] == "731009" and "没有提交" in x003[0]["问题说明"]
    assert x003[0]["文件"] is None or x003[0]["文件"] == ""
    f001 = {r["文件"] for r in issues if r["代码"] == "F001"}
    assert f001 == {str(files[k]) for k in ("corrupt", "text", "empty", "password")}


def test_issue_hyperlinks_open_the_source_cell(county_run: tuple) -> None:
    out, files, _ = county_run
    ws = openpyxl.load_workbook(out)["问题"]
    heads = [c.value for c in ws[1]]
    col = heads.index("单元格")
    x001 = next(row for row in ws.iter_rows(min_row=2) if row[heads.index("代码")].value == "X001"
                and row[0].value == str(files["c"]))
    link = x001[col].hyperlink
    assert x001[col].value == "B3"
    assert link.location == "'项目1'!B3"
    assert link.target.startswith("file:///") and "%20" in link.target  # the folder has spaces
    assert unquote(link.target.removeprefix("file://")) == str(files["c"].resolve())


def test_progress_sheet_weighs_by_budget(county_run: tuple) -> None:
    out, _, _ = county_run
    rows = table(out, "进度")
    assert rows[0] == ["时点", "计划支出（万元）", "计划支出进度（%）", "序时进度（%）"]
    dec = rows[4]
    assert dec[0] == "12月底" and dec[2] == pytest.approx(100) and dec[3] == pytest.approx(100)
    # 3月底: A1 8×30% + A2 4.86×0 + B 120×30% + C 5×30% + 12×30%
    assert rows[1][1] == pytest.approx(0.3 * (8 + 120 + 5 + 12))
    with zipfile.ZipFile(out) as zf:
        assert any(n.startswith("xl/charts/chart") for n in zf.namelist())


def test_csv_tables_have_a_bom_and_the_same_rows(county_run: tuple) -> None:
    import pandas as pd

    out, _, result = county_run
    folder = out.parent / "csv"
    assert sorted(p.name for p in result.csv_files) == sorted(f"{s}.csv" for s in SHEETS)
    for sheet in SHEETS:
        path = folder / f"{sheet}.csv"
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
        if sheet != "进度":
            assert len(frame) == len(table(out, sheet)) - 1
    summary = pd.read_csv(folder / "汇总.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert "731001" in set(summary["单位编码"])  # codes stay text: leading zeros would survive
    assert summary["单位编码"].iloc[-1].startswith("合计")
    assert EVIL in set(pd.read_csv(folder / "项目.csv", encoding="utf-8-sig", dtype=str)["项目名称"])


# ------------------------------------------------------------------ determinism, safety, CLI
def test_same_inputs_same_tables(county_run: tuple, tmp_path: Path) -> None:
    out, files, _ = county_run
    again = tmp_path / "again.xlsx"
    consolidate([files["a"].parent], again, units=out.parent / "units.csv", jobs=1)
    for sheet in SHEETS:
        assert table(again, sheet) == table(out, sheet), sheet


def test_billion_laughs_and_zip_bomb_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    good = tmp_path / "good.xlsx"
    write_book(book("731001", "科协", [project(P_A1, "设备", "1", "1")]), good)
    laughs = folder / "laughs.xlsx"
    entities = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10)) + "]>"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(laughs, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/sharedStrings.xml":
                data = data.replace(b"?>", b"?>" + entities.encode(), 1).replace(b"<t>", b"<t>&lol9;", 1)
            dst.writestr(info, data)
    bomb = folder / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b" " * (30 * 1024 * 1024))
    out = tmp_path / "out.xlsx"
    consolidate([folder], out, max_bytes=1024 * 1024, jobs=1)
    rows = {r["文件"]: r for r in records(out, "汇总")[:-1]}
    assert rows[str(laughs)]["状态"] == "无法读取" and "不安全" in rows[str(laughs)]["说明"]
    assert rows[str(bomb)]["状态"] == "无法读取" and "压缩炸弹" in rows[str(bomb)]["说明"]


def test_worker_that_dies_takes_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(4):
        write_book(book(f"73100{i}", f"单位{i}", [project(f"13082123P0002001000{i}T", "设备", "1", "1")]),
                   folder / f"{i}.xlsx")
    real = C.check_file

    def crashing(path: Any, *args: Any) -> Any:
        if Path(path).name == "2.xlsx":
            os._exit(3)  # a native crash inside the reader
        return real(path, *args)

    monkeypatch.setattr(C, "check_file", crashing)
    out = tmp_path / "out.xlsx"
    consolidate([folder], out, jobs=2)
    rows = {Path(r["文件"]).name: r for r in records(out, "汇总")[:-1]}
    assert rows["2.xlsx"]["状态"] == "无法读取" and "异常退出" in rows["2.xlsx"]["说明"]
    assert all(rows[f"{i}.xlsx"]["状态"] != "无法读取" for i in (0, 1, 3))


def test_a_reader_bug_in_one_file_never_stops_the_county(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(2):
        write_book(book(f"73100{i}", f"单位{i}", [project(f"13082123P0002001000{i}T", "设备", "1", "1")]),
                   folder / f"{i}.xlsx")
    real = C.check_file

    def buggy(path: Any, *args: Any) -> Any:
        if Path(path).name == "0.xlsx":
            raise ArithmeticError("decimal overflow")
        return real(path, *args)

    monkeypatch.setattr(C, "check_file", buggy)
    out = tmp_path / "out.xlsx"
    consolidate([folder], out, jobs=1)
    rows = {Path(r["文件"]).name: r for r in records(out, "汇总")[:-1]}
    # the clerk reads Chinese; the exception is in the developers' log, not in 说明
    assert rows["0.xlsx"]["状态"] == "无法读取" and "程序出错" in rows["0.xlsx"]["说明"]
    assert "ArithmeticError" not in rows["0.xlsx"]["说明"]
    assert rows["1.xlsx"]["状态"] != "无法读取" and rows["1.xlsx"]["SHA-256"]


def test_long_tables_continue_and_links_fall_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(county, "MAX_ROWS", 20)
    monkeypatch.setattr(county, "MAX_LINKS", 3)
    folder = tmp_path / "in"
    folder.mkdir()
    plan = (None, None, None, None)  # P005 on every project: plenty of 问题 rows
    write_book(book("731001", "科协", [project(f"13082123P0002001000{i}T", "设备", "1", "1", plan=plan)
                                      for i in range(4)]), folder / "a.xlsx")
    out = tmp_path / "out.xlsx"
    consolidate([folder], out, jobs=1)
    names = CalamineWorkbook.from_path(str(out)).sheet_names
    assert names[:5] == SHEETS[:4] + ["指标（续1）"] and "进度" in names
    indicators = table(out, "指标")[1:] + table(out, "指标（续1）")[1:]
    assert len(indicators) == 24
    ws = openpyxl.load_workbook(out)["问题"]
    col = [c.value for c in ws[1]].index("单元格") + 1
    cells = [ws.cell(row=r, column=col) for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=col).value]
    assert sum(c.hyperlink is not None for c in cells) == 3
    formulas = [c for c in openpyxl.load_workbook(out, data_only=False)["问题"].iter_rows(min_row=2)
                if isinstance(c[col - 1].value, str) and c[col - 1].value.startswith("=HYPERLINK(")]
    assert formulas and all(v is not None for v in (r[col - 1] for r in table(out, "问题")[4:]))


def test_cli_writes_and_reports(county_run: tuple, tmp_path: Path) -> None:
    _, files, _ = county_run
    out = tmp_path / "cli.xlsx"
    res = CliRunner().invoke(app, ["consolidate", str(files["a"]), str(files["c"]), "-o", str(out),
                                   "--jobs", "1", "--max-size", "5"])
    assert res.exit_code == 0, res.output
    assert "[1/2]" in res.output and "已汇总 2 个文件" in res.output
    assert len(records(out, "项目")) == 4


@pytest.mark.parametrize("case", ["no_inputs", "missing_folder", "not_xlsx", "foreign_output", "bad_units"])
def test_cli_exit_2_writes_nothing(case: str, tmp_path: Path, county_run: tuple) -> None:
    _, files, _ = county_run
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out.xlsx"
    args = {
        "no_inputs": [str(empty), "-o", str(out)],
        "missing_folder": [str(files["a"]), "-o", str(tmp_path / "nope" / "out.xlsx")],
        "not_xlsx": [str(files["a"]), "-o", str(tmp_path / "out.csv")],
        "foreign_output": [str(files["a"].parent), "-o", str(files["c"])],
        "bad_units": [str(files["a"]), "-o", str(out), "--units", str(tmp_path / "nope.csv")],
    }[case]
    before = files["c"].read_bytes()
    res = CliRunner().invoke(app, ["consolidate", *args])
    assert res.exit_code == 2, res.output
    assert "错误" in res.output and "Traceback" not in res.output
    assert not out.exists() and files["c"].read_bytes() == before
    assert not list(tmp_path.glob(".~xlb-*"))


def test_an_earlier_county_workbook_may_be_replaced(county_run: tuple, tmp_path: Path) -> None:
    out, files, _ = county_run
    target = tmp_path / "county.xlsx"
    target.write_bytes(out.read_bytes())
    consolidate([files["a"]], target, jobs=1)
    assert len(records(target, "汇总")) == 2


RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_recalculates_the_same_totals_and_keeps_the_links(county_run: tuple, tmp_path: Path) -> None:
    out, files, _ = county_run
    profile = tmp_path / "lo_profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    proc = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                           "--convert-to", "xlsx:Calc Office Open XML", "--outdir", str(tmp_path / "lo"), str(out)],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    resaved = tmp_path / "lo" / out.name
    assert table(resaved, "汇总")[-1][3:9] == pytest.approx(table(out, "汇总")[-1][3:9])
    ws = openpyxl.load_workbook(resaved)["问题"]
    links = [c.hyperlink for row in ws.iter_rows(min_row=2) for c in row if c.hyperlink is not None]
    target = next(h for h in links if h.location == "'项目1'!B3" and "731003" in unquote(h.target))
    # LibreOffice understood the absolute file URL (CJK, %20) and saves it relative to the copy.
    assert (resaved.parent / unquote(target.target)).resolve() == files["c"].resolve()


# ------------------------------------------------------------------ unit list, rules, plan
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_unit_list_encodings(encoding: str, tmp_path: Path) -> None:
    units = read_unit_list(units_csv(tmp_path / "u.csv", encoding))
    assert units[0] == ExpectedUnit("731001", "承德县科学技术协会") and len(units) == 4


def test_unit_list_without_header_and_reordered(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("731001,科协\n\n 731002 ,农业局\n", encoding="utf-8")
    assert read_unit_list(plain) == [ExpectedUnit("731001", "科协"), ExpectedUnit("731002", "农业局")]
    swapped = tmp_path / "swapped.csv"
    swapped.write_text("单位名称,单位编码\n科协,731001\n", encoding="utf-8")
    assert read_unit_list(swapped) == [ExpectedUnit("731001", "科协")]
    empty = tmp_path / "empty.csv"
    empty.write_text("单位编码,单位名称\n", encoding="utf-8")
    with pytest.raises(InputError, match="没有单位"):
        read_unit_list(empty)


def _entry(file: str, code: str, projects: tuple[str, ...] = (), filled: dt.date | None = None,
           mtime: float = 0) -> UnitFile:
    return UnitFile(file, code, f"单位{code}", filled, mtime, "单位信息", "B2",
                    tuple(ProjectRef(p, "项目1", "B3") for p in projects))


def test_choice_by_filled_date_then_file_time() -> None:
    by_date = choose_counted([_entry("a", "1", filled=dt.date(2023, 1, 2), mtime=1),
                              _entry("b", "1", filled=dt.date(2023, 1, 1), mtime=9)])
    assert by_date["code:1"].winner == "a" and "填报日期" in by_date["code:1"].why
    by_time = choose_counted([_entry("a", "1", mtime=5), _entry("b", "1", mtime=3)])
    assert by_time["code:1"].winner == "a" and "修改时间" in by_time["code:1"].why
    assert choose_counted([_entry("a", "1"), _entry("b", "2")]) == {}


def test_x001_only_across_units_and_only_counted_files() -> None:
    entries = [_entry("a", "1", ("P1", "P2")), _entry("a2", "1", ("P1",), mtime=1),  # same unit twice
               _entry("b", "2", ("P9",), mtime=0), _entry("b2", "2", ("P2",), mtime=1)]
    found = [f for f in check_units(entries) if f.code == "X001"]
    assert sorted((f.file, f.project) for f in found) == []  # a2 supersedes a: P2 only in b2
    entries.append(_entry("c", "3", ("P1",)))
    found = [f for f in check_units(entries) if f.code == "X001"]
    assert sorted((f.file, f.project) for f in found) == [("a2", "P1"), ("c", "P1")]
    assert all(f.cell == "B3" and f.sheet == "项目1" for f in found)


def test_x_rules_honour_profile_disable() -> None:
    profile = load_profile().model_copy(update={"disable": ["X002"]})
    entries = [_entry("a", "1"), _entry("b", "1", mtime=1)]
    assert [f.code for f in check_units(entries, [ExpectedUnit("9", None)], profile)] == ["X003"]


def test_county_plan_carries_forward_and_weights_by_budget() -> None:
    row = C.ProjectRow
    projects = [
        row("P1", "a", "项目1", "B3", (D(100), D(100), None), (D(50), None, None, D(100)), True),
        row("P2", "b", "项目2", "B3", (D(300), D(300), None), (None, D(20), D(60), None), True),
        row("P3", "c", "项目3", "B3", (D(50), D(50), None), (None, None, None, None), True),
        row("P4", "d", "项目4", "B3", (D(50), D(50), None), (D(150), None, None, D(100)), False),
    ]
    rows, notes = county_plan(projects, [D(25), D(50), D("83.3"), D(100)])
    assert [r[1] for r in rows] == [D(50), D(110), D(230), D(280)]
    assert rows[3][2] == D(70) and rows[0][3] == D(25)
    assert "计入 2 个项目" in notes[0] and "未计入 2 个项目" in notes[1]


def test_file_url_escapes_like_excel() -> None:
    assert county.file_url("/x/报送 材料/a#1.xlsx") == "file:///x/报送%20材料/a%231.xlsx"
    assert county.file_url("C:\\报送\\a b.xlsx") == "file:///C:\\报送\\a%20b.xlsx"
