"""The rule registry: every family lists its rules explicitly in ``get_rules()``."""

from __future__ import annotations

from importlib import import_module

from xl_budget.rules.base import BaseRule

FAMILIES = ("file", "identity", "budget", "schedule", "goals", "indicators", "department",
            "consolidation")


def get_rules() -> list[type[BaseRule]]:
    """Every rule class, in catalogue order (families missing while under construction are skipped)."""
    rules: list[type[BaseRule]] = []
    for family in FAMILIES:
        try:
            module = import_module(f"xl_budget.rules.{family}")
        except ModuleNotFoundError as exc:
            if exc.name != f"xl_budget.rules.{family}":
                raise
            continue
        rules.extend(module.get_rules())
    return rules


def book_rules() -> list[type[BaseRule]]:
    """The rules that check one workbook (everything but the cross-unit X rules)."""
    return [r for r in get_rules() if r.scope == "book"]


def rule_by_code(code: str) -> type[BaseRule] | None:
    return next((r for r in get_rules() if r.code == code.upper()), None)
