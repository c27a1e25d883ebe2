"""The template writer: structure, protection, print setup, cached values, drift, round trip."""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xl_budget import TEMPLATE_VERSION, layout
from xl_budget.errors import InputError
from xl_budget.model import (
    Budget,
    BudgetBook,
    Department,
    DepartmentTarget,
    Indicator,
    Project,
    Schedule,
    Unit,
)
from xl_budget.template import (
    DEFAULT_LISTS,
    TEMPLATE_DIR,
    TEMPLATE_FILE,
    new_workbook,
    project_geometry,
    regenerate,
    write_book,
)
from xl_budget.values import parse_value

D = Decimal


def ind(l1: str, l2: str, name: str, value: str, basis: str | None = "年初工作计划",
        description: str | None = None) -> Indicator:
    return Indicator(level1=l1, level2=l2, name=name, description=description or name,
                     value=parse_value(value), basis=basis)


def seed_book() -> BudgetBook:
    """Two projects of the seed (tables 1 and 2), hand-copied."""
    return BudgetBook(
        unit=Unit(code="731001", name="河北省承德县科学技术协会本级", county="承德县", year=2023,
                  preparer="张三", phone="0314-1234567", filled_on=dt.date(2023, 1, 15)),
        department=Department(
            overall=("承德县科学技术协会是全县科学技术工作者的群众组织，是中共承德县委领导下的人民团体，"
                     "是县委、县政府联系全县广大科技工作者的桥梁和纽带，是全县发展科学技术事业的重要社会力量。\n"
                     "1、加强科普组织网络和科普队伍建设，普及科学知识，传播科学思想和科学方法，配合有关部门做好"
                     "反邪教工作，开展反对伪科学、反科学的活动。推广先进技术，开展实用技术培训，提高全县人民"
                     "科学文化素质，为全县两个文明建设服务。\n"
                     "2、组织科技工作者围绕全县科技、经济和社会发展中的重要问题开展科学论证、咨询服务，"
                     "提出政策建议，促进科技与经济的结合，为实施科教兴县战略服务。"),
            targets=[DepartmentTarget(title="科学技术普及", goal="充分发挥科协作为党和政府联系科技工作者的桥梁纽带作用。",
                                      indicators="组织科技下乡、赶科技大集20次。"),
                     DepartmentTarget(title="开展科普活动", goal="全县范围内开展科技培训活动。",
                                      indicators="开展科技人才培训达10万余人次，covering 3 towns。")],
            measures=["完善制度建设。制定完善机关预算绩效管理制度、资金管理办法、工作保障制度等，为实现全年预算绩效目标奠定基础。",
                      "加强支出管理。", "加强绩效运行监控。"]),
        projects=[
            Project(code="13082123P00020010002T", name="安可设备购置",
                    budget=Budget(total=D("0.91"), fiscal=D("0.91")), use="安可设备购置",
                    schedule=Schedule(oct=D("100")), goals=["安可设备购置"],
                    indicators=[
                        ind("产出指标", "数量指标", "购买数量", "1"),
                        ind("产出指标", "质量指标", "项目验收合格率", "≥100"),
                        ind("产出指标", "质量指标", "购置设备合格率", "≥100"),
                        ind("产出指标", "时效指标", "一年", "≤1"),
                        ind("产出指标", "成本指标", "预算数", "≤0.91"),
                        ind("效益指标", "社会效益指标", "信息网络系统安全", "≥90"),
                        ind("效益指标", "可持续影响指标", "设备购置类项目持续使用时间（年）", "≤10"),
                        ind("满意度指标", "服务对象满意度指标", "资产使用者满意度", "≥90"),
                    ]),
            Project(code="13082123P00019310001H", name="科协科普工作经费",
                    budget=Budget(total=D("4.86"), fiscal=D("4.86")),
                    use="举办相关活动和培训的场地材料、办公用品费等",
                    schedule=Schedule(mar=D("30"), jun=D("60"), oct=D("85"), dec=D("100")),
                    goals=["科技周、科普日活动等", "举办中小学、青少年创新大赛等",
                           "科普示范基地、协会创建和培训活动等", "第四个目标"],
                    indicators=[
                        ind("产出指标", "数量指标", "培训次数", "≥4"),
                        ind("产出指标", "数量指标", "制作展牌数量", "≥50"),
                        ind("产出指标", "质量指标", "服务水平", "≥95"),
                        ind("产出指标", "时效指标", "支付时效", "≤4.86", description="资金按时支出"),
                        ind("产出指标", "成本指标", "项目预算控制数", "4.86", basis=None),
                        ind("效益指标", "经济效益指标", "节本增效", "≥80"),
                        ind("效益指标", "社会效益指标", "培训合规率", "≥80", basis="计划标准"),
                        ind("满意度指标", "服务对象满意度指标", "群众满意度（%）", "≥90"),
                    ]),
        ],
    )


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("blank") / "blank.xlsx"
    new_workbook(path, unit_code="731001", unit_name="河北省承德县科学技术协会本级", year=2023)
    return path


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "seed.xlsx"
    write_book(seed_book(), path)
    return path


