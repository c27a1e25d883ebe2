"""The reader on workbooks saved by LibreOffice in other formats (.xls, .ods, and .xlsx re-saved)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from xl_budget.parse import read_book

WORKBOOK = Path(__file__).resolve().parents[1] / "workbooks" / "承德县科学技术协会_2023.xlsx"
FILTERS = {"xls": "xls:MS Excel 97", "ods": "ods", "xlsx": "xlsx:Calc MS Excel 2007 XML"}

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("formats")
    profile = out / "profile"
    src = out / "src.xlsx"
    shutil.copyfile(WORKBOOK, src)
    env = {**os.environ, "PATH": os.pathsep.join(["/usr/bin", "/bin", os.environ.get("PATH", "")])}
    paths = {}
    for ext, filt in FILTERS.items():
        folder = out / ext
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile.as_uri()}",
                        "--convert-to", filt, "--outdir", str(folder), str(src)],
                       check=True, capture_output=True, timeout=180, env=env)
        paths[ext] = folder / f"src.{ext}"
    return paths


@pytest.mark.parametrize("ext", sorted(FILTERS))
def test_libreoffice_saved_workbooks_read_the_same(saved: dict[str, Path], ext: str) -> None:
    expected = read_book(WORKBOOK)
    book = read_book(saved[ext])
    assert book.content() == expected.content()
    first = book.projects[0].indicators[0]
    assert (book.projects[0].sheet, first.cell("value")) == ("项目1", "E12")
    assert [p.schedule.values() for p in book.projects][0] == [None, None, 100, None]
