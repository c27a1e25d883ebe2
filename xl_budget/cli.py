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
from rich.markup import escape

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
    """Print a Chinese error message (plain text, never rich markup) and return the Exit to raise."""
    err.print(f"[bold red]错误：[/]{escape(message)}", highlight=False, soft_wrap=True)
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


# ------------------------------------------------------------------ validate
@app.command("validate")
def validate_cmd(
    # optional for typer, so that a call without files gets the Chinese message below
    workbooks: Annotated[list[Path] | None, typer.Argument(
        help="要校验的工作簿；给出文件夹时校验其中全部 .xlsx/.xlsm/.xls/.ods", show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", help="输出格式：text（每个问题一行）或 json")] = "text",
    annotate: Annotated[Path | None, typer.Option(
        "--annotate", help="把问题标注到此工作簿（多个输入时为文件夹），原文件不变")] = None,
    in_place: Annotated[bool, typer.Option("--in-place", help="直接在原工作簿上标注问题")] = False,
    profile: Annotated[str | None, typer.Option(
        "--profile", help="规则配置：default、central2021 或 .toml 文件路径")] = None,
    select: Annotated[str | None, typer.Option(
        "--select", help="只运行这些规则，逗号分隔：代码 B002、类别 I 或分组 budget")] = None,
) -> None:
    """校验工作簿：列出每个问题（文件、单元格、原因、改法）；可把问题标注到工作簿上。

    退出状态：0 没有错误（可有警告），1 发现错误（含无法打开的文件），2 参数错误或路径不存在。
    """

    from xl_budget import api

    if not workbooks:
        raise fail("请给出要校验的工作簿文件或文件夹，如：xl-budget validate 单位.xlsx")
    if fmt not in ("text", "json"):
        raise fail(f"--format 只能是 text 或 json（收到 {fmt}）")
    if annotate is not None and in_place:
        raise fail("--annotate 与 --in-place 不能同时使用：前者另存标注结果，后者直接修改原工作簿")
    try:  # expand_paths also refuses paths that do not exist
        files = api.expand_paths(workbooks)
        targets = api.annotate_targets(files, annotate, in_place)
        report = api.validate(files, profile, select)
    except XlBudgetError as exc:
        raise fail(str(exc)) from None
    sys.stdout.write(report.to_json() + "\n" if fmt == "json" else
                     "".join(f.line() + "\n" for f in report.findings))
    sys.stdout.flush()
    written = api.annotate_report(
        report, targets, lambda msg: err.print(msg, highlight=False, markup=False, soft_wrap=True))
    if fmt == "text" and sys.stdout.isatty():
        Console().print(api.summary_table(report))
    elif fmt == "text":
        err.print(api.summary_line(report), highlight=False, soft_wrap=True)
    raise typer.Exit(2 if not written else 0 if report.valid else 1)


# ------------------------------------------------------------------ rules
@app.command("rules")
def rules_cmd() -> None:
    """列出全部校验规则：代码、级别、名称、标题。"""
    from rich.table import Table

    from xl_budget.docs import rule_rows

    rows = rule_rows()
    if not sys.stdout.isatty():
        sys.stdout.write("".join("\t".join(row) + "\n" for row in rows))
        return
    table = Table(title=f"校验规则（{len(rows)} 条）")
    for title in ("代码", "级别", "名称", "标题"):
        table.add_column(title)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


@app.command("rule")
def rule_cmd(
    code: Annotated[str, typer.Argument(help="规则代码，如 B002")],
) -> None:
    """显示一条规则的详细说明（反例与正确做法）。"""

    from xl_budget.docs import rule_text

    text = rule_text(code)
    if text is None:
        raise fail(f"没有规则 {code}：运行 xl-budget rules 查看全部规则代码")
    sys.stdout.write(text + "\n")


# ------------------------------------------------------------------ fill
@app.command("fill")
def fill_cmd(
    workbook: Annotated[Path, typer.Argument(help="要填充的工作簿（.xlsx 或 .xlsm）")],
    out: Annotated[Path | None, typer.Option(
        "-o", "--output", help="另存为此文件；不给时直接修改原工作簿")] = None,
    profile: Annotated[str | None, typer.Option(
        "--profile", help="规则配置：default、central2021 或 .toml 文件路径")] = None,
) -> None:
    """填充合计数与资金支出计划：补齐预算数/财政资金/其他资金、支出进度、单位汇总，并记录到“填充记录”表。

    退出状态：0 全部填好，1 有单元格无法填充（逐条列出），2 参数错误或文件无法读取。
    """
    from xl_budget.fill import fill_file
    from xl_budget.profile import load_profile

    existing([workbook])
    try:
        result = fill_file(workbook, out, load_profile(profile))
    except XlBudgetError as exc:
        raise fail(f"{workbook.name}：{exc}") from None
    for change in result.changes:
        typer.echo(change.line())
    for finding in result.findings:
        typer.echo(finding.line())
    for note in result.notes:
        err.print(f"提示：{escape(note)}", highlight=False, soft_wrap=True)
    target = out or workbook
    summary = f"已填充 {len(result.changes)} 处" if result.changes else "无需填充：没有需要修改的单元格"
    if result.findings:
        summary += f"；{len(result.findings)} 处无法填充，请按上面的提示修改"
    saved = f"已保存：{target}" if result.changes or out else ""
    err.print(escape(f"{summary}。{saved}"), highlight=False, soft_wrap=True)
    raise typer.Exit(0 if result.complete else 1)


# ------------------------------------------------------------------ consolidate
@app.command("consolidate")
def consolidate_cmd(
    inputs: Annotated[list[Path], typer.Argument(help="单位工作簿所在的文件夹或文件（文件夹含子文件夹）")],
    out: Annotated[Path, typer.Option("-o", "--output", help="输出的全县汇总工作簿 .xlsx")],
    units: Annotated[Path | None, typer.Option(
        "--units", help="应报送单位名单 CSV（单位编码,单位名称；UTF-8 或 GBK）")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", min=1, help="并行进程数（默认：全部 CPU 核）")] = None,
    csv_dir: Annotated[Path | None, typer.Option(
        "--csv", help="另把各表写成 UTF-8（带 BOM）的 CSV 文件到此文件夹")] = None,
    max_size: Annotated[float, typer.Option(
        "--max-size", min=0.001, help="单个文件大小上限（MB），超过的文件拒绝读取")] = 50,
    profile: Annotated[str | None, typer.Option(
        "--profile", help="规则配置：default、central2021 或 .toml 文件路径")] = None,
) -> None:
    """汇总全县：把各单位工作簿合成一个汇总工作簿（汇总、项目、指标、问题、进度）。

    每个文件都会在“汇总”表中占一行（无法读取的文件注明原因）。退出状态：0 已写出，2 未写出。
    """
    from xl_budget.consolidate import consolidate, progress_reporter

    existing(inputs)
    report, done = progress_reporter(err)
    try:
        result = consolidate(inputs, out, units=units, jobs=jobs, profile=profile,
                             max_bytes=int(max_size * 1024 * 1024), csv_dir=csv_dir, progress=report)
    except XlBudgetError as exc:
        raise fail(str(exc)) from None
    finally:
        done()
    counts = "，".join(f"{k} {v} 个" for k, v in sorted(result.statuses.items()) if v)
    err.print(f"已汇总 {result.files} 个文件（{result.units} 个单位、{result.projects} 个项目，"
              f"计入合计 {result.counted} 个文件；{counts}）：{result.out}", highlight=False, soft_wrap=True)
    for path in result.csv_files:
        err.print(f"CSV：{path}", highlight=False)


# ------------------------------------------------------------------ excel-setup
@app.command("excel-setup")
def excel_setup_cmd(
    workbook: Annotated[Path | None, typer.Argument(
        help="可选：带宏的工作簿（.xlsm），把本机 Python 路径写入其 xlwings.conf 工作表")] = None,
    interpreter: Annotated[str | None, typer.Option(
        "--interpreter", help="写入 Interpreter_Win 的 python.exe 路径（默认：运行本命令的 Python）")] = None,
) -> None:
    """说明 Windows 上让 Excel 按钮（校验/填充/汇总）可用的每一步，并显示本机 Python 路径。"""
    import sys as _sys

    exe = interpreter or _sys.executable
    steps = [
        "在 Excel 中使用“校验 / 填充 / 汇总”按钮（xl-budget new --macros 生成的 .xlsm）：",
        "1. 安装 Python 3.11 或更高版本（python.org 下载，安装时勾选“Add python.exe to PATH”）。",
        '2. 打开“命令提示符”，运行：pip install "xl_budget[excel]"（同时安装 xlwings 和 pywin32）。',
        "3. 本工作簿自带 xlwings 的 VBA 代码（独立模式），无需运行 xlwings addin install。",
        "4. Excel → 文件 → 选项 → 信任中心 → 信任中心设置 → 宏设置：选“禁用所有宏，并发出通知”，"
        "并勾选“信任对 VBA 工程对象模型的访问”；打开工作簿时点“启用内容”。",
        "   如果文件来自网络或邮件：右键文件 → 属性 → 勾选“解除锁定”。",
        f"5. 在工作簿的 xlwings.conf 工作表中，Interpreter_Win 一行的 B 列填写 Python 的完整路径：\n   {exe}",
        "   （留空则使用 PATH 中的 python；也可运行 xl-budget excel-setup 工作簿.xlsm 自动写入）",
        "6. 若点按钮后没有反应或提示找不到 Python：公司的 Defender/杀毒策略可能禁止 Office 启动 cmd.exe"
        "（“阻止 Office 应用程序创建子进程”规则），请联系信息管理员放行，或直接使用命令：",
        "   xl-budget validate 工作簿.xlsm --in-place    xl-budget fill 工作簿.xlsm    "
        "xl-budget consolidate 文件夹 -o 汇总结果.xlsx",
        "7. 第一次点击按钮需要启动 Python，可能要等几秒。WPS 不支持这些按钮，请使用上面的命令。",
    ]
    typer.echo("\n".join(steps))
    try:
        import xlwings as _xw

        typer.echo(f"\n已安装 xlwings {_xw.__version__}；本机 Python：{exe}")
    except ImportError:
        typer.echo(f'\n尚未安装 xlwings：请运行 pip install "xl_budget[excel]"。本机 Python：{exe}')
    if workbook is not None:
        from xl_budget import excel

        existing([workbook])
        if workbook.suffix.lower() != ".xlsm":
            raise fail(f"只能写入带宏的工作簿（.xlsm）：{workbook}")
        if _sys.platform == "darwin" and interpreter is None:
            excel.set_interpreter(workbook, interpreter_mac=exe)
        else:
            excel.set_interpreter(workbook, interpreter_win=exe)
        typer.echo(f"已把 Python 路径写入 {workbook} 的 xlwings.conf 工作表。")


# ------------------------------------------------------------------ libreoffice-setup
@app.command("libreoffice-setup")
def libreoffice_setup_cmd(
    profile: Annotated[Path | None, typer.Option(
        "--profile", help="LibreOffice 用户配置文件夹（默认：本用户的 LibreOffice/4）")] = None,
) -> None:
    """把“校验/填充/汇总”宏安装到 LibreOffice（我的宏 → xl_budget_calc）。"""
    from xl_budget import lo

    try:
        target = lo.install(profile)
    except OSError as exc:
        raise fail(f"无法写入 LibreOffice 配置文件夹：{exc}") from exc
    typer.echo(f"已安装 LibreOffice 宏：{target}")
    typer.echo("使用方法：在 LibreOffice Calc 中打开工作簿 → 工具 → 宏 → 运行宏 → 我的宏 → "
               "xl_budget_calc → 选择 validate（校验）、fill（填充）或 consolidate（汇总）→ 运行。")
    typer.echo("LibreOffice 必须带 Python 脚本支持（Debian/Ubuntu：apt install libreoffice-script-provider-python），"
               "且其 Python 与安装 xl_budget 的 Python 版本相同（3.11 对 3.11）。")


def main() -> None:
    """Console entry point: turns XlBudgetError into a Chinese message and exit status 2."""
    try:
        app()
    except XlBudgetError as exc:
        err.print(f"[bold red]错误：[/]{escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("已中断。")
        sys.exit(130)
