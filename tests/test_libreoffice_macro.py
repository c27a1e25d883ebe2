"""The Calc macro for real: a headless LibreOffice opens a workbook, runs the installed
``xl_budget_calc.py`` (validate, fill), saves a copy, and the marks are read back with openpyxl.

The driver runs under the system Python that has ``uno``; LibreOffice's own Python imports
xl_budget through the paths ``xl-budget libreoffice-setup`` wrote into the script. Skipped only
where LibreOffice or python3-uno is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import openpyxl
import pytest
from seed_expected import seed_path
from typer.testing import CliRunner

from xl_budget import excel
from xl_budget.annotate import MARKER, MARKS_SHEET, RESULTS_SHEET, SEVERITY_FILLS
from xl_budget.check import check_file
from xl_budget.cli import app
from xl_budget.fill import LOG_SHEET, fill_file
from xl_budget.grids import read_grids
from xl_budget.importer import import_text
from xl_budget.lo.calc import from_calc, to_calc
from xl_budget.template import write_book

SYSTEM_PYTHON = "/usr/bin/python3"


def _has_uno() -> bool:
    if not shutil.which("soffice") or not Path(SYSTEM_PYTHON).exists():
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0


needs_lo = pytest.mark.skipif(not _has_uno(), reason="LibreOffice with python3-uno not installed")


def lo_environ(**extra: str) -> dict[str, str]:
    """The environment for soffice: pyenv (and `python -m pytest` through its shim) puts its own
    Python's bin folder first on PATH; LibreOffice's embedded Python then finds that python3 and
    loads a foreign standard library, and the script call dies with std::bad_alloc after 60 s.
    Put the system's folders first, as a desktop session has them."""
    path = os.environ.get("PATH", "")
    kept = [p for p in path.split(os.pathsep) if ".pyenv" not in p and "/venv" not in p]
    return {**os.environ, "PATH": os.pathsep.join(["/usr/bin", "/bin", *kept]), **extra}