def project_sheets(wb) -> list:
    return [ws for ws in wb.worksheets if ws.title.startswith(layout.PROJECT_SHEET_PREFIX)]


def validations(ws) -> dict[str, list]:
    """sqref text → validations covering it."""
    out: dict[str, list] = {}
    for dv in ws.data_validations.dataValidation:
        out.setdefault(str(dv.sqref), []).append(dv)
    return out


def covering(ws, cell: str):
    return [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]


# ------------------------------------------------------------------ structure
def test_sheets_in_order_with_hidden_options(blank: Path) -> None:
    wb = openpyxl.load_workbook(blank)
    assert wb.sheetnames == [layout.UNIT_SHEET, layout.DEPARTMENT_SHEET, "项目1", "项目2", "项目3",
                             layout.OPTIONS_SHEET]
    opt = wb[layout.OPTIONS_SHEET]
    assert opt.sheet_state == "hidden" and opt.protection.sheet
    assert opt["A1"].value == layout.TEMPLATE_MARKER
    assert opt["B1"].value == TEMPLATE_VERSION
    name = wb.defined_names[layout.TEMPLATE_VERSION_NAME]
    assert name.attr_text == f"'{layout.OPTIONS_SHEET}'!$B$1"
    assert all(ws.sheet_state == "visible" for ws in wb.worksheets[:-1])


def test_project_geometry_matches_layout(seed: Path) -> None:
    wb = openpyxl.load_workbook(seed)
    ws = wb["项目1"]
    assert ws["A1"].value == '=IF(E3="","项目绩效目标表",E3&"绩效目标表")'  # title follows the name
    assert ws["A2"].value == "731001 河北省承德县科学技术协会本级"
    assert ws["F2"].value == layout.MONEY_UNIT_TEXT
    assert (ws["A3"].value, ws["B3"].value) == ("项目编码", "13082123P00020010002T")
    assert (ws["D3"].value, ws["E3"].value) == ("项目名称", "安可设备购置")
    assert (ws["B4"].value, ws["C4"].value) == ("预算数", 0.91)
    assert ws["E4"].value == 0.91 and ws["G4"].value is None
    assert ws["B5"].value == "安可设备购置"
    assert [ws[c].value for c in ("B7", "D7", "E7", "F7")] == [None, None, 1, None]
    assert ws["B8"].value == '=IF(OR(C4="",B7=""),"",ROUND(C4*B7,2))'
    assert (ws["A9"].value, ws["B9"].value, ws["C9"].value) == ("绩效目标", "目标内容1", "安可设备购置")
    geo = project_geometry(seed_book().projects[0])
    # one goal still gets layout.GOAL_ROWS goal rows: 0-based header row 10, first indicator row 11
    assert (geo.goal_first_row, geo.goal_rows) == (8, layout.GOAL_ROWS)
    assert (geo.header_row, geo.first_indicator_row) == (10, 11)
    goals, hdr, first = geo.goal_first_row + 1, geo.header_row + 1, geo.first_indicator_row + 1  # 1-based
    assert ws["E12"].value == "1"                  # the first 指标值, E12 as in CONTRACT.md's export example
    assert [ws.cell(hdr, c).value for c in range(1, 7)] == [c.text for c in layout.INDICATOR_COLUMNS]
    assert [ws.cell(first, c).value for c in range(1, 7)] == ["产出指标", "数量指标", "购买数量", "购买数量", "1",
                                                              "年初工作计划"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:G1", "A2:E2", "B3:C3", "E3:G3", "A4:A5", "B5:G5", "A6:A7", "B7:C7", "F7:G7",
            f"A{goals}:A{hdr - 1}", "C9:G9", f"F{hdr}:G{hdr}", f"F{first}:G{first}"} <= merged
    # 一级 merged over consecutive equal rows, 二级 over equal (一级, 二级) runs.
    assert {f"A{first}:A{first + 4}", f"B{first + 1}:B{first + 2}", f"A{first + 5}:A{first + 6}",
            f"F{geo.last_row + 1}:G{geo.last_row + 1}"} <= merged
    assert f"A{first + 7}:A{first + 7}" not in merged and f"B{first + 5}:B{first + 6}" not in merged
    # room rows after the 8 indicators
    assert geo.last_row + 1 == first + 8 + layout.ROOM_ROWS - 1
    # four goals → four goal rows and the header moves down by one
    ws2 = wb["项目2"]
    assert ws2["B12"].value == "目标内容4" and ws2["A13"].value == "一级指标"


