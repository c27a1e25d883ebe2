"""A stray cell far from the tables costs its file one F001, never the process.

python-calamine builds a sheet as one dense rectangle from A1: a single space in XFD1048576
asks for 512 GB and aborts (a Rust abort no ``except`` catches). The command line runs in a
subprocess under an address-space cap, so a regression fails the test instead of killing pytest.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xl_budget.errors import FileError
from xl_budget.grids import MAX_SHEET_COLS, MAX_SHEET_ROWS, _far_cells, a1, read_grids

ROOT = Path(__file__).resolve().parents[1]
GOOD = [ROOT / "workbooks" / "承德县科学技术协会_2023.xlsx", ROOT / "workbooks" / "承德县第一中学_2023.xlsx"]
CAP = 2 << 30  # XFD3000 alone costs calamine 1.5 GB: without the guard the run dies under this cap


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xl_budget", *map(str, args)], cwd=ROOT, preexec_fn=_cap,
                          capture_output=True, text=True, timeout=300)


def stray(source: Path, out: Path, cell: str, value: object = " ") -> tuple[Path, str]:
    """A copy of a good workbook with ``value`` typed in ``cell`` of its first project sheet."""
    wb = openpyxl.load_workbook(source)
    ws = next(ws for ws in wb.worksheets if ws.title not in ("单位信息", "部门整体绩效目标"))
    ws[cell] = value
    wb.save(out)
    return out, ws.title


# ------------------------------------------------------------------ validate
@pytest.mark.parametrize("cell", ["XFD1048576", "XFD3000", "A1048576", a1(0, MAX_SHEET_COLS),
                                  a1(MAX_SHEET_ROWS, 0)])
def test_far_cell_is_f001_naming_sheet_and_cell(cell: str, tmp_path: Path) -> None:
    path, sheet = stray(GOOD[0], tmp_path / "科协.xlsx", cell)
    run = cli("validate", path)
    assert run.returncode == 1, run.stderr[-500:]
    line = next(x for x in run.stdout.splitlines() if " F001 " in x)
    assert f"工作表“{sheet}”的单元格 {cell} 有内容" in line
    assert f"最多 {MAX_SHEET_ROWS} 行 × {MAX_SHEET_COLS} 列" in line
    assert "请删除表格以外的这些内容" in line


def test_cells_at_the_limit_and_style_only_far_cells_are_read(tmp_path: Path) -> None:
    corner = a1(MAX_SHEET_ROWS - 1, MAX_SHEET_COLS - 1)
    path, sheet = stray(GOOD[0], tmp_path / "a.xlsx", corner, "备注")
    grid = next(g for g in read_grids(path) if g.name == sheet)
    assert grid.get(corner) == "备注"
    wb = openpyxl.load_workbook(GOOD[0])
    wb.worksheets[-1]["XFD1048576"].font = openpyxl.styles.Font(bold=True)  # a style, no value
    wb.save(tmp_path / "b.xlsx")
    assert [g.height for g in read_grids(tmp_path / "b.xlsx")] == [g.height for g in read_grids(GOOD[0])]


def test_every_far_cell_is_counted(tmp_path: Path) -> None:
    # Near enough that the reader without the guard survives in-process (5 M cells) and fails here.
    wb = openpyxl.load_workbook(GOOD[0])
    wb.worksheets[-1][a1(0, MAX_SHEET_COLS)] = "x"
    wb.worksheets[-1][a1(MAX_SHEET_ROWS, 0)] = 1
    wb.save(tmp_path / "two.xlsx")
    with pytest.raises(FileError, match=f"单元格 {a1(0, MAX_SHEET_COLS)} 等 2 个单元格有内容") as err:
        read_grids(tmp_path / "two.xlsx")
    assert err.value.reason == "too_large"


# ------------------------------------------------------------------ the sheet XML grammar
def _sheet(cells: str) -> bytes:
    return (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData>" + cells.encode() + b"</sheetData></worksheet>")


@pytest.mark.parametrize(("xml", "far"), [
    ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="XFD1" s="3"/></row>', []),  # a style only
    ('<row r="9"><c r="CV50000"><v>1</v></c></row>', []),                       # the corner
    ('<row r="1"><c r="CW1" t="inlineStr"><is><t> </t></is></c></row>', [(0, 100)]),
    ('<row r="2"><c t="n" r="xfd1048576"><v>1</v></c></row>', [(1048575, 16383)]),
    ("<row r='2'><c r='A50001'><v>1</v></c></row>", [(50000, 0)]),
    ('<row r="2"><x:c xmlns:x="urn:x" r="ZZ2"><x:v>1</x:v></x:c></row>', [(1, 701)]),
    ('<row r="60000"><c><v>1</v></c><c/></row>', [(59999, 0)]),                  # cells without r
    ('<row r="3"><c r="A3"><v>1</v></c></row><row><c><v>2</v></c></row>', []),
    ('<row r="3">' + "<c><v>1</v></c>" * 101 + "</row>", [(2, 100)]),
])
def test_far_cells_in_sheet_xml(xml: str, far: list[tuple[int, int]]) -> None:
    assert _far_cells(_sheet(xml)) == far


# ------------------------------------------------------------------ OpenDocument
def _ods(path: Path, rows: str) -> Path:
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="说明"><table:table-row>'
               '<table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell>'
               '</table:table-row></table:table>'
               f'<table:table table:name="项目1">{rows}</table:table></office:spreadsheet></office:body>'
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


CELL = '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
EMPTY_ROWS = '<table:table-row table:number-rows-repeated="{n}"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'


def test_ods_far_cell_as_libreoffice_writes_it(tmp_path: Path) -> None:
    # LibreOffice's layout: the blank rows before the cell as one repeated row, styled blank cells
    far = (f"<table:table-row>{CELL}</table:table-row>" + EMPTY_ROWS.format(n=1048574)
           + '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
           + f"{CELL}</table:table-row>")
    with pytest.raises(FileError, match="工作表“项目1”的单元格 XFD1048576 有内容"):
        read_grids(_ods(tmp_path / "far.ods", far))


def test_ods_blank_repeats_cost_nothing(tmp_path: Path) -> None:
    rows = f"<table:table-row>{CELL}</table:table-row>" + EMPTY_ROWS.format(n=1048575)
    path = _ods(tmp_path / "near.ods", rows)
    assert [(g.name, g.height, g.width) for g in read_grids(path)] == [("说明", 1, 1), ("项目1", 1, 1)]
    assert CalamineWorkbook.from_path(str(path)).sheet_names == ["说明", "项目1"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.parametrize(("ext", "cell", "said"), [
    ("ods", "XFD1048576", "的单元格 XFD1048576 有内容"),
    ("xls", a1(1, MAX_SHEET_COLS), f"的内容延伸到单元格 {a1(1, MAX_SHEET_COLS)}"),  # .xls: not scanned
    ("xls", a1(MAX_SHEET_ROWS + 9, 3), f"的内容延伸到单元格 {a1(MAX_SHEET_ROWS + 9, 3)}"),
])
def test_far_cell_saved_by_libreoffice(ext: str, cell: str, said: str, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "项目1"
    wb.active["A1"] = "项目编码"
    wb.active[cell] = " "
    wb.save(tmp_path / "far.xlsx")
    env = {**os.environ, "PATH": os.pathsep.join(["/usr/bin", "/bin", os.environ.get("PATH", "")])}
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--convert-to", ext, "--outdir", str(tmp_path), str(tmp_path / "far.xlsx")],
                   check=True, capture_output=True, timeout=180, env=env)
    with pytest.raises(FileError, match=f"工作表“项目1”{said}"):
        read_grids(tmp_path / f"far.{ext}")


# ------------------------------------------------------------------ consolidate
def test_consolidate_keeps_the_good_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for good in GOOD:
        (folder / good.name).write_bytes(good.read_bytes())
    stray(GOOD[0], folder / "科协_误输入.xlsx", "XFD1048576")
    out = tmp_path / "全县.xlsx"
    run = cli("consolidate", folder, "-o", out, "--jobs", "1")
    assert run.returncode == 0, run.stderr[-500:]
    rows = list(openpyxl.load_workbook(out).worksheets[0].iter_rows(values_only=True))
    head = list(rows[0])
    by_file = {Path(str(r[head.index("文件")])).name: dict(zip(head, r, strict=True)) for r in rows[1:] if r[head.index("文件")]}
    for good in GOOD:
        assert by_file[good.name]["项目数"] > 0 and by_file[good.name]["预算数（万元）"] > 0
    bad = by_file["科协_误输入.xlsx"]
    assert bad["状态"] == "无法读取"
    assert "单元格 XFD1048576 有内容" in bad["说明"]
