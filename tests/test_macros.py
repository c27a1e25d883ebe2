"""The Excel buttons: the .xlsm's VBA project and buttons, and the three macros run against a
fake xlwings Book that records what is written (values, colours, comments, sheets).

The fake (below) is loaded from a real .xlsx: values are the cached results python-calamine
reads, formulas, number formats and merges come from openpyxl.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from seed_expected import seed_path
from typer.testing import CliRunner

from xl_budget import excel, macros
from xl_budget.annotate import MARKER, RESULTS_SHEET, SEVERITY_FILLS
from xl_budget.check import check_file
from xl_budget.cli import app
from xl_budget.fill import LOG_SHEET, fill_file
from xl_budget.grids import a1, parse_a1, read_grids
from xl_budget.importer import import_text
from xl_budget.parse import read_book
from xl_budget.template import new_workbook, write_book

runner = CliRunner()


# ------------------------------------------------------------------ the fake xlwings Book
class FakeNote:
    def __init__(self, cell: FakeCell, text: str, author: str) -> None:
        self.cell, self.text = cell, text
        self.api = type("NoteApi", (), {"Author": author})()

    def delete(self) -> None:
        self.cell.note = None
        self.cell.sheet.book.log.append(("delete_note", self.cell.sheet.name, self.cell.ref))


class FakeCell:
    def __init__(self, sheet: FakeSheet, ref: str) -> None:
        self.sheet, self.ref = sheet, ref
        self.value: Any = None
        self.formula: str | None = None
        self.number_format = "General"
        self.color: tuple[int, int, int] | None = None
        self.note: FakeNote | None = None
        self.link: str | None = None
        self.bold = False


class _Api:
    def __init__(self, rng: FakeRange) -> None:
        self.rng = rng

    def AddComment(self, text: str) -> None:  # noqa: N802 - Excel's COM name
        cell = self.rng.cell()
        cell.note = FakeNote(cell, text, "Excel 用户")
        self.rng.sheet.book.log.append(("add_note", self.rng.sheet.name, cell.ref, text))


class _Font:
    def __init__(self, rng: FakeRange) -> None:
        self.rng = rng

    @property
    def bold(self) -> bool:
        return self.rng.cell().bold

    @bold.setter
    def bold(self, value: bool) -> None:
        self.rng.cell().bold = value


class FakeRange:
    def __init__(self, sheet: FakeSheet, ref: str) -> None:
        self.sheet = sheet
        first, _, last = ref.partition(":")
        if first.isalpha():  # a whole column "A:A"
            first, last = f"{first}1", f"{last}1"
        self.r0, self.c0 = parse_a1(first)
        self.r1, self.c1 = parse_a1(last) if last else (self.r0, self.c0)
        self.ndim = None
        self.api = _Api(self)
        self.font = _Font(self)

    # geometry
    @property
    def row(self) -> int:
        return self.r0 + 1

    @property
    def column(self) -> int:
        return self.c0 + 1

    @property
    def shape(self) -> tuple[int, int]:
        return self.r1 - self.r0 + 1, self.c1 - self.c0 + 1

    def cell(self) -> FakeCell:
        return self.sheet.cell(self.r0, self.c0)

    def options(self, ndim: int | None = None) -> FakeRange:
        self.ndim = ndim
        return self

    # content
    @property
    def value(self) -> Any:
        rows = [[self.sheet.cell(r, c).value for c in range(self.c0, self.c1 + 1)]
                for r in range(self.r0, self.r1 + 1)]
        return rows if self.ndim == 2 or self.shape != (1, 1) else rows[0][0]

    @value.setter
    def value(self, value: Any) -> None:
        rows = value if isinstance(value, list) else [[value]]
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                cell = self.sheet.cell(self.r0 + i, self.c0 + j)
                if isinstance(v, str) and v.startswith("'"):
                    v = v[1:]  # Excel's text prefix
                elif isinstance(v, str) and v.startswith("="):
                    raise AssertionError(f"text {v!r} would become a formula in Excel")
                cell.value, cell.formula = v, None
                self.sheet.book.log.append(("value", self.sheet.name, cell.ref, v))

    @property
    def formula(self) -> str:
        cell = self.cell()
        return cell.formula or ("" if cell.value is None else str(cell.value))

    @formula.setter
    def formula(self, text: str) -> None:
        cell = self.cell()
        cell.formula = text
        self.sheet.book.log.append(("formula", self.sheet.name, cell.ref, text))

    @property
    def number_format(self) -> str:
        return self.cell().number_format

    @number_format.setter
    def number_format(self, fmt: str) -> None:
        self.cell().number_format = fmt
        self.sheet.book.log.append(("number_format", self.sheet.name, self.cell().ref, fmt))

    @property
    def color(self) -> tuple[int, int, int] | None:
        return self.cell().color

    @color.setter
    def color(self, value: str | None) -> None:
        rgb = None if value is None else tuple(int(value[i:i + 2], 16) for i in (1, 3, 5))
        self.cell().color = rgb
        self.sheet.book.log.append(("color", self.sheet.name, self.cell().ref, value))

    @property
    def note(self) -> FakeNote | None:
        return self.cell().note

    def add_hyperlink(self, address: str, text_to_display: str | None = None) -> None:
        self.cell().link = address

    # merges
    @property
    def merge_cells(self) -> bool | None:
        flags = {self.sheet.merge_of(r, c) is not None
                 for r in range(self.r0, self.r1 + 1) for c in range(self.c0, self.c1 + 1)}
        return flags.pop() if len(flags) == 1 else None

    @property
    def merge_area(self) -> FakeRange:
        r0, c0, r1, c1 = self.sheet.merge_of(self.r0, self.c0) or (self.r0, self.c0, self.r0, self.c0)
        return FakeRange(self.sheet, f"{a1(r0, c0)}:{a1(r1, c1)}")

    @property
    def column_width(self) -> float:
        return self.sheet.widths.get(self.c0, 8.43)

    @column_width.setter
    def column_width(self, width: float) -> None:
        self.sheet.widths[self.c0] = width


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], FakeCell] = {}
        self.merges: list[tuple[int, int, int, int]] = []
        self.visible = True
        self.widths: dict[int, float] = {}
        self.api = type("SheetApi", (), {"ProtectContents": False})()

    def cell(self, r: int, c: int) -> FakeCell:
        if (r, c) not in self.cells:
            self.cells[(r, c)] = FakeCell(self, a1(r, c))
        return self.cells[(r, c)]

    def merge_of(self, r: int, c: int) -> tuple[int, int, int, int] | None:
        return next((m for m in self.merges if m[0] <= r <= m[2] and m[1] <= c <= m[3]), None)

    def range(self, ref: str) -> FakeRange:
        return FakeRange(self, ref)

    @property
    def used_range(self) -> FakeRange:
        used = [k for k, cell in self.cells.items() if cell.value is not None or cell.formula]
        if not used:
            return FakeRange(self, "A1")
        r0, c0 = min(r for r, _ in used), min(c for _, c in used)
        r1, c1 = max(r for r, _ in used), max(c for _, c in used)
        return FakeRange(self, f"{a1(r0, c0)}:{a1(r1, c1)}")

    def clear(self) -> None:
        self.cells.clear()
        self.book.log.append(("clear", self.name))

    def activate(self) -> None:
        self.book.active = self.name


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book
        self.items: list[FakeSheet] = []

    def __iter__(self):
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key: int | str) -> FakeSheet:
        if isinstance(key, int):
            return self.items[key]
        return next(s for s in self.items if s.name == key)

    def add(self, name: str, after: FakeSheet | None = None) -> FakeSheet:
        sheet = FakeSheet(self.book, name)
        index = self.items.index(after) + 1 if after is not None else 0
        self.items.insert(index, sheet)
        self.book.log.append(("add_sheet", name))
        return sheet


class FakeApp:
    def __init__(self) -> None:
        self.alerts: list[tuple[str, str | None]] = []

    def alert(self, prompt: str, title: str | None = None, **_: Any) -> str:
        self.alerts.append((prompt, title))
        return "ok"


class FakeBook:
    """``xlwings.Book`` look-alike: ``name``, ``fullname``, ``sheets``, ``app.alert``."""

    def __init__(self, fullname: str | Path) -> None:
        self.fullname = str(fullname)
        self.name = Path(fullname).name
        self.sheets = FakeSheets(self)
        self.app = FakeApp()
        self.log: list[tuple] = []
        self.active: str | None = None

    @classmethod
    def from_file(cls, path: str | Path) -> FakeBook:
        import openpyxl

        book = cls(path)
        cached = {g.name: g for g in read_grids(path)}
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            sheet = FakeSheet(book, ws.title)
            book.sheets.items.append(sheet)
            sheet.visible = ws.sheet_state == "visible"
            sheet.merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1)
                            for m in ws.merged_cells.ranges]
            grid = cached[ws.title]
            for row in ws.iter_rows():
                for c in row:
                    r, col = c.row - 1, c.column - 1
                    if c.value is None and c.number_format == "General":
                        continue
                    cell = sheet.cell(r, col)
                    cell.number_format = c.number_format
                    if c.data_type == "f":
                        cell.formula = str(c.value)
                        cell.value = grid.raw(r, col)
                    else:
                        cell.value = grid.raw(r, col)
        book.log.clear()
        return book

    def sheet_rows(self, name: str) -> list[list[Any]]:
        """A sheet's values as rows (for assertions)."""
        sheet = self.sheets[name]
        used = sheet.used_range
        return [[sheet.cell(r, c).value for c in range(0, used.c1 + 1)] for r in range(0, used.r1 + 1)]

    def colours(self) -> dict[tuple[str, str], str]:
        """Every coloured cell: (sheet, A1) → RRGGBB."""
        return {(s.name, cell.ref): "".join(f"{v:02X}" for v in cell.color)
                for s in self.sheets for cell in s.cells.values() if cell.color}


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def seed_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "seed.xlsx"
    write_book(import_text(seed_path()), path)
    return path


