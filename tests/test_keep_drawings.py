"""fill and annotate keep the pictures, text boxes, shapes and charts of a user's workbook.

openpyxl drops every DrawingML shape (text boxes, arrows, SmartArt), drops pictures unless
Pillow is installed, and rewrites the charts it does keep; it also drops a sheet's background
picture and the pictures in its header or footer. ``writeback.save_workbook`` carries the
source's drawing parts over unchanged, and refuses to save (no file written) when something it
cannot carry, such as an embedded object or a form control in an .xlsx, would be lost.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from xl_budget.annotate import annotate_file
from xl_budget.cli import app
from xl_budget.errors import FileError
from xl_budget.writeback import load_for_edit, save_workbook

runner = CliRunner()
SHEET = "项目1"
ROWS: list[list[Any]] = [
    ["科普培训绩效目标表"],
    ["731001 河北省承德县科学技术协会本级", None, None, None, None, "单位：万元"],
    ["项目编码", "13082123P00019310001H", None, "项目名称", "科普培训"],
    ["预算规模及资金用途", "预算数", None, "其中：财政资金", 4.86, "其他资金", None],
    [None, "开展科普培训"],
    ["资金支出计划（%）", "3月底", None, "6月底", "10月底", "12月底"],
    [None, 0.3, None, 0.6, 0.85, None],
    ["绩效目标", "目标内容1：完成科普培训200人次"],
    ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"],
    ["产出指标", "数量指标", "培训人数", "培训人数", "≥200人", "计划标准"],
]
ANCHORS = re.compile(rb"<xdr:(?:twoCellAnchor|oneCellAnchor|absoluteAnchor)\b")


# ------------------------------------------------------------------ helpers
def png(path: Path, rgb: bytes = b"\xff\x00\x00") -> Path:
    """An 8x8 one-colour PNG (no Pillow needed)."""
    raw = b"".join(b"\x00" + rgb * 8 for _ in range(8))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def table(ws: Any) -> None:
    for r, row in enumerate(ROWS):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)


def stamped(tmp_path: Path, name: str = "stamped.xlsx") -> Path:
    """QA's workbook: the project table, a stamp picture, a text box and a chart, plus a second
    sheet showing the same picture and a chart sheet."""
    seal = png(tmp_path / "seal.png")
    path = tmp_path / name
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet(SHEET)
    table(ws)
    ws.insert_image("I2", seal)
    ws.insert_textbox("I12", "单位负责人已审核", {"width": 200, "height": 40})
    chart = wb.add_chart({"type": "line"})
    chart.add_series({"values": f"='{SHEET}'!$B$7:$F$7"})
    ws.insert_chart("I16", chart)
    notes = wb.add_worksheet("说明")
    notes.write("A1", "盖章页")
    notes.insert_image("B2", seal)
    notes.insert_textbox("B8", "请勿删除本页", {"width": 160, "height": 30})
    cs = wb.add_chartsheet("进度图")
    pie = wb.add_chart({"type": "column"})
    pie.add_series({"values": f"='{SHEET}'!$B$7:$F$7"})
    cs.set_chart(pie)
    wb.close()
    return path


def package(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    wb = parts["xl/workbook.xml"].decode()
    rels = rel_targets(parts, "xl/workbook.xml")
    return {name: rels[rid] for name, rid in re.findall(r'<sheet name="([^"]+)"[^>]*r:id="([^"]+)"', wb)}


def rel_targets(parts: dict[str, bytes], part: str) -> dict[str, str]:
    d, base = posixpath.split(part)
    raw = parts.get(f"{d}/_rels/{base}.rels", b"").decode()
    out = {}
    for attrs in re.findall(r"<Relationship\b([^>]*)/>", raw):
        a = dict(re.findall(r'(\w+)="([^"]*)"', attrs))
        if a.get("TargetMode") == "External":
            continue
        t = a["Target"]
        out[a["Id"]] = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join(d, t))
    return out


def closure(parts: dict[str, bytes], part: str) -> list[bytes]:
    """The contents of a part and of every part it points at, sorted (names may differ)."""
    seen: dict[str, bytes] = {}
    todo = [part]
    while todo:
        p = todo.pop()
        if p in seen or p not in parts:
            continue
        seen[p] = parts[p]
        todo.extend(rel_targets(parts, p).values())
    return sorted(seen.values())


def drawings(path: Path) -> dict[str, list[bytes]]:
    """sheet → the drawing part of that sheet and everything it uses (pictures, charts)."""
    parts = package(path)
    out = {}
    for name, sheet in sheet_parts(parts).items():
        m = re.search(rb'<drawing\b[^>]*r:id="([^"]+)"', parts[sheet])
        if m:
            out[name] = closure(parts, rel_targets(parts, sheet)[m.group(1).decode()])
    return out


def counts(path: Path, sheet: str = SHEET) -> tuple[int, int, int]:
    """(pictures, text boxes, charts) on a sheet."""
    parts = package(path)
    part = sheet_parts(parts)[sheet]
    m = re.search(rb'<drawing\b[^>]*r:id="([^"]+)"', parts[part])
    if not m:
        return 0, 0, 0
    xml = parts[rel_targets(parts, part)[m.group(1).decode()]]
    return xml.count(b"<xdr:pic>"), xml.count(b'txBox="1"'), xml.count(b"<c:chart ")


def fill(path: Path, *args: str) -> Any:
    return runner.invoke(app, ["fill", str(path), *args])


def filled_values(path: Path) -> dict[str, Any]:
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python()
    return {"C4": sheet[3][2], "F7": sheet[6][5]}


# ------------------------------------------------------------------ fill
def test_fill_keeps_picture_text_box_and_chart(tmp_path: Path) -> None:
    src = stamped(tmp_path)
    assert counts(src) == (1, 1, 1)
    out = tmp_path / "out.xlsx"
    result = fill(src, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert counts(out) == (1, 1, 1)
    assert drawings(out) == drawings(src)  # every sheet's drawing, picture and chart, byte for byte
    assert set(drawings(src)) == {SHEET, "说明", "进度图"}
    assert filled_values(out) == {"C4": pytest.approx(4.86), "F7": 1}
    wb = openpyxl.load_workbook(out)  # still a package openpyxl can read
    assert len(wb[SHEET]._charts) == 1


def test_fill_in_place_keeps_them_and_a_second_fill_changes_nothing(tmp_path: Path) -> None:
    src = stamped(tmp_path)
    before = drawings(src)
    assert fill(src).exit_code == 0
    assert drawings(src) == before
    once = package(src)
    assert fill(src).exit_code == 0
    assert package(src) == once


def test_no_stray_parts_left_behind(tmp_path: Path) -> None:
    # openpyxl's own rewrite of the chart is replaced, not kept beside the original.
    src = stamped(tmp_path)
    out = tmp_path / "out.xlsx"
    assert fill(src, "-o", str(out)).exit_code == 0
    parts = package(out)
    charts = [n for n in parts if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
    media = [n for n in parts if n.startswith("xl/media/")]
    assert len(charts) == 2 and len(media) == 1
    types = parts["[Content_Types].xml"].decode()
    for name in charts + [n for n in parts if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n)]:
        assert f'PartName="/{name}"' in types
    assert 'Extension="png"' in types
    for name in re.findall(r'PartName="/([^"]+)"', types):
        assert name in parts, name


def test_drawing_added_to_a_sheet_openpyxl_wrote_without_one(tmp_path: Path) -> None:
    # Only a text box: openpyxl writes no <drawing> for the sheet at all.
    path = tmp_path / "box.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet(SHEET)
    table(ws)
    ws.insert_textbox("I12", "单位负责人已审核")
    ws.write_comment("A1", "原有批注")
    wb.close()
    assert fill(path).exit_code == 0
    assert counts(path) == (0, 1, 0)
    xml = package(path)[sheet_parts(package(path))[SHEET]].decode()
    assert xml.index("<drawing") < xml.index("<legacyDrawing")  # schema order
    assert openpyxl.load_workbook(path)[SHEET]["A1"].comment.text.startswith("原有批注")


def test_background_and_header_pictures_kept(tmp_path: Path) -> None:
    logo = png(tmp_path / "logo.png", b"\x00\x00\xff")
    path = tmp_path / "bg.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet(SHEET)
    table(ws)
    ws.set_background(str(png(tmp_path / "bg.png", b"\x00\xff\x00")))
    ws.set_header("&L&G", {"image_left": str(logo)})
    wb.close()
    src = package(path)
    out = tmp_path / "out.xlsx"
    assert fill(path, "-o", str(out)).exit_code == 0
    parts = package(out)
    sheet = parts[sheet_parts(parts)[SHEET]].decode()
    for tag in ("picture", "legacyDrawingHF"):
        rid = re.search(rf'<{tag}\b[^>]*r:id="([^"]+)"', sheet).group(1)
        target = rel_targets(parts, sheet_parts(parts)[SHEET])[rid]
        src_sheet = src[sheet_parts(src)[SHEET]].decode()
        src_rid = re.search(rf'<{tag}\b[^>]*r:id="([^"]+)"', src_sheet).group(1)
        assert closure(parts, target) == closure(src, rel_targets(src, sheet_parts(src)[SHEET])[src_rid])


# ------------------------------------------------------------------ annotate (validate --annotate / --in-place)
def test_annotate_keeps_them(tmp_path: Path) -> None:
    src = stamped(tmp_path)
    before = drawings(src)
    out = tmp_path / "marked.xlsx"
    annotate_file(src, out, [])
    assert drawings(out) == before
    result = runner.invoke(app, ["validate", str(src), "--in-place"])
    assert result.exit_code in (0, 1), result.output
    assert drawings(src) == before


def test_save_without_source_is_unchanged(tmp_path: Path) -> None:
    # No source to carry from (a workbook built in memory): nothing is added.
    src = stamped(tmp_path)
    wb = load_for_edit(src)
    out = tmp_path / "plain.xlsx"
    save_workbook(wb, out)
    assert counts(out) == (0, 0, 1)


def test_macro_workbook_keeps_buttons_and_pictures(tmp_path: Path) -> None:
    # The buttons are put back by xl_budget.excel's hook, the drawing here: both, and no refusal.
    excel = pytest.importorskip("xl_budget.excel")
    vba = tmp_path / "vbaProject.bin"
    vba.write_bytes(bytes(range(256)) * 20)
    path = tmp_path / "macros.xlsm"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet(SHEET)
    table(ws)
    wb.add_vba_project(str(vba))
    ws.insert_button("I20", {"caption": "校验", "macro": "XlBudgetValidate"})
    ws.insert_image("I2", png(tmp_path / "seal.png"))
    ws.insert_textbox("I12", "单位负责人已审核")
    wb.close()
    before, buttons = drawings(path), excel.buttons(path)
    result = fill(path)
    assert result.exit_code == 0, result.output
    assert drawings(path) == before and counts(path) == (1, 1, 0)
    assert excel.buttons(path) == buttons and buttons
    assert package(path)["xl/vbaProject.bin"] == vba.read_bytes()


# ------------------------------------------------------------------ what cannot be carried
def test_form_control_in_xlsx_refused_and_nothing_written(tmp_path: Path) -> None:
    path = tmp_path / "button.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet(SHEET)
    table(ws)
    ws.insert_button("I2", {"caption": "打印", "macro": "Print"})
    wb.close()
    before = path.read_bytes()
    result = fill(path)
    assert result.exit_code == 2
    assert "控件" in result.output and SHEET in result.output and "未保存" in result.output
    assert path.read_bytes() == before
    out = tmp_path / "out.xlsx"
    assert fill(path, "-o", str(out)).exit_code == 2
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".~")] == []
    with pytest.raises(FileError, match="控件"):
        annotate_file(path, tmp_path / "marked.xlsx", [])


def test_embedded_object_refused(tmp_path: Path) -> None:
    # An embedded (OLE) object: openpyxl drops <oleObjects> and its parts; nothing is written.
    path = tmp_path / "ole.xlsx"
    wb = xlsxwriter.Workbook(path)
    table(wb.add_worksheet(SHEET))
    wb.close()
    parts = package(path)
    sheet = sheet_parts(parts)[SHEET]
    parts[sheet] = parts[sheet].replace(
        b"</worksheet>", b'<oleObjects><oleObject progId="Package" shapeId="1025" r:id="rId9"/>'
                         b"</oleObjects></worksheet>")
    assert b"xmlns:r=" in parts[sheet].split(b">", 2)[1]  # XlsxWriter declares it on <worksheet>
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    before = path.read_bytes()
    result = fill(path)
    assert result.exit_code == 2
    assert f"工作表“{SHEET}”中的嵌入的对象" in result.output
    assert path.read_bytes() == before


# ------------------------------------------------------------------ LibreOffice opens the result
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_round_trip_keeps_them(tmp_path: Path) -> None:
    src = stamped(tmp_path)
    out = tmp_path / "filled.xlsx"
    assert fill(src, "-o", str(out)).exit_code == 0
    back = tmp_path / "lo"
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--norestore", "--convert-to", "xlsx:Calc Office Open XML", "--outdir", str(back), str(out)],
        capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    parts = package(back / "filled.xlsx")
    xml = b"".join(v for n, v in parts.items() if n.startswith("xl/drawings/drawing"))
    assert any(n.startswith("xl/media/") for n in parts)
    assert b"<xdr:pic>" in xml and "单位负责人已审核".encode() in xml
    assert any(re.fullmatch(r"xl/charts/chart\d+\.xml", n) for n in parts)