DRIVER = r'''
import os, signal, subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue

def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p

profile, src, dest, script, port = sys.argv[1:6]
proc = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nologo",
                         "-env:UserInstallation=" + uno.systemPathToFileUrl(profile),
                         "--accept=socket,host=127.0.0.1,port=%s;urp;" % port],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(480):
        try:
            ctx = resolver.resolve("uno:socket,host=127.0.0.1,port=%s;urp;StarOffice.ComponentContext" % port)
            break
        except Exception:
            time.sleep(0.25)
    else:
        sys.exit("soffice did not start")
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
    url = "vnd.sun.star.script:%s?language=Python&location=user" % script
    doc.getScriptProvider().getScript(url).invoke((doc,), (), ())
    doc.storeToURL(uno.systemPathToFileUrl(dest), (prop("FilterName", "Calc MS Excel 2007 XML"),))
    doc.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass
finally:
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # soffice.bin runs in the group we started
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lo_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("lo")
    profile = base / "profile"
    # A new profile is initialised on its first start; scripts invoked during that start fail.
    subprocess.run(["soffice", "--headless", "--norestore", "--terminate_after_init",
                    f"-env:UserInstallation={profile.as_uri()}"], capture_output=True, timeout=180,
                   env=lo_environ())
    result = CliRunner().invoke(app, ["libreoffice-setup", "--profile", str(profile)])
    assert result.exit_code == 0, result.output
    script = profile / "user" / "Scripts" / "python" / "xl_budget_calc.py"
    assert script.exists() and str(script) in result.output
    seed = base / "seed.xlsx"
    write_book(import_text(seed_path()), seed)
    (base / "driver.py").write_text(DRIVER, encoding="utf-8")
    return {"base": base, "profile": profile, "seed": seed, "driver": base / "driver.py"}


def run_macro(env: dict[str, Path], action: str, src: Path, dest: Path,
              script: str = "xl_budget_calc.py", extra: dict[str, str] | None = None) -> list[str]:
    log = env["base"] / f"messages-{action}.txt"
    log.unlink(missing_ok=True)
    run = subprocess.run([SYSTEM_PYTHON, str(env["driver"]), str(env["profile"]), str(src), str(dest),
                          f"{script}${action}", str(free_port())], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=240, env=lo_environ(XL_BUDGET_MESSAGE_LOG=str(log), **(extra or {})))
    assert run.returncode == 0, run.stderr[-3000:]
    assert dest.exists()
    return [m.strip() for m in log.read_text(encoding="utf-8").split("\x1e") if m.strip()] if log.exists() else []


def test_formula_syntax_round_trips() -> None:
    excel_formula = "=IF(N(B12)=0,\"a,b\",SUM('项目1'!C4,'项 目2'!C4:D4)/ROUND(C4*F7,2))"
    calc = to_calc(excel_formula)
    assert calc == "=IF(N(B12)=0;\"a,b\";SUM($'项目1'.C4;$'项 目2'.C4:$'项 目2'.D4)/ROUND(C4*F7;2))"
    assert from_calc(calc) == excel_formula
    assert from_calc("=SUM($项目1.C4;$项目2.B8:C8)") == "=SUM(项目1!C4,项目2!B8:C8)"


@needs_lo
def test_calc_macro_validates_the_open_document(lo_env: dict[str, Path]) -> None:
    out = lo_env["base"] / "validated.xlsx"
    messages = run_macro(lo_env, "validate", lo_env["seed"], out)
    _, task = check_file(lo_env["seed"])
    errors = sum(f.severity == "error" for f in task.findings)
    assert len(messages) == 1 and messages[0].startswith("校验完成") and f"错误 {errors} 项" in messages[0]

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-2:] == [RESULTS_SHEET, MARKS_SHEET] and wb[MARKS_SHEET].sheet_state == "hidden"
    rows = [list(r) for r in wb[RESULTS_SHEET].iter_rows(values_only=True)]
    header = rows.index(["文件", "工作表", "单元格", "项目编码", "代码", "级别", "说明"])
    assert [(r[1], r[2], r[4]) for r in rows[header + 1:]] == [(f.sheet, f.cell, f.code) for f in task.findings]
    marked = 0
    for f in task.findings:
        if f.severity != "error" or not f.sheet or not f.cell or not f.sheet.startswith("项目"):
            continue
        cell = wb[f.sheet][f.cell]
        assert cell.fill.fgColor.rgb.endswith(SEVERITY_FILLS[f.severity])
        assert cell.comment is not None and MARKER in cell.comment.text and f.code in cell.comment.text
        marked += 1
    assert marked >= 3
    link = wb[RESULTS_SHEET].cell(header + 2, 3).hyperlink
    assert link is not None and "项目1" in (link.location or link.target or "")


@needs_lo
def test_calc_macro_fills_like_the_command_line(lo_env: dict[str, Path]) -> None:
    out = lo_env["base"] / "filled_lo.xlsx"
    messages = run_macro(lo_env, "fill", lo_env["seed"], out)
    cli = fill_file(lo_env["seed"], lo_env["base"] / "filled_cli.xlsx")
    assert messages and f"修改了 {len(cli.changes)} 个单元格" in messages[0]
    lo = {g.name: g for g in read_grids(out)}
    ref = {g.name: g for g in read_grids(lo_env["base"] / "filled_cli.xlsx")}
    for ch in cli.changes:
        assert lo[ch.sheet].get(ch.cell) == pytest.approx(ref[ch.sheet].get(ch.cell)), ch
    assert LOG_SHEET in lo and len([r for r in lo[LOG_SHEET].rows if r and r[0]]) == 2 + len(cli.changes)


@needs_lo
def test_libreoffice_reads_our_vba_module(lo_env: dict[str, Path], tmp_path: Path) -> None:
    # A third-party reader of MS-OVBA: LibreOffice's VBA import sees XlBudget and its subs.
    # (Only the copy is opened: an .xlsm must never be round-tripped through LibreOffice.)
    book = tmp_path / "macros.xlsm"
    assert CliRunner().invoke(app, ["new", str(book), "--macros"]).exit_code == 0
    probe = lo_env["profile"] / "user" / "Scripts" / "python" / "xlb_probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    found = tmp_path / "vba.txt"
    run_macro(lo_env, "probe", book, tmp_path / "copy.xlsx", script="xlb_probe.py",
              extra={"XLB_PROBE_OUT": str(found)})
    text = found.read_text(encoding="utf-8")
    assert "'XlBudget" in text and "'xlwings" in text
    for sub in excel.MACROS:
        assert f"Sub {sub}()" in text
    assert 'RunPython "import xl_budget.macros as m; m.validate()"' in text


PROBE = '''
def probe(doc=None, *args):
    libs = doc.BasicLibraries
    out = []
    if libs.hasByName("VBAProject"):
        lib = libs.getByName("VBAProject")
        for name in lib.getElementNames():
            out.append("'" + name + "\\n" + lib.getByName(name))
    import os
    with open(os.environ["XLB_PROBE_OUT"], "w", encoding="utf-8") as fh:
        fh.write("\\n".join(out))
g_exportedScripts = (probe,)
'''