def test_values_are_typed(seed: Path) -> None:
    wb = openpyxl.load_workbook(seed)
    unit = wb[layout.UNIT_SHEET]
    labels = {unit.cell(r, 1).value: unit.cell(r, 2) for r in range(2, 9)}
    assert labels["单位编码"].value == "731001" and labels["单位编码"].data_type == "s"
    assert labels["预算年度"].value == 2023 and labels["预算年度"].data_type == "n"
    assert labels["填报日期"].value == dt.datetime(2023, 1, 15)
    assert labels["填报日期"].number_format == "yyyy-mm-dd"
    ws = wb["项目2"]
    assert ws["C4"].number_format == "0.00"
    assert ws["B7"].value == pytest.approx(0.3) and ws["B7"].number_format == "0%"
    assert ws["F7"].value == 1
    assert ws["E14"].value == "≥4" and ws["E14"].number_format == "@"
    assert ws["E18"].value == "4.86" and ws["E18"].data_type == "s"   # a value stays text
    assert ws["F18"].value is None                                     # None → blank


def test_text_is_never_a_formula_or_url(tmp_path: Path) -> None:
    book = BudgetBook(projects=[Project(name="=1+1", use="http://example.com", goals=["@SUM(A1)"],
                                        indicators=[ind("产出指标", "数量指标", "=A1", "≥90%")])])
    path = tmp_path / "t.xlsx"
    write_book(book, path)
    ws = openpyxl.load_workbook(path)["项目1"]
    assert ws["E3"].value == "=1+1" and ws["E3"].data_type == "s"
    assert ws["B5"].value == "http://example.com" and not ws._hyperlinks
    first = project_geometry(book.projects[0]).first_indicator_row + 1
    assert first == 12 and ws[f"C{first}"].value == "=A1" and ws[f"C{first}"].data_type == "s"


def test_fractional_percentages_get_a_decimal_format(tmp_path: Path) -> None:
    book = BudgetBook(projects=[Project(budget=Budget(total=D("3")),
                                        schedule=Schedule(mar=D("33.3"), jun=D("66.67"), dec=D("100")))])
    path = tmp_path / "p.xlsx"
    write_book(book, path)
    ws = openpyxl.load_workbook(path)["项目1"]
    assert (ws["B7"].number_format, ws["D7"].number_format, ws["F7"].number_format) == ("0.0%", "0.00%", "0%")
    assert ws["D7"].value == pytest.approx(0.6667)


# ------------------------------------------------------------------ what staff expect
def test_dropdowns_on_every_indicator_and_room_row(seed: Path) -> None:
    wb = openpyxl.load_workbook(seed)
    book = seed_book()
    for ws, project in zip(project_sheets(wb), book.projects, strict=True):
        geo = project_geometry(project)
        first, last = geo.first_indicator_row + 1, geo.last_row + 1
        for r in (first, first + 1, last):
            (l1,) = covering(ws, f"A{r}")
            assert l1.type == "list" and l1.formula1 == "XLB_L1"
            (l2,) = covering(ws, f"B{r}")
            assert l2.type == "list" and "INDIRECT(" in l2.formula1 and "XLB_L1" in l2.formula1
            assert f"$A${first}:$A{first}" in l2.formula1       # relative to the range's first row
            (basis,) = covering(ws, f"F{r}")
            assert basis.formula1 == "XLB_BASIS" and basis.errorStyle == "information"
            assert covering(ws, f"G{r}") == [basis]
            (value,) = covering(ws, f"E{r}")
            assert value.prompt and "≥90%" in value.prompt
        assert not covering(ws, f"A{first - 1}") and not covering(ws, f"A{last + 1}")
        for cell in ("B7", "D7", "E7", "F7"):
            (dv,) = covering(ws, cell)
            assert (dv.type, dv.formula1, dv.formula2) == ("decimal", "0", "1")
            assert dv.prompt and "百分比" in dv.prompt
        for cell in ("C4", "E4", "G4"):
            (dv,) = covering(ws, cell)
            assert dv.type == "decimal" and dv.operator == "greaterThanOrEqual"


