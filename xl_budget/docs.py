"""The rule reference, generated from the registry: ``python -m xl_budget.docs [--check] [OUT]``.

``docs/rules.md`` and the ``xl-budget rules`` / ``xl-budget rule CODE`` output all come from
the rule classes (code, severity, dotted name, Chinese title, groups, docstring, message
templates); nothing here is written by hand, so the reference cannot drift from the code.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Sequence
from pathlib import Path

from xl_budget.rules import get_rules, rule_by_code
from xl_budget.rules.base import BaseRule

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
REGENERATE = "python -m xl_budget.docs"
FAMILY_TITLES = {
    "F": "文件 File", "C": "项目标识 Project identity", "B": "预算 Budget",
    "P": "支出计划 Schedule", "G": "绩效目标 Goals", "I": "绩效指标 Indicators",
    "D": "部门 Department", "X": "汇总 Consolidation",
}


# ------------------------------------------------------------------ Public API
def rule_rows() -> list[tuple[str, str, str, str]]:
    """(code, severity, dotted name, Chinese title) of every registered rule, in catalogue order."""
    return [(r.code, r.severity.value, r.name, r.title) for r in get_rules()]


def rule_text(code: str) -> str | None:
    """The full description of one rule (title, docstring and messages), None if unknown."""
    rule = rule_by_code(code.strip())
    return _section(rule, heading="") if rule else None


def render() -> str:
    """The whole Markdown reference page."""
    rules = get_rules()
    lines = [
        "# 校验规则 · Rule reference",
        "",
        f"<!-- Generated from the rule registry by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "Severity: **error** blocks submission (exit status 1), **warning** and **info** do not.",
        "Select rules with `xl-budget validate --select CODE,FAMILY,GROUP` "
        "(e.g. `B002`, `I`, `budget`); disable them in a profile's `disable` list.",
        "",
        "| Code | Severity | 标题 Title | Name | Summary |",
        "|---|---|---|---|---|",
        *(f"| [{r.code}](#{r.code.lower()}) | {r.severity.value} | {_cell(r.title)} | `{r.name}` "
          f"| {_cell(r.summary())} |" for r in rules),
    ]
    family = None
    for rule in rules:
        if rule.family() != family:
            family = rule.family()
            lines += ["", f"## {family} — {FAMILY_TITLES.get(family, family)}"]
        lines += ["", f'<a id="{rule.code.lower()}"></a>', "", _section(rule, heading="### ")]
    return "\n".join(lines).rstrip() + "\n"


def write(path: str | Path = DOC_PATH) -> Path:
    """Write the reference page to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8", newline="\n")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m xl_budget.docs [--check] [OUT]``: write, or with --check compare, the page."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    rest = [a for a in args if a != "--check"]
    path = Path(rest[0]) if rest else DOC_PATH
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != render():
            print(f"{path} is out of date: run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    print(f"wrote {write(path)}")
    return 0


# ------------------------------------------------------------------ Private API
def _cell(text: str) -> str:
    # A Markdown table cell: no pipes, no line breaks.
    return text.replace("|", "\\|").replace("\n", " ")


def _section(rule: type[BaseRule], heading: str) -> str:
    doc = inspect.cleandoc(rule.__doc__ or "")
    lines = [f"{heading}{rule.code} · {rule.title}".lstrip(), "",
             f"- Severity: **{rule.severity.value}** ({rule.severity.label})",
             f"- Name: `{rule.name}`",
             f"- Groups: {', '.join(f'`{g}`' for g in rule.groups)}"]
    lines += ["", doc.strip()]
    lines += ["", "Messages:", ""]
    lines += [f"- `{key}`: {text}" for key, text in rule.messages.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
