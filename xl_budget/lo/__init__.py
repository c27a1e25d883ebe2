"""LibreOffice Calc: the three buttons as a Python macro, installed by ``xl-budget libreoffice-setup``.

``xl_budget_calc.py`` is the script LibreOffice runs (copied into the user profile's
``Scripts/python`` folder with the path of this package written into it); ``calc.UnoBook`` is
the UNO-backed ``macros.LiveBook`` through which the same grids, parser, rules, annotations and
fill changes as the command line act on the open document.
"""

from __future__ import annotations

import os
import site
import sys
from pathlib import Path

SCRIPT = "xl_budget_calc.py"
_MARK = "XL_BUDGET_PATHS: list[str] = []"


def default_profile() -> Path:
    """The LibreOffice user profile folder of this user (``…/LibreOffice/4``)."""
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / "LibreOffice" / "4"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "LibreOffice" / "4"
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "libreoffice" / "4"


def package_paths() -> list[str]:
    """Folders LibreOffice's Python must search to import xl_budget and its dependencies."""
    here = str(Path(__file__).resolve().parent.parent.parent)
    paths = [here, *site.getsitepackages()]
    user = site.getusersitepackages()
    if isinstance(user, str):
        paths.append(user)
    return list(dict.fromkeys(p for p in paths if Path(p).is_dir()))


def script_text(paths: list[str] | None = None) -> str:
    """The macro script with the search paths of this installation written in."""
    text = (Path(__file__).resolve().parent / SCRIPT).read_text(encoding="utf-8")
    return text.replace(_MARK, f"XL_BUDGET_PATHS: list[str] = {paths if paths is not None else package_paths()!r}", 1)


def install(profile: str | Path | None = None) -> Path:
    """Copy the macro script into ``<profile>/user/Scripts/python``; returns the file written."""
    folder = Path(profile) if profile else default_profile()
    target = folder / "user" / "Scripts" / "python" / SCRIPT
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(script_text(), encoding="utf-8")
    os.replace(tmp, target)
    return target