def test_option_lists_and_names(blank: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(blank)
    opt = wb[layout.OPTIONS_SHEET]

    def named(name: str) -> list[str]:
        ref = wb.defined_names[name].attr_text.split("!")[1].replace("$", "")
        cells = opt[ref] if ":" in ref else ((opt[ref],),)
        return [row[0].value for row in cells]

    assert named("XLB_BASIS") == list(layout.BASIS_CHOICES)
    assert named("XLB_L1") == list(DEFAULT_LISTS)
    for n, l2 in enumerate(DEFAULT_LISTS.values(), start=1):
        assert named(f"XLB_L2_{n}") == l2
    assert "成本指标" in DEFAULT_LISTS["产出指标"]

    central = {"产出指标": ["数量指标", "质量指标", "时效指标"],
               "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
               "满意度指标": ["服务对象满意度指标"],
               "成本指标": ["经济成本指标", "社会成本指标", "生态环境成本指标"]}
    path = tmp_path / "central.xlsx"
    new_workbook(path, profile_lists=central)
    wb = openpyxl.load_workbook(path)
    opt = wb[layout.OPTIONS_SHEET]
    assert named("XLB_L1") == list(central)
    assert named("XLB_L2_4") == central["成本指标"]


def test_inputs_unlocked_labels_locked_and_protected(seed: Path) -> None:
    wb = openpyxl.load_workbook(seed)
    for ws in wb.worksheets[:-1]:
        p = ws.protection
        assert p.sheet is True and not p.password
        # openpyxl reports False for what the protection allows
        assert p.formatCells is False and p.formatRows is False and p.formatColumns is False
        assert p.insertRows is False and p.deleteRows is False
    ws = wb["项目1"]
    geo = project_geometry(seed_book().projects[0])
    hdr, first, last = geo.header_row + 1, geo.first_indicator_row + 1, geo.last_row + 1  # 1-based
    assert (hdr, first, last) == (11, 12, 25)
    for cell in ("A2", "B3", "E3", "C4", "E4", "G4", "B5", "B7", "D7", "E7", "F7", "C9",
                 *(f"{c}{first}" for c in "ABCDEFG"), f"A{last}", f"E{last}", f"G{last}"):
        assert ws[cell].protection.locked is False, cell
        if cell not in (f"G{first}", f"G{last}"):  # openpyxl keeps no style on covered merged cells
            assert ws[cell].fill.fgColor.rgb.endswith("FFF7D6"), cell
    for cell in ("A1", "F2", "A3", "D3", "A4", "B4", "D4", "F4", "A6", "B6", "A8", "B8", "A9",
                 "B9", f"A{hdr}", f"F{hdr}"):
        assert ws[cell].protection.locked is True, cell
    unit = wb[layout.UNIT_SHEET]
    assert unit["A2"].protection.locked and not unit["B2"].protection.locked
    assert unit["B12"].protection.locked                       # a formula
    dep = wb[layout.DEPARTMENT_SHEET]
    assert dep["A2"].protection.locked and not dep["A3"].protection.locked


def test_print_setup(seed: Path) -> None:
    wb = openpyxl.load_workbook(seed)
    for ws in wb.worksheets[:-1]:
        ps = ws.page_setup
        assert int(ps.paperSize) == 9 and ps.orientation == "portrait"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ps.fitToWidth in (None, 1) and int(ps.fitToHeight) == 0   # absent = 1 page wide
        assert ws.print_options.horizontalCentered
        assert ws.page_margins.left == 0.5
        assert ws.print_area
    for ws, project in zip(project_sheets(wb), seed_book().projects, strict=True):
        hdr = project_geometry(project).header_row + 1
        assert ws.print_title_rows == f"${hdr}:${hdr}"
    assert wb["项目1"].print_title_rows == "$11:$11"   # GOAL_ROWS goal rows, then the header
    assert wb["项目2"].print_title_rows == "$13:$13"   # four goals push the header down


def test_fonts_and_widths(seed: Path) -> None:
    wb = openpyxl.load_workbook(seed)
    ws = wb["项目1"]
    first = project_geometry(seed_book().projects[0]).first_indicator_row + 1
    assert first == 12
    for cell in ("A3", "B3", f"C{first}", f"E{first}"):
        assert ws[cell].font.name == "宋体" and ws[cell].font.charset == 134
    assert ws["A1"].font.name == "黑体" and ws["A1"].font.charset == 134
    widths = [ws.column_dimensions[c].width for c in "ABCDEF"]  # openpyxl groups F:G under F
    assert widths == pytest.approx([w + 0.7109375 for w in layout.PROJECT_WIDTHS[:6]])
    # long texts get taller rows (the 7th indicator's name, "设备购置类项目持续使用时间（年）")
    long = first + 6
    assert ws[f"C{long}"].value == "设备购置类项目持续使用时间（年）"
    assert ws.row_dimensions[long].height > ws.row_dimensions[first].height
    assert ws[f"C{long}"].alignment.wrap_text


# ------------------------------------------------------------------ cached values
def test_formulas_carry_cached_numbers_for_calamine(seed: Path) -> None:
    book = CalamineWorkbook.from_path(str(seed))
    unit = book.get_sheet_by_name(layout.UNIT_SHEET).to_python(skip_empty_area=False)
    values = {row[0]: row for row in unit if row and row[0]}
    assert values["项目个数"][1] == 2
    assert values["预算数合计（万元）"][1] == pytest.approx(5.77)
    assert values["财政资金合计（万元）"][1] == pytest.approx(5.77)
    assert values["其他资金合计（万元）"][1] == 0
    plan = values["计划支出进度（%）"]
    plan_values = unit[unit.index(plan) + 1][3:7]
    # 项目1 plans 100% at 10月底 only, and its blank 12月底 carries the 0.91 forward.
    assert plan_values == pytest.approx([1.46 / 5.77, 2.92 / 5.77, 5.04 / 5.77, 5.77 / 5.77])
    p2 = book.get_sheet_by_name("项目2").to_python(skip_empty_area=False)
    assert p2[0][0] == "科协科普工作经费绩效目标表"
    assert [p2[7][c] for c in (1, 3, 4, 5)] == pytest.approx([1.46, 2.92, 4.13, 4.86])
    p1 = book.get_sheet_by_name("项目1").to_python(skip_empty_area=False)
    assert [p1[7][c] for c in (1, 3, 4, 5)] == ["", "", pytest.approx(0.91), ""]


def test_blank_template_reads_as_numbers_and_blanks(blank: Path) -> None:
    book = CalamineWorkbook.from_path(str(blank))
    unit = book.get_sheet_by_name(layout.UNIT_SHEET).to_python(skip_empty_area=False)
    values = {row[0]: row[1] for row in unit if row and row[0]}
    assert values["单位编码"] == "731001" and values["预算年度"] == 2023
    assert values["项目个数"] == 0 and values["预算数合计（万元）"] == 0
    p1 = book.get_sheet_by_name("项目1").to_python(skip_empty_area=False)
    assert p1[0][0] == "项目绩效目标表"
    assert p1[1][0] == "731001 河北省承德县科学技术协会本级"


# ------------------------------------------------------------------ files
def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_committed_template_has_not_drifted(tmp_path: Path) -> None:
    committed = TEMPLATE_DIR / TEMPLATE_FILE
    assert committed.exists(), "run `python -m xl_budget.template` and commit templates/"
    (fresh,) = regenerate(tmp_path)
    old, new = _parts(committed), _parts(fresh)
    assert sorted(old) == sorted(new)
    drifted = [name for name in new if old[name] != new[name]]
    assert not drifted, f"templates/ is stale ({drifted}): run `python -m xl_budget.template`"


def test_output_is_byte_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_book(seed_book(), a)
    write_book(seed_book(), b)
    assert a.read_bytes() == b.read_bytes()


def test_atomic_overwrite_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"old")
    new_workbook(path, projects=1)
    assert zipfile.is_zipfile(path)
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    import xl_budget.template as template

    path = tmp_path / "out.xlsx"
    path.write_bytes(b"old")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(template, "_render", boom)
    with pytest.raises(template.FileError):
        write_book(seed_book(), path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


@pytest.mark.parametrize(("name", "macros", "message"), [
    ("a.xlsx", True, ".xlsm"),
    ("a.xlsm", False, ".xlsx"),
    ("a.xls", False, ".xlsx"),
])
def test_new_workbook_refuses_bad_requests(tmp_path: Path, name: str, macros: bool, message: str) -> None:
    with pytest.raises(InputError, match=message):
        new_workbook(tmp_path / name, macros=macros)
    assert not (tmp_path / name).exists()


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="至少为 1"):
        new_workbook(tmp_path / "a.xlsx", projects=0)
    with pytest.raises(InputError, match="文件夹不存在"):
        new_workbook(tmp_path / "missing" / "a.xlsx")
    with pytest.raises(InputError, match=".xlsm"):
        write_book(seed_book(), tmp_path / "a.xlsx", vba_project=b"x")