@pytest.fixture(scope="module")
def seed_xlsm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's content in the macro workbook: xlwings' project, buttons, xlwings.conf."""
    path = tmp_path_factory.mktemp("xlsm") / "seed.xlsm"
    write_book(import_text(seed_path()), path, vba_project=excel.vba_project())
    excel.add_macro_ui(path)
    return path


@pytest.fixture(scope="module")
def blank_xlsm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("new") / "预算绩效目标表.xlsm"
    result = runner.invoke(app, ["new", str(path), "--macros", "--unit-code", "731001",
                                 "--unit-name", "河北省承德县科学技术协会本级", "--year", "2023"])
    assert result.exit_code == 0, result.output
    return path


def vba_of(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/vbaProject.bin")


# ------------------------------------------------------------------ the .xlsm
def test_new_macros_holds_the_vba_project_with_our_module(blank_xlsm: Path) -> None:
    sources = excel.module_sources(vba_of(blank_xlsm))
    assert "xlwings" in sources and "Public Function RunPython" in sources["xlwings"]
    assert excel.SAMPLE_MODULE not in sources
    ours = sources[excel.VBA_MODULE]
    for sub, (_, func) in excel.MACROS.items():
        assert f"Public Sub {sub}()" in ours
        assert f'RunPython "import xl_budget.macros as m; m.{func}()"' in ours
    with zipfile.ZipFile(blank_xlsm) as zf:
        types = zf.read("[Content_Types].xml").decode()
        assert "macroEnabled.main+xml" in types
        assert 'codeName="ThisWorkbook"' in zf.read("xl/workbook.xml").decode()


def test_every_runpython_target_exists_in_macros(blank_xlsm: Path) -> None:
    ours = excel.module_sources(vba_of(blank_xlsm))[excel.VBA_MODULE]
    commands = re.findall(r'RunPython "([^"]+)"', ours)
    assert len(commands) == 3
    for command in commands:
        module, call = re.fullmatch(r"import ([\w.]+) as m; m\.(\w+)\(\)", command).groups()
        assert module == "xl_budget.macros"
        assert callable(getattr(macros, call))


def test_buttons_on_unit_sheet_call_our_subs(blank_xlsm: Path) -> None:
    assert excel.buttons(blank_xlsm) == {"单位信息": [
        ("校验", "[0]!XlBudgetValidate"), ("填充", "[0]!XlBudgetFill"),
        ("汇总", "[0]!XlBudgetConsolidate")]}
    subs = set(re.findall(r"Public Sub (\w+)\(\)", excel.module_sources(vba_of(blank_xlsm))[excel.VBA_MODULE]))
    assert {m.removeprefix("[0]!") for _, m in excel.buttons(blank_xlsm)["单位信息"]} == subs


def test_xlwings_conf_sheet_as_xlwings_reads_it(blank_xlsm: Path) -> None:
    conf = excel.conf_values(blank_xlsm)
    assert list(conf)[:2] == ["Interpreter_Win", "Interpreter_Mac"]
    assert conf["UDF Modules"] == ""
    book = read_book(blank_xlsm)  # the extra sheet does not disturb the reader
    assert book.unit.code == "731001" and book.blank_tables == ["项目1", "项目2", "项目3"]


def test_vba_project_round_trips_through_our_cfb_code() -> None:
    data = excel.vba_project()
    streams, clsids = excel.read_cfb(data)
    assert excel.read_cfb(excel.write_cfb(streams, clsids))[0] == streams
    with zipfile.ZipFile(excel.quickstart_path()) as zf:
        original, _ = excel.read_cfb(zf.read("xl/vbaProject.bin"))
    for name in ("VBA/xlwings", "VBA/ThisWorkbook", "VBA/Sheet1", "VBA/_VBA_PROJECT"):
        assert streams[name] == original[name]  # xlwings' own streams are kept byte for byte
    assert streams["VBA/_VBA_PROJECT"][2:4] == b"\xff\xff"  # no compiled code: Excel compiles the source


@pytest.mark.parametrize("size", [0, 1, 7, 4095, 4096, 4097, 9000])
def test_ovba_compression_round_trips(size: int) -> None:
    data = (b"Attribute VB_Name = \"X\"\r\nSub A()\r\n" * 400)[:size // 2] + bytes(range(256)) * 40
    data = data[:size]
    assert excel.decompress(excel.compress(data)) == data


@pytest.mark.parametrize("command", [["fill"], ["validate", "--in-place"]])
def test_cli_edits_keep_vba_byte_identical_and_buttons(seed_xlsm: Path, tmp_path: Path,
                                                       command: list[str]) -> None:
    book = tmp_path / "unit.xlsm"
    shutil.copy(seed_xlsm, book)
    before = vba_of(book)
    for _ in range(2):  # twice: marks and comments replaced, controls not duplicated
        result = runner.invoke(app, [*command, str(book)])
        assert result.exit_code in (0, 1), result.output
    assert vba_of(book) == before
    assert excel.buttons(book) == excel.buttons(seed_xlsm)
    with zipfile.ZipFile(book) as zf:
        vml = [zf.read(n).decode() for n in zf.namelist() if n.endswith(".vml")]
    ids = [i for v in vml for i in re.findall(r'<v:shape\b[^>]*\bid="([^"]+)"', v)]
    assert len(ids) == len(set(ids))
    assert all("ns0:" not in v for v in vml if "Button" in v)  # Excel's own prefixes
    assert excel.conf_values(book)["Interpreter_Win"] == ""


def test_hook_puts_back_excel_controls_openpyxl_drops(seed_xlsm: Path, tmp_path: Path) -> None:
    # A workbook re-saved by Excel carries <controls> and ctrlProps parts besides the VML.
    book = tmp_path / "excel_saved.xlsm"
    with zipfile.ZipFile(seed_xlsm) as zf, zipfile.ZipFile(book, "w") as out:
        for info in zf.infolist():
            data = zf.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", CONTROLS.encode() + b"</worksheet>")
            if info.filename == "xl/worksheets/_rels/sheet1.xml.rels":
                data = data.replace(b"</Relationships>", CTRL_REL.encode() + b"</Relationships>")
            out.writestr(info, data)
        out.writestr("xl/ctrlProps/ctrlProp1.xml", CTRL_PROP)
    result = runner.invoke(app, ["validate", "--in-place", str(book)])
    assert result.exit_code in (0, 1), result.output
    with zipfile.ZipFile(book) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
        rels = zf.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
        assert 'macro="[0]!XlBudgetValidate"' in sheet
        rid = re.search(r'<control shapeId="1025" r:id="([^"]+)"', sheet).group(1)
        target = re.search(rf'Id="{rid}"[^>]*Target="/?([^"]+)"', rels).group(1)
        assert target.endswith("ctrlProps/ctrlProp1.xml") and zf.read("xl/ctrlProps/ctrlProp1.xml") == CTRL_PROP
        assert "/xl/ctrlProps/ctrlProp1.xml" in zf.read("[Content_Types].xml").decode()
        assert sheet.index("<legacyDrawing") < sheet.index("<mc:AlternateContent")


CONTROLS = ('<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
            '<mc:Choice Requires="x14"><controls><mc:AlternateContent><mc:Choice Requires="x14">'
            '<control shapeId="1025" r:id="rId9" name="Button 1"><controlPr defaultSize="0" print="0" '
            'autoFill="0" autoPict="0" macro="[0]!XlBudgetValidate"><anchor moveWithCells="1">'
            '<from><xdr:col>3</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></from>'
            '<to><xdr:col>4</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>2</xdr:row><xdr:rowOff>0</xdr:rowOff></to>'
            '</anchor></controlPr></control></mc:Choice></mc:AlternateContent></controls></mc:Choice>'
            '</mc:AlternateContent>').replace("<from>", '<from xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">').replace(
            "<to>", '<to xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">')
CTRL_REL = ('<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/ctrlProp" Target="../ctrlProps/ctrlProp1.xml"/>')
CTRL_PROP = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<formControlPr '
             b'xmlns="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" objectType="Button" '
             b'lockText="1"/>')


# ------------------------------------------------------------------ the macros on a fake Book
def test_validate_marks_the_live_book_like_the_command_line(seed_xlsx: Path) -> None:
    fake = FakeBook.from_file(seed_xlsx)
    message = macros.run(macros.run_validate, macros.XlwingsBook(fake))
    _, task = check_file(seed_xlsx)
    errors = sum(f.severity == "error" for f in task.findings)
    assert fake.app.alerts == [(message, macros.TITLE)]
    assert f"错误 {errors} 项" in message

    rows = fake.sheet_rows(RESULTS_SHEET)
    header = rows.index(["文件", "工作表", "单元格", "项目编码", "代码", "级别", "说明"])
    listed = [(r[1], r[2], r[4]) for r in rows[header + 1:]]
    assert listed == [(f.sheet, f.cell, f.code) for f in task.findings]
    assert fake.active == RESULTS_SHEET and not fake.sheets["_xl_budget_marks"].visible

    colours = fake.colours()
    for f in task.findings:
        if f.sheet and f.cell and f.sheet.startswith("项目") and f.severity == "error":
            cell = fake_anchor(fake, f.sheet, f.cell)
            assert colours[(f.sheet, cell)] == SEVERITY_FILLS[f.severity]
            note = fake.sheets[f.sheet].cell(*parse_a1(cell)).note
            assert note is not None and MARKER in note.text and f.code in note.text
    i011 = next(f for f in task.findings if f.code == "I011")
    link = fake.sheets[RESULTS_SHEET].cell(header + 1 + task.findings.index(i011), 2).link
    assert link == f"#'{i011.sheet}'!{i011.cell}"


def fake_anchor(fake: Any, sheet: str, cell: str) -> str:
    r, c = parse_a1(cell)
    m = fake.sheets[sheet].merge_of(r, c)
    return a1(m[0], m[1]) if m else cell


def test_validate_again_restores_fixed_cells(seed_xlsx: Path) -> None:
    fake = FakeBook.from_file(seed_xlsx)
    doc = macros.XlwingsBook(fake)
    macros.run(macros.run_validate, doc)
    first = fake.colours()
    # Fix P003 on 项目4 (plan stops at 10月底): type 100% at 12月底, click 校验 again.
    _, task = check_file(seed_xlsx)
    p003 = next(f for f in task.findings if f.code == "P003")
    fake.sheets[p003.sheet].range(p003.cell).value = 1.0
    macros.run(macros.run_validate, macros.XlwingsBook(fake))
    again = fake.colours()
    assert (p003.sheet, p003.cell) in first and (p003.sheet, p003.cell) not in again
    assert fake.sheets[p003.sheet].cell(*parse_a1(p003.cell)).note is None
    assert [s.name for s in fake.sheets].count(RESULTS_SHEET) == 1


def test_fill_writes_the_changes_of_the_command_line(seed_xlsx: Path, tmp_path: Path) -> None:
    fake = FakeBook.from_file(seed_xlsx)
    message = macros.run(macros.run_fill, macros.XlwingsBook(fake))
    expected = fill_file(seed_xlsx, tmp_path / "filled.xlsx").changes
    assert expected and f"修改了 {len(expected)} 个单元格" in message
    written = {(e[1], e[2]): e[3] for e in fake.log if e[0] in ("value", "formula")
               and e[1] != LOG_SHEET}
    assert set(written) == {(ch.sheet, ch.cell) for ch in expected}
    for ch in expected:
        got = written[(ch.sheet, ch.cell)]
        assert got == (ch.formula if ch.formula else macros._plain(ch.new))
    log = fake.sheet_rows(LOG_SHEET)
    assert log[1][:3] == ["序号", "工作表", "单元格"] and len(log) == 2 + len(expected)
    # the values read back as the command line's file does
    filled = {g.name: g for g in read_grids(tmp_path / "filled.xlsx")}
    for ch in expected:
        if ch.formula is None:
            assert fake.sheets[ch.sheet].cell(*parse_a1(ch.cell)).value == filled[ch.sheet].get(ch.cell)


def test_user_mistake_is_a_short_message_box(tmp_path: Path) -> None:
    fake = FakeBook(tmp_path / "empty.xlsx")
    fake.sheets.add("Sheet1").cell(0, 0).value = "随便写点什么"
    message = macros.run(macros.run_validate, macros.XlwingsBook(fake))
    assert "F002" in [row[4] for row in fake.sheet_rows(RESULTS_SHEET)[6:]]
    assert "没有找到项目" in message and "F002" in message and len(message) < 200
    assert fake.app.alerts[-1][0] == message
    message = macros.run(macros.run_fill, macros.XlwingsBook(fake))
    assert "没有找到项目绩效目标表" in message


def test_unexpected_error_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    fake = FakeBook(tmp_path / "x.xlsx")

    def broken(doc: Any) -> str:
        raise KeyError("boom")

    message = macros.run(broken, macros.XlwingsBook(fake))
    assert message.startswith("操作未完成") and fake.app.alerts == [(message, macros.TITLE)]


def test_consolidate_the_folder_of_the_calling_book(seed_xlsx: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(seed_xlsx, folder / "科协.xlsx")
    new_workbook(folder / "空白.xlsx", unit_code="731002", unit_name="空白单位", year=2023, projects=1)
    fake = FakeBook(folder / "汇总工具.xlsm")
    message = macros.run(macros.run_consolidate, macros.XlwingsBook(fake))
    out = folder / macros.CONSOLIDATED
    assert "汇总完成：2 个文件" in message and out.exists()
    assert [g.name for g in read_grids(out)][:4] == ["汇总", "项目", "指标", "问题"]
    unsaved = FakeBook("工作簿1")
    assert "请先把本工作簿保存" in macros.run(macros.run_consolidate, macros.XlwingsBook(unsaved))
