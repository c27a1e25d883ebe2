"""Fill, then let LibreOffice recalculate every formula: the numbers must be the ones fill cached.

LibreOffice normally trusts the cached values of an .xlsx; the profile below sets
``/org.openoffice.Office.Calc/Formula/Load OOXMLRecalcMode=0`` (always recalculate), and a
poisoned copy (every cached value 12345) proves that the recalculation really happens.
Skipped only where ``soffice`` is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from test_fill import (
    SEED,
    calamine,
    hand_built,
    hand_built_with_unit,
    project,
    template,
)

from xl_budget.fill import fill_file
from xl_budget.importer import import_text
from xl_budget.template import write_book
from xl_budget.writeback import load_for_edit, save_workbook

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
POISON = 12345


def _recalculate(files: list[Path], work: Path) -> dict[str, Path]:
    profile = work / "lo_profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    out = work / "recalculated"
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "xlsx:Calc Office Open XML", "--outdir", str(out), *map(str, files)],
        capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    return {f.name: out / f"{f.stem}.xlsx" for f in files}


def _formula_cells(path: Path) -> list[tuple[str, str]]:
    wb = openpyxl.load_workbook(path)
    return [(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.data_type == "f"]


def _poisoned(path: Path, dest: Path) -> Path:
    wb = load_for_edit(path)
    save_workbook(wb, dest, values=dict.fromkeys(_formula_cells(path), POISON))
    return dest


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("fill_lo")
    filled = []
    one = template(work, project(total=None, fiscal="4.5", other="0.36", plan=(None, None, "100", None),
                                 cost=None), name="one.xlsx")
    two = template(work, project(other=None, plan=(None,) * 4),
                   project(code="13082123P00019610001J", name="二", total="3", fiscal=None, other="1",
                           plan=("25", "100", None, None)), name="two.xlsx")
    filled += [one, two, hand_built(work), hand_built_with_unit(work)]
    if SEED:
        seed = work / "seed.xlsx"
        write_book(import_text(SEED[0]), seed)
        filled.append(seed)
    for path in filled:
        fill_file(path)
    poisoned = _poisoned(two, work / "poisoned.xlsx")
    return {"filled": filled, "poisoned": poisoned,
            "recalculated": _recalculate([*filled, poisoned], work)}


def _same(a: Any, b: Any) -> bool:
    if a in ("", None) and b in ("", None):
        return True
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(b))
    return a == b


def test_libreoffice_gives_the_numbers_fill_cached(books: dict[str, Any]) -> None:
    checked = 0
    for path in books["filled"]:
        ours, theirs = calamine(path), calamine(books["recalculated"][path.name])
        for key in _formula_cells(path):
            assert _same(ours.get(key), theirs.get(key)), (path.name, key, ours.get(key), theirs.get(key))
            checked += 1
        for key, value in ours.items():          # constants too: nothing else moved
            assert _same(value, theirs.get(key)), (path.name, key)
    assert checked >= 40


def test_libreoffice_really_recalculates(books: dict[str, Any]) -> None:
    poisoned = books["poisoned"]
    before = calamine(poisoned)
    after = calamine(books["recalculated"][poisoned.name])
    keys = [k for k in _formula_cells(poisoned) if k[0] != "项目1" or k[1] != "A1"]
    assert keys and all(before[k] == POISON for k in keys)
    assert all(after.get(k) != POISON for k in keys)
    assert after[("单位信息", "B12")] == pytest.approx(11)


def test_filled_values_are_right_before_any_recalculation(books: dict[str, Any]) -> None:
    one = calamine(next(p for p in books["filled"] if p.name == "one.xlsx"))
    assert one[("项目1", "C4")] == pytest.approx(4.86)
    assert one[("项目1", "F7")] == 1 and one[("项目1", "F8")] == pytest.approx(4.86)
    assert one[("单位信息", "B11")] == 1
    assert [one.get(("单位信息", c)) for c in ("D16", "E16", "F16", "G16")] == pytest.approx(
        [0, 0, 1, 1])