def test_many_projects_nest_sums() -> None:
    from xl_budget.template import _sum_expr

    refs = [f"'项目{i}'!C4" for i in range(1, 451)]
    expr = _sum_expr(refs)
    assert expr.startswith("SUM(SUM(") and expr.count("SUM(") == 4
    assert all(len(part.split(",")) <= 255 for part in expr.split("SUM(")[2:])


# ------------------------------------------------------------------ round trip through the reader
read_book = pytest.importorskip("xl_budget.parse").read_book


def test_seed_book_round_trips(seed: Path) -> None:
    assert read_book(seed).content() == seed_book().content()


def test_blank_template_round_trips(blank: Path) -> None:
    expected = BudgetBook(unit=Unit(code="731001", name="河北省承德县科学技术协会本级", year=2023))
    book = read_book(blank)
    assert book.content() == expected.content()  # spare blank tables are not projects
    assert book.blank_tables == ["项目1", "项目2", "项目3"]


def test_reader_finds_fields_where_the_writer_put_them(seed: Path) -> None:
    book = read_book(seed)
    p = book.projects[1]
    geo = project_geometry(seed_book().projects[1])
    assert {k: p.cells[k] for k in ("code", "name", "use")} == {k: geo.cells[k] for k in ("code", "name", "use")}
    assert p.budget.cells == {k: geo.cells[f"budget.{k}"] for k in ("total", "fiscal", "other")}
    assert {k: p.schedule.cells[k] for k in ("mar", "jun", "oct", "dec")} == \
        {k: geo.cells[f"schedule.{k}"] for k in ("mar", "jun", "oct", "dec")}
    assert p.cells["indicators"] == f"A{geo.first_indicator_row + 1}"
    assert p.indicators[0].cell("value") == f"E{geo.first_indicator_row + 1}"
    assert book.unit.cells["code"] == "B2" and book.unit.cells["stated_total"] == "B12"
    assert book.unit.stated_total == D("5.77")


