"""The ``xl-budget`` command: a thin typer adapter over the library.

Exit statuses (CONTRACT.md): 0 clean, 1 findings/some cells not filled, 2 bad arguments or I/O.
Every user-facing message is Chinese; no traceback reaches the user.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from xl_budget.errors import XlBudgetError

app = typer.Typer(
    name="xl-budget",
    help="预算绩效目标表：校验、填充、汇总。",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a Chinese error message and return the Exit to raise."""
    err.print(f"[bold red]错误：[/]{message}", highlight=False)
    return typer.Exit(code)


def existing(paths: list[Path]) -> list[Path]:
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise fail("找不到文件或文件夹：" + "、".join(str(p) for p in missing))
    return paths


# ------------------------------------------------------------------ new
@app.command("new")
def new_cmd(
    out: Annotated[Path, typer.Argument(help="输出的工作簿（.xlsx；加 --macros 时为 .xlsm）")],
    unit_code: Annotated[str | None, typer.Option("--unit-code", help="单位编码")] = None,
    unit_name: Annotated[str | None, typer.Option("--unit-name", help="单位名称")] = None,
    year: Annotated[int | None, typer.Option("--year", help="预算年度")] = None,
    projects: Annotated[int, typer.Option("--projects", min=1, max=200, help="项目表个数")] = 3,
    macros: Annotated[bool, typer.Option("--macros", help="生成带“校验/填充/汇总”按钮的 .xlsm")] = False,
) -> None:
    """生成空白的标准工作簿（单位信息、部门整体绩效目标、项目绩效目标表）。"""
    from xl_budget.template import new_workbook

    new_workbook(out, unit_code=unit_code, unit_name=unit_name, year=year, projects=projects,
                 macros=macros)
    typer.echo(f"已生成：{out}")


# ------------------------------------------------------------------ import
@app.command("import")
def import_cmd(
    doc: Annotated[Path, typer.Argument(help="部门预算绩效文本（从 PDF 提取的 .txt）")],
    out: Annotated[Path, typer.Option("-o", "--output", help="输出的工作簿 .xlsx")],
) -> None:
    """把已公开的部门预算绩效文本导入为标准工作簿。"""
    from xl_budget.importer import import_text
    from xl_budget.template import write_book

    existing([doc])
    book = import_text(doc)
    write_book(book, out)
    typer.echo(f"已导入 {len(book.projects)} 个项目：{out}")


# ------------------------------------------------------------------ export
@app.command("export")
def export_cmd(
    workbook: Annotated[Path, typer.Argument(help="要导出的工作簿")],
) -> None:
    """把工作簿解析为 JSON 输出到标准输出。"""
    from xl_budget.export import book_json
    from xl_budget.parse import read_book

    existing([workbook])
    sys.stdout.write(book_json(read_book(workbook)) + "\n")


def main() -> None:
    """Console entry point: turns XlBudgetError into a Chinese message and exit status 2."""
    try:
        app()
    except XlBudgetError as exc:
        err.print(f"[bold red]错误：[/]{exc}", highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("已中断。")
        sys.exit(130)
