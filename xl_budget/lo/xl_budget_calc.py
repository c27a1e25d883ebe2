"""xl_budget in LibreOffice Calc: 校验 (validate), 填充 (fill), 汇总 (consolidate).

Installed by ``xl-budget libreoffice-setup`` into the user profile's Scripts/python folder; run
from 工具 → 宏 → 运行宏 → 我的宏 → xl_budget_calc, or from a toolbar button bound to it. The
work is done by the xl_budget package found through the paths written in below at install time.
"""

import sys

XL_BUDGET_PATHS: list[str] = []

for _path in XL_BUDGET_PATHS:
    if _path not in sys.path:
        sys.path.append(_path)


def _run(action: str, args: tuple) -> None:
    # A caller may hand the document over (a script invoked over UNO); a menu, toolbar or
    # button call gets the document in front of the user.
    given = [a for a in args if hasattr(a, "Sheets")]
    doc = given[0] if given else XSCRIPTCONTEXT.getDocument()  # noqa: F821 - set by LibreOffice
    ctx = XSCRIPTCONTEXT.getComponentContext()  # noqa: F821
    try:
        from xl_budget.lo.calc import run_action
    except Exception as exc:  # the package or a dependency cannot be imported by this Python
        _box(ctx, doc, f"无法加载 xl_budget（{type(exc).__name__}: {exc}）。\n"
             f"LibreOffice 使用的 Python 是 {sys.version.split()[0]}：请用同一版本的 Python 安装 "
             "xl_budget 后重新运行 xl-budget libreoffice-setup。")
        return
    run_action(action, doc, ctx)


def _box(ctx, doc, message: str) -> None:
    try:
        smgr = ctx.getServiceManager()
        toolkit = smgr.createInstanceWithContext("com.sun.star.awt.Toolkit", ctx)
        window = doc.getCurrentController().getFrame().getContainerWindow()
        box = toolkit.createMessageBox(window, "errorbox", 1, "预算绩效目标", message)
        box.execute()
    except Exception:
        print(message, file=sys.stderr)


def validate(*args) -> None:
    """校验：在当前工作簿中标出所有问题，并列在“校验结果”工作表。"""
    _run("validate", args)


def fill(*args) -> None:
    """填充：计算合计与支出进度，修改列在“填充记录”工作表。"""
    _run("fill", args)


def consolidate(*args) -> None:
    """汇总：把本工作簿所在文件夹中各单位的工作簿汇总为“汇总结果.xlsx”。"""
    _run("consolidate", args)


g_exportedScripts = (validate, fill, consolidate)
