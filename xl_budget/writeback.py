"""Edit a user's workbook with openpyxl without losing what openpyxl loses.

openpyxl writes formulas with an empty cached value and drops the values Excel had cached,
so readers that do not calculate (pandas, python-calamine, the finance bureau's scripts) see
blanks. ``save_workbook`` saves to a temporary file, writes every formula's value back into
the sheet XML (the values the caller computed, else the ones the source file had cached),
and only then replaces the destination, so a failed save never leaves half a workbook.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any
from xml.sax.saxutils import escape

from defusedxml import ElementTree as SafeET

from xl_budget.errors import FileError

CellKey = tuple[str, str]  # (sheet name, "B7")
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_FORMULA_CELL = re.compile(
    r'<c r="(?P<ref>[A-Z]+\d+)"(?P<attrs>[^>]*)>(?P<f><f[^>]*/>|<f[^>]*>.*?</f>)(?:<v\s*/>|<v>[^<]*</v>)?</c>',
    re.S,
)
_T_ATTR = re.compile(r'\s+t="[^"]*"')

# Hooks run on the saved package before it replaces the destination (e.g. putting back
# form controls openpyxl drops). Each gets (source, saved_tmp_path).
POST_SAVE_HOOKS: list[Callable[[Path | None, Path], None]] = []


# ------------------------------------------------------------------ Public API
def load_for_edit(path: str | Path) -> Any:
    """Open a workbook for editing with openpyxl, keeping macros of an .xlsm.

    Raises:
        FileError: the file cannot be opened by openpyxl (Chinese message).
    """
    import openpyxl

    path = Path(path)
    try:
        return openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", keep_links=True,
                                      rich_text=True)
    except Exception as exc:  # openpyxl raises many types for broken packages
        raise FileError(f"无法打开工作簿进行修改：{path.name}（{type(exc).__name__}）",
                        path=str(path), reason="corrupt") from exc


def save_workbook(wb: Any, dest: str | Path, *, source: str | Path | None = None,
                  values: Mapping[CellKey, Any] | None = None) -> None:
    """Save atomically, with a cached value in every formula cell.

    Args:
        wb: the openpyxl workbook.
        dest: where to save (replaced atomically).
        source: the file ``wb`` was loaded from; its cached formula values are kept.
        values: values computed by the caller for formula cells it wrote, by (sheet, "A1").
    """
    dest = Path(dest)
    if dest.suffix.lower() == ".xlsm":
        # Registers the hook that puts back the buttons openpyxl drops from macro workbooks.
        import xl_budget.excel  # noqa: F401
    cached = _cached_values(Path(source)) if source else {}
    cached.update(values or {})
    fd, tmp_name = tempfile.mkstemp(suffix=dest.suffix, prefix=".~xl_budget_", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        wb.save(tmp)
        _patch_cached_values(tmp, cached)
        for hook in POST_SAVE_HOOKS:
            hook(Path(source) if source else None, tmp)
        keep_mode(tmp, dest)
        os.replace(tmp, dest)
    except PermissionError as exc:
        raise FileError(f"无法写入 {dest.name}：文件可能正在 Excel 中打开，请关闭后重试",
                        path=str(dest), reason="locked") from exc
    finally:
        tmp.unlink(missing_ok=True)


def keep_mode(tmp: Path, dest: Path) -> None:
    """Give a temporary file the permissions the destination has (or a new file would get):
    mkstemp creates files readable by their owner only."""
    if dest.exists():
        os.chmod(tmp, dest.stat().st_mode & 0o7777)
    else:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)


def copy_if_needed(src: str | Path, dest: str | Path) -> None:
    """Copy src to dest atomically unless they are the same file."""
    src, dest = Path(src), Path(dest)
    if dest.exists() and src.resolve() == dest.resolve():
        return
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".~xl_budget_")
    os.close(fd)
    shutil.copyfile(src, tmp)
    keep_mode(Path(tmp), dest)
    os.replace(tmp, dest)


# ------------------------------------------------------------------ Private API
def _cached_values(source: Path) -> dict[CellKey, Any]:
    # Every non-empty cell value of the source as calamine sees it (cached results for
    # formula cells); only formula cells are looked up later.
    from xl_budget.grids import a1, read_grids

    out: dict[CellKey, Any] = {}
    try:
        grids = read_grids(source)
    except FileError:
        return out
    for grid in grids:
        for r, c, v in grid.iter_cells():
            out[(grid.name, a1(r, c))] = v
    return out


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    # sheet name → part name inside the package
    wb = SafeET.fromstring(zf.read("xl/workbook.xml"))
    rels = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for sheet in wb.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        out[sheet.get("name")] = part
    return out


def _xml_value(value: Any) -> tuple[str, str] | None:
    # (t attribute, <v> text) for a cached value
    if value is None or value == "":
        return "str", ""
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        return "n", format(Decimal(str(value)).normalize(), "f") if isinstance(value, Decimal) else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        from openpyxl.utils.datetime import to_excel

        return "n", repr(to_excel(value))
    return "str", escape(str(value))


def _patch_cached_values(path: Path, cached: Mapping[CellKey, Any]) -> None:
    with zipfile.ZipFile(path) as zf:
        parts = _sheet_parts(zf)
        by_part = {part: name for name, part in parts.items()}
        contents = {info.filename: zf.read(info) for info in zf.infolist()}
        infos = zf.infolist()
    changed = False
    for part, sheet in by_part.items():
        xml = contents.get(part)
        if xml is None or b"<f" not in xml:
            continue

        def fix(m: re.Match[str], sheet: str = sheet) -> str:
            key = (sheet, m.group("ref"))
            if key not in cached:
                return m.group(0)
            t, v = _xml_value(cached[key])
            attrs = _T_ATTR.sub("", m.group("attrs"))
            return f'<c r="{m.group("ref")}"{attrs} t="{t}">{m.group("f")}<v>{v}</v></c>'

        text = xml.decode("utf-8")
        new = _FORMULA_CELL.sub(fix, text)
        if new != text:
            contents[part] = new.encode("utf-8")
            changed = True
    if not changed:
        return
    tmp = path.with_suffix(path.suffix + ".patch")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            out.writestr(info, contents[info.filename])
    os.replace(tmp, path)