# Hypothesis: books the reader must give back unchanged. Text is built from tokens so that
# it is already in the reader's normal form (no spaces next to CJK, none at the ends), and
# from characters that cannot spell a printed label of the layout.
try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    st = None

if st is not None:
    from xl_budget.layout import all_label_keys
    from xl_budget.text import label_key

    _CJK = "科普培训设备购置经费活动服务水平质量合格率群众使用者满意社会生态持续影响时间年度计划完成支出信息网络安全管理制度建设展牌宣传品次人所场项，。、"
    _ASCII = "abcdefxyzABCXYZ0123456789-/=&%"
    # A value spelled like a label (or one of its aliases) is read as that label: not a round trip case.
    _LABELS = all_label_keys().union(*(x.keys for x in (*layout.UNIT_LABELS, *layout.TARGET_COLUMNS,
                                                       *layout.UNIT_TOTAL_LABELS, *layout.DEPARTMENT_LABELS)))

    def _token(cjk: bool):
        return st.text(alphabet=_CJK[:-3] if cjk else _ASCII, min_size=1, max_size=8)

    @st.composite
    def words(draw, spaces: bool = True, lines: bool = False) -> str:
        tokens = draw(st.lists(st.tuples(st.booleans(), st.data()), min_size=1, max_size=5))
        parts: list[str] = []
        prev_ascii = False
        for is_cjk, data in tokens:
            tok = data.draw(_token(is_cjk))
            if parts:
                if lines and draw(st.integers(0, 5)) == 0:
                    parts.append("\n")
                elif spaces and not is_cjk and prev_ascii:
                    parts.append(" ")
                elif not is_cjk and prev_ascii:
                    parts.append("_")
            parts.append(tok)
            prev_ascii = not is_cjk
        text = "".join(parts)
        if draw(st.booleans()):
            text += "。"
        return text

    def safe(strategy):
        return strategy.filter(lambda t: label_key(t) not in _LABELS and not t.strip().isdigit())

    free = safe(words(lines=True))
    short = safe(words())
    name = safe(words(spaces=False))
    money = st.none() | st.integers(0, 9_999_999).map(lambda c: D(c) / 100)
    values = st.one_of(
        st.tuples(st.sampled_from(["", "≥", "≤", "=", ">", "<"]),
                  st.integers(0, 1000).map(str) | st.integers(0, 99_999).map(lambda c: str(D(c) / 100)),
                  st.sampled_from(["", "%", "万元", "次", "人次", "个", "天", "年"])).map("".join),
        st.sampled_from(["好", "较好", "一般", "是", "达标", "明显提升"]),
    ).filter(lambda raw: parse_value(raw).kind != "invalid")

    @st.composite
    def indicators(draw) -> Indicator:
        l1 = draw(st.sampled_from(list(DEFAULT_LISTS)) | name)
        l2 = draw(st.sampled_from(DEFAULT_LISTS[l1]) if l1 in DEFAULT_LISTS else name)
        return Indicator(level1=l1, level2=l2, name=draw(name), description=draw(st.none() | short),
                         value=parse_value(draw(values)),
                         basis=draw(st.none() | st.sampled_from([*layout.BASIS_CHOICES, "年初工作计划"])))

    @st.composite
    def schedules(draw) -> Schedule:
        pcts = draw(st.lists(st.none() | st.integers(0, 100), min_size=4, max_size=4).filter(
            lambda v: all(x is None for x in v) or any(x is not None and x > 1 for x in v)))
        return Schedule(**{k: None if v is None else D(v) for k, v in zip(("mar", "jun", "oct", "dec"), pcts, strict=True)})

    @st.composite
    def projects(draw) -> Project:
        return Project(code=draw(st.none() | st.text(alphabet="0123456789PHTJE", min_size=1, max_size=21)),
                       name=draw(st.none() | short), use=draw(st.none() | free),
                       budget=Budget(total=draw(money), fiscal=draw(money), other=draw(money)),
                       schedule=draw(schedules()),
                       goals=draw(st.lists(free, max_size=4)),
                       indicators=draw(st.lists(indicators(), max_size=8)))

    targets = st.builds(DepartmentTarget, title=st.none() | short, goal=st.none() | free,
                        indicators=st.none() | free).filter(lambda t: t.title or t.goal or t.indicators)
    books = st.builds(
        BudgetBook,
        unit=st.builds(Unit, code=st.none() | st.text(alphabet="0123456789", min_size=1, max_size=12),
                       name=st.none() | short, county=st.none() | short,
                       year=st.none() | st.integers(2000, 2100), preparer=st.none() | short,
                       phone=st.none() | st.text(alphabet="0123456789-", min_size=1, max_size=13),
                       filled_on=st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))),
        department=st.builds(Department, overall=st.none() | free,
                             targets=st.lists(targets, max_size=5), measures=st.lists(free, max_size=6)),
        projects=st.lists(projects(), min_size=1, max_size=3),
    )

    @settings(max_examples=int(os.environ.get("XL_BUDGET_EXAMPLES", "40")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                     HealthCheck.too_slow])
    @given(book=books)
    def test_generated_books_round_trip(tmp_path: Path, book: BudgetBook) -> None:
        path = tmp_path / "gen.xlsx"
        write_book(book, path)
        back = read_book(path)
        kept = book.model_copy(update={"projects": [p for p in book.projects if not p.is_blank]})
        assert back.content() == kept.content()
        assert len(back.blank_tables) == len(book.projects) - len(kept.projects)


