"""The template writer: structure, protection, print setup, cached values, drift, round trip."""

from __future__ import annotations

import datetime as dt
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
            overall="承德县科学技术协会是全县科学技术工作者的群众组织。\n1、加强科普组织网络和科普队伍建设。",
            targets=[DepartmentTarget(title="科学技术普及", goal="充分发挥科协作为党和政府联系科技工作者的桥梁纽带作用。",
                                      indicators="组织科技下乡、赶科技大集20次。"),
                     DepartmentTarget(title="开展科普活动", goal="全县范围内开展科技培训活动。",
                                      indicators="开展科技人才培训达10万余人次，covering 3 towns。")],
            measures=["完善制度建设。", "加强支出管理。", "加强绩效运行监控。"]),
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
    assert opt.sheet_state == "hidden"
    assert opt["A1"].value == layout.TEMPLATE_MARKER
    assert opt["B1"].value == TEMPLATE_VERSION
    name = wb.defined_names[layout.TEMPLATE_VERSION_NAME]
    assert name.attr_text == f"'{layout.OPTIONS_SHEET}'!$B$1"
    assert all(ws.sheet_state == "visible" for ws in wb.worksheets[:-1])


def test_project_geometry_matches_layout(seed: Path) -> None:
    wb = openpyxl.load_workbook(seed)
    ws = wb["项目1"]
    assert ws["A1"].value.startswith("=IF(")           # title follows the name
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
    assert (geo.header_row, geo.first_indicator_row) == (11, 12)   # 0-based: row 12 / row 13
    assert [ws.cell(12, c).value for c in range(1, 7)] == [c.text for c in layout.INDICATOR_COLUMNS]
    assert [ws.cell(13, c).value for c in range(1, 7)] == ["产出指标", "数量指标", "购买数量", "购买数量", "1",
                                                           "年初工作计划"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:G1", "A2:E2", "B3:C3", "E3:G3", "A4:A5", "B5:G5", "A6:A7", "B7:C7", "F7:G7",
            "A9:A11", "C9:G9", "F12:G12", "F13:G13"} <= merged
    # 一级 merged over consecutive equal rows, 二级 over equal (一级, 二级) runs.
    assert {"A13:A17", "B14:B15", "A18:A19", "F26:G26"} <= merged
    assert "A20:A20" not in merged and "B18:B19" not in merged
    # room rows after the 8 indicators
    assert geo.last_row + 1 == 12 + 8 + layout.ROOM_ROWS
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
    assert ws["C13"].data_type == "s"


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
    for cell in ("A2", "B3", "E3", "C4", "E4", "G4", "B5", "B7", "D7", "E7", "F7", "C9",
                 "A13", "B13", "C13", "D13", "E13", "F13", "G13", "A26", "E26", "G26"):
        assert ws[cell].protection.locked is False, cell
        if cell not in ("G13", "G26"):  # openpyxl keeps no style on covered merged cells
            assert ws[cell].fill.fgColor.rgb.endswith("FFF7D6"), cell
    for cell in ("A1", "F2", "A3", "D3", "A4", "B4", "D4", "F4", "A6", "B6", "A8", "B8", "A9",
                 "B9", "A12", "F12"):
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
    assert wb["项目1"].print_title_rows == "$12:$12"
    assert wb["项目2"].print_title_rows == "$13:$13"


def test_fonts_and_widths(seed: Path) -> None:
    wb = openpyxl.load_workbook(seed)
    ws = wb["项目1"]
    for cell in ("A3", "B3", "C13", "E13"):
        assert ws[cell].font.name == "宋体" and ws[cell].font.charset == 134
    assert ws["A1"].font.name == "黑体" and ws["A1"].font.charset == 134
    widths = [ws.column_dimensions[c].width for c in "ABCDEF"]  # openpyxl groups F:G under F
    assert widths == pytest.approx([w + 0.7109375 for w in layout.PROJECT_WIDTHS[:6]])
    # long texts get taller rows
    assert ws.row_dimensions[19].height > ws.row_dimensions[13].height
    assert ws["C19"].alignment.wrap_text


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
    # (1.46) / 5.77, (2.92) / 5.77, (0.91 + 4.13) / 5.77, 4.86 / 5.77
    assert plan_values == pytest.approx([1.46 / 5.77, 2.92 / 5.77, 5.04 / 5.77, 4.86 / 5.77])
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
    ("a.xlsm", True, "即将支持"),
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
