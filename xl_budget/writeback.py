"""Edit a user's workbook with openpyxl without losing what openpyxl loses.

openpyxl writes formulas with an empty cached value and drops the values Excel had cached,
so readers that do not calculate (pandas, python-calamine, the finance bureau's scripts) see
blanks. It also drops every DrawingML shape (text boxes, arrows, SmartArt), drops pictures
unless Pillow is installed, rewrites the charts it keeps, and drops a sheet's background and
header/footer pictures, embedded objects and (in an .xlsx) form controls.

``save_workbook`` saves to a temporary file, writes every formula's value back into the sheet
XML (the values the caller computed, else the ones the source file had cached), carries each
sheet's drawing, background and header/footer pictures over from the source unchanged (the
parts and everything they point at), refuses to save when something else would be lost, and
only then replaces the destination, so a failed save never leaves half a workbook.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import posixpath
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from xl_budget.errors import FileError
from xl_budget.grids import sheet_parts

log = logging.getLogger(__name__)

CellKey = tuple[str, str]  # (sheet name, "B7")
_FORMULA_CELL = re.compile(
    r'<c r="(?P<ref>[A-Z]+\d+)"(?P<attrs>[^>]*)>(?P<f><f[^>]*/>|<f[^>]*>.*?</f>)(?:<v\s*/>|<v>[^<]*</v>)?</c>',
    re.S,
)
_T_ATTR = re.compile(r'\s+t="[^"]*"')
_CT = "[Content_Types].xml"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_RELATIONSHIP = re.compile(r"<Relationship\b[^>]*?/?>")
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
# Children of <worksheet>/<chartsheet> from <drawing> on, in schema order (CT_Worksheet).
_SHEET_TAIL = ("drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects",
               "controls", "webPublishItems", "tableParts", "extLst")
# Sheet elements whose parts openpyxl drops or rewrites; carried over from the source as they are.
_CARRIED = ("drawing", "legacyDrawingHF", "picture")
# What a save must not lose, named for the user; what is not carried is refused.
_KEPT_NAMES = {"drawing": "图片、文本框、图表等图形", "legacyDrawingHF": "页眉页脚中的图片",
               "picture": "工作表背景图片", "oleObjects": "嵌入的对象（OLE 对象）",
               "controls": "控件（按钮、复选框等）"}

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
        raise FileError(f"无法打开工作簿进行修改：{path.name} 已损坏或格式不受支持，请用 Excel 打开并重新保存",
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
    original = _source_parts(Path(source)) if source else None
    fd, tmp_name = tempfile.mkstemp(suffix=dest.suffix, prefix=".~xl_budget_", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        wb.save(tmp)
        _finish_package(tmp, cached, original)
        for hook in POST_SAVE_HOOKS:
            hook(Path(source) if source else None, tmp)
        if original is not None:
            _refuse_losses(original, tmp, dest)
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


def _source_parts(source: Path) -> dict[str, bytes] | None:
    # The source package, to carry its drawings from; None when it cannot be read as a zip.
    try:
        return _read_parts(source)
    except (zipfile.BadZipFile, OSError):
        return None


def _read_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _finish_package(path: Path, cached: Mapping[CellKey, Any], source: Mapping[str, bytes] | None) -> None:
    # One read and (when anything changed) one rewrite of the saved package.
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        parts = {info.filename: zf.read(info) for info in infos}
    changed = _patch_cached_values(parts, cached)
    if source is not None:
        changed = _carry_drawings(source, parts) or changed
    if not changed:
        return
    known = {info.filename for info in infos}
    new = [zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)) for name in sorted(set(parts) - known)]
    tmp = path.with_suffix(path.suffix + ".patch")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
            for info in [i for i in infos if i.filename in parts] + new:
                info.compress_type = zipfile.ZIP_DEFLATED
                out.writestr(info, parts[info.filename])
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _patch_cached_values(parts: dict[str, bytes], cached: Mapping[CellKey, Any]) -> bool:
    # Put each formula's value into <v>; True when a sheet changed.
    by_part = {part: name for name, part in _sheets(parts).items()}
    changed = False
    for part, sheet in by_part.items():
        xml = parts.get(part)
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
            parts[part] = new.encode("utf-8")
            changed = True
    return changed


# ------------------------------------------------------------------ Private API: drawings
def _carry_drawings(source: Mapping[str, bytes], parts: dict[str, bytes]) -> bool:
    """Give each sheet of ``parts`` the drawing, header/footer and background pictures its
    namesake in ``source`` has, with every part they use; True when something was carried."""
    src_sheets, sheets = _sheets(source), _sheets(parts)
    plan = []  # (saved sheet part, element, relationship type, source target)
    for name, src_part in src_sheets.items():
        if name not in sheets or src_part not in source:
            continue
        rels = _rels(source, src_part)
        for tag in _CARRIED:
            rel = rels.get(_element_rid(source[src_part], tag) or "")
            if rel and rel.get("TargetMode") != "External" and rel["target"] in source:
                plan.append((sheets[name], tag, rel["Type"], rel["target"]))
    if not plan:
        return False
    dropped = [old for part, tag, _, _ in plan if (old := _detach(parts, part, tag))]
    _drop_unused(parts, dropped)
    stop = set(src_sheets.values()) | {"xl/workbook.xml"}
    copied: dict[str, str] = {}
    for part, tag, rel_type, target in plan:
        _attach(parts, part, tag, rel_type, _copy_part(source, parts, target, copied, stop))
    return True


def _sheets(parts: Mapping[str, bytes]) -> dict[str, str]:
    # sheet name → part, for worksheets and chart sheets
    if "xl/workbook.xml" not in parts or "xl/_rels/workbook.xml.rels" not in parts:
        return {}
    return sheet_parts(parts["xl/workbook.xml"], parts["xl/_rels/workbook.xml.rels"])


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _resolve(part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def _rels(parts: Mapping[str, bytes], part: str) -> dict[str, dict[str, str]]:
    # Id → attributes of each relationship of ``part``, with "target" the resolved part name.
    out = {}
    for m in _RELATIONSHIP.finditer(parts.get(_rels_name(part), b"").decode("utf-8")):
        attrs = dict(_ATTR.findall(m.group(0)))
        if "Id" in attrs and "Target" in attrs:
            attrs["target"] = _resolve(part, attrs["Target"])
            out[attrs["Id"]] = attrs
    return out


def _element_rid(xml: bytes, tag: str) -> str | None:
    m = re.search(rf'<{tag}\b[^>]*?\b[\w]+:id="([^"]+)"'.encode(), xml)
    return m.group(1).decode() if m else None


def _detach(parts: dict[str, bytes], sheet: str, tag: str) -> str | None:
    # Remove what openpyxl wrote for ``tag`` on a sheet; the part it pointed at, if any.
    rid = _element_rid(parts[sheet], tag)
    if rid is None:
        return None
    xml = parts[sheet].decode("utf-8")
    parts[sheet] = re.sub(rf"<{tag}\b[^>]*/>", "", xml, count=1).encode("utf-8")
    rel = _rels(parts, sheet).get(rid)
    name = _rels_name(sheet)
    parts[name] = re.sub(rf'<Relationship\b[^>]*\bId="{re.escape(rid)}"[^>]*?/?>', "",
                         parts[name].decode("utf-8")).encode("utf-8")
    return rel["target"] if rel and rel.get("TargetMode") != "External" else None


def _drop_unused(parts: dict[str, bytes], roots: Sequence[str]) -> None:
    # Delete the parts reachable from ``roots`` that nothing points at any more.
    candidates: set[str] = set()
    todo = list(roots)
    while todo:
        part = todo.pop()
        if part in candidates or part not in parts:
            continue
        candidates.add(part)
        todo.extend(r["target"] for r in _rels(parts, part).values() if r.get("TargetMode") != "External")
    while True:
        used = {r["target"] for owner in _rel_owners(parts) for r in _rels(parts, owner).values()
                if r.get("TargetMode") != "External"}
        unused = {p for p in candidates if p in parts and p not in used}
        if not unused:
            break
        for part in unused:
            parts.pop(part, None)
            parts.pop(_rels_name(part), None)
    types = parts[_CT].decode("utf-8")
    for part in candidates - set(parts):
        types = re.sub(rf'<Override\b[^>]*\bPartName="/{re.escape(part)}"[^>]*/>', "", types)
    parts[_CT] = types.encode("utf-8")


def _rel_owners(parts: Mapping[str, bytes]) -> list[str]:
    # The part each .rels file belongs to ("" for the package's own _rels/.rels).
    owners = []
    for name in parts:
        folder, base = posixpath.split(name)
        if posixpath.basename(folder) == "_rels" and base.endswith(".rels"):
            owner = posixpath.join(posixpath.dirname(folder), base[:-5])
            if owner == "" or owner in parts:
                owners.append(owner)
    return owners


def _copy_part(source: Mapping[str, bytes], parts: dict[str, bytes], part: str,
               copied: dict[str, str], stop: set[str]) -> str:
    """Copy ``part`` and every part it points at (except ``stop``) from ``source`` into
    ``parts``, renaming on a clash; the name it has in ``parts``."""
    if part in copied:
        return copied[part]
    name = part if part not in parts else _free_name(parts, part)
    copied[part] = name
    parts[name] = source[part]
    _copy_content_type(source, parts, part, name)
    raw = source.get(_rels_name(part))
    if raw is None:
        return name

    def retarget(m: re.Match[str]) -> str:
        attrs = dict(_ATTR.findall(m.group(0)))
        if attrs.get("TargetMode") == "External" or "Target" not in attrs:
            return m.group(0)
        target = _resolve(part, attrs["Target"])
        if target in stop or target not in source:
            new = target
        else:
            new = _copy_part(source, parts, target, copied, stop)
        if new == target and name == part:
            return m.group(0)
        rel = posixpath.relpath(new, posixpath.dirname(name))
        return m.group(0).replace(f'Target="{attrs["Target"]}"', f'Target="{escape(rel)}"', 1)

    parts[_rels_name(name)] = _RELATIONSHIP.sub(retarget, raw.decode("utf-8")).encode("utf-8")
    return name


def _free_name(parts: Mapping[str, bytes], part: str) -> str:
    folder, base = posixpath.split(part)
    stem, dot, ext = base.rpartition(".")
    stem = stem.rstrip("0123456789") if dot else base.rstrip("0123456789")
    n = 1
    while (name := posixpath.join(folder, f"{stem}{n}{dot}{ext}" if dot else f"{stem}{n}")) in parts:
        n += 1
    return name


def _content_types(parts: Mapping[str, bytes]) -> tuple[dict[str, str], dict[str, str]]:
    # (extension → default type, part → override type)
    xml = parts.get(_CT, b"").decode("utf-8")
    defaults, overrides = {}, {}
    for tag in re.findall(r"<(?:Default|Override)\b[^>]*>", xml):
        a = dict(_ATTR.findall(tag))
        if "Extension" in a:
            defaults[a["Extension"].lower()] = a.get("ContentType", "")
        elif "PartName" in a:
            overrides[a["PartName"].lstrip("/")] = a.get("ContentType", "")
    return defaults, overrides


def _copy_content_type(source: Mapping[str, bytes], parts: dict[str, bytes], part: str, name: str) -> None:
    src_defaults, src_overrides = _content_types(source)
    defaults, overrides = _content_types(parts)
    ext = posixpath.splitext(name)[1].lstrip(".").lower()
    ctype = src_overrides.get(part) or src_defaults.get(posixpath.splitext(part)[1].lstrip(".").lower())
    if not ctype or overrides.get(name) == ctype or (name not in overrides and defaults.get(ext) == ctype):
        return
    if part in src_overrides or ext in defaults or not ext:
        entry = f'<Override PartName="/{escape(name)}" ContentType="{escape(ctype)}"/>'
    else:
        entry = f'<Default Extension="{escape(ext)}" ContentType="{escape(ctype)}"/>'
    parts[_CT] = parts[_CT].decode("utf-8").replace("</Types>", entry + "</Types>").encode("utf-8")


def _attach(parts: dict[str, bytes], sheet: str, tag: str, rel_type: str, target: str) -> None:
    # Point ``sheet`` at ``target`` with a new <tag r:id> in its schema place.
    rels = _rels(parts, sheet)
    n = 1
    while f"rId{n}" in rels:
        n += 1
    rid = f"rId{n}"
    rel = (f'<Relationship Id="{rid}" Type="{escape(rel_type)}" '
           f'Target="{escape(posixpath.relpath(target, posixpath.dirname(sheet)))}"/>')
    name = _rels_name(sheet)
    raw = parts.get(name, b"").decode("utf-8") or (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
    if "</Relationships>" not in raw:  # an empty <Relationships .../>
        raw = re.sub(r"<Relationships\b([^>]*?)\s*/>", r"<Relationships\1></Relationships>", raw)
    parts[name] = raw.replace("</Relationships>", rel + "</Relationships>").encode("utf-8")
    xml = parts[sheet].decode("utf-8")
    root = re.search(r"<(?:\w+:)?(?:worksheet|chartsheet)\b[^>]*>", xml)
    ns = "" if root and f'xmlns:r="{_R}"' in root.group(0) else f' xmlns:r="{_R}"'
    element = f'<{tag}{ns} r:id="{rid}"/>'
    later = _SHEET_TAIL[_SHEET_TAIL.index(tag) + 1:]
    found = [m.start() for t in later if (m := re.search(rf"<{t}\b", xml))]
    found += [m.start() for m in re.finditer(r"<mc:AlternateContent\b", xml)]
    end = re.search(r"</(?:\w+:)?(?:worksheet|chartsheet)>", xml)
    where = min(found + [end.start() if end else len(xml)])
    parts[sheet] = (xml[:where] + element + xml[where:]).encode("utf-8")


# ------------------------------------------------------------------ Private API: refusing losses
def _refuse_losses(source: Mapping[str, bytes], saved: Path, dest: Path) -> None:
    """Raise FileError naming what the saved package lost that ``source`` had (each sheet's
    drawing, pictures, embedded objects and controls)."""
    parts = _read_parts(saved)
    sheets = _sheets(parts)
    lost = []
    for name, src_part in _sheets(source).items():
        if name not in sheets or src_part not in source:
            continue
        had, has = _kept_things(source, src_part), _kept_things(parts, sheets[name])
        lost += [f"工作表“{name}”中的{_KEPT_NAMES[k]}" for k in _KEPT_NAMES if had[k] > has[k]]
    if lost:
        raise FileError(
            f"未保存：{'、'.join(lost)}在保存时会丢失（本工具不能保留它们）。"
            "为免丢失，没有写入任何文件，原工作簿未改动。请在 Excel 中手工修改；"
            "或先把这些对象移到另一个工作簿，再运行本命令。",
            path=str(dest), reason="unsafe")


def _kept_things(parts: Mapping[str, bytes], sheet: str) -> dict[str, int]:
    # How many of each _KEPT_NAMES kind a sheet shows (elements present; VML controls counted).
    xml = parts.get(sheet, b"")
    rels = _rels(parts, sheet)
    out = {k: int(re.search(rf"<{k}\b".encode(), xml) is not None) for k in _KEPT_NAMES}
    for tag in _CARRIED:  # a broken link in the source is nothing to lose
        rel = rels.get(_element_rid(xml, tag) or "")
        out[tag] = int(bool(rel) and rel["target"] in parts)
    vml = rels.get(_element_rid(xml, "legacyDrawing") or "")
    if vml:
        kinds = re.findall(rb'<(?:\w+:)?ClientData\b[^>]*ObjectType="([^"]+)"', parts.get(vml["target"], b""))
        out["controls"] = max(out["controls"], sum(1 for t in kinds if t != b"Note"))
    return out
