"""The public Python API: validate workbooks and mark the findings on them.

    >>> from xl_budget.api import validate, annotate_file
    >>> report = validate(["单位A.xlsx", "收件箱/"])          # a folder means its workbooks
    >>> report.valid, report.stats
    >>> annotate_file("单位A.xlsx", "单位A_已标注.xlsx", report)

``xl_budget.validate`` is this ``validate``; the command ``xl-budget validate`` is a thin layer
over the same functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from rich.table import Table

from xl_budget.annotate import (
    Canvas,
    Entry,
    Note,
    OpenpyxlCanvas,
    annotate_file,
    apply,
    check_target,
    restore,
)
from xl_budget.errors import InputError, XlBudgetError
from xl_budget.findings import STATUS_LABELS, Finding, Report, ReportTask, Severity
from xl_budget.profile import Profile

__all__ = [
    "Canvas", "Entry", "Finding", "Note", "OpenpyxlCanvas", "Report", "ReportTask", "Severity",
    "annotate_file", "annotate_report", "annotate_targets", "apply", "expand_paths",
    "filter_report", "restore", "selected_codes", "summary_line", "summary_table", "validate",
]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
ALWAYS_REPORTED = frozenset({"F001"})  # an unreadable file is reported whatever is selected


# ------------------------------------------------------------------ Public API
def validate(paths: str | Path | Iterable[str | Path], profile: str | Profile | None = None,
             select: Sequence[str] | str | None = None) -> Report:
    """Validate workbook files; a folder stands for the workbooks inside it.

    Args:
        paths: files and folders.
        profile: a Profile, a built-in profile name (``default``, ``central2021``) or a TOML path.
        select: only these rules: codes (``B002``), families (``I``) or groups (``budget``),
            as a list or comma-separated.
    Returns:
        A Report with one task per file; an unreadable file is a task with finding F001.
    Raises:
        InputError: a path does not exist, a folder holds no workbook, a selector is unknown.
    """
    from xl_budget.check import validate as check_validate

    files = expand_paths([paths] if isinstance(paths, str | Path) else paths)
    codes = selected_codes(select)
    return filter_report(check_validate(files, profile), codes)


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, each folder replaced by its workbooks (sorted, not recursive).

    Excel's lock files (``~$name.xlsx``) and hidden files are skipped.

    Raises:
        InputError: a path does not exist or a folder holds no workbook.
    """
    out: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise InputError(f"找不到文件或文件夹：{path}")
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if _is_workbook(p))
            if not found:
                raise InputError(f"文件夹 {path} 中没有工作簿（.xlsx/.xlsm/.xls/.ods）")
            out.extend(found)
        else:
            out.append(path)
    return out


def selected_codes(select: Sequence[str] | str | None) -> frozenset[str] | None:
    """The rule codes chosen by selectors (code, family letter or group); None = all rules.

    Raises:
        InputError: a selector matches no rule.
    """
    from xl_budget.rules import get_rules

    tokens = _tokens(select)
    if not tokens:
        return None
    rules = get_rules()
    codes: set[str] = set()
    unknown = []
    for token in tokens:
        hits = {r.code for r in rules if token.upper() in {r.code, r.family()} or token in r.groups}
        codes |= hits
        if not hits:
            unknown.append(token)
    if unknown:
        raise InputError("没有这样的规则：" + "、".join(unknown)
                         + "（--select 接受规则代码如 B002、类别字母如 I，或分组名如 budget；"
                           "运行 xl-budget rules 查看全部规则）")
    return frozenset(codes | ALWAYS_REPORTED)


def filter_report(report: Report, codes: frozenset[str] | None) -> Report:
    """The report with only the findings whose code is in ``codes`` (all when None)."""
    if codes is None:
        return report
    tasks = [t.model_copy(update={"findings": [f for f in t.findings if f.code in codes]})
             for t in report.tasks]
    return Report(tasks=tasks, extra=[f for f in report.extra if f.code in codes])