# ------------------------------------------------------------------ LibreOffice (when installed)
# One headless LibreOffice session (UNO, via the system Python that has the `uno` module)
# recalculates every formula and compares with the cached values we wrote, tries the
# dropdowns' validation formulas (LibreOffice must accept and evaluate them) and prints the
# blank template to PDF.
_UNO_SCRIPT = r"""
import json, subprocess, sys, time, uno
from com.sun.star.beans import PropertyValue

def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p

seed, blank, pdf, profile, port, cases = sys.argv[1:7]
office = subprocess.Popen(["soffice", "--headless", "--norestore", "--nologo",
                           "-env:UserInstallation=" + profile,
                           "--accept=socket,host=127.0.0.1,port=%s;urp;" % port],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
out = {"formulas": [], "validation": []}
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(120):
        try:
            ctx = resolver.resolve("uno:socket,host=127.0.0.1,port=%s;urp;StarOffice.ComponentContext" % port)
            break
        except Exception:
            time.sleep(0.5)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(seed), "_blank", 0, (prop("Hidden", True),))
    cells = []
    for sheet in doc.Sheets:
        cur = sheet.createCursor(); cur.gotoEndOfUsedArea(False)
        end = cur.RangeAddress
        for r in range(end.EndRow + 1):
            for c in range(end.EndColumn + 1):
                cell = sheet.getCellByPosition(c, r)
                if cell.getType().value == "FORMULA":
                    cells.append((sheet.Name, r, c, cell, cell.getString()))
    doc.calculateAll()
    for name, r, c, cell, before in cells:
        out["formulas"].append([name, r, c, before, cell.getString(), cell.getError()])
    doc.close(True)

    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(blank), "_blank", 0, (prop("Hidden", True),))
    sh = doc.Sheets.getByName("项目3")
    sh.unprotect("")
    for changes, expect in json.loads(cases):
        for a, v in changes.items():
            cell = sh.getCellRangeByName(a)
            cell.setString(v) if isinstance(v, str) else cell.setValue(v)
        sh.clearArrows()
        out["validation"].append([changes, expect, sh.showInvalid()])
    doc.close(True)

    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(blank), "_blank", 0, (prop("Hidden", True),))
    doc.storeToURL(uno.systemPathToFileUrl(pdf), (prop("FilterName", "calc_pdf_Export"),))
    doc.close(True)
finally:
    office.terminate()
    office.wait()
print(json.dumps(out, ensure_ascii=False))
"""