def summary_line(report: Report) -> str:
    """A one-line Chinese summary: files by status, findings by severity."""
    stats = report.stats
    status = {s: sum(t.status == s for t in report.tasks) for s in ("ok", "warnings", "errors", "unreadable")}
    files = f"共校验 {stats['files']} 个文件：通过 {status['ok']} 个，有警告 {status['warnings']} 个，" \
            f"有错误 {status['errors'] + status['unreadable']} 个"
    if status["unreadable"]:
        files += f"（其中无法读取 {status['unreadable']} 个）"
    return (f"{files}；错误 {stats['errors']} 条，警告 {stats['warnings']} 条，提示 {stats['infos']} 条。"
            + ("" if report.valid else "请修改全部错误后重新校验。"))


def summary_table(report: Report) -> Table:
    """A rich table, one row a file (状态, 错误, 警告, 提示), captioned with ``summary_line``."""
    table = Table(title="校验结果", caption=summary_line(report))
    for title in ("文件", "状态", "错误", "警告", "提示"):
        table.add_column(title, justify="left" if title in ("文件", "状态") else "right")
    for task in report.tasks:
        infos = sum(f.severity == Severity.info for f in task.findings)
        table.add_row(task.file, STATUS_LABELS[task.status], str(task.errors), str(task.warnings),
                      str(infos))
    return table


def annotate_targets(files: Sequence[Path], annotate: Path | None,
                     in_place: bool) -> dict[Path, Path]:
    """Where each file's annotated copy goes (``--annotate OUT`` / ``--in-place``).

    Args:
        files: the workbooks to validate.
        annotate: a workbook file (one input) or an existing folder (any number of inputs).
        in_place: annotate every input itself.
    Raises:
        InputError: several inputs but OUT is no folder, two inputs with the same name, an
            output folder that would overwrite the inputs, a mismatched extension.
    """
    if in_place:
        return {f: f for f in files}
    if annotate is None:
        return {}
    if not annotate.is_dir():
        if len(files) != 1:
            raise InputError(f"校验多个工作簿时，--annotate 必须是已存在的文件夹（收到 {annotate}）")
        check_target(files[0], annotate)
        return {files[0]: annotate}
    targets = {f: annotate / f.name for f in files}
    names = [f.name for f in files]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError("有同名的工作簿，标注结果会互相覆盖：" + "、".join(twice) + "；请分开校验")
    if any(_same(src, dest) for src, dest in targets.items()):
        raise InputError(f"输出文件夹 {annotate} 就是输入所在的文件夹，会覆盖原文件："
                         "请另选文件夹，或用 --in-place 直接修改原工作簿")
    return targets


def annotate_report(report: Report, targets: dict[Path, Path],
                    echo: Callable[[str], None] = print) -> bool:
    """Annotate each readable file of ``report`` that has a target; one failure never stops
    the others.

    Returns:
        False when a requested annotation could not be written (the reason is echoed).
    """
    ok = True
    for task in report.tasks:
        dest = targets.get(Path(task.file))
        if dest is None:
            continue
        if not task.readable:
            echo(f"未标注 {task.file}：文件无法打开（见 F001）")
            continue
        try:
            marked = annotate_file(task.file, dest, report)
        except XlBudgetError as exc:
            echo(f"未能标注 {task.file}：{exc}")
            ok = False
            continue
        echo(f"已标注 {marked} 个单元格：{dest}")
    return ok


# ------------------------------------------------------------------ Private API
def _same(a: Path, b: Path) -> bool:
    return b.exists() and a.resolve() == b.resolve()


def _is_workbook(path: Path) -> bool:
    return (path.is_file() and path.suffix.lower() in WORKBOOK_SUFFIXES
            and not path.name.startswith(("~$", ".")))


def _tokens(select: Sequence[str] | str | None) -> list[str]:
    if not select:
        return []
    items = [select] if isinstance(select, str) else list(select)
    return [t.strip().lstrip("#") for item in items for t in item.split(",") if t.strip().lstrip("#")]