def _validation_cases() -> list[tuple[dict[str, str | float], bool | None]]:
    """Edits tried one after another on the blank 项目3, and whether a cell is then invalid."""
    r = project_geometry(Project()).first_indicator_row + 1   # 1-based first indicator row
    assert r == 12                                            # A12 after GOAL_ROWS empty goal rows
    return [({}, False), ({f"A{r}": "产出指标", f"B{r}": "数量指标"}, False),
            ({f"B{r}": "社会效益指标"}, True), ({f"B{r}": "数量指标", f"B{r + 1}": "质量指标"}, False),
            ({f"B{r + 1}": "生态效益指标"}, True), ({f"B{r + 1}": "", f"B{r + 2}": "成本指标"}, False),
            ({f"A{r + 3}": "效益指标", f"B{r + 3}": "社会效益指标"}, False), ({f"B{r + 4}": "可持续影响指标"}, False),
            ({f"B{r + 4}": "数量指标"}, True), ({f"B{r + 4}": "", f"A{r}": "满意度指标"}, True),
            ({f"A{r}": "产出指标", f"F{r}": "年初工作计划"}, None), ({f"F{r}": "", "E7": 1.5}, True),
            ({"E7": 0.85}, False), ({f"A{r}": "坏指标"}, True)]


def _uno_python() -> str | None:
    import shutil
    import subprocess

    if shutil.which("soffice") is None:
        return None
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if candidate and subprocess.run([candidate, "-c", "import uno"], capture_output=True).returncode == 0:
            return candidate
    return None


@pytest.fixture(scope="module")
def libreoffice(tmp_path_factory, seed: Path, blank: Path) -> dict:
    import json
    import random
    import subprocess

    python = _uno_python()
    if python is None:
        pytest.skip("LibreOffice with Python-UNO is not installed")
    tmp = tmp_path_factory.mktemp("lo")
    script = tmp / "check.py"
    script.write_text(_UNO_SCRIPT, encoding="utf-8")
    pdf = tmp / "blank.pdf"
    port = str(random.randint(20000, 40000))
    proc = subprocess.run([python, str(script), str(seed), str(blank), str(pdf),
                           (tmp / "profile").as_uri(), port,
                           json.dumps(_validation_cases(), ensure_ascii=False)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["pdf"] = pdf
    return result


def test_libreoffice_recalculates_to_our_cached_values(libreoffice: dict) -> None:
    formulas = libreoffice["formulas"]
    assert len(formulas) >= 2 * 5 + 4 + 4      # titles + planned rows, unit totals, plan
    for sheet, r, c, cached, recalculated, error in formulas:
        assert error == 0, (sheet, r, c)
        assert cached == recalculated, (sheet, r, c, cached, recalculated)


def test_libreoffice_accepts_the_validation_formulas(libreoffice: dict) -> None:
    for changes, expect, invalid in libreoffice["validation"]:
        if expect is not None:
            assert invalid == expect, changes


def test_blank_template_prints_one_a4_page_per_sheet(libreoffice: dict) -> None:
    import re

    data = libreoffice["pdf"].read_bytes()
    pages = re.findall(rb"/Type\s*/Page(?![s\w])", data)
    assert len(pages) == 5                      # 单位信息, 部门整体绩效目标, 项目1–3
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data))
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)
